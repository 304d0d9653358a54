// Each step of the chain on hand-computed examples, against the rules of spec §5.2
// (gguf-and-models.md): which candidates survive, in which order, and the penalty formula.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/sampling/candidates.h"
#include "engine/sampling/penalties.h"

using namespace hearth::sampling;

namespace {

Candidates from(std::vector<float> logits) {
  Candidates c;
  c.assign(logits);
  return c;
}

std::vector<int32_t> ids(const Candidates& c) {
  std::vector<int32_t> out;
  for (const TokenData& t : c.data) out.push_back(t.id);
  return out;
}

// Logits whose softmax is exactly `probs` (up to float rounding): ln p.
std::vector<float> log_probs(std::vector<double> probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

}  // namespace

TEST_CASE("sampling: top_k keeps the k highest, sorted descending", "[sampling][steps]") {
  Candidates c = from({1, 5, 3, 4, 2});
  top_k(c, 3);
  CHECK(ids(c) == std::vector<int32_t>{1, 3, 2});
  CHECK(c.sorted);
  Candidates all = from({1, 5, 3});
  top_k(all, 0);  // disabled
  CHECK(ids(all) == std::vector<int32_t>{0, 1, 2});
  CHECK_FALSE(all.sorted);
  Candidates more = from({1, 5, 3});
  top_k(more, 10);  // k beyond the vocabulary keeps everything, sorted
  CHECK(ids(more) == std::vector<int32_t>{1, 2, 0});
  // Above 128 the selection path is used; the kept set and order are the same rule.
  std::vector<float> big(1000);
  for (int i = 0; i < 1000; ++i) big[static_cast<std::size_t>(i)] = static_cast<float>((i * 7919) % 1000);
  Candidates b;
  b.assign(big);
  top_k(b, 200);
  REQUIRE(b.data.size() == 200);
  for (std::size_t i = 0; i < 200; ++i) CHECK(b.data[i].logit == static_cast<float>(999 - i));
}

TEST_CASE("sampling: top_p keeps the smallest prefix with cumulative p >= top_p", "[sampling][steps]") {
  // p = [0.5, 0.3, 0.15, 0.05]
  Candidates c = from(log_probs({0.05, 0.5, 0.15, 0.3}));
  top_p(c, 0.75f, 0);
  CHECK(ids(c) == std::vector<int32_t>{1, 3});  // 0.5 < 0.75 <= 0.8
  Candidates d = from(log_probs({0.05, 0.5, 0.15, 0.3}));
  top_p(d, 0.85f, 0);
  CHECK(ids(d) == std::vector<int32_t>{1, 3, 2});
  // The boundary is inclusive: four equal logits give p = 0.25 exactly; 0.25 + 0.25 >= 0.5.
  Candidates e = from({0, 0, 0, 0});
  top_p(e, 0.5f, 0);
  CHECK(e.data.size() == 2);
  // p >= 1 is a no-op (order untouched); min_keep is honoured.
  Candidates f = from(log_probs({0.05, 0.5, 0.15, 0.3}));
  top_p(f, 1.0f, 0);
  CHECK(ids(f) == std::vector<int32_t>{0, 1, 2, 3});
  Candidates g = from(log_probs({0.05, 0.5, 0.15, 0.3}));
  top_p(g, 0.1f, 3);
  CHECK(ids(g) == std::vector<int32_t>{1, 3, 2});
  // Large unsorted arrays take the lazy-sort path; the nucleus is still the top of the order.
  std::vector<float> big(5000, -10.0f);
  big[4321] = 5.0f;
  big[17] = 4.0f;
  Candidates h;
  h.assign(big);
  top_p(h, 0.9f, 0);
  CHECK(ids(h) == std::vector<int32_t>{4321, 17});
  // A flat distribution needs more than the first 256 candidates (p = 2^-11, sums exact).
  Candidates flat;
  flat.assign(std::vector<float>(2048, 0.0f));
  top_p(flat, 0.5f, 0);
  CHECK(flat.data.size() == 1024);
}

TEST_CASE("sampling: min_p keeps logit >= max + ln(min_p), in place", "[sampling][steps]") {
  Candidates c = from({-1, 0, -3, -2});
  min_p(c, 0.3f, 0);  // threshold ln 0.3 = -1.204: keeps 0 and -1, original order
  CHECK(ids(c) == std::vector<int32_t>{0, 1});
  CHECK_FALSE(c.sorted);
  Candidates d = from({-1, 0, -3, -2});
  min_p(d, 0.0f, 0);
  CHECK(d.data.size() == 4);
  // Sorted input uses the sorted rule with the same threshold.
  Candidates e = from({-1, 0, -3, -2});
  top_k(e, 4);
  min_p(e, 0.3f, 0);
  CHECK(ids(e) == std::vector<int32_t>{1, 0});
  // p = exp(-2) keeps exactly the logits within 2 of the max.
  Candidates f = from({0, -1.5f, -2.5f, -1.99f});
  min_p(f, static_cast<float>(std::exp(-2.0)), 0);
  CHECK(ids(f) == std::vector<int32_t>{0, 1, 3});
}

TEST_CASE("sampling: typical_p orders by |-ln p - H| and keeps the prefix whose sum exceeds p", "[sampling][steps]") {
  // p = [0.4, 0.3, 0.2, 0.1]; H = 1.2799. Distances: id0 0.364, id1 0.076, id2 0.329, id3 1.023.
  Candidates c = from(log_probs({0.4, 0.3, 0.2, 0.1}));
  typical_p(c, 0.45f, 0);
  CHECK(ids(c) == std::vector<int32_t>{1, 2});  // 0.3 <= 0.45 < 0.5
  CHECK_FALSE(c.sorted);
  Candidates d = from(log_probs({0.4, 0.3, 0.2, 0.1}));
  typical_p(d, 0.6f, 0);
  CHECK(ids(d) == std::vector<int32_t>{1, 2, 0});
  Candidates e = from(log_probs({0.4, 0.3, 0.2, 0.1}));
  typical_p(e, 1.0f, 0);
  CHECK(e.data.size() == 4);
}

TEST_CASE("sampling: softmax and temperature", "[sampling][steps]") {
  Candidates c = from({0, static_cast<float>(std::log(3.0))});
  softmax(c, false);
  CHECK(c.data[0].p == Approx(0.25f));
  CHECK(c.data[1].p == Approx(0.75f));
  Candidates t = from({2, 4, -6});
  temperature(t, 2.0f);
  CHECK(t.data[0].logit == 1.0f);
  CHECK(t.data[1].logit == 2.0f);
  CHECK(t.data[2].logit == -3.0f);
  // t <= 0: the first maximal logit survives, everything else is -inf.
  Candidates g = from({1, 7, 3, 7});
  temperature(g, 0.0f);
  CHECK(g.data[1].logit == 7.0f);
  CHECK(std::isinf(g.data[0].logit));
  CHECK(std::isinf(g.data[2].logit));
  CHECK(std::isinf(g.data[3].logit));
}

TEST_CASE("sampling: penalties follow llama.cpp's formula over the last n tokens", "[sampling][steps]") {
  // logit <= 0 ? logit * repeat : logit / repeat; then minus count*freq + presence.
  CHECK(PenaltyWindow::penalize(3.0f, 1, 1.5f, 0.0f, 0.0f) == 2.0f);
  CHECK(PenaltyWindow::penalize(-2.0f, 1, 1.5f, 0.0f, 0.0f) == -3.0f);
  CHECK(PenaltyWindow::penalize(0.0f, 1, 1.5f, 0.0f, 0.0f) == 0.0f);
  CHECK(PenaltyWindow::penalize(4.0f, 2, 2.0f, 0.5f, 0.25f) == 4.0f / 2.0f - (2 * 0.5f + 0.25f));
  CHECK(PenaltyWindow::penalize(4.0f, 0, 2.0f, 0.5f, 0.25f) == 4.0f);

  PenaltyWindow w(3);
  for (int32_t t : {1, 2, 1, 3}) w.accept(t);  // the window holds 2, 1, 3
  CHECK(w.count(1) == 1);
  CHECK(w.count(2) == 1);
  CHECK(w.count(3) == 1);
  w.accept(3);  // window 1, 3, 3
  CHECK(w.count(2) == 0);
  CHECK(w.count(3) == 2);

  Candidates c = from({1, 2, 3, -4, 5});  // token i has logit c.data[i]
  w.apply(c, 2.0f, 1.0f, 0.5f);
  CHECK(c.data[0].logit == 1.0f);                       // token 0: not in the window
  CHECK(c.data[1].logit == 2.0f / 2.0f - (1.0f + 0.5f));  // token 1: once
  CHECK(c.data[2].logit == 3.0f);                       // token 2: left the window
  CHECK(c.data[3].logit == -4.0f * 2.0f - (2.0f + 0.5f));  // token 3: twice
  CHECK(c.data[4].logit == 5.0f);
  CHECK_FALSE(c.sorted);

  PenaltyWindow off(0);
  off.accept(1);
  CHECK(off.count(1) == 0);
  PenaltyWindow unbounded(-1);
  for (int i = 0; i < 1000; ++i) unbounded.accept(7);
  CHECK(unbounded.count(7) == 1000);
}

TEST_CASE("sampling: uniform_unit is uniform_real_distribution<double>(0,1)", "[sampling][steps]") {
  std::mt19937 a(1234), b(1234);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  for (int i = 0; i < 10000; ++i) REQUIRE(uniform_unit(a) == dist(b));
}

TEST_CASE("sampling: draw picks the first index whose running sum reaches r*S", "[sampling][steps]") {
  std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.5f, 0.7f};
  for (uint32_t seed : {1u, 42u, 777u, 123456u}) {
    Candidates c;
    c.assign(logits);
    std::mt19937 rng(seed), probe(seed);
    std::size_t pick = draw(c, rng);
    // Recompute the rule of spec §5.2 independently.
    float max_l = *std::max_element(logits.begin(), logits.end());
    double s = 0;
    std::vector<float> p;
    for (float l : logits) {
      p.push_back(expf(l - max_l));
      s += p.back();
    }
    const double r = uniform_unit(probe) * s;
    double run = 0;
    std::size_t want = logits.size() - 1;
    for (std::size_t i = 0; i < p.size(); ++i) {
      run += p[i];
      if (run >= r) {
        want = i;
        break;
      }
    }
    CHECK(pick == want);
    CHECK(rng() == probe());  // exactly two outputs consumed
  }
  // A single candidate is chosen without touching the generator.
  Candidates one = from({3.0f});
  std::mt19937 rng(5), untouched(5);
  CHECK(draw(one, rng) == 0);
  CHECK(rng() == untouched());
}
