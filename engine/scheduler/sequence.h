// engine/scheduler/sequence.h — one generation request while it occupies a slot.
//
// A Sequence owns everything per request that the batching loop does not: the prompt (already
// fitted to the context window), prefill progress, the sampler, the UTF-8-safe detokenizer, the
// stop-string matcher, logprobs, counters and timings. The runner feeds it logits rows; the
// sequence samples, streams text to the job's sink and says when it is done.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/sampling/sampler.h"
#include "engine/scheduler/job.h"
#include "engine/sampling/stop.h"

namespace hearth::sched {

// Fits a prompt into a context window of n_ctx positions (spec §3.5): when it is longer than
// n_ctx - 1 tokens and both truncate and shift are allowed, keep the first `n_keep` tokens and
// drop the ones after them until n_ctx - max((n_ctx - n_keep) / 2, 1) remain; otherwise throw
// JobError(400) with Ollama's message.
std::vector<int32_t> fit_prompt(std::vector<int32_t> tokens, int n_ctx, int n_keep, bool truncate, bool shift);

// log-softmax of a logits row at `token`, and the `k` most likely alternatives.
double token_logprob(std::span<const float> logits, int32_t token);
std::vector<std::pair<int32_t, double>> top_logprobs(std::span<const float> logits, int k);

class Sequence {
 public:
  Sequence(std::shared_ptr<Job> job, const ModelInstance& model, std::vector<int32_t> prompt, Clock::time_point ready);

  Job& job() { return *job_; }
  const std::shared_ptr<Job>& job_ptr() const { return job_; }

  // Prefill bookkeeping (positions are per slot).
  const std::vector<int32_t>& prompt() const { return prompt_; }
  std::size_t prompt_fed() const { return prompt_fed_; }
  bool prefilling() const { return prompt_fed_ < prompt_.size(); }
  int n_past() const { return n_past_; }
  void skip_cached_prefix(std::size_t n);      // tokens already in the slot's KV
  void mark_fed(std::size_t n);                // n prompt tokens went through decode
  void mark_decoded() { ++n_past_; }           // the pending token went through decode
  void shifted(int n_discard) { n_past_ -= n_discard; }
  int32_t pending_token() const { return pending_; }
  int keep_on_shift() const;                   // num_keep resolved against this prompt

  // Samples from this sequence's logits row and streams the result. Returns the reason when the
  // sequence is finished (the runner then calls finish()).
  std::optional<DoneReason> on_logits(std::span<const float> logits);
  // Flushes held-back text (unless a stop string matched) and reports completion.
  void finish(DoneReason reason);
  void fail(int status, const std::string& message);

  // Tokens now stored in the slot's KV cache (for prefix reuse by the next request).
  std::vector<int32_t> cached_tokens() const;

 private:
  void emit(std::string text, int32_t token, std::span<const float> logits, bool with_logprobs);

  std::shared_ptr<Job> job_;
  const ModelInstance& model_;
  std::vector<int32_t> prompt_;
  std::vector<int32_t> generated_;
  std::size_t prompt_fed_ = 0;
  int n_past_ = 0;
  int32_t pending_ = -1;
  int limit_;                       // max tokens to generate
  sampling::Sampler sampler_;
  tok::StreamingDetokenizer detok_;
  sampling::StopMatcher stop_;
  bool stopped_by_string_ = false;
  Clock::time_point ready_;
  Clock::time_point prefill_start_;
  Clock::time_point prefill_end_;
  bool prefill_started_ = false;
};

}  // namespace hearth::sched
