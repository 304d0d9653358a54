// Host-side checks of kernels/cuda/rope_math.h (no GPU needed): the RoPE angle table and the
// Q8_0 cache-row conversion the CUDA kernels inline are the CPU's arithmetic, bit for bit.
#include <catch2/catch.hpp>

#include <random>

#include "cuda_test_util.h"
#include "kernels/cpu/ops.h"
#include "kernels/cuda/rope_math.h"

namespace cu = hearth::cuda;
namespace cpu = hearth::cpu;

TEST_CASE("RoPE angles equal cpu::rope_angles bit for bit on the host", "[cuda][host][rope]") {
  std::vector<float> ff(64);
  for (std::size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + 0.5f * static_cast<float>(i % 7);
  struct Case {
    int n_rot;
    float base, freq_scale, ext_factor;
    bool factors;
  };
  const Case cases[] = {{128, 500000.f, 1.f, 0.f, true}, {64, 10000.f, 0.25f, 1.f, false}, {32, 1e6f, 0.5f, 0.f, false}, {96, 10000.f, 1.f, 0.f, true}};
  for (const Case& c : cases) {
    cu::RopeParams p;
    p.n_rot = c.n_rot, p.head_dim = c.n_rot, p.freq_base = c.base, p.freq_scale = c.freq_scale, p.ext_factor = c.ext_factor;
    p.n_ctx_orig = 4096, p.attn_factor = 1.0f, p.freq_factors = c.factors ? ff.data() : nullptr;
    cpu::RopeParams q;
    q.n_rot = c.n_rot, q.freq_base = c.base, q.freq_scale = c.freq_scale, q.ext_factor = c.ext_factor, q.n_ctx_orig = 4096;
    q.freq_factors = p.freq_factors;
    std::vector<float> want(static_cast<std::size_t>(c.n_rot));
    for (float pos : {0.f, 1.f, 7.f, 511.f, 4095.f, 131071.f, -37.f}) {
      cpu::rope_angles(q, pos, want.data());
      for (int i = 0; i < c.n_rot / 2; ++i) {
        float cs, sn;
        cu::rope_math::rope_cos_sin(p, pos, i, cs, sn);
        INFO("n_rot " << c.n_rot << " position " << pos << " pair " << i);
        REQUIRE(cs == want[static_cast<std::size_t>(2 * i)]);
        REQUIRE(sn == want[static_cast<std::size_t>(2 * i + 1)]);
      }
    }
  }
}

TEST_CASE("rotation and Q8_0 cache rows equal the CPU's on the host", "[cuda][host][rope]") {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 200; ++trial) {
    auto x = hearth::test::random_normal(64, rng, trial % 3 == 0 ? 1e-3f : 5.f);
    if (trial == 0) x.assign(64, 0.f);
    std::vector<uint8_t> want(68), got(68);
    cpu::kv_store_row(hearth::gguf::TensorType::Q8_0, x.data(), want.data(), 64);
    for (int b = 0; b < 2; ++b) {
      const uint16_t d = cu::rope_math::quantize_q8_0_block(x.data() + 32 * b, reinterpret_cast<int8_t*>(got.data() + 34 * b + 2));
      std::memcpy(got.data() + 34 * b, &d, 2);
    }
    REQUIRE(got == want);
  }
  for (int neox : {0, 1}) {
    auto x = hearth::test::random_normal(128, rng);
    auto cs = hearth::test::random_normal(64, rng);
    std::vector<float> want = x, got = x;
    cpu::reference::rope_apply(neox ? cpu::RopeMode::Neox : cpu::RopeMode::Normal, 64, 64, 2, cs.data(), want.data());
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 32; ++i) {
        int a, b;
        cu::rope_math::rope_pair(neox, 64, i, a, b);
        cu::rope_math::rotate(got[static_cast<std::size_t>(64 * h + a)], got[static_cast<std::size_t>(64 * h + b)], cs[static_cast<std::size_t>(2 * i)],
                              cs[static_cast<std::size_t>(2 * i + 1)]);
      }
    REQUIRE(got == want);
  }
}
