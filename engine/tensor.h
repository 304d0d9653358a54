// engine/tensor.h — a typed, shaped view of memory owned by a backend.
//
// A Tensor does not own anything: weights point into the model's memory map (CPU) or into
// device memory uploaded at load (CUDA); activations point into a Stream's scratch arena; the KV
// cache points into buffers held by KvCache. It is a plain value, cheap to copy, like a span.
// Shapes follow ggml (spec §2.4): ne[0] is the contiguous dimension, so a weight with
// ne = {n_embd, n_vocab} is n_vocab rows of n_embd elements, and an activation of T tokens is
// {width, T}. Rows may be strided (`row_stride` bytes apart) so a column range of a matrix — one
// head of Q, the K part of a fused QKV row — is a view without a copy.
//
//   Tensor x = ...;                   // {n_embd, T}, F32
//   Tensor last = x.row_range(T - 1, 1);
//   Tensor heads = q.reshaped(head_dim, n_head * T);   // contiguous tensors only
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gguf/types.h"

namespace hearth::engine {

struct Tensor {
  gguf::TensorType type = gguf::TensorType::F32;
  std::array<int64_t, 2> ne{0, 0};  // {elements per row, rows}
  std::size_t row_stride = 0;        // bytes between consecutive rows
  void* data = nullptr;              // backend memory (host or device address)
  std::string_view name;             // the GGUF name for weights, "" for activations

  bool empty() const { return data == nullptr; }
  explicit operator bool() const { return !empty(); }
  int64_t cols() const { return ne[0]; }
  int64_t rows() const { return ne[1]; }
  int64_t elements() const { return ne[0] * ne[1]; }
  std::size_t row_bytes() const { return static_cast<std::size_t>(gguf::row_bytes(type, static_cast<uint64_t>(ne[0]))); }
  std::size_t bytes() const { return row_bytes() * static_cast<std::size_t>(ne[1]); }
  bool is_contiguous() const { return ne[1] <= 1 || row_stride == row_bytes(); }

  // Host-side pointers (only meaningful for host-resident tensors).
  template <typename T = void>
  T* row(int64_t r) const {
    return reinterpret_cast<T*>(static_cast<uint8_t*>(data) + static_cast<std::size_t>(r) * row_stride);
  }

  // Rows [first, first+count) as a view.
  Tensor row_range(int64_t first, int64_t count) const;
  // Columns [first, first+count) of every row as a view (first must fall on a block boundary).
  Tensor col_range(int64_t first, int64_t count) const;
  // The same contiguous memory seen as {cols, rows} (cols·rows must equal elements()).
  Tensor reshaped(int64_t cols, int64_t rows) const;

  // "[256, 4096]" in ne order, for messages.
  std::string shape_string() const;
};

// A contiguous tensor over `data`.
Tensor make_tensor(gguf::TensorType type, int64_t cols, int64_t rows, void* data, std::string_view name = {});

}  // namespace hearth::engine
