// The Sampler as the engine uses it: statistical agreement with softmax(logits/T) (chi-square at
// a fixed seed), truncation sets under the full chain, greedy, penalties, determinism of seeds.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "engine/sampling/sampler.h"

using namespace hearth::sampling;

namespace {

SamplingParams plain(float temperature, uint64_t seed) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.typical_p = 1.0f;
  p.repeat_penalty = 1.0f;
  p.seed = seed;
  return p;
}

std::vector<double> softmax(const std::vector<float>& logits, double t) {
  double m = -INFINITY;
  for (float l : logits) m = std::max(m, static_cast<double>(l) / t);
  std::vector<double> p;
  double s = 0;
  for (float l : logits) {
    p.push_back(std::exp(static_cast<double>(l) / t - m));
    s += p.back();
  }
  for (double& x : p) x /= s;
  return p;
}

std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) ++counts[static_cast<std::size_t>(s.sample(logits))];
  return counts;
}

// Pearson's chi-square over the categories with non-zero expectation.
double chi_square(const std::vector<int>& counts, const std::vector<double>& probs, int n) {
  double x2 = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (probs[i] == 0) continue;
    double e = probs[i] * n;
    x2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return x2;
}

const std::vector<float> kLogits = {1.0f, 2.5f, 0.3f, -1.0f, 2.0f, 0.0f, 1.7f, -0.5f};
// Chi-square critical values at p = 0.001.
constexpr double kChi2Df7 = 24.32;
constexpr double kChi2Df2 = 13.82;

}  // namespace

TEST_CASE("sampler: draws follow softmax(logits / T)", "[sampling][stats]") {
  constexpr int kDraws = 20000;
  for (float t : {1.0f, 0.7f, 1.5f}) {
    Sampler s(plain(t, 12345), static_cast<int32_t>(kLogits.size()));
    auto counts = histogram(s, kLogits, kDraws);
    double x2 = chi_square(counts, softmax(kLogits, t), kDraws);
    INFO("T=" << t << " chi2=" << x2);
    CHECK(x2 < kChi2Df7);
  }
  // A wrong temperature is detected by the same test (the check has power).
  Sampler s(plain(0.7f, 12345), static_cast<int32_t>(kLogits.size()));
  auto counts = histogram(s, kLogits, kDraws);
  CHECK(chi_square(counts, softmax(kLogits, 1.0), kDraws) > kChi2Df7);
}

TEST_CASE("sampler: truncation under the full chain draws only from the kept set", "[sampling][stats]") {
  constexpr int kDraws = 20000;
  SECTION("top_k = 3 renormalises over the three largest") {
    SamplingParams p = plain(1.0f, 99);
    p.top_k = 3;
    Sampler s(p, static_cast<int32_t>(kLogits.size()));
    auto counts = histogram(s, kLogits, kDraws);
    std::vector<float> top = {kLogits[1], kLogits[4], kLogits[6]};
    auto probs = softmax(top, 1.0);
    std::vector<double> full(kLogits.size(), 0.0);
    full[1] = probs[0];
    full[4] = probs[1];
    full[6] = probs[2];
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (full[i] == 0) CHECK(counts[i] == 0);
    CHECK(chi_square(counts, full, kDraws) < kChi2Df2);
  }
  SECTION("top_p keeps the nucleus") {
    SamplingParams p = plain(1.0f, 7);
    p.top_p = 0.7f;  // sorted probs 0.392 (id1), 0.238 (id4), 0.176 (id6): 0.629 < 0.7 <= 0.805
    Sampler s(p, static_cast<int32_t>(kLogits.size()));
    auto counts = histogram(s, kLogits, kDraws);
    std::set<int> seen;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i]) seen.insert(static_cast<int>(i));
    CHECK(seen == std::set<int>{1, 4, 6});
  }
  SECTION("min_p drops p < min_p * p_max") {
    SamplingParams p = plain(1.0f, 8);
    p.min_p = 0.5f;  // keeps logits >= 2.5 + ln 0.5 = 1.807: ids 1 and 4
    Sampler s(p, static_cast<int32_t>(kLogits.size()));
    auto counts = histogram(s, kLogits, kDraws);
    std::set<int> seen;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i]) seen.insert(static_cast<int>(i));
    CHECK(seen == std::set<int>{1, 4});
  }
  SECTION("temperature applies after truncation") {
    SamplingParams p = plain(0.5f, 9);
    p.top_k = 2;
    Sampler s(p, static_cast<int32_t>(kLogits.size()));
    auto counts = histogram(s, kLogits, kDraws);
    // P(id1) = 1 / (1 + e^{(2.0-2.5)/0.5}) = 1/(1+e^-1) = 0.731
    double p1 = 1.0 / (1.0 + std::exp(-1.0));
    double x2 = chi_square({counts[1], counts[4]}, {p1, 1 - p1}, kDraws);
    CHECK(counts[1] + counts[4] == kDraws);
    CHECK(x2 < 10.83);  // df 1
  }
}

