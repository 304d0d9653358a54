// engine/sampling/sampler.h — turning logits into the next token, the way Ollama users expect.
//
// The chain and its defaults are llama.cpp's as Ollama drives it (spec §5): penalties → top_k →
// typical_p → top_p → min_p → temperature → draw. temperature ≤ 0 is greedy (argmax). The seed
// makes a request reproducible: the same seed, prompt and options give the same tokens.
//
//   Sampler s(params, tokenizer.n_vocab());
//   for (int32_t t : prompt) s.accept(t);      // penalties see the prompt, as in llama-server
//   int32_t next = s.sample(logits);           // also accepts `next`
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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
  int32_t repeat_last_n = 64;
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::optional<uint64_t> seed;  // none = random
};

class Sampler {
 public:
  Sampler(const SamplingParams& params, int32_t n_vocab);
  ~Sampler();
  Sampler(Sampler&&) noexcept;
  Sampler& operator=(Sampler&&) noexcept;

  void accept(int32_t token);                  // adds to the penalty history
  int32_t sample(std::span<const float> logits);  // picks a token and accepts it
  void reset();                                // clears history, re-seeds

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::sampling
