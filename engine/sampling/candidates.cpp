#include "engine/sampling/candidates.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>

namespace hearth::sampling {

namespace {

bool by_logit_desc(const TokenData& a, const TokenData& b) { return a.logit > b.logit; }

// Keeps the n highest logits at the front, sorted descending, and shrinks the array to them.
// Up to 128 this is std::partial_sort over the whole array — the same call llama.cpp makes, so
// ties come out in the same order; beyond that a selection followed by a sort of the kept part.
void partial_sort_inplace(Candidates& c, std::size_t n) {
  auto begin = c.data.begin();
  auto mid = begin + static_cast<std::ptrdiff_t>(n);
  if (n <= 128) {
    std::partial_sort(begin, mid, c.data.end(), by_logit_desc);
  } else {
    if (mid != c.data.end()) std::nth_element(begin, mid, c.data.end(), by_logit_desc);
    std::sort(begin, mid, by_logit_desc);
  }
  c.data.resize(n);
  c.sorted = true;
}

}  // namespace

void Candidates::assign(std::span<const float> logits) {
  data.resize(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    float l = logits[i];
    data[i] = TokenData{static_cast<int32_t>(i), std::isnan(l) ? -INFINITY : l, 0.0f};
  }
  sorted = false;
}

void softmax(Candidates& c, bool do_sort) {
  if (c.data.empty()) return;
  if (do_sort && !c.sorted) partial_sort_inplace(c, c.data.size());
  float max_l = c.data[0].logit;
  if (!c.sorted)
    for (const TokenData& t : c.data) max_l = std::max(max_l, t.logit);
  float cum_sum = 0.0f;
  for (TokenData& t : c.data) {
    t.p = expf(t.logit - max_l);
    cum_sum += t.p;
  }
  for (TokenData& t : c.data) t.p /= cum_sum;
}

void top_k(Candidates& c, int32_t k) {
  if (k <= 0 || c.data.empty()) return;
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(k), c.data.size());
  if (!c.sorted) partial_sort_inplace(c, n);
  c.data.resize(n);
}

void typical_p(Candidates& c, float p, std::size_t min_keep) {
  if (p >= 1.0f || c.data.empty()) return;
  softmax(c, true);
  float entropy = 0.0f;
  // 0·ln 0 = 0: probabilities that underflowed to zero add nothing (and no NaN).
  for (const TokenData& t : c.data)
    if (t.p > 0.0f) entropy += -t.p * logf(t.p);
  std::vector<float> shifted(c.data.size());
  for (std::size_t i = 0; i < c.data.size(); ++i) shifted[i] = fabsf(-logf(c.data[i].p) - entropy);
  std::vector<std::size_t> indices(c.data.size());
  std::iota(indices.begin(), indices.end(), 0);
  std::sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) { return shifted[a] < shifted[b]; });
  float cum_sum = 0.0f;
  std::size_t last = indices.size();
  for (std::size_t i = 0; i < indices.size(); ++i) {
    cum_sum += c.data[indices[i]].p;
    if (cum_sum > p && (min_keep == 0 || i + 1 >= min_keep)) {
      last = i + 1;
      break;
    }
  }
  std::vector<TokenData> kept;
  kept.reserve(last);
  for (std::size_t i = 0; i < last; ++i) kept.push_back(c.data[indices[i]]);
  c.data = std::move(kept);
  c.sorted = false;
}

