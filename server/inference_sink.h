// server/inference_sink.h — the scheduler's JobSink that answers an HTTP exchange.
//
// Streaming requests start the chunked response at the first token and write one formatted
// chunk per token; non-streamed requests accumulate the text and answer once. An error before
// anything was sent becomes a normal response with its real status (e.g. 503 queue full, 400
// prompt too long); an error after the stream started becomes a final error line/event with the
// status staying 200 (spec §4). Load-only jobs answer with the format's load object.
//
// Callbacks arrive on scheduler threads; every Exchange call posts to the connection's strand.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/exchange.h"
#include "server/response_format.h"

namespace hearth::server {

class InferenceSink final : public sched::JobSink {
 public:
  InferenceSink(std::shared_ptr<Exchange> exchange, std::unique_ptr<ResponseFormat> format, bool stream,
                sched::Clock::time_point received);

  // For load-only jobs: the response to give when the model is ready.
  void set_load_reply(std::function<HttpResponse()> reply) { load_reply_ = std::move(reply); }
  // Called with the statistics of a finished generation (metrics).
  void set_observer(std::function<void(const FinalStats&)> observer) { observer_ = std::move(observer); }

  void on_token(const sched::TokenOutput& out) override;
  void on_done(const sched::Completion& done) override;
  void on_error(int status, const std::string& message) override;

  // Statistics as Ollama reports them for a completion handled at `end`.
  static FinalStats stats_for(const sched::Completion& done, sched::Clock::time_point received,
                              sched::Clock::time_point end);

 private:
  void start_stream_locked();

  std::mutex mutex_;
  std::shared_ptr<Exchange> exchange_;
  std::unique_ptr<ResponseFormat> format_;
  bool stream_;
  sched::Clock::time_point received_;
  bool started_ = false;
  bool finished_ = false;
  std::string text_;
  std::vector<sched::TokenOutput> logprob_tokens_;
  std::function<HttpResponse()> load_reply_;
  std::function<void(const FinalStats&)> observer_;
};

}  // namespace hearth::server
