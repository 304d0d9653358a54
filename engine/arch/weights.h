// engine/arch/weights.h — binding GGUF tensors to an architecture's weight structs.
//
//   WeightBinder bind(file, backend, hp.n_layer);
//   w.token_embd = bind.require("token_embd.weight", {hp.n_embd, hp.n_vocab});
//   layer.bq     = bind.optional(WeightBinder::block(il, "attn_q.bias"), {hp.n_embd_q()});
//
// Shapes are written in ne order, as the spec lists them. A missing required tensor, a tensor
// whose shape differs ("tensor 'blk.0.attn_q.weight' has shape [256, 128], expected [256, 256]")
// or whose type the backend cannot compute with is a ModelError naming the file. The binder also
// rejects files with tensors for blocks past block_count, the usual sign of a corrupted or
// mismatched block_count.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/backend.h"
#include "engine/errors.h"
#include "gguf/reader.h"

namespace hearth::engine {

class WeightBinder {
 public:
  WeightBinder(const gguf::GgufFile& file, Backend& backend, uint32_t n_layer);

  Tensor require(const std::string& name, std::initializer_list<int64_t> shape);
  // An empty Tensor when absent; shape- and type-checked when present.
  Tensor optional(const std::string& name, std::initializer_list<int64_t> shape);
  // 1-D F32 tensors (norm weights, biases, rope factors): the ops read them as plain floats.
  Tensor require_vector(const std::string& name, int64_t n);
  Tensor optional_vector(const std::string& name, int64_t n);
  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

  // "blk.<il>.<suffix>"
  static std::string block(uint32_t il, std::string_view suffix);

 private:
  Tensor bind(const gguf::TensorInfo& info, std::initializer_list<int64_t> shape);
  Tensor check_f32(Tensor t);

  const gguf::GgufFile& file_;
  Backend& backend_;
};

}  // namespace hearth::engine
