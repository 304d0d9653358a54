// CPU ops (kernels/cpu/ops.h) against straightforward double-precision formulas written from
// spec §3.3, and the AVX2 paths against the scalar reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/common/half.h"
#include "kernels/common/quant_blocks.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/thread_pool.h"

using namespace hearth::cpu;
using hearth::gguf::TensorType;

namespace {

std::vector<float> random_vector(std::size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]));
  return m;
}

}  // namespace

TEST_CASE("rms_norm matches the double formula x / sqrt(mean(x^2) + eps) * w", "[ops]") {
  for (int n : {8, 256, 4096, 4099}) {
    auto x = random_vector(static_cast<std::size_t>(n), 1 + static_cast<uint32_t>(n), 3.0f);
    auto w = random_vector(static_cast<std::size_t>(n), 2 + static_cast<uint32_t>(n));
    const float eps = 1e-5f;
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double scale = 1.0 / std::sqrt(ss / n + eps);
    std::vector<double> expected(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) expected[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(i)] * scale * w[static_cast<std::size_t>(i)];
    std::vector<float> y(static_cast<std::size_t>(n));
    rms_norm(x.data(), w.data(), y.data(), n, eps);
    INFO("n = " << n);
    CHECK(max_abs_diff(y, expected) < 1e-5);
    // In place, and without a weight.
    std::vector<float> inplace = x;
    rms_norm(inplace.data(), nullptr, inplace.data(), n, eps);
    for (int i = 0; i < n; ++i) CHECK(inplace[static_cast<std::size_t>(i)] == Approx(x[static_cast<std::size_t>(i)] * scale).epsilon(1e-6));
  }
}

TEST_CASE("swiglu and gelu_glu match their formulas; AVX2 matches the scalar reference", "[ops]") {
  const int n = 1027;
  auto g = random_vector(n, 7, 4.0f);
  auto u = random_vector(n, 8, 2.0f);
  g[0] = -100.0f, g[1] = 100.0f, g[2] = 0.0f, g[3] = -87.5f;
  std::vector<float> y(n), yref(n), ygelu(n);
  swiglu(g.data(), u.data(), y.data(), n);
  reference::swiglu(g.data(), u.data(), yref.data(), n);
  gelu_glu(g.data(), u.data(), ygelu.data(), n);
  for (int i = 0; i < n; ++i) {
    const double gd = g[static_cast<std::size_t>(i)], ud = u[static_cast<std::size_t>(i)];
    const double silu = gd / (1.0 + std::exp(-gd));
    INFO("i = " << i << " gate = " << gd);
    CHECK(std::abs(y[static_cast<std::size_t>(i)] - silu * ud) <= 2e-6 * std::max(1.0, std::abs(silu * ud)));
    CHECK(std::abs(y[static_cast<std::size_t>(i)] - yref[static_cast<std::size_t>(i)]) <= 4e-7 * std::max(1.0f, std::abs(yref[static_cast<std::size_t>(i)])));
    const double gelu = 0.5 * gd * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * gd * (1.0 + 0.044715 * gd * gd)));
    CHECK(std::abs(ygelu[static_cast<std::size_t>(i)] - gelu * ud) <= 2e-6 * std::max(1.0, std::abs(gelu * ud)));
  }
}

namespace {

// θ_i exactly as spec §3.3 describes llama.cpp's CPU construction: theta_scale = powf(base, −2/n_rot)
// in f32, θ_0 = p, θ_{i+1} = θ_i · theta_scale in f32; then the frequency factor, in double.
std::vector<double> spec_thetas(float p, int n_rot, float base, const float* ff) {
  const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  std::vector<double> th(static_cast<std::size_t>(n_rot / 2));
  float theta = p;
  for (int i = 0; i < n_rot / 2; ++i) {
    th[static_cast<std::size_t>(i)] = static_cast<double>(theta / (ff ? ff[i] : 1.0f));
    theta *= theta_scale;
  }
  return th;
}

std::vector<double> rotate(const std::vector<float>& x, int n_head, int head_dim, int n_rot, bool neox, const std::vector<double>& th) {
  std::vector<double> y(x.begin(), x.end());
  for (int h = 0; h < n_head; ++h)
    for (int i = 0; i < n_rot / 2; ++i) {
      const int a = h * head_dim + (neox ? i : 2 * i);
      const int b = h * head_dim + (neox ? i + n_rot / 2 : 2 * i + 1);
      const double c = std::cos(th[static_cast<std::size_t>(i)]), s = std::sin(th[static_cast<std::size_t>(i)]);
      y[static_cast<std::size_t>(a)] = x[static_cast<std::size_t>(a)] * c - x[static_cast<std::size_t>(b)] * s;
      y[static_cast<std::size_t>(b)] = x[static_cast<std::size_t>(a)] * s + x[static_cast<std::size_t>(b)] * c;
    }
  return y;
}

}  // namespace

