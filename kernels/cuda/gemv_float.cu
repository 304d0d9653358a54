// GEMV instantiations for F32, F16 and BF16 weights (f32 activations, no quantization), in a
// 16-byte vector form and a one-element form for rows that are not 16-byte aligned.
#include "kernels/cuda/gemv_kernel.cuh"

namespace hearth::cuda::detail {

void gemv_float(TensorType type, bool vector, const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream) {
  using namespace gemv_math;
  switch (type) {
    case TensorType::F32: return vector ? gemv_typed<F32Vec>(p, tokens, c, stream) : gemv_typed<F32Scalar>(p, tokens, c, stream);
    case TensorType::F16:
      return vector ? gemv_typed<Half8Vec<false>>(p, tokens, c, stream) : gemv_typed<HalfScalar<false>>(p, tokens, c, stream);
    case TensorType::BF16:
      return vector ? gemv_typed<Half8Vec<true>>(p, tokens, c, stream) : gemv_typed<HalfScalar<true>>(p, tokens, c, stream);
    default: invalid("gemv", "internal: not a float type");
  }
}

}  // namespace hearth::cuda::detail
