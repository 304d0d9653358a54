// Scalar element-wise kernels, RoPE and KV row conversion (ops.h), with run-time dispatch to the
// AVX2 variants where they pay off (SwiGLU's exponentials).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/common/half.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/ops_simd.h"
#include "kernels/cpu/quant.h"

namespace hearth::cpu {

using gguf::TensorType;

namespace reference {

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  // Two separate products, as ggml scales the row first and multiplies by the weight in ggml_mul.
  if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

void add(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void swiglu(const float* gate, const float* up, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void gelu_glu(const float* gate, const float* up, float* y, int64_t n) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoefA = 0.044715f;
  for (int64_t i = 0; i < n; ++i) {
    const float x = gate[i];
    const float g = 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
    y[i] = g * up[i];
  }
}

void rope_apply(RopeMode mode, int n_rot, int head_dim, int n_head, const float* cos_sin, float* x) {
  const int half = n_rot / 2;
  for (int h = 0; h < n_head; ++h) {
    float* head = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
      float* a = mode == RopeMode::Normal ? head + 2 * i : head + i;
      float* b = mode == RopeMode::Normal ? head + 2 * i + 1 : head + i + half;
      const float x0 = *a, x1 = *b;
      *a = x0 * c - x1 * s;
      *b = x0 * s + x1 * c;
    }
  }
}

}  // namespace reference

namespace {
bool use_avx2() { return simd_level() == SimdLevel::Avx2; }

// YaRN's correction dimension for a rotation count (spec §3.3).
float yarn_corr_dim(int n_rot, int n_ctx_orig, float n_rotations, float base) {
  return static_cast<float>(n_rot) * std::log(static_cast<float>(n_ctx_orig) / (n_rotations * 2.0f * static_cast<float>(M_PI))) /
         (2.0f * std::log(base));
}
}  // namespace

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) { reference::rms_norm(x, w, y, n, eps); }
void add(const float* a, const float* b, float* y, int64_t n) { reference::add(a, b, y, n); }
void gelu_glu(const float* gate, const float* up, float* y, int64_t n) { reference::gelu_glu(gate, up, y, n); }

void swiglu(const float* gate, const float* up, float* y, int64_t n) {
  if (use_avx2()) return avx2::swiglu(gate, up, y, n);
  reference::swiglu(gate, up, y, n);
}

void rope_angles(const RopeParams& p, float position, float* cos_sin) {
  const int half = p.n_rot / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
  float corr_low = 0.0f, corr_high = 0.0f;
  float mscale = p.attn_factor;
  if (p.ext_factor != 0.0f) {
    const int n_ctx_orig = p.n_ctx_orig > 0 ? p.n_ctx_orig : 1;
    corr_low = std::max(0.0f, std::floor(yarn_corr_dim(p.n_rot, n_ctx_orig, p.beta_fast, p.freq_base)));
    corr_high = std::min(static_cast<float>(p.n_rot - 1), std::ceil(yarn_corr_dim(p.n_rot, n_ctx_orig, p.beta_slow, p.freq_base)));
    mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
  }
  float theta = position;
  for (int i = 0; i < half; ++i) {
    const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
    const float theta_extrap = theta / ff;
    const float theta_interp = p.freq_scale * theta_extrap;
    float t = theta_interp;
    if (p.ext_factor != 0.0f) {
      // ramp over the pair index i0/2 = i, as ggml's rope_yarn_ramp(low, high, i0).
      const float y = (static_cast<float>(i) - corr_low) / std::max(0.001f, corr_high - corr_low);
      const float ramp = 1.0f - std::min(1.0f, std::max(0.0f, y));
      const float mix = ramp * p.ext_factor;
      t = theta_interp * (1.0f - mix) + theta_extrap * mix;
    }
    cos_sin[2 * i] = std::cos(t) * mscale;
    cos_sin[2 * i + 1] = std::sin(t) * mscale;
    theta *= theta_scale;
  }
}

void rope_apply(RopeMode mode, int n_rot, int head_dim, int n_head, const float* cos_sin, float* x) {
  reference::rope_apply(mode, n_rot, head_dim, n_head, cos_sin, x);
}

bool is_supported_kv_type(TensorType type) {
  return type == TensorType::F32 || type == TensorType::F16 || type == TensorType::Q8_0 || type == TensorType::Q4_0;
}

void kv_store_row(TensorType type, const float* src, void* dst, int64_t n) {
  switch (type) {
    case TensorType::F32: std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float)); return;
    case TensorType::F16: {
      auto* out = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) out[i] = quant::fp32_to_fp16(src[i]);
      return;
    }
    // As llama.cpp's CPU copy into the cache: Q8_0 through the activation quantizer (its
    // from_float), Q4_0 through the reference weight quantizer.
    case TensorType::Q8_0: quantize_activation_row(TensorType::Q8_0, src, dst, n); return;
    case TensorType::Q4_0: quantize_row(TensorType::Q4_0, src, dst, n); return;
    default: break;
  }
  throw std::invalid_argument("KV cache type " + std::string(gguf::type_name(type)) + " is not supported (use F32, F16, Q8_0 or Q4_0)");
}

void kv_load_row(TensorType type, const void* src, float* dst, int64_t n) {
  switch (type) {
    case TensorType::F32: std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float)); return;
    case TensorType::F16: {
      const auto* in = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = quant::fp16_to_fp32(in[i]);
      return;
    }
    case TensorType::Q8_0:
    case TensorType::Q4_0: dequantize_row(type, src, dst, n); return;
    default: break;
  }
  throw std::invalid_argument("KV cache type " + std::string(gguf::type_name(type)) + " is not supported (use F32, F16, Q8_0 or Q4_0)");
}

}  // namespace hearth::cpu