TEST_CASE("rope NORMAL and NEOX with and without frequency factors match the rotation formula", "[ops]") {
  const int n_head = 3, head_dim = 64;
  for (bool neox : {false, true})
    for (int n_rot : {64, 32})
      for (bool factors : {false, true})
        for (float pos : {0.0f, 1.0f, 17.0f, 4095.0f, 131000.0f}) {
          auto x = random_vector(static_cast<std::size_t>(n_head * head_dim), 11);
          std::vector<float> ff(static_cast<std::size_t>(n_rot / 2));
          for (int i = 0; i < n_rot / 2; ++i) ff[static_cast<std::size_t>(i)] = 1.0f + 0.25f * static_cast<float>(i % 5);
          RopeParams p;
          p.mode = neox ? RopeMode::Neox : RopeMode::Normal;
          p.n_rot = n_rot;
          p.freq_base = 500000.0f;
          p.freq_factors = factors ? ff.data() : nullptr;
          std::vector<float> cs(static_cast<std::size_t>(n_rot));
          rope_angles(p, pos, cs.data());
          std::vector<float> y = x;
          rope_apply(p.mode, n_rot, head_dim, n_head, cs.data(), y.data());
          auto expected = rotate(x, n_head, head_dim, n_rot, neox, spec_thetas(pos, n_rot, p.freq_base, p.freq_factors));
          INFO("neox " << neox << " n_rot " << n_rot << " factors " << factors << " pos " << pos);
          // cosf/sinf of an f32 angle up to ~1.3e5 rad: the angle itself is exact, the result is
          // rounded once (≤ 1 ulp of 1) per factor.
          CHECK(max_abs_diff(y, expected) < 2e-5);
          // Elements past n_rot are untouched.
          for (int h = 0; h < n_head; ++h)
            for (int d = n_rot; d < head_dim; ++d)
              CHECK(y[static_cast<std::size_t>(h * head_dim + d)] == x[static_cast<std::size_t>(h * head_dim + d)]);
        }
}

TEST_CASE("rope at small positions agrees with theta = p * base^(-2i/n_rot) computed in double", "[ops]") {
  // The iterative f32 construction drifts from the closed form by ~i·ulp; at small positions the
  // two must agree closely — this pins the direction of the exponent and the pairing.
  const int head_dim = 128, n_rot = 128;
  auto x = random_vector(head_dim, 5);
  for (float pos : {1.0f, 3.0f, 50.0f}) {
    RopeParams p;
    p.mode = RopeMode::Normal;
    p.n_rot = n_rot;
    p.freq_base = 10000.0f;
    std::vector<float> cs(n_rot);
    rope_angles(p, pos, cs.data());
    std::vector<float> y = x;
    rope_apply(p.mode, n_rot, head_dim, 1, cs.data(), y.data());
    std::vector<double> th(n_rot / 2);
    for (int i = 0; i < n_rot / 2; ++i) th[static_cast<std::size_t>(i)] = pos * std::pow(10000.0, -2.0 * i / n_rot);
    CHECK(max_abs_diff(y, rotate(x, 1, head_dim, n_rot, false, th)) < 5e-5);
  }
}

