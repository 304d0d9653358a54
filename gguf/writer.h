// gguf/writer.h — writes GGUF v3 files (metadata + aligned tensor data).
//
//   GgufWriter w;
//   w.set("general.architecture", Value::string("llama"));
//   w.add_tensor("token_embd.weight", TensorType::F16, {4096, 32000}, bytes);       // copied
//   w.add_tensor_lazy("blk.0.attn_q.weight", TensorType::Q4_K, {4096, 4096},
//                     [&](std::span<uint8_t> out) { quantize_into(out); });        // on write
//   w.write("out.gguf");   // temp file + fsync + rename, so readers never see half a file
//
// Tensors are laid out in insertion order, each at a multiple of the alignment and zero-padded,
// which is exactly the layout ggml's own reader insists on. Lazy tensors let quantize/gen-model
// produce multi-gigabyte files while holding one tensor in memory at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "gguf/types.h"
#include "gguf/value.h"

namespace hearth::gguf {

class GgufWriter {
 public:
  using Fill = std::function<void(std::span<uint8_t> out)>;

  // Metadata in insertion order; setting an existing key replaces its value in place.
  void set(std::string key, Value value) { metadata_.set(std::move(key), std::move(value)); }
  Metadata& metadata() { return metadata_; }
  // Alignment of tensor data (power of two); written as general.alignment when not 32.
  void set_alignment(uint32_t alignment);

  // Adds a tensor whose bytes are copied now. `ne` lists dimensions innermost first.
  void add_tensor(std::string name, TensorType type, std::vector<uint64_t> ne, std::span<const uint8_t> data);
  // Adds a tensor whose bytes are produced by `fill` during write().
  void add_tensor_lazy(std::string name, TensorType type, std::vector<uint64_t> ne, Fill fill);

  std::size_t tensor_count() const { return tensors_.size(); }

  // Writes the file atomically (temp file in the same directory, fsync, rename).
  void write(const std::filesystem::path& path) const;
  // The complete file image, for tests and fuzz seeds.
  std::vector<uint8_t> to_bytes() const;

 private:
  struct PendingTensor {
    std::string name;
    TensorType type;
    std::vector<uint64_t> ne;
    uint64_t nbytes;
    uint64_t offset;
    std::vector<uint8_t> data;  // when copied
    Fill fill;                  // when lazy
  };
  void check_and_add(PendingTensor t);
  template <typename Sink>
  void emit(Sink& sink) const;

  Metadata metadata_;
  uint32_t alignment_ = 32;
  std::vector<PendingTensor> tensors_;
  uint64_t data_size_ = 0;
};

}  // namespace hearth::gguf
