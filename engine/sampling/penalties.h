// engine/sampling/penalties.h — repeat / frequency / presence penalties over the recent tokens.
//
// llama.cpp keeps the last `repeat_last_n` accepted tokens (prompt included, as llama-server
// accepts every prompt token) and a count per token. For each candidate seen `count` times:
//   logit = logit <= 0 ? logit * repeat_penalty : logit / repeat_penalty
//   logit -= count * frequency_penalty + (count > 0) * presence_penalty
// The step is skipped when the window is 0 or all three penalties are neutral (1, 0, 0).
//
//   PenaltyWindow w(64);             // 0 disables; a negative window keeps the whole history
//   w.accept(token);                 // after every prompt token and every sampled token
//   w.apply(candidates, 1.1f, 0.0f, 0.0f);
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "engine/sampling/candidates.h"

namespace hearth::sampling {

class PenaltyWindow {
 public:
  explicit PenaltyWindow(int32_t last_n) : last_n_(last_n) {}

  void accept(int32_t token);
  void clear();
  bool enabled() const { return last_n_ != 0; }
  int count(int32_t token) const;
  const std::unordered_map<int32_t, int>& counts() const { return counts_; }

  // The penalised logit of one token (the formula above).
  static float penalize(float logit, int count, float repeat, float frequency, float presence);
  // Applies the penalties to every candidate; marks the array unsorted.
  void apply(Candidates& c, float repeat, float frequency, float presence) const;
  static bool neutral(float repeat, float frequency, float presence) {
    return repeat == 1.0f && frequency == 0.0f && presence == 0.0f;
  }

 private:
  int32_t last_n_;
  std::deque<int32_t> window_;
  std::unordered_map<int32_t, int> counts_;
};

}  // namespace hearth::sampling
