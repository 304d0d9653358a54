#include "cuda_device.h"

namespace hearth::test {

bool cuda_device_available(std::string* reason) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the error so later calls do not see it
    if (reason) *reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(err);
    return false;
  }
  if (count == 0) {
    if (reason) *reason = "cudaGetDeviceCount returned 0";
    return false;
  }
  return true;
}

}  // namespace hearth::test
