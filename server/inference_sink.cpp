#include "server/inference_sink.h"

namespace hearth::server {

InferenceSink::InferenceSink(std::shared_ptr<Exchange> exchange, std::unique_ptr<ResponseFormat> format, bool stream,
                             sched::Clock::time_point received)
    : exchange_(std::move(exchange)), format_(std::move(format)), stream_(stream), received_(received) {}

FinalStats InferenceSink::stats_for(const sched::Completion& d, sched::Clock::time_point received,
                                    sched::Clock::time_point end) {
  FinalStats s;
  s.done_reason = sched::done_reason_name(d.reason);
  s.total_duration = std::chrono::duration_cast<std::chrono::nanoseconds>(end - received);
  if (d.ready > received) s.load_duration = std::chrono::duration_cast<std::chrono::nanoseconds>(d.ready - received);
  s.prompt_eval_count = d.prompt_eval_count;
  s.prompt_eval_duration = d.prompt_eval_duration;
  s.eval_count = d.eval_count;
  s.eval_duration = d.eval_duration;
  s.context = d.context;
  return s;
}

void InferenceSink::start_stream_locked() {
  if (started_) return;
  started_ = true;
  exchange_->begin_stream(200, format_->stream_content_type());
}

void InferenceSink::on_token(const sched::TokenOutput& out) {
  std::lock_guard lk(mutex_);
  if (finished_) return;
  if (!stream_) {
    text_ += out.text;
    if (out.logprob) logprob_tokens_.push_back(out);
    return;
  }
  std::string bytes = format_->stream_token(out);
  if (bytes.empty()) return;
  start_stream_locked();
  exchange_->write(std::move(bytes));
}

void InferenceSink::on_done(const sched::Completion& done) {
  std::lock_guard lk(mutex_);
  if (finished_) return;
  finished_ = true;
  if (done.reason == sched::DoneReason::Load && load_reply_) {
    exchange_->respond(load_reply_());
    return;
  }
  FinalStats stats = stats_for(done, received_, sched::Clock::now());
  if (observer_) observer_(stats);
  if (!stream_) {
    exchange_->respond(format_->whole(text_, logprob_tokens_, stats));
    return;
  }
  start_stream_locked();
  exchange_->write(format_->stream_end(stats));
  exchange_->end();
}

void InferenceSink::on_error(int status, const std::string& message) {
  std::lock_guard lk(mutex_);
  if (finished_) return;
  finished_ = true;
  if (!started_) {
    exchange_->respond(format_->error(status, message));
    return;
  }
  exchange_->write(format_->stream_error(status, message));
  exchange_->end();
}

}  // namespace hearth::server