TEST_CASE("sampler: temperature <= 0 is greedy", "[sampling][greedy]") {
  SamplingParams p = plain(0.0f, 1);
  p.top_k = 40;
  p.top_p = 0.9f;
  Sampler s(p, 5);
  CHECK(s.sample(std::vector<float>{0.1f, 3.0f, 2.9f, 3.0f, -1.0f}) == 1);  // first maximum wins
  CHECK(s.sample(std::vector<float>{NAN, -1.0f, 0.5f, 0.4f, 0.0f}) == 2);  // NaN never wins
  // With a repeat penalty the argmax is over the penalised logits (llama.cpp's chain).
  SamplingParams q = plain(0.0f, 1);
  q.repeat_penalty = 2.0f;
  Sampler r(q, 3);
  r.accept(0);
  CHECK(r.sample(std::vector<float>{4.0f, 3.0f, 1.0f}) == 1);  // 4/2 = 2 < 3
  CHECK(r.sample(std::vector<float>{4.0f, 3.0f, 1.0f}) == 0);  // 1 is penalised now: 1.5 < 2
  // typical_p < 1 runs the chain; the draw still takes the maximum.
  SamplingParams t = plain(0.0f, 3);
  t.typical_p = 0.9f;
  Sampler u(t, 4);
  CHECK(u.sample(std::vector<float>{0.0f, 0.1f, 5.0f, 0.2f}) == 2);
}

TEST_CASE("sampler: penalties see the accepted prompt and sampled tokens", "[sampling][penalties]") {
  SamplingParams p = plain(0.0f, 1);
  p.presence_penalty = 10.0f;
  p.repeat_last_n = 2;
  Sampler s(p, 4);
  const std::vector<float> logits = {5.0f, 4.0f, 3.0f, 2.0f};
  s.accept(0);                     // the prompt
  CHECK(s.sample(logits) == 1);    // 0 penalised
  CHECK(s.sample(logits) == 2);    // 0 and 1 in the window
  CHECK(s.sample(logits) == 0);    // window now holds 1 and 2: 0 is free again
  // repeat_last_n = 0 disables penalties.
  SamplingParams off = p;
  off.repeat_last_n = 0;
  Sampler o(off, 4);
  o.accept(0);
  CHECK(o.sample(logits) == 0);
  // repeat_last_n = -1 resolves to n_ctx.
  SamplingParams ctx = p;
  ctx.repeat_last_n = -1;
  ctx.n_ctx = 1;
  Sampler c(ctx, 4);
  c.accept(0);
  c.accept(3);                     // pushes 0 out of a window of one
  CHECK(c.sample(logits) == 0);
}

