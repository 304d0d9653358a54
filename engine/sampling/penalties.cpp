#include "engine/sampling/penalties.h"

namespace hearth::sampling {

void PenaltyWindow::accept(int32_t token) {
  if (last_n_ == 0) return;
  ++counts_[token];
  if (last_n_ > 0 && window_.size() >= static_cast<std::size_t>(last_n_)) {
    int32_t old = window_.front();
    window_.pop_front();
    auto it = counts_.find(old);
    if (--it->second == 0) counts_.erase(it);
  }
  window_.push_back(token);
}

void PenaltyWindow::clear() {
  window_.clear();
  counts_.clear();
}

int PenaltyWindow::count(int32_t token) const {
  auto it = counts_.find(token);
  return it == counts_.end() ? 0 : it->second;
}

float PenaltyWindow::penalize(float logit, int count, float repeat, float frequency, float presence) {
  if (count <= 0) return logit;
  if (logit <= 0) logit *= repeat;
  else logit /= repeat;
  logit -= static_cast<float>(count) * frequency + static_cast<float>(count > 0) * presence;
  return logit;
}

void PenaltyWindow::apply(Candidates& c, float repeat, float frequency, float presence) const {
  if (last_n_ == 0 || neutral(repeat, frequency, presence)) return;
  // Fresh arrays are the vocabulary in id order: touch only the counted tokens.
  const bool identity = !c.data.empty() && c.data.front().id == 0 &&
                        c.data.back().id == static_cast<int32_t>(c.data.size()) - 1;
  if (identity) {
    for (const auto& [token, n] : counts_)
      if (token >= 0 && static_cast<std::size_t>(token) < c.data.size())
        c.data[static_cast<std::size_t>(token)].logit =
            penalize(c.data[static_cast<std::size_t>(token)].logit, n, repeat, frequency, presence);
  } else {
    for (TokenData& t : c.data) t.logit = penalize(t.logit, count(t.id), repeat, frequency, presence);
  }
  c.sorted = false;
}

}  // namespace hearth::sampling
