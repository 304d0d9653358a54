// GEMV instantiations for the 32-element block types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL.
#include "kernels/cuda/gemv_kernel.cuh"

namespace hearth::cuda::detail {

void gemv_legacy(TensorType type, const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream) {
  using gemv_math::Traits;
  switch (type) {
    case TensorType::Q4_0: return gemv_typed<Traits<TensorType::Q4_0>>(p, tokens, c, stream);
    case TensorType::Q4_1: return gemv_typed<Traits<TensorType::Q4_1>>(p, tokens, c, stream);
    case TensorType::Q5_0: return gemv_typed<Traits<TensorType::Q5_0>>(p, tokens, c, stream);
    case TensorType::Q5_1: return gemv_typed<Traits<TensorType::Q5_1>>(p, tokens, c, stream);
    case TensorType::Q8_0: return gemv_typed<Traits<TensorType::Q8_0>>(p, tokens, c, stream);
    case TensorType::IQ4_NL: return gemv_typed<Traits<TensorType::IQ4_NL>>(p, tokens, c, stream);
    default: invalid("gemv", "internal: not a 32-block type");
  }
}

}  // namespace hearth::cuda::detail
