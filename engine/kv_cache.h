// engine/kv_cache.h — the key/value cache of a context: n_slots sequences × n_ctx cells each.
//
// Layout: per layer one K and one V tensor of n_slots·n_ctx rows (F16 by default; F32, Q8_0 and
// Q4_0 selectable, Ollama's OLLAMA_KV_CACHE_TYPE). The cell of (slot s, position p) is row s·n_ctx + p:
// a slot's positions are always 0..length-1 in its first `length` cells, which keeps attention a
// plain causal scan. Memory is allocated once, at context creation, for all slots.
//
// KvCache only keeps the bookkeeping (how many cells each slot holds); moving or re-roping cells
// needs a Stream and is done by Context (context.h), which is the API callers use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/backend.h"

namespace hearth::engine {

enum class KvCacheType { F32, F16, Q8_0, Q4_0 };

// "f16", "f32", "q8_0", "q4_0" (case-insensitive, as OLLAMA_KV_CACHE_TYPE); nullopt otherwise.
std::optional<KvCacheType> parse_kv_cache_type(std::string_view name);
std::string_view kv_cache_type_name(KvCacheType type);
gguf::TensorType kv_tensor_type(KvCacheType type);

struct KvCacheShape {
  int n_layer = 0;
  int64_t n_embd_k = 0;  // n_head_kv · head_dim
  int64_t n_embd_v = 0;
  int n_slots = 1;
  int n_ctx = 0;         // cells per slot
  KvCacheType type = KvCacheType::F16;

  // Bytes the cache occupies (for memory planning before allocating).
  uint64_t bytes() const;
};

class KvCache {
 public:
  // Allocates the cache in backend memory. Throws std::invalid_argument when the backend cannot
  // store `type` or a Q8_0 row would not be a whole number of blocks.
  KvCache(Backend& backend, const KvCacheShape& shape);

  const KvCacheShape& shape() const { return shape_; }
  int n_slots() const { return shape_.n_slots; }
  int n_ctx() const { return shape_.n_ctx; }
  const KvLayer& layer(int il) const { return layers_.at(static_cast<std::size_t>(il)); }

  // Tokens cached in a slot (its positions are 0..length-1).
  int length(int slot) const { return lengths_.at(static_cast<std::size_t>(slot)); }
  void set_length(int slot, int length);

 private:
  KvCacheShape shape_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::vector<KvLayer> layers_;
  std::vector<int> lengths_;
};

}  // namespace hearth::engine
