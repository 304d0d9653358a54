#include "engine/cuda/device_memory.h"

#include <cuda_runtime_api.h>

#include <utility>

#include "kernels/cuda/cuda_check.h"

namespace hearth::engine::cuda {

DeviceAllocation::DeviceAllocation(std::size_t bytes, bool zero) : n_(bytes) {
  if (bytes == 0) return;
  HEARTH_CUDA_CHECK(cudaMalloc(&p_, bytes));
  if (zero) HEARTH_CUDA_CHECK(cudaMemset(p_, 0, bytes));
}
DeviceAllocation::~DeviceAllocation() {
  if (p_) cudaFree(p_);
}
DeviceAllocation::DeviceAllocation(DeviceAllocation&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
DeviceAllocation& DeviceAllocation::operator=(DeviceAllocation&& o) noexcept {
  std::swap(p_, o.p_);
  std::swap(n_, o.n_);
  return *this;
}

PinnedAllocation::PinnedAllocation(std::size_t bytes) : n_(bytes) {
  if (bytes) HEARTH_CUDA_CHECK(cudaMallocHost(&p_, bytes));
}
PinnedAllocation::~PinnedAllocation() {
  if (p_) cudaFreeHost(p_);
}
PinnedAllocation::PinnedAllocation(PinnedAllocation&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
PinnedAllocation& PinnedAllocation::operator=(PinnedAllocation&& o) noexcept {
  std::swap(p_, o.p_);
  std::swap(n_, o.n_);
  return *this;
}

void* DeviceArena::allocate(std::size_t bytes) {
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (bytes == 0) bytes = kAlignment;
  // The block holding offset used_ (blocks are consecutive in offset space), then the later ones.
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    Block& b = blocks_[i];
    const std::size_t end = b.start + b.memory.size();
    if (used_ >= end) continue;
    const std::size_t at = used_ > b.start ? used_ : b.start;
    if (at + bytes <= end) {
      used_ = at + bytes;
      high_water_ = used_ > high_water_ ? used_ : high_water_;
      return static_cast<uint8_t*>(b.memory.get()) + (at - b.start);
    }
  }
  const std::size_t start = blocks_.empty() ? 0 : blocks_.back().start + blocks_.back().memory.size();
  const std::size_t size = bytes > kMinBlock ? bytes : kMinBlock;
  blocks_.push_back({DeviceAllocation(size), start});
  used_ = start + bytes;
  high_water_ = used_ > high_water_ ? used_ : high_water_;
  return blocks_.back().memory.get();
}

bool DeviceArena::consolidate() {
  if (used_ != 0 || blocks_.size() <= 1) return false;
  const std::size_t total = capacity();
  blocks_.clear();
  blocks_.push_back({DeviceAllocation(total), 0});
  return true;
}

std::size_t DeviceArena::capacity() const {
  std::size_t total = 0;
  for (const Block& b : blocks_) total += b.memory.size();
  return total;
}

}  // namespace hearth::engine::cuda
