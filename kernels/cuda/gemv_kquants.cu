// GEMV instantiations for the 256-element super-block types: Q2_K … Q6_K and IQ4_XS.
#include "kernels/cuda/gemv_kernel.cuh"

namespace hearth::cuda::detail {

void gemv_kquants(TensorType type, const GemvKernelParams& p, int64_t tokens, const GemvConfig& c, cudaStream_t stream) {
  using gemv_math::Traits;
  switch (type) {
    case TensorType::Q2_K: return gemv_typed<Traits<TensorType::Q2_K>>(p, tokens, c, stream);
    case TensorType::Q3_K: return gemv_typed<Traits<TensorType::Q3_K>>(p, tokens, c, stream);
    case TensorType::Q4_K: return gemv_typed<Traits<TensorType::Q4_K>>(p, tokens, c, stream);
    case TensorType::Q5_K: return gemv_typed<Traits<TensorType::Q5_K>>(p, tokens, c, stream);
    case TensorType::Q6_K: return gemv_typed<Traits<TensorType::Q6_K>>(p, tokens, c, stream);
    case TensorType::IQ4_XS: return gemv_typed<Traits<TensorType::IQ4_XS>>(p, tokens, c, stream);
    default: invalid("gemv", "internal: not a super-block type");
  }
}

}  // namespace hearth::cuda::detail
