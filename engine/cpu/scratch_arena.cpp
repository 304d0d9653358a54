#include "engine/cpu/scratch_arena.h"

#include <algorithm>
#include <new>

namespace hearth::engine {

namespace {
constexpr std::size_t kMinBlock = std::size_t{4} << 20;

std::size_t round_up(std::size_t n) { return (n + ScratchArena::kAlignment - 1) / ScratchArena::kAlignment * ScratchArena::kAlignment; }
}  // namespace

void ScratchArena::AlignedDelete::operator()(std::byte* p) const {
  ::operator delete[](p, std::align_val_t(ScratchArena::kAlignment));
}

void* ScratchArena::allocate(std::size_t bytes) {
  bytes = round_up(std::max<std::size_t>(bytes, 1));
  // Offsets are contiguous across blocks: find the block holding used_; when its remaining tail is
  // too small, move on to the next block (the tail stays idle until release() moves below it).
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    Block& b = blocks_[i];
    if (used_ < b.start || used_ >= b.start + b.size) continue;
    if (used_ + bytes <= b.start + b.size) {
      std::byte* p = b.memory.get() + (used_ - b.start);
      used_ += bytes;
      return p;
    }
    used_ = b.start + b.size;
  }
  const std::size_t end = blocks_.empty() ? 0 : blocks_.back().start + blocks_.back().size;
  const std::size_t size = std::max({bytes, kMinBlock, blocks_.empty() ? std::size_t{0} : blocks_.back().size * 2});
  Block nb;
  nb.memory.reset(static_cast<std::byte*>(::operator new[](size, std::align_val_t(kAlignment))));
  nb.size = size;
  nb.start = end;
  blocks_.push_back(std::move(nb));
  used_ = end + bytes;
  return blocks_.back().memory.get();
}

void ScratchArena::release(std::size_t mark) {
  used_ = std::min(used_, mark);
  if (used_ == 0) consolidate();
}

void ScratchArena::consolidate() {
  if (blocks_.size() <= 1) return;
  const std::size_t total = blocks_.back().start + blocks_.back().size;
  blocks_.clear();
  Block b;
  b.memory.reset(static_cast<std::byte*>(::operator new[](total, std::align_val_t(kAlignment))));
  b.size = total;
  blocks_.push_back(std::move(b));
}

std::size_t ScratchArena::capacity() const {
  std::size_t c = 0;
  for (const Block& b : blocks_) c += b.size;
  return c;
}

}  // namespace hearth::engine