TEST_CASE("rope with YaRN scaling follows the ramp and magnitude formula", "[ops]") {
  const int n_rot = 64;
  RopeParams p;
  p.mode = RopeMode::Neox;
  p.n_rot = n_rot;
  p.freq_base = 1000000.0f;
  p.freq_scale = 0.25f;  // factor 4
  p.ext_factor = 1.0f;
  p.n_ctx_orig = 32768;
  const float pos = 1234.0f;
  std::vector<float> cs(n_rot);
  rope_angles(p, pos, cs.data());
  auto corr = [&](double b) { return n_rot * std::log(32768.0 / (b * 2 * M_PI)) / (2 * std::log(1000000.0)); };
  const double low = std::max(0.0, std::floor(corr(32.0))), high = std::min(n_rot - 1.0, std::ceil(corr(1.0)));
  const double mscale = 1.0 + 0.1 * std::log(4.0);
  auto th = spec_thetas(pos, n_rot, p.freq_base, nullptr);
  for (int i = 0; i < n_rot / 2; ++i) {
    const double ramp = 1.0 - std::clamp((i - low) / std::max(0.001, high - low), 0.0, 1.0);
    const double extrap = th[static_cast<std::size_t>(i)], interp = 0.25 * extrap;
    const double theta = interp * (1 - ramp) + extrap * ramp;
    INFO("i = " << i);
    CHECK(cs[static_cast<std::size_t>(2 * i)] == Approx(std::cos(theta) * mscale).margin(2e-5));
    CHECK(cs[static_cast<std::size_t>(2 * i + 1)] == Approx(std::sin(theta) * mscale).margin(2e-5));
  }
}

TEST_CASE("KV rows round-trip through F32 exactly, F16 to half precision, Q8_0/Q4_0 to block precision", "[ops]") {
  const int n = 256;
  auto x = random_vector(n, 21, 2.5f);
  std::vector<uint8_t> buf(n * 4);
  std::vector<float> back(n);

  kv_store_row(TensorType::F32, x.data(), buf.data(), n);
  kv_load_row(TensorType::F32, buf.data(), back.data(), n);
  CHECK(back == x);

  kv_store_row(TensorType::F16, x.data(), buf.data(), n);
  kv_load_row(TensorType::F16, buf.data(), back.data(), n);
  for (int i = 0; i < n; ++i)  // round to nearest with an 11-bit significand: relative error ≤ 2^-11
    CHECK(std::abs(back[static_cast<std::size_t>(i)] - x[static_cast<std::size_t>(i)]) <= std::ldexp(std::abs(x[static_cast<std::size_t>(i)]), -11));

  kv_store_row(TensorType::Q8_0, x.data(), buf.data(), n);
  kv_load_row(TensorType::Q8_0, buf.data(), back.data(), n);
  for (int b = 0; b < n / 32; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::abs(x[static_cast<std::size_t>(b * 32 + j)]));
    const double d = amax / 127.0;  // half a quantization step, plus the f16 rounding of d over 127 steps
    for (int j = 0; j < 32; ++j)
      CHECK(std::abs(back[static_cast<std::size_t>(b * 32 + j)] - x[static_cast<std::size_t>(b * 32 + j)]) <= 0.5 * d + 127 * d * std::ldexp(1.0, -11) + 1e-7);
  }

  kv_store_row(TensorType::Q4_0, x.data(), buf.data(), n);
  kv_load_row(TensorType::Q4_0, buf.data(), back.data(), n);
  for (int b = 0; b < n / 32; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::abs(x[static_cast<std::size_t>(b * 32 + j)]));
    const double d = amax / 8.0;  // 16 levels of d = max/-8; the far end can clip by up to one step
    for (int j = 0; j < 32; ++j)
      CHECK(std::abs(back[static_cast<std::size_t>(b * 32 + j)] - x[static_cast<std::size_t>(b * 32 + j)]) <= d * (1 + 16 * std::ldexp(1.0, -11)) + 1e-7);
  }
  CHECK_THROWS_AS(kv_store_row(TensorType::Q4_1, x.data(), buf.data(), n), std::invalid_argument);
}

