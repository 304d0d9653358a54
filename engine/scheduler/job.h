// engine/scheduler/job.h — one unit of work handed to the scheduler, and how results come back.
//
// A Job names the model (LoadSpec), what to do (load only, generate, embed) and a JobSink that
// receives results. Sink callbacks run on scheduler threads (a runner's engine thread, or the
// submitting thread when the answer is immediate) and never while a scheduler lock is held; the
// server's sink posts them to the connection's strand. Exactly one terminal callback is made:
// on_done, on_embeddings or on_error.
//
// Cancellation is cooperative: the HTTP session calls `cancel->cancel()` when the client goes
// away; a queued job is dropped, a running one stops before its next decode step.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/json.h"
#include "engine/sampling/sampler.h"
#include "engine/scheduler/model_instance.h"

namespace hearth::sched {

using Clock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;
inline constexpr Nanos kKeepForever = Nanos::max();

// An error with an HTTP-like status: 400 bad prompt, 499 cancelled, 500 load/engine failure,
// 503 queue full, 507 model too large for memory.
class JobError : public std::runtime_error {
 public:
  JobError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Set once, by anyone; wakes whoever registered interest (the scheduler) so a queued job is
// dropped without waiting for unrelated work.
class CancelToken {
 public:
  void cancel();
  bool cancelled() const;
  // Called (once) when cancel() happens; immediately if it already has.
  void on_cancel(std::function<void()> callback);

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::vector<std::function<void()>> callbacks_;
};

struct GenerationParams {
  sampling::SamplingParams sampling;
  int num_predict = -1;   // < 0: until a stop condition (capped at 10 × n_ctx)
  int num_keep = 4;       // kept on context shift; -1 = the whole prompt
  bool shift = true;      // context shift when the window fills
  bool truncate = true;   // cut an over-long prompt instead of failing
  std::vector<std::string> stop;
  int top_logprobs = -1;  // < 0: no logprobs; 0..20: alternatives per token
};

// What `prepare` sees: the loaded model's tokenizer and the per-slot context size.
struct PromptContext {
  const tok::Tokenizer& tokenizer;
  int n_ctx;
  int n_ctx_train;
};

// Renders and tokenizes the prompt once the model is loaded (it needs the tokenizer and n_ctx).
// Runs on the engine thread; throws JobError(400, …) for a prompt that cannot be served.
using PrepareFn = std::function<std::vector<int32_t>(const PromptContext&)>;

struct TokenLogprob {
  int32_t token = 0;
  std::string text;
  double logprob = 0;
};

struct TokenOutput {
  std::string text;        // may be empty (partial UTF-8 held back, or stop-string prefix)
  int32_t token = 0;
  std::optional<TokenLogprob> logprob;        // when requested
  std::vector<TokenLogprob> top_logprobs;
};

enum class DoneReason { Stop, Length, Load, Unload, Cancelled };
const char* done_reason_name(DoneReason r);

struct Completion {
  DoneReason reason = DoneReason::Stop;
  Clock::time_point ready;            // when the model was ready for this job
  int prompt_eval_count = 0;          // prompt tokens (cache hits included)
  Nanos prompt_eval_duration{0};
  int eval_count = 0;
  Nanos eval_duration{0};
  std::vector<int32_t> context;       // prompt + generated token ids
};

struct EmbedResult {
  std::vector<std::vector<float>> embeddings;  // unnormalised, one per input
  int prompt_eval_count = 0;
  Clock::time_point ready;
};

class JobSink {
 public:
  virtual ~JobSink() = default;
  virtual void on_token(const TokenOutput& out) = 0;
  virtual void on_done(const Completion& done) = 0;
  virtual void on_embeddings(const EmbedResult& result) { (void)result; }
  virtual void on_error(int status, const std::string& message) = 0;
};

enum class JobKind { Load, Generate, Embed };

struct ModelLabel {
  std::string name;     // display name ("llama3.2:latest"), for /api/ps
  std::string digest;   // manifest digest
  Json details;         // the model's `details` object, echoed by /api/ps
};

struct Job {
  JobKind kind = JobKind::Generate;
  LoadSpec model;
  ModelLabel label;
  std::optional<Nanos> keep_alive;   // nullopt: keep the runner's current value / the default
  // Generate
  PrepareFn prepare;
  GenerationParams params;
  // Embed
  std::vector<std::string> inputs;
  bool truncate = true;

  std::shared_ptr<JobSink> sink;
  std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
  Clock::time_point received = Clock::now();
};

}  // namespace hearth::sched
