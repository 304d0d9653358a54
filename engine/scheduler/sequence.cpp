#include "engine/scheduler/sequence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::sched {

namespace {

constexpr const char* kPromptTooLong =
    "the prompt is longer than the context length currently available to the model; shorten the prompt, "
    "adjust the context length in settings, or use a model with a longer context length";

int resolve_keep(int num_keep, std::size_t prompt_len) {
  if (num_keep < 0 || static_cast<std::size_t>(num_keep) > prompt_len) return static_cast<int>(prompt_len);
  return num_keep;
}

}  // namespace

const char* done_reason_name(DoneReason r) {
  switch (r) {
    case DoneReason::Stop: return "stop";
    case DoneReason::Length: return "length";
    case DoneReason::Load: return "load";
    case DoneReason::Unload: return "unload";
    case DoneReason::Cancelled: return "cancel";
  }
  return "stop";
}

std::vector<int32_t> fit_prompt(std::vector<int32_t> tokens, int n_ctx, int n_keep, bool truncate, bool shift) {
  if (n_ctx < 2) throw JobError(400, kPromptTooLong);
  if (tokens.size() <= static_cast<std::size_t>(n_ctx - 1)) return tokens;
  if (!truncate || !shift) throw JobError(400, kPromptTooLong);
  int keep = std::min(resolve_keep(n_keep, tokens.size()), n_ctx - 2);
  int remain = n_ctx - std::max((n_ctx - keep) / 2, 1);
  std::size_t drop = tokens.size() - static_cast<std::size_t>(remain);
  tokens.erase(tokens.begin() + keep, tokens.begin() + keep + static_cast<std::ptrdiff_t>(drop));
  return tokens;
}

double token_logprob(std::span<const float> logits, int32_t token) {
  float max = -std::numeric_limits<float>::infinity();
  for (float l : logits) max = std::max(max, l);
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  return static_cast<double>(logits[static_cast<std::size_t>(token)]) - max - std::log(sum);
}

std::vector<std::pair<int32_t, double>> top_logprobs(std::span<const float> logits, int k) {
  std::vector<std::pair<int32_t, double>> out;
  if (k <= 0 || logits.empty()) return out;
  float max = -std::numeric_limits<float>::infinity();
  for (float l : logits) max = std::max(max, l);
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  double lse = max + std::log(sum);
  std::vector<int32_t> idx(logits.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int32_t>(i);
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(k), idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), idx.end(), [&](int32_t a, int32_t b) {
    return logits[static_cast<std::size_t>(a)] > logits[static_cast<std::size_t>(b)] ||
           (logits[static_cast<std::size_t>(a)] == logits[static_cast<std::size_t>(b)] && a < b);
  });
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(idx[i], logits[static_cast<std::size_t>(idx[i])] - lse);
  return out;
}

Sequence::Sequence(std::shared_ptr<Job> job, const ModelInstance& model, std::vector<int32_t> prompt,
                   Clock::time_point ready)
    : job_(std::move(job)),
      model_(model),
      prompt_(std::move(prompt)),
      sampler_(job_->params.sampling, model.n_vocab()),
      detok_(model.tokenizer()),
      stop_(job_->params.stop),
      ready_(ready),
      prefill_start_(Clock::now()) {
  int num_predict = job_->params.num_predict;
  limit_ = num_predict < 0 ? 10 * model.n_ctx() : num_predict;
  // Penalties see the prompt, as in llama-server.
  for (int32_t t : prompt_) sampler_.accept(t);
}

int Sequence::keep_on_shift() const {
  int keep = resolve_keep(job_->params.num_keep, prompt_.size());
  if (model_.tokenizer().add_bos() && keep < static_cast<int>(prompt_.size())) keep += 1;  // +BOS
  return std::min(keep, std::max(n_past_ - 2, 0));
}

void Sequence::skip_cached_prefix(std::size_t n) {
  prompt_fed_ = n;
  n_past_ = static_cast<int>(n);
}

void Sequence::mark_fed(std::size_t n) {
  prompt_fed_ += n;
  n_past_ += static_cast<int>(n);
}

std::vector<int32_t> Sequence::cached_tokens() const {
  if (n_past_ != static_cast<int>(prompt_fed_ + (generated_.empty() ? 0 : generated_.size() - 1)))
    return {};  // after a context shift positions no longer match token indices
  std::vector<int32_t> out(prompt_.begin(), prompt_.begin() + static_cast<std::ptrdiff_t>(prompt_fed_));
  if (!generated_.empty()) out.insert(out.end(), generated_.begin(), generated_.end() - 1);
  return out;
}

std::optional<DoneReason> Sequence::on_logits(std::span<const float> logits) {
  if (generated_.empty()) prefill_end_ = Clock::now();
  int32_t token = sampler_.sample(logits);
  generated_.push_back(token);
  const tok::Tokenizer& tk = model_.tokenizer();
  bool want_logprobs = job_->params.top_logprobs >= 0;
  if (tk.is_eog(token)) return DoneReason::Stop;
  std::string piece = detok_.push(token);
  sampling::StopMatcher::Result r = stop_.push(piece);
  if (!r.text.empty() || want_logprobs) emit(std::move(r.text), token, logits, want_logprobs);
  if (r.stopped) {
    stopped_by_string_ = true;
    return DoneReason::Stop;
  }
  if (static_cast<int>(generated_.size()) >= limit_) return DoneReason::Length;
  pending_ = token;
  return std::nullopt;
}

void Sequence::emit(std::string text, int32_t token, std::span<const float> logits, bool with_logprobs) {
  TokenOutput out;
  out.text = std::move(text);
  out.token = token;
  if (with_logprobs) {
    const tok::Tokenizer& tk = model_.tokenizer();
    out.logprob = TokenLogprob{token, tk.token_to_piece(token, false), token_logprob(logits, token)};
    for (auto [id, lp] : top_logprobs(logits, job_->params.top_logprobs))
      out.top_logprobs.push_back(TokenLogprob{id, tk.token_to_piece(id, false), lp});
  }
  job_->sink->on_token(out);
}

void Sequence::finish(DoneReason reason) {
  Clock::time_point end = Clock::now();
  if (!stopped_by_string_) {
    std::string tail = detok_.flush();
    sampling::StopMatcher::Result r = stop_.push(tail);
    std::string rest = r.text + (r.stopped ? std::string() : stop_.flush());
    if (!rest.empty()) {
      TokenOutput out;
      out.text = std::move(rest);
      out.token = generated_.empty() ? -1 : generated_.back();
      job_->sink->on_token(out);
    }
  }
  Completion c;
  c.reason = reason;
  c.ready = ready_;
  c.prompt_eval_count = static_cast<int>(prompt_.size());
  if (generated_.empty()) prefill_end_ = end;
  c.prompt_eval_duration = std::chrono::duration_cast<Nanos>(prefill_end_ - prefill_start_);
  c.eval_count = static_cast<int>(generated_.size());
  c.eval_duration = std::chrono::duration_cast<Nanos>(end - prefill_end_);
  c.context = prompt_;
  for (int32_t t : generated_)
    if (!model_.tokenizer().is_eog(t)) c.context.push_back(t);
  job_->sink->on_done(c);
}

void Sequence::fail(int status, const std::string& message) { job_->sink->on_error(status, message); }

}  // namespace hearth::sched
