#include "engine/kv_cache.h"

#include <stdexcept>
#include <string>

namespace hearth::engine {

std::optional<KvCacheType> parse_kv_cache_type(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "f16") return KvCacheType::F16;
  if (lower == "f32") return KvCacheType::F32;
  if (lower == "q8_0") return KvCacheType::Q8_0;
  if (lower == "q4_0") return KvCacheType::Q4_0;
  return std::nullopt;
}

std::string_view kv_cache_type_name(KvCacheType type) {
  switch (type) {
    case KvCacheType::F32: return "f32";
    case KvCacheType::F16: return "f16";
    case KvCacheType::Q8_0: return "q8_0";
    case KvCacheType::Q4_0: return "q4_0";
  }
  return "?";
}

gguf::TensorType kv_tensor_type(KvCacheType type) {
  switch (type) {
    case KvCacheType::F32: return gguf::TensorType::F32;
    case KvCacheType::F16: return gguf::TensorType::F16;
    case KvCacheType::Q8_0: return gguf::TensorType::Q8_0;
    case KvCacheType::Q4_0: return gguf::TensorType::Q4_0;
  }
  return gguf::TensorType::F16;
}

uint64_t KvCacheShape::bytes() const {
  const gguf::TensorType t = kv_tensor_type(type);
  const uint64_t cells = static_cast<uint64_t>(n_slots) * static_cast<uint64_t>(n_ctx);
  return static_cast<uint64_t>(n_layer) * cells *
         (gguf::row_bytes(t, static_cast<uint64_t>(n_embd_k)) + gguf::row_bytes(t, static_cast<uint64_t>(n_embd_v)));
}

KvCache::KvCache(Backend& backend, const KvCacheShape& shape) : shape_(shape) {
  if (shape.n_layer <= 0 || shape.n_slots <= 0 || shape.n_ctx <= 0 || shape.n_embd_k <= 0 || shape.n_embd_v <= 0)
    throw std::invalid_argument("KV cache: layers, slots, cells and row widths must be positive");
  const gguf::TensorType type = kv_tensor_type(shape.type);
  if (!backend.supports_kv_type(type))
    throw std::invalid_argument("KV cache type " + std::string(kv_cache_type_name(shape.type)) + " is not supported by the " +
                                std::string(backend.name()) + " backend");
  const int64_t block = gguf::traits(type).block_size;
  if (shape.n_embd_k % block != 0 || shape.n_embd_v % block != 0)
    throw std::invalid_argument("KV cache type " + std::string(kv_cache_type_name(shape.type)) + " needs rows that are a multiple of " +
                                std::to_string(block) + " elements (this model has " + std::to_string(shape.n_embd_k) + ")");
  const int64_t rows = static_cast<int64_t>(shape.n_slots) * shape.n_ctx;
  for (int il = 0; il < shape.n_layer; ++il) {
    KvLayer layer;
    layer.cells_per_slot = shape.n_ctx;
    auto k = backend.allocate(gguf::row_bytes(type, static_cast<uint64_t>(shape.n_embd_k)) * static_cast<uint64_t>(rows));
    auto v = backend.allocate(gguf::row_bytes(type, static_cast<uint64_t>(shape.n_embd_v)) * static_cast<uint64_t>(rows));
    layer.k = make_tensor(type, shape.n_embd_k, rows, k->data());
    layer.v = make_tensor(type, shape.n_embd_v, rows, v->data());
    buffers_.push_back(std::move(k));
    buffers_.push_back(std::move(v));
    layers_.push_back(layer);
  }
  lengths_.assign(static_cast<std::size_t>(shape.n_slots), 0);
}

void KvCache::set_length(int slot, int length) {
  if (slot < 0 || slot >= shape_.n_slots) throw std::out_of_range("KV cache: slot " + std::to_string(slot) + " does not exist");
  if (length < 0 || length > shape_.n_ctx)
    throw std::out_of_range("KV cache: length " + std::to_string(length) + " outside 0.." + std::to_string(shape_.n_ctx));
  lengths_[static_cast<std::size_t>(slot)] = length;
}

}  // namespace hearth::engine
