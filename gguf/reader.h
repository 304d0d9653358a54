// gguf/reader.h — a validating, memory-mapped GGUF v2/v3 reader.
//
//   auto file = hearth::gguf::GgufFile::open("model.gguf");   // throws GgufError
//   uint32_t layers = file.metadata().get_u32("llama.block_count");
//   const TensorInfo& t = file.tensor("token_embd.weight");   // t.data points into the mapping
//
// Nothing in the file is trusted before it is checked: every count and length is bounded by the
// bytes that remain, the alignment must be a power of two, tensor offsets must be aligned, inside
// the file and non-overlapping, dimension products and byte sizes are computed with overflow
// checks, and duplicate keys or tensor names are rejected. Each rejection is a GgufError naming the
// file, the byte offset and the rule. Tensor views are zero-copy: they point into the read-only
// mapping, which lives as long as any copy of the GgufFile.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/error.h"
#include "gguf/types.h"
#include "gguf/value.h"

namespace hearth::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr uint32_t kMaxAlignment = 1u << 20;
inline constexpr uint32_t kMaxDims = 4;
inline constexpr std::size_t kMaxTensorNameBytes = 63;  // ggml: name length must be < 64
inline constexpr std::size_t kMaxKeyBytes = 65535;
inline constexpr int kMaxArrayDepth = 8;

struct TensorInfo {
  std::string name;
  TensorType type = TensorType::F32;
  uint32_t n_dims = 0;
  std::array<uint64_t, kMaxDims> ne{1, 1, 1, 1};  // ne[0] is the contiguous dimension
  uint64_t offset = 0;      // relative to the data section
  uint64_t n_elements = 0;
  uint64_t nbytes = 0;
  const uint8_t* data = nullptr;  // into the file mapping
  uint64_t record_offset = 0;     // where the tensor-info record starts (for messages)

  uint64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  uint64_t row_bytes() const { return gguf::row_bytes(type, ne[0]); }
  std::span<const uint8_t> bytes() const { return {data, static_cast<std::size_t>(nbytes)}; }
  // "[4096, 32000]" — dimensions in ne order.
  std::string shape_string() const;
};

class GgufFile {
 public:
  // Maps and validates a file. Throws GgufError (format problems) or std::system_error (I/O).
  static GgufFile open(const std::filesystem::path& path);
  // Validates an in-memory image (tests, fuzzing). The bytes are copied into the result.
  static GgufFile from_bytes(std::span<const uint8_t> bytes, std::string name = "<memory>");

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the tensor data section
  uint64_t file_size() const { return size_; }
  const uint8_t* base() const { return base_; }

  const Metadata& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  const TensorInfo& tensor(std::string_view name) const;  // throws GgufError when missing
  // `general.architecture`, or "" when absent.
  std::string architecture() const;

 private:
  struct Storage;
  void parse();

  std::shared_ptr<const Storage> storage_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  std::string path_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  Metadata metadata_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, std::size_t> tensor_index_;
};

}  // namespace hearth::gguf