namespace {

struct AttentionCase {
  int n_head = 8, n_head_kv = 2, head_dim = 64;
  int n_ctx = 37;
  std::vector<float> q, k, v;  // q: n_ctx rows (one query per position); k, v: n_ctx rows of n_head_kv·head_dim
};

AttentionCase make_case(int n_head, int n_head_kv, int head_dim, int n_ctx) {
  AttentionCase c;
  c.n_head = n_head, c.n_head_kv = n_head_kv, c.head_dim = head_dim, c.n_ctx = n_ctx;
  c.q = random_vector(static_cast<std::size_t>(n_ctx * n_head * head_dim), 31, 1.5f);
  c.k = random_vector(static_cast<std::size_t>(n_ctx * n_head_kv * head_dim), 32, 1.5f);
  c.v = random_vector(static_cast<std::size_t>(n_ctx * n_head_kv * head_dim), 33);
  return c;
}

// Causal GQA attention in double over the given (already cache-rounded) K and V: query t sees keys
// 0..t, query head h reads KV head h / (n_head / n_head_kv).
// `q` is given already rounded the way the cache type's dot product sees it, and with
// `round_weights` the softmax weights are rounded to f16 before the V product (the F16 path).
std::vector<double> attention_double(const AttentionCase& c, const std::vector<float>& q, const std::vector<float>& k,
                                     const std::vector<float>& v, bool round_weights) {
  const int D = c.head_dim, kvw = c.n_head_kv * D, qw = c.n_head * D, gqa = c.n_head / c.n_head_kv;
  std::vector<double> out(static_cast<std::size_t>(c.n_ctx * qw));
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  for (int t = 0; t < c.n_ctx; ++t)
    for (int h = 0; h < c.n_head; ++h) {
      const int g = h / gqa;
      std::vector<double> s(static_cast<std::size_t>(t + 1));
      double mx = -1e300;
      for (int j = 0; j <= t; ++j) {
        double dot = 0;
        for (int d = 0; d < D; ++d)
          dot += static_cast<double>(q[static_cast<std::size_t>(t * qw + h * D + d)]) * k[static_cast<std::size_t>(j * kvw + g * D + d)];
        s[static_cast<std::size_t>(j)] = dot * scale;
        mx = std::max(mx, s[static_cast<std::size_t>(j)]);
      }
      double sum = 0;
      for (double& e : s) sum += (e = std::exp(e - mx));
      for (double& e : s) {
        e /= sum;
        if (round_weights) e = hearth::quant::fp16_to_fp32(hearth::quant::fp32_to_fp16(static_cast<float>(e)));
      }
      for (int d = 0; d < D; ++d) {
        double o = 0;
        for (int j = 0; j <= t; ++j) o += s[static_cast<std::size_t>(j)] * v[static_cast<std::size_t>(j * kvw + g * D + d)];
        out[static_cast<std::size_t>(t * qw + h * D + d)] = o;
      }
    }
  return out;
}

// Runs the kernel: every position t is a query with n_kv = t + 1 over a cache of `type` rows.
std::vector<float> run_attention(const AttentionCase& c, TensorType type, bool use_reference, ThreadPool* pool) {
  const int kvw = c.n_head_kv * c.head_dim, qw = c.n_head * c.head_dim;
  const std::size_t row_bytes = static_cast<std::size_t>(hearth::gguf::row_bytes(type, static_cast<uint64_t>(kvw)));
  std::vector<uint8_t> kc(row_bytes * static_cast<std::size_t>(c.n_ctx)), vc(kc.size());
  for (int t = 0; t < c.n_ctx; ++t) {
    kv_store_row(type, c.k.data() + t * kvw, kc.data() + static_cast<std::size_t>(t) * row_bytes, kvw);
    kv_store_row(type, c.v.data() + t * kvw, vc.data() + static_cast<std::size_t>(t) * row_bytes, kvw);
  }
  std::vector<float> out(static_cast<std::size_t>(c.n_ctx * qw), -1.0f);
  std::vector<AttentionQuery> queries(static_cast<std::size_t>(c.n_ctx));
  for (int t = 0; t < c.n_ctx; ++t) queries[static_cast<std::size_t>(t)] = {c.q.data() + t * qw, out.data() + t * qw, kc.data(), vc.data(), t + 1};
  AttentionShape shape{c.n_head, c.n_head_kv, c.head_dim, 1.0f / std::sqrt(static_cast<float>(c.head_dim)), type, row_bytes};
  if (use_reference) reference::attention(shape, queries);
  else attention(shape, queries, *pool);
  return out;
}

std::vector<float> cache_rounded(const std::vector<float>& x, TensorType type, int width) {
  std::vector<float> out(x.size());
  std::vector<uint8_t> row(static_cast<std::size_t>(width) * 4);
  for (std::size_t r = 0; r < x.size() / static_cast<std::size_t>(width); ++r) {
    kv_store_row(type, x.data() + r * static_cast<std::size_t>(width), row.data(), width);
    kv_load_row(type, row.data(), out.data() + r * static_cast<std::size_t>(width), width);
  }
  return out;
}

}  // namespace