void top_p(Candidates& c, float p, std::size_t min_keep) {
  if (p >= 1.0f || c.data.empty()) return;
  softmax(c, false);
  const std::size_t size = c.data.size();
  // Sort lazily: the nucleus of a peaked distribution is small, so order the best 256 first
  // and the rest only if the running sum has not reached p by then.
  std::size_t sorted_upto = size;
  if (!c.sorted) {
    sorted_upto = std::min<std::size_t>(size > 1024 ? 256 : size, size);
    auto mid = c.data.begin() + static_cast<std::ptrdiff_t>(sorted_upto);
    if (mid != c.data.end()) std::nth_element(c.data.begin(), mid, c.data.end(), by_logit_desc);
    std::sort(c.data.begin(), mid, by_logit_desc);
  }
  float cum_sum = 0.0f;
  std::size_t last = size;
  for (std::size_t i = 0; i < size; ++i) {
    if (i == sorted_upto) {
      std::sort(c.data.begin() + static_cast<std::ptrdiff_t>(i), c.data.end(), by_logit_desc);
      sorted_upto = size;
    }
    cum_sum += c.data[i].p;
    if (cum_sum >= p && i + 1 >= min_keep) {
      last = i + 1;
      break;
    }
  }
  c.data.resize(last);
  c.sorted = true;
}

void min_p(Candidates& c, float p, std::size_t min_keep) {
  if (p <= 0.0f || c.data.empty()) return;
  if (!c.sorted) {
    float max_logit = -FLT_MAX;
    for (const TokenData& t : c.data) max_logit = std::max(max_logit, t.logit);
    const float min_logit = max_logit + logf(p);
    std::size_t count = 0;
    for (const TokenData& t : c.data)
      if (t.logit >= min_logit) ++count;
    if (count > 0 && count >= min_keep) {
      // Keep the survivors in their current order, as llama.cpp's unsorted path does.
      std::size_t out = 0;
      for (std::size_t i = 0; i < c.data.size(); ++i)
        if (c.data[i].logit >= min_logit) c.data[out++] = c.data[i];
      c.data.resize(out);
      return;
    }
    partial_sort_inplace(c, c.data.size());
  }
  const float min_logit = c.data[0].logit + logf(p);
  std::size_t i = 1;  // the first token always stays
  for (; i < c.data.size(); ++i)
    if (c.data[i].logit < min_logit && i >= min_keep) break;
  c.data.resize(i);
}

void temperature(Candidates& c, float t) {
  if (c.data.empty()) return;
  if (t <= 0.0f) {
    std::size_t max_i = 0;
    float max_l = c.data[0].logit;
    for (std::size_t i = 1; i < c.data.size(); ++i) {
      if (c.data[i].logit > max_l) {
        c.data[max_i].logit = -INFINITY;
        max_i = i;
        max_l = c.data[i].logit;
      } else {
        c.data[i].logit = -INFINITY;
      }
    }
    return;
  }
  for (TokenData& d : c.data) d.logit /= t;
}

double uniform_unit(std::mt19937& rng) {
  const double a = static_cast<double>(rng());
  const double b = static_cast<double>(rng());
  double r = (a + b * 4294967296.0) / 18446744073709551616.0;
  if (r >= 1.0) r = std::nextafter(1.0, 0.0);
  return r;
}

std::size_t draw(Candidates& c, std::mt19937& rng) {
  if (c.data.empty()) return 0;
  if (c.data.size() == 1) {
    c.data[0].p = 1.0f;
    return 0;
  }
  float max_l = c.data[0].logit;
  if (!c.sorted)
    for (const TokenData& t : c.data) max_l = std::max(max_l, t.logit);
  double sum_cum = 0.0;
  for (TokenData& t : c.data) {
    t.p = expf(t.logit - max_l);
    sum_cum += t.p;
  }
  const double target = sum_cum * uniform_unit(rng);
  double sum_run = 0.0;
  std::size_t selected = c.data.size() - 1;  // llama.cpp's fallback (all -inf / NaN sums)
  bool found = false;
  for (std::size_t i = 0; i < c.data.size(); ++i) {
    if (!found) {
      sum_run += c.data[i].p;
      if (sum_run >= target) {
        selected = i;
        found = true;
      }
    }
    c.data[i].p = static_cast<float>(c.data[i].p / sum_cum);
  }
  return selected;
}

}  // namespace hearth::sampling
