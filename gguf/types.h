// gguf/types.h — the ggml tensor-type table.
//
// Every tensor in a GGUF file names one of these types by numeric id. A type stores its elements
// in blocks: `block_size` elements packed into `type_size` bytes (1 and sizeof(scalar) for the
// plain float/int types). The table covers every id up to kTypeIdCount; ids that ggml removed
// (4, 5, 31–33, 36–38) and ids past the end are unknown and rejected by the reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth::gguf {

enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
};

// One past the largest id in the table (new ggml ids are appended, so later files may carry ids
// we do not know yet; those are rejected as unknown).
inline constexpr uint32_t kTypeIdCount = 43;

struct TypeTraits {
  std::string_view name;  // as ggml prints it: "Q4_K", "F16", ...
  uint32_t block_size;    // elements per block
  uint32_t type_size;     // bytes per block
  bool quantized;         // block-quantized (as opposed to a plain scalar type)
};

// Traits of a known type id, or nullopt for removed/unknown ids.
std::optional<TypeTraits> type_traits(uint32_t id);
// Traits of a valid enum value (asserts in debug builds if the value is not a known type).
TypeTraits traits(TensorType type);
std::string_view type_name(TensorType type);
// Parses a type name case-insensitively ("q4_k", "F16"); nullopt when unknown.
std::optional<TensorType> type_from_name(std::string_view name);

// Bytes taken by `n_elements` elements in one row of `type` (n_elements must be a multiple of the
// block size; the caller checks).
inline uint64_t row_bytes(TensorType type, uint64_t n_elements) {
  TypeTraits t = traits(type);
  return n_elements / t.block_size * t.type_size;
}

}  // namespace hearth::gguf