TEST_CASE("attention with GQA and a causal mask matches the double formula for F32/F16/Q8_0/Q4_0 caches", "[ops][attention]") {
  ThreadPool pool(2);
  struct Shape { int n_head, n_head_kv, head_dim, n_ctx; };
  for (Shape sh : {Shape{8, 2, 64, 37}, Shape{4, 4, 32, 9}, Shape{4, 1, 64, 70}, Shape{2, 2, 8, 5}}) {
    AttentionCase c = make_case(sh.n_head, sh.n_head_kv, sh.head_dim, sh.n_ctx);
    const int kvw = c.n_head_kv * c.head_dim;
    // The oracle applies the roundings spec §3.3 describes for each cache type — K and V stored in
    // the cache type, Q converted to the type's dot-product operand (f16, or Q8_0 blocks), the
    // softmax weights rounded to f16 for an F16 V — and does everything else in double. What is
    // left is f32 rounding, except that an f16-rounded weight can land one f16 ulp apart (2^-11).
    struct Kind { TensorType type; double tol, simd_tol; };
    for (Kind kind : {Kind{TensorType::F32, 2e-5, 1e-5}, Kind{TensorType::F16, 1e-3, 1e-3}, Kind{TensorType::Q8_0, 1e-4, 1e-4},
                      Kind{TensorType::Q4_0, 1e-4, 1e-4}}) {
      if (kind.type != TensorType::F32 && kind.type != TensorType::F16 && c.head_dim % 32 != 0) continue;
      // Per head (blocks never straddle heads); a Q4_0 cache's dot product takes Q8_0 queries.
      auto q = cache_rounded(c.q, kind.type == TensorType::Q4_0 ? TensorType::Q8_0 : kind.type, c.head_dim);
      auto expected = attention_double(c, q, cache_rounded(c.k, kind.type, kvw), cache_rounded(c.v, kind.type, kvw),
                                       kind.type == TensorType::F16);
      auto fast = run_attention(c, kind.type, false, &pool);
      auto ref = run_attention(c, kind.type, true, nullptr);
      INFO("heads " << sh.n_head << "/" << sh.n_head_kv << " head_dim " << sh.head_dim << " type " << hearth::gguf::type_name(kind.type));
      CHECK(max_abs_diff(fast, expected) < kind.tol);
      CHECK(max_abs_diff(ref, expected) < kind.tol);
      std::vector<double> ref_d(ref.begin(), ref.end());
      CHECK(max_abs_diff(fast, ref_d) < kind.simd_tol);  // SIMD vs scalar: summation order and exp only
    }
  }
}

TEST_CASE("attention of the first token returns its own value row", "[ops][attention]") {
  // With one visible key the softmax weight is exactly 1: out = v_0 for every head of its group.
  AttentionCase c = make_case(4, 2, 32, 1);
  ThreadPool pool(1);
  auto out = run_attention(c, TensorType::F32, false, &pool);
  for (int h = 0; h < 4; ++h)
    for (int d = 0; d < 32; ++d) CHECK(out[static_cast<std::size_t>(h * 32 + d)] == c.v[static_cast<std::size_t>((h / 2) * 32 + d)]);
}

TEST_CASE("attention rejects inconsistent shapes", "[ops][attention]") {
  ThreadPool pool(1);
  std::vector<float> q(64), out(64);
  std::vector<uint8_t> kv(256);
  AttentionQuery query{q.data(), out.data(), kv.data(), kv.data(), 1};
  AttentionShape bad{3, 2, 32, 1.0f, TensorType::F32, 256};
  CHECK_THROWS_AS(attention(bad, std::span(&query, 1), pool), std::invalid_argument);
  AttentionShape q8{2, 2, 16, 1.0f, TensorType::Q8_0, 256};
  CHECK_THROWS_AS(attention(q8, std::span(&query, 1), pool), std::invalid_argument);
  AttentionShape ok{2, 2, 32, 1.0f, TensorType::F32, 256};
  query.n_kv = 0;
  CHECK_THROWS_AS(attention(ok, std::span(&query, 1), pool), std::invalid_argument);
}
