// engine/cpu/scratch_arena.h — a bump allocator for one stream's activations.
//
// Allocation is a pointer bump inside the current block; `release(mark)` frees everything
// allocated after `mark` (stack discipline, which is how a forward pass uses activations). When a
// pass needed more than one block, the next reset() replaces them by a single block of the total
// size, so after the first pass every later pass of the same shape allocates nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace hearth::engine {

class ScratchArena {
 public:
  static constexpr std::size_t kAlignment = 64;

  void* allocate(std::size_t bytes);
  std::size_t mark() const { return used_; }  // bytes in use, counted across blocks
  void release(std::size_t mark);
  std::size_t capacity() const;

 private:
  struct AlignedDelete {
    void operator()(std::byte* p) const;
  };
  struct Block {
    std::unique_ptr<std::byte[], AlignedDelete> memory;
    std::size_t size = 0;
    std::size_t start = 0;  // offset of the block's first byte; blocks are consecutive in offsets
  };
  void consolidate();

  std::vector<Block> blocks_;
  std::size_t used_ = 0;
};

}  // namespace hearth::engine
