#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/sampling/candidates.h"
#include "engine/sampling/penalties.h"

namespace hearth::sampling {

namespace {

constexpr uint32_t kRandomSeed = 0xFFFFFFFFu;  // llama.cpp's LLAMA_DEFAULT_SEED

uint32_t resolve_seed(const std::optional<uint64_t>& requested) {
  if (requested && static_cast<uint32_t>(*requested) != kRandomSeed) return static_cast<uint32_t>(*requested);
  std::random_device rd;
  return rd();
}

int32_t window_size(const SamplingParams& p) {
  if (p.repeat_last_n >= 0) return p.repeat_last_n;
  return p.n_ctx > 0 ? p.n_ctx : -1;  // -1: unbounded
}

}  // namespace

struct Sampler::Impl {
  SamplingParams params;
  int32_t n_vocab;
  uint32_t seed;
  std::mt19937 rng;
  PenaltyWindow penalties;
  Candidates candidates;  // reused between calls: no per-token allocation

  Impl(const SamplingParams& p, int32_t n)
      : params(p), n_vocab(n), seed(resolve_seed(p.seed)), rng(seed), penalties(window_size(p)) {}

  bool penalties_active() const {
    return penalties.enabled() &&
           !PenaltyWindow::neutral(params.repeat_penalty, params.frequency_penalty, params.presence_penalty);
  }

  // First maximum in id order of the (penalised) logits; NaN logits never win.
  int32_t greedy(std::span<const float> logits) const {
    const bool penalize = penalties_active();
    // The counted tokens, sorted, so the scan can skip them without a hash lookup per token.
    std::vector<int32_t> counted;
    if (penalize) {
      counted.reserve(penalties.counts().size());
      for (const auto& [token, n] : penalties.counts()) counted.push_back(token);
      std::sort(counted.begin(), counted.end());
    }
    auto next_counted = counted.begin();
    int32_t best = -1;
    float best_logit = -INFINITY;
    for (std::size_t i = 0; i < logits.size(); ++i) {
      while (next_counted != counted.end() && *next_counted < static_cast<int32_t>(i)) ++next_counted;
      if (next_counted != counted.end() && *next_counted == static_cast<int32_t>(i)) continue;
      float l = logits[i];
      if (std::isnan(l)) continue;
      if (best < 0 || l > best_logit) {
        best = static_cast<int32_t>(i);
        best_logit = l;
      }
    }
    if (penalize) {
      // Counted tokens were skipped above; compare their penalised logits (ties: lower id wins).
      for (const auto& [token, n] : penalties.counts()) {
        if (token < 0 || static_cast<std::size_t>(token) >= logits.size()) continue;
        float raw = logits[static_cast<std::size_t>(token)];
        if (std::isnan(raw)) continue;
        float l = PenaltyWindow::penalize(raw, n, params.repeat_penalty, params.frequency_penalty, params.presence_penalty);
        if (best < 0 || l > best_logit || (l == best_logit && token < best)) {
          best = token;
          best_logit = l;
        }
      }
    }
    return best < 0 ? 0 : best;
  }
};

Sampler::Sampler(const SamplingParams& params, int32_t n_vocab) {
  if (n_vocab <= 0) throw SamplingError("sampler: vocabulary size must be positive, got " + std::to_string(n_vocab));
  impl_ = std::make_unique<Impl>(params, n_vocab);
}

Sampler::~Sampler() = default;
Sampler::Sampler(Sampler&&) noexcept = default;
Sampler& Sampler::operator=(Sampler&&) noexcept = default;

void Sampler::accept(int32_t token) { impl_->penalties.accept(token); }

int32_t Sampler::sample(std::span<const float> logits) {
  Impl& s = *impl_;
  if (logits.size() != static_cast<std::size_t>(s.n_vocab))
    throw SamplingError("sampler: expected " + std::to_string(s.n_vocab) + " logits, got " +
                        std::to_string(logits.size()));
  const SamplingParams& p = s.params;
  int32_t token;
  if (p.temperature <= 0.0f && p.typical_p >= 1.0f) {
    // Truncation steps always keep the maximum, so greedy needs only the penalties.
    token = s.greedy(logits);
  } else {
    Candidates& c = s.candidates;
    c.assign(logits);
    if (s.penalties_active()) s.penalties.apply(c, p.repeat_penalty, p.frequency_penalty, p.presence_penalty);
    top_k(c, p.top_k);
    typical_p(c, p.typical_p, 0);
    top_p(c, p.top_p, 0);
    min_p(c, p.min_p, 0);
    temperature(c, p.temperature);
    token = c.data[draw(c, s.rng)].id;
  }
  s.penalties.accept(token);
  return token;
}

void Sampler::reset() {
  impl_->penalties.clear();
  impl_->seed = resolve_seed(impl_->params.seed);
  impl_->rng.seed(impl_->seed);
}

const SamplingParams& Sampler::params() const { return impl_->params; }
uint32_t Sampler::seed() const { return impl_->seed; }

}  // namespace hearth::sampling