TEST_CASE("sampler: a seed reproduces the sequence; reset re-seeds", "[sampling][seed]") {
  std::mt19937 gen(2024);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<std::vector<float>> steps(200, std::vector<float>(1000));
  for (auto& s : steps)
    for (float& x : s) x = nd(gen);
  SamplingParams p;  // Ollama defaults: top_k 40, top_p 0.9, temperature 0.8
  p.seed = 42;
  auto run = [&](Sampler& s) {
    std::vector<int32_t> out;
    for (const auto& l : steps) out.push_back(s.sample(l));
    return out;
  };
  Sampler a(p, 1000), b(p, 1000);
  auto ra = run(a);
  CHECK(ra == run(b));
  a.reset();
  CHECK(run(a) == ra);
  SamplingParams q = p;
  q.seed = 43;
  Sampler c(q, 1000);
  CHECK(run(c) != ra);
  // Every pick is inside the top 40 of its step.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::vector<float> sorted = steps[i];
    std::nth_element(sorted.begin(), sorted.begin() + 39, sorted.end(), std::greater<float>());
    CHECK(steps[i][static_cast<std::size_t>(ra[i])] >= sorted[39]);
  }
  // No seed, or llama.cpp's "random" marker 0xFFFFFFFF: a fresh random seed each time
  // (two draws collide with probability 2^-32).
  SamplingParams none;
  Sampler d1(none, 10), d2(none, 10);
  CHECK(d1.seed() != d2.seed());
  SamplingParams marker;
  marker.seed = 0xFFFFFFFFull;
  Sampler e1(marker, 10), e2(marker, 10);
  CHECK(e1.seed() != e2.seed());
  SamplingParams fixed;
  fixed.seed = 42;
  CHECK(Sampler(fixed, 10).seed() == 42u);
}

TEST_CASE("sampler: the seed drives std::mt19937 exactly as llama.cpp's dist sampler", "[sampling][seed]") {
  // With every truncation off and T = 1, the draw is: r = uniform_real_distribution<double>(0,1)
  // of mt19937(seed); the first token whose running sum of expf(logit - max) reaches r * S.
  const std::vector<float> logits = {0.5f, -0.25f, 1.75f, 0.0f, 1.0f};
  for (uint32_t seed : {0u, 1u, 42u, 4242u, 0xDEADBEEFu}) {
    Sampler s(plain(1.0f, seed), 5);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    for (int step = 0; step < 50; ++step) {
      double sum = 0;
      for (float l : logits) sum += expf(l - 1.75f);
      double target = sum * dist(rng);
      double run = 0;
      int32_t want = 4;
      for (int32_t i = 0; i < 5; ++i) {
        run += expf(logits[static_cast<std::size_t>(i)] - 1.75f);
        if (run >= target) {
          want = i;
          break;
        }
      }
      REQUIRE(s.sample(logits) == want);
    }
  }
}

TEST_CASE("sampler: bad input is a clear error", "[sampling]") {
  CHECK_THROWS_AS(Sampler(SamplingParams{}, 0), SamplingError);
  Sampler s(SamplingParams{}, 4);
  CHECK_THROWS_WITH(s.sample(std::vector<float>{1.0f, 2.0f}), Catch::Contains("expected 4 logits"));
  // All -inf still yields a token id in range (llama.cpp falls back to the last candidate).
  std::vector<float> dead(4, -INFINITY);
  int32_t t = s.sample(dead);
  CHECK((t >= 0 && t < 4));
}

TEST_CASE("sampler: a 128k vocabulary with Ollama defaults", "[sampling]") {
  std::mt19937 gen(7);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  std::vector<float> logits(128256);
  for (float& x : logits) x = nd(gen);
  SamplingParams p;
  p.seed = 1;
  Sampler s(p, static_cast<int32_t>(logits.size()));
  std::vector<float> sorted = logits;
  std::nth_element(sorted.begin(), sorted.begin() + 39, sorted.end(), std::greater<float>());
  for (int i = 0; i < 20; ++i) CHECK(logits[static_cast<std::size_t>(s.sample(logits))] >= sorted[39]);
  // top_k disabled: the nucleus path handles the full vocabulary.
  p.top_k = 0;
  Sampler t(p, static_cast<int32_t>(logits.size()));
  for (int i = 0; i < 5; ++i) {
    int32_t id = t.sample(logits);
    CHECK((id >= 0 && id < static_cast<int32_t>(logits.size())));
  }
}
