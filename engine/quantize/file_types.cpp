#include "engine/quantize/file_types.h"

#include <cctype>
#include <stdexcept>
#include <string>

namespace hearth::quantize {

using gguf::TensorType;

std::span<const FileTypeInfo> file_types() {
  static const FileTypeInfo table[] = {
      {FileType::F32, "F32", TensorType::F32},       {FileType::F16, "F16", TensorType::F16},
      {FileType::BF16, "BF16", TensorType::BF16},    {FileType::Q8_0, "Q8_0", TensorType::Q8_0},
      {FileType::Q4_0, "Q4_0", TensorType::Q4_0},    {FileType::Q4_1, "Q4_1", TensorType::Q4_1},
      {FileType::Q5_0, "Q5_0", TensorType::Q5_0},    {FileType::Q5_1, "Q5_1", TensorType::Q5_1},
      {FileType::Q2_K, "Q2_K", TensorType::Q2_K},    {FileType::Q3_K_S, "Q3_K_S", TensorType::Q3_K},
      {FileType::Q3_K_M, "Q3_K_M", TensorType::Q3_K}, {FileType::Q3_K_L, "Q3_K_L", TensorType::Q3_K},
      {FileType::Q4_K_S, "Q4_K_S", TensorType::Q4_K}, {FileType::Q4_K_M, "Q4_K_M", TensorType::Q4_K},
      {FileType::Q5_K_S, "Q5_K_S", TensorType::Q5_K}, {FileType::Q5_K_M, "Q5_K_M", TensorType::Q5_K},
      {FileType::Q6_K, "Q6_K", TensorType::Q6_K},    {FileType::IQ4_NL, "IQ4_NL", TensorType::IQ4_NL},
      {FileType::IQ4_XS, "IQ4_XS", TensorType::IQ4_XS},
  };
  return table;
}

const FileTypeInfo& file_type_info(FileType type) {
  for (const FileTypeInfo& info : file_types())
    if (info.type == type) return info;
  throw std::invalid_argument("unknown file type id " + std::to_string(static_cast<uint32_t>(type)));
}

std::optional<FileType> parse_file_type(std::string_view name) {
  for (const FileTypeInfo& info : file_types()) {
    if (info.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::toupper(static_cast<unsigned char>(name[i])) == static_cast<unsigned char>(info.name[i]);
    if (same) return info.type;
  }
  return std::nullopt;
}

}  // namespace hearth::quantize
