// engine/sampling/candidates.h — the candidate array and the samplers of llama.cpp's chain.
//
// The chain works on an array of {id, logit, p} that starts as the whole vocabulary in id order
// (unsorted) and is edited in place by each step, exactly like llama.cpp's
// llama_token_data_array: truncating steps shrink it, some sort it (descending logit) and set
// `sorted`, the final draw walks it in its current order. Because the draw picks "the first
// candidate whose running probability sum reaches r·S", the array order is part of the result;
// every step here leaves the array in the order llama.cpp leaves it, so a seed reproduces
// llama.cpp's token for identical logits (up to the order of exactly tied logits).
//
// Each step is a free function so it can be tested on hand-computed examples:
//
//   Candidates c; c.assign(logits);
//   top_k(c, 40); top_p(c, 0.9f, 0); temperature(c, 0.8f);
//   std::size_t pick = draw(c, rng);        // index into c.data; c.data[pick].id is the token
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hearth::sampling {

struct TokenData {
  int32_t id;
  float logit;
  float p;
};

struct Candidates {
  std::vector<TokenData> data;  // data.size() is the current candidate count
  bool sorted = false;          // descending by logit

  // The whole vocabulary in id order; NaN logits become -inf so sorting stays well defined.
  void assign(std::span<const float> logits);
};

// Probabilities from logits: p = expf(logit - max) / Σ (float sums in array order).
// do_sort: sort descending first if not sorted.
void softmax(Candidates& c, bool do_sort);

// Keep the k highest logits, sorted descending. k <= 0: no-op.
void top_k(Candidates& c, int32_t k);

// Locally typical sampling: order by |−ln p − H| and keep the shortest prefix whose cumulative
// probability exceeds p (strictly). p >= 1: no-op. Leaves the array unsorted.
void typical_p(Candidates& c, float p, std::size_t min_keep);

// Nucleus: sorted descending, keep the smallest prefix with cumulative probability >= p.
// p >= 1: no-op.
void top_p(Candidates& c, float p, std::size_t min_keep);

// Keep candidates with logit >= max_logit + ln(p) (p_i >= p·p_max). p <= 0: no-op.
void min_p(Candidates& c, float p, std::size_t min_keep);

// t > 0: logit /= t. t <= 0: only the first maximal logit survives (others become -inf).
void temperature(Candidates& c, float t);

// The final draw (llama.cpp's dist sampler): p_i = expf(logit_i − max) in float, S summed in
// double, r from `uniform_unit`, the first i (array order) with running sum >= r·S. Fills p
// normalised. A single candidate is chosen without consuming randomness. Returns an index.
std::size_t draw(Candidates& c, std::mt19937& rng);

// std::uniform_real_distribution<double>(0, 1) on mt19937 as libstdc++ and libc++ compute it:
// two outputs a, b → (a + b·2^32) / 2^64, kept below 1.
double uniform_unit(std::mt19937& rng);

}  // namespace hearth::sampling
