// engine/sampling/sampler.h — turning logits into the next token, the way Ollama users expect.
//
// The chain and its defaults are llama.cpp's as Ollama drives it (spec §5): penalties → top_k →
// typical_p → top_p → min_p → temperature → draw. temperature ≤ 0 is greedy (argmax). The seed
// makes a request reproducible: the same seed, prompt and options give the same tokens — and the
// same token llama.cpp picks for identical logits, since the draw uses std::mt19937 seeded with
// the request seed exactly as llama.cpp's dist sampler does.
//
//   Sampler s(params, tokenizer.n_vocab());
//   for (int32_t t : prompt) s.accept(t);      // penalties see the prompt, as in llama-server
//   int32_t next = s.sample(logits);           // also accepts `next`
//
// Greedy (temperature ≤ 0, typical_p ≥ 1) is a single pass over the logits with the penalties
// folded in; first maximum wins. Otherwise top_k (when > 0) partially sorts first, so a 128k
// vocabulary is never fully sorted unless every truncation is disabled. The steps themselves
// are in candidates.h and penalties.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth::sampling {

// Ollama's option names and defaults.
struct SamplingParams {
  float temperature = 0.8f;
  int32_t top_k = 40;
  float top_p = 0.9f;
  float min_p = 0.0f;
  float typical_p = 1.0f;
  int32_t repeat_last_n = 64;  // 0 disables the penalties; -1 = the context size (n_ctx)
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::optional<uint64_t> seed;  // none = random; used as llama.cpp's uint32 seed (0xFFFFFFFF = random)
  int32_t n_ctx = 0;             // resolves repeat_last_n = -1; 0 = unknown (keep the whole history)
};

class SamplingError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Sampler {
 public:
  Sampler(const SamplingParams& params, int32_t n_vocab);  // throws SamplingError for n_vocab <= 0
  ~Sampler();
  Sampler(Sampler&&) noexcept;
  Sampler& operator=(Sampler&&) noexcept;

  void accept(int32_t token);                     // adds to the penalty history
  int32_t sample(std::span<const float> logits);  // picks a token and accepts it; logits.size() must be n_vocab
  void reset();                                   // clears history, re-seeds

  const SamplingParams& params() const;
  uint32_t seed() const;  // the seed in use (drawn at random when none was given)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::sampling
