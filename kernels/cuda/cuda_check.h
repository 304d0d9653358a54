// kernels/cuda/cuda_check.h — CUDA runtime errors as C++ exceptions.
//
// Every CUDA runtime call in hearth goes through HEARTH_CUDA_CHECK, and every kernel launch is
// followed by check_launch(), so a failure surfaces as a CudaError naming the call, the source
// line and CUDA's own message — never as a silently ignored status code:
//
//   HEARTH_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, stream));
//   my_kernel<<<grid, block, 0, stream>>>(...);
//   check_launch("my_kernel");
//
// Errors that poison the CUDA context (an illegal address inside a kernel) are reported by the
// next call that touches the device; the message then says so.
#pragma once

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace hearth::cuda {

class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const std::string& what) : std::runtime_error(what), code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

[[noreturn]] void throw_cuda_error(cudaError_t code, const char* expression, const char* file, int line);

inline void check_cuda(cudaError_t code, const char* expression, const char* file, int line) {
  if (code != cudaSuccess) throw_cuda_error(code, expression, file, line);
}

// Throws if the last kernel launch on this thread failed (bad configuration, too much shared
// memory, no kernel image for this GPU, or an earlier asynchronous error).
void check_launch(const char* kernel_name);

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)" for messages and logs.
std::string describe_device(int device);

}  // namespace hearth::cuda

#define HEARTH_CUDA_CHECK(expr) ::hearth::cuda::check_cuda((expr), #expr, __FILE__, __LINE__)
