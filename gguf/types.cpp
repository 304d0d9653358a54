#include "gguf/types.h"

#include <array>
#include <cassert>
#include <cctype>

namespace hearth::gguf {
namespace {

struct Row {
  std::string_view name;
  uint32_t block_size;
  uint32_t type_size;
  bool quantized;
};

// Indexed by type id; block_size 0 marks a removed id.
constexpr std::array<Row, kTypeIdCount> kTable = {{
    {"F32", 1, 4, false},        // 0
    {"F16", 1, 2, false},        // 1
    {"Q4_0", 32, 18, true},      // 2
    {"Q4_1", 32, 20, true},      // 3
    {"Q4_2", 0, 0, true},        // 4 removed
    {"Q4_3", 0, 0, true},        // 5 removed
    {"Q5_0", 32, 22, true},      // 6
    {"Q5_1", 32, 24, true},      // 7
    {"Q8_0", 32, 34, true},      // 8
    {"Q8_1", 32, 36, true},      // 9
    {"Q2_K", 256, 84, true},     // 10
    {"Q3_K", 256, 110, true},    // 11
    {"Q4_K", 256, 144, true},    // 12
    {"Q5_K", 256, 176, true},    // 13
    {"Q6_K", 256, 210, true},    // 14
    {"Q8_K", 256, 292, true},    // 15
    {"IQ2_XXS", 256, 66, true},  // 16
    {"IQ2_XS", 256, 74, true},   // 17
    {"IQ3_XXS", 256, 98, true},  // 18
    {"IQ1_S", 256, 50, true},    // 19
    {"IQ4_NL", 32, 18, true},    // 20
    {"IQ3_S", 256, 110, true},   // 21
    {"IQ2_S", 256, 82, true},    // 22
    {"IQ4_XS", 256, 136, true},  // 23
    {"I8", 1, 1, false},         // 24
    {"I16", 1, 2, false},        // 25
    {"I32", 1, 4, false},        // 26
    {"I64", 1, 8, false},        // 27
    {"F64", 1, 8, false},        // 28
    {"IQ1_M", 256, 56, true},    // 29
    {"BF16", 1, 2, false},       // 30
    {"Q4_0_4_4", 0, 0, true},    // 31 removed
    {"Q4_0_4_8", 0, 0, true},    // 32 removed
    {"Q4_0_8_8", 0, 0, true},    // 33 removed
    {"TQ1_0", 256, 54, true},    // 34
    {"TQ2_0", 256, 66, true},    // 35
    {"IQ4_NL_4_4", 0, 0, true},  // 36 removed
    {"IQ4_NL_4_8", 0, 0, true},  // 37 removed
    {"IQ4_NL_8_8", 0, 0, true},  // 38 removed
    {"MXFP4", 32, 17, true},     // 39
    {"NVFP4", 64, 36, true},     // 40
    {"Q1_0", 128, 18, true},     // 41
    {"Q2_0", 64, 18, true},      // 42
}};

}  // namespace

std::optional<TypeTraits> type_traits(uint32_t id) {
  if (id >= kTypeIdCount) return std::nullopt;
  const Row& r = kTable[id];
  if (r.block_size == 0) return std::nullopt;
  return TypeTraits{r.name, r.block_size, r.type_size, r.quantized};
}

TypeTraits traits(TensorType type) {
  auto t = type_traits(static_cast<uint32_t>(type));
  assert(t && "TensorType value outside the known table");
  return t ? *t : TypeTraits{"?", 1, 1, false};
}

std::string_view type_name(TensorType type) { return traits(type).name; }

std::optional<TensorType> type_from_name(std::string_view name) {
  for (uint32_t id = 0; id < kTypeIdCount; ++id) {
    const Row& r = kTable[id];
    if (r.block_size == 0 || r.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i)
      same = std::toupper(static_cast<unsigned char>(name[i])) == r.name[i];
    if (same) return static_cast<TensorType>(id);
  }
  return std::nullopt;
}

}  // namespace hearth::gguf
