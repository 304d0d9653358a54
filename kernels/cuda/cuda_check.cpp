#include "kernels/cuda/cuda_check.h"

#include <cstdio>

namespace hearth::cuda {

void throw_cuda_error(cudaError_t code, const char* expression, const char* file, int line) {
  std::string what = std::string("CUDA error ") + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ") in " +
                     expression + " at " + file + ":" + std::to_string(line);
  if (code == cudaErrorIllegalAddress || code == cudaErrorLaunchFailure || code == cudaErrorMisalignedAddress ||
      code == cudaErrorAssert)
    what += " — a kernel faulted earlier; the CUDA context is unusable from here on";
  throw CudaError(code, what);
}

void check_launch(const char* kernel_name) {
  const cudaError_t code = cudaGetLastError();
  if (code != cudaSuccess) throw_cuda_error(code, kernel_name, "kernel launch", 0);
}

std::string describe_device(int device) {
  cudaDeviceProp p{};
  HEARTH_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  char buf[320];
  std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %d SMs, %.1f GiB, L2 %.0f MiB)", p.name, p.major, p.minor, p.multiProcessorCount,
                static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0),
                static_cast<double>(p.l2CacheSize) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace hearth::cuda
