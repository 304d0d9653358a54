#include "engine/tensor.h"

#include <stdexcept>

namespace hearth::engine {

Tensor make_tensor(gguf::TensorType type, int64_t cols, int64_t rows, void* data, std::string_view name) {
  Tensor t;
  t.type = type;
  t.ne = {cols, rows};
  t.row_stride = static_cast<std::size_t>(gguf::row_bytes(type, static_cast<uint64_t>(cols)));
  t.data = data;
  t.name = name;
  return t;
}

namespace {
// "<what> [first, end) of tensor [a, b] <problem>" (built with append: GCC 12 misreports
// operator+ chains on short literals under -Wrestrict).
std::string range_message(const char* what, int64_t first, int64_t end, const std::string& shape, const char* problem) {
  std::string m(what);
  m.append(" [").append(std::to_string(first)).append(", ").append(std::to_string(end)).append(") of tensor ");
  m.append(shape).append(" ").append(problem);
  return m;
}
}  // namespace

Tensor Tensor::row_range(int64_t first, int64_t count) const {
  if (first < 0 || count < 0 || first + count > ne[1])
    throw std::out_of_range(range_message("rows", first, first + count, shape_string(), "are out of range"));
  Tensor t = *this;
  t.ne[1] = count;
  t.data = static_cast<uint8_t*>(data) + static_cast<std::size_t>(first) * row_stride;
  return t;
}

Tensor Tensor::col_range(int64_t first, int64_t count) const {
  const int64_t block = static_cast<int64_t>(gguf::traits(type).block_size);
  if (first < 0 || count < 0 || first + count > ne[0] || first % block != 0 || count % block != 0)
    throw std::out_of_range(range_message("columns", first, first + count, shape_string(), "are out of range or not block aligned"));
  Tensor t = *this;
  t.ne[0] = count;
  t.data = static_cast<uint8_t*>(data) + gguf::row_bytes(type, static_cast<uint64_t>(first));
  return t;
}

Tensor Tensor::reshaped(int64_t cols, int64_t rows) const {
  if (!is_contiguous() || cols * rows != elements()) {
    std::string m("tensor ");
    m.append(shape_string()).append(" cannot be viewed as [").append(std::to_string(cols)).append(", ").append(std::to_string(rows)).append("]");
    throw std::invalid_argument(m);
  }
  return make_tensor(type, cols, rows, data, name);
}

std::string Tensor::shape_string() const {
  std::string s("[");
  s.append(std::to_string(ne[0])).append(", ").append(std::to_string(ne[1])).append("]");
  return s;
}

}  // namespace hearth::engine
