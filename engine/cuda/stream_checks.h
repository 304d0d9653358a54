// engine/cuda/stream_checks.h — internal: the argument checks of the CUDA stream's ops, with the
// same messages as the CPU stream (std::invalid_argument naming the op and the shapes).
#pragma once

#include <stdexcept>
#include <string>

#include "engine/backend.h"

namespace hearth::engine::cuda {

inline std::string describe(const Tensor& t) {
  std::string s;
  if (t.name.empty()) {
    s = "activation";
  } else {
    s.append(1, '\'').append(t.name).append(1, '\'');
  }
  s.append(1, ' ').append(gguf::type_name(t.type)).append(1, ' ').append(t.shape_string());
  return s;
}

[[noreturn]] inline void shape_error(const char* op, const std::string& what) { throw std::invalid_argument(std::string(op) + ": " + what); }

inline void require_f32(const char* op, const Tensor& t) {
  if (t.empty()) shape_error(op, "missing tensor");
  if (t.type != gguf::TensorType::F32) shape_error(op, describe(t) + " must be F32");
  if (t.row_stride % sizeof(float) != 0) shape_error(op, describe(t) + " has a row stride that is not a whole number of floats");
}

inline void require_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.ne != b.ne) shape_error(op, describe(a) + " and " + describe(b) + " differ in shape");
}

// Leading dimension of an F32 tensor in elements.
inline int64_t ld(const Tensor& t) { return static_cast<int64_t>(t.row_stride / sizeof(float)); }
inline float* fptr(const Tensor& t) { return static_cast<float*>(t.data); }

}  // namespace hearth::engine::cuda
