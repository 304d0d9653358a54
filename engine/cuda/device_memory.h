// engine/cuda/device_memory.h — owning handles for device and pinned host memory, and the
// device scratch arena of a stream.
//
// DeviceArena is the device twin of the CPU ScratchArena: a bump allocator with stack discipline
// (mark/release), 256-byte aligned, growing by whole blocks. The same sequence of allocations
// yields the same addresses, which is what lets a captured CUDA graph be replayed for the next
// decode step. consolidate() merges the blocks into one when the arena is empty (at the start of
// a forward pass, when no launch still uses it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth::engine::cuda {

class DeviceAllocation {
 public:
  DeviceAllocation() = default;
  explicit DeviceAllocation(std::size_t bytes, bool zero = false);
  ~DeviceAllocation();
  DeviceAllocation(DeviceAllocation&& o) noexcept;
  DeviceAllocation& operator=(DeviceAllocation&& o) noexcept;
  DeviceAllocation(const DeviceAllocation&) = delete;
  DeviceAllocation& operator=(const DeviceAllocation&) = delete;
  void* get() const { return p_; }
  std::size_t size() const { return n_; }

 private:
  void* p_ = nullptr;
  std::size_t n_ = 0;
};

class PinnedAllocation {
 public:
  PinnedAllocation() = default;
  explicit PinnedAllocation(std::size_t bytes);
  ~PinnedAllocation();
  PinnedAllocation(PinnedAllocation&& o) noexcept;
  PinnedAllocation& operator=(PinnedAllocation&& o) noexcept;
  PinnedAllocation(const PinnedAllocation&) = delete;
  PinnedAllocation& operator=(const PinnedAllocation&) = delete;
  void* get() const { return p_; }
  std::size_t size() const { return n_; }

 private:
  void* p_ = nullptr;
  std::size_t n_ = 0;
};

class DeviceArena {
 public:
  static constexpr std::size_t kAlignment = 256;
  static constexpr std::size_t kMinBlock = std::size_t{64} << 20;

  void* allocate(std::size_t bytes);
  std::size_t mark() const { return used_; }
  void release(std::size_t mark) { used_ = mark < used_ ? mark : used_; }
  // One block of the total size when several exist and nothing is allocated (the caller makes
  // sure the device no longer uses the memory). Returns true when addresses changed.
  bool consolidate();
  std::size_t capacity() const;
  std::size_t high_water() const { return high_water_; }

 private:
  struct Block {
    DeviceAllocation memory;
    std::size_t start = 0;
  };
  std::vector<Block> blocks_;
  std::size_t used_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace hearth::engine::cuda
