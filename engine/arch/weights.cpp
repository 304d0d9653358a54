#include "engine/arch/weights.h"

#include <charconv>
#include <stdexcept>

namespace hearth::engine {
namespace {

std::string shape_text(std::initializer_list<int64_t> shape) {
  std::string s = "[";
  for (int64_t d : shape) s += (s.size() > 1 ? ", " : "") + std::to_string(d);
  return s + "]";
}

// The block index of a "blk.N.*" tensor name, or -1.
int64_t block_index(std::string_view name) {
  if (name.substr(0, 4) != "blk.") return -1;
  int64_t n = -1;
  auto [end, ec] = std::from_chars(name.data() + 4, name.data() + name.size(), n);
  if (ec != std::errc() || end == name.data() + name.size() || *end != '.') return -1;
  return n;
}

}  // namespace

WeightBinder::WeightBinder(const gguf::GgufFile& file, Backend& backend, uint32_t n_layer) : file_(file), backend_(backend) {
  int64_t highest = -1;
  std::string example;
  for (const gguf::TensorInfo& t : file.tensors()) {
    const int64_t b = block_index(t.name);
    if (b > highest) highest = b, example = t.name;
  }
  if (highest >= static_cast<int64_t>(n_layer))
    throw ModelError(file.path(), "tensor '" + example + "' belongs to block " + std::to_string(highest) + " but " +
                                      file.architecture() + ".block_count is " + std::to_string(n_layer));
}

std::string WeightBinder::block(uint32_t il, std::string_view suffix) { return "blk." + std::to_string(il) + "." + std::string(suffix); }

Tensor WeightBinder::require(const std::string& name, std::initializer_list<int64_t> shape) {
  const gguf::TensorInfo* info = file_.find_tensor(name);
  if (!info) {
    const int64_t b = block_index(name);
    std::string hint = b >= 0 ? " (" + file_.architecture() + ".block_count may be larger than the file's blocks)" : "";
    throw ModelError(file_.path(), "missing tensor '" + name + "' with shape " + shape_text(shape) + hint);
  }
  return bind(*info, shape);
}

Tensor WeightBinder::optional(const std::string& name, std::initializer_list<int64_t> shape) {
  const gguf::TensorInfo* info = file_.find_tensor(name);
  return info ? bind(*info, shape) : Tensor{};
}

Tensor WeightBinder::require_vector(const std::string& name, int64_t n) { return check_f32(require(name, {n})); }

Tensor WeightBinder::optional_vector(const std::string& name, int64_t n) { return check_f32(optional(name, {n})); }

Tensor WeightBinder::check_f32(Tensor t) {
  if (!t.empty() && t.type != gguf::TensorType::F32)
    throw ModelError(file_.path(), "tensor '" + std::string(t.name) + "' has type " + std::string(gguf::type_name(t.type)) + ", expected F32");
  return t;
}

Tensor WeightBinder::bind(const gguf::TensorInfo& info, std::initializer_list<int64_t> shape) {
  bool match = true;
  std::size_t d = 0;
  for (int64_t want : shape) match = match && static_cast<int64_t>(info.ne[d++]) == want;
  for (; d < gguf::kMaxDims; ++d) match = match && info.ne[d] == 1;
  if (!match)
    throw ModelError(file_.path(), "tensor '" + info.name + "' has shape " + info.shape_string() + ", expected " + shape_text(shape));
  try {
    return backend_.bind_weight(info);
  } catch (const std::invalid_argument& e) {
    throw ModelError(file_.path(), e.what());
  }
}

}  // namespace hearth::engine
