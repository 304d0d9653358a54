// tests/cuda/cuda_device.h — device-side helpers of the `cuda` suite: the SKIPPED rule for
// machines without a GPU and a typed device buffer that is poisoned (all bits set: NaN for
// floats, −1 for integers) before every run, so an element a kernel fails to write is caught.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_check.h"

namespace hearth::test {

// True when a CUDA device can be used; otherwise `reason` says why (no driver, no device, ...).
bool cuda_device_available(std::string* reason = nullptr);

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n) HEARTH_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
    poison();
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }

  T* get() const { return p_; }
  std::size_t size() const { return n_; }
  void poison() {
    if (n_) HEARTH_CUDA_CHECK(cudaMemset(p_, 0xFF, n_ * sizeof(T)));
  }
  void upload(const std::vector<T>& host) {
    if (host.size() != n_) throw std::invalid_argument("DeviceBuffer::upload: size mismatch");
    if (n_) HEARTH_CUDA_CHECK(cudaMemcpy(p_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  // Waits for the device, then copies back (a kernel fault surfaces here as a CudaError).
  std::vector<T> download() const {
    std::vector<T> host(n_);
    HEARTH_CUDA_CHECK(cudaDeviceSynchronize());
    if (n_) HEARTH_CUDA_CHECK(cudaMemcpy(host.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace hearth::test

// Catch2 v2 has no SKIP(): warn and leave the test case (CTest shows the warning text).
#define SKIP_WITHOUT_CUDA_DEVICE()                                          \
  do {                                                                      \
    std::string skip_reason_;                                               \
    if (!::hearth::test::cuda_device_available(&skip_reason_)) {            \
      WARN("SKIPPED: no CUDA device (" << skip_reason_ << ")");             \
      return;                                                               \
    }                                                                       \
  } while (0)
