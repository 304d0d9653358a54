// engine/quantize/file_types.h — llama.cpp's "file types" (ftype): the quantization mixes that
// `hearth quantize` can produce, their ids (general.file_type) and default tensor types.
//
//   auto ft = hearth::quantize::parse_file_type("q4_k_m");   // FileType::Q4_K_M
//   default_tensor_type(*ft)                                 // TensorType::Q4_K
//
// A file type is a recipe, not a type: a Q4_K_M file also holds Q6_K and F32 tensors (see
// type_plan.h). Never infer a tensor's type from general.file_type; read the tensor table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gguf/types.h"

namespace hearth::quantize {

// Values are llama.cpp's llama_ftype ids, written to general.file_type.
enum class FileType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q8_0 = 7,
  Q5_0 = 8,
  Q5_1 = 9,
  Q2_K = 10,
  Q3_K_S = 11,
  Q3_K_M = 12,
  Q3_K_L = 13,
  Q4_K_S = 14,
  Q4_K_M = 15,
  Q5_K_S = 16,
  Q5_K_M = 17,
  Q6_K = 18,
  IQ4_NL = 25,
  IQ4_XS = 30,
  BF16 = 32,
};

struct FileTypeInfo {
  FileType type;
  std::string_view name;           // as llama-quantize spells it: "Q4_K_M"
  gguf::TensorType default_type;   // the type most weight matrices get
};

// Every file type `hearth quantize` accepts, in the order its help lists them.
std::span<const FileTypeInfo> file_types();
const FileTypeInfo& file_type_info(FileType type);
// Case-insensitive; nullopt for names we do not produce.
std::optional<FileType> parse_file_type(std::string_view name);

}  // namespace hearth::quantize
