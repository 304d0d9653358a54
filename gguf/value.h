// gguf/value.h — GGUF metadata values and the ordered key/value table.
//
// A Value holds exactly one of the thirteen GGUF value types, keeping the type it was written
// with: llama.cpp is strict about types (`llama.block_count` must be UINT32), so accessors are too.
// Typed getters on Metadata throw MetadataError naming the key, the expected and the actual type.
// Arrays keep their numeric payload packed (little-endian, as in the file) and are read through
// typed spans; string arrays are vectors of strings; arrays of arrays nest.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::gguf {

enum class ValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
inline constexpr uint32_t kValueTypeCount = 13;

std::string_view value_type_name(ValueType t);
// Size in bytes of a fixed-size scalar type; 0 for STRING and ARRAY.
uint32_t value_type_size(ValueType t);

class MetadataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Maps a C++ scalar type to its GGUF value type (for typed array spans and setters).
template <typename T> struct ValueTypeOf;
template <> struct ValueTypeOf<uint8_t> { static constexpr ValueType value = ValueType::UINT8; };
template <> struct ValueTypeOf<int8_t> { static constexpr ValueType value = ValueType::INT8; };
template <> struct ValueTypeOf<uint16_t> { static constexpr ValueType value = ValueType::UINT16; };
template <> struct ValueTypeOf<int16_t> { static constexpr ValueType value = ValueType::INT16; };
template <> struct ValueTypeOf<uint32_t> { static constexpr ValueType value = ValueType::UINT32; };
template <> struct ValueTypeOf<int32_t> { static constexpr ValueType value = ValueType::INT32; };
template <> struct ValueTypeOf<float> { static constexpr ValueType value = ValueType::FLOAT32; };
template <> struct ValueTypeOf<uint64_t> { static constexpr ValueType value = ValueType::UINT64; };
template <> struct ValueTypeOf<int64_t> { static constexpr ValueType value = ValueType::INT64; };
template <> struct ValueTypeOf<double> { static constexpr ValueType value = ValueType::FLOAT64; };

class Value;

// A homogeneous GGUF array.
class Array {
 public:
  Array() = default;
  explicit Array(ValueType elem_type) : elem_type_(elem_type) {}

  template <typename T>
  static Array of(std::span<const T> items) {
    Array a(ValueTypeOf<T>::value);
    a.count_ = items.size();
    a.packed_.resize(items.size_bytes());
    if (!items.empty()) std::memcpy(a.packed_.data(), items.data(), items.size_bytes());
    return a;
  }
  template <typename T>
  static Array of(const std::vector<T>& items) { return of(std::span<const T>(items)); }
  static Array of_bools(const std::vector<bool>& items);
  static Array of_strings(std::vector<std::string> items);
  static Array of_arrays(std::vector<Array> items);

  ValueType elem_type() const { return elem_type_; }
  uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Typed view of a numeric array; throws MetadataError when the element type differs.
  template <typename T>
  std::span<const T> as() const {
    if (elem_type_ != ValueTypeOf<T>::value) throw_elem_type(ValueTypeOf<T>::value);
    return {reinterpret_cast<const T*>(packed_.data()), static_cast<std::size_t>(count_)};
  }
  bool bool_at(uint64_t i) const;  // BOOL arrays
  const std::vector<std::string>& strings() const;
  const std::vector<Array>& arrays() const;
  // Element i of any array type as a standalone Value (for printing and generic access).
  Value at(uint64_t i) const;
  // Reads any integer-typed element as int64 (throws for non-integer arrays or out-of-range u64).
  int64_t int_at(uint64_t i) const;

  bool operator==(const Array& other) const;

  // Raw packed payload of a numeric/bool array (used by the reader and writer).
  const std::vector<uint8_t>& packed() const { return packed_; }
  static Array from_packed(ValueType elem_type, uint64_t count, std::vector<uint8_t> bytes);

 private:
  [[noreturn]] void throw_elem_type(ValueType wanted) const;
  ValueType elem_type_ = ValueType::UINT8;
  uint64_t count_ = 0;
  std::vector<uint8_t> packed_;          // numeric and bool elements
  std::vector<std::string> strings_;     // STRING elements
  std::vector<Array> arrays_;            // ARRAY elements
};

// One metadata value of any GGUF type.
class Value {
 public:
  Value() = default;
  static Value u8(uint8_t v) { return scalar(ValueType::UINT8, v); }
  static Value i8(int8_t v) { return scalar(ValueType::INT8, v); }
  static Value u16(uint16_t v) { return scalar(ValueType::UINT16, v); }
  static Value i16(int16_t v) { return scalar(ValueType::INT16, v); }
  static Value u32(uint32_t v) { return scalar(ValueType::UINT32, v); }
  static Value i32(int32_t v) { return scalar(ValueType::INT32, v); }
  static Value f32(float v) { return scalar(ValueType::FLOAT32, v); }
  static Value boolean(bool v) { return scalar(ValueType::BOOL, static_cast<uint8_t>(v ? 1 : 0)); }
  static Value u64(uint64_t v) { return scalar(ValueType::UINT64, v); }
  static Value i64(int64_t v) { return scalar(ValueType::INT64, v); }
  static Value f64(double v) { return scalar(ValueType::FLOAT64, v); }
  static Value string(std::string v);
  static Value array(Array v);
  // Scalar from raw little-endian bytes (the reader's path); `bytes` must hold the type's size.
  static Value from_raw(ValueType type, const uint8_t* bytes);

  ValueType type() const { return type_; }

  // Exact-type accessors: throw MetadataError("expected X, got Y") on a type mismatch.
  uint8_t as_u8() const { return get<uint8_t>(ValueType::UINT8); }
  int8_t as_i8() const { return get<int8_t>(ValueType::INT8); }
  uint16_t as_u16() const { return get<uint16_t>(ValueType::UINT16); }
  int16_t as_i16() const { return get<int16_t>(ValueType::INT16); }
  uint32_t as_u32() const { return get<uint32_t>(ValueType::UINT32); }
  int32_t as_i32() const { return get<int32_t>(ValueType::INT32); }
  float as_f32() const { return get<float>(ValueType::FLOAT32); }
  bool as_bool() const { return get<uint8_t>(ValueType::BOOL) != 0; }
  uint64_t as_u64() const { return get<uint64_t>(ValueType::UINT64); }
  int64_t as_i64() const { return get<int64_t>(ValueType::INT64); }
  double as_f64() const { return get<double>(ValueType::FLOAT64); }
  const std::string& as_string() const;
  const Array& as_array() const;

  bool is_integer() const;
  bool is_float() const { return type_ == ValueType::FLOAT32 || type_ == ValueType::FLOAT64; }
  // Any integer type as int64 (u64 values above INT64_MAX throw).
  int64_t as_int() const;
  // Any integer or float type as double.
  double as_number() const;

  // Human-readable rendering (strings quoted, arrays abbreviated after `max_items` elements).
  std::string to_display(std::size_t max_items = 8) const;

  bool operator==(const Value& other) const;

 private:
  template <typename T>
  static Value scalar(ValueType t, T v) {
    Value out;
    out.type_ = t;
    std::memcpy(&out.bits_, &v, sizeof v);
    return out;
  }
  template <typename T>
  T get(ValueType expected) const {
    if (type_ != expected) throw_type(expected);
    T v;
    std::memcpy(&v, &bits_, sizeof v);
    return v;
  }
  [[noreturn]] void throw_type(ValueType expected) const;

  ValueType type_ = ValueType::UINT8;
  uint64_t bits_ = 0;  // scalar payload (little-endian in the low bytes)
  std::shared_ptr<const std::string> string_;
  std::shared_ptr<const Array> array_;
};

// The key/value table of a file, in file order, with O(1) lookup.
class Metadata {
 public:
  // Inserts a new key; returns false (and changes nothing) when the key already exists.
  bool insert(std::string key, Value value);
  // Inserts or replaces (keeping the original position).
  void set(std::string key, Value value);
  bool erase(std::string_view key);

  const Value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  const Value& at(std::string_view key) const;  // throws MetadataError("missing key ...")

  // Typed lookups that name the key in their errors. `*_or` return the fallback when absent
  // (a present key of the wrong type still throws).
  uint32_t get_u32(std::string_view key) const;
  uint32_t get_u32_or(std::string_view key, uint32_t fallback) const;
  float get_f32(std::string_view key) const;
  float get_f32_or(std::string_view key, float fallback) const;
  bool get_bool(std::string_view key) const;
  bool get_bool_or(std::string_view key, bool fallback) const;
  const std::string& get_string(std::string_view key) const;
  std::string get_string_or(std::string_view key, std::string_view fallback) const;
  const Array& get_array(std::string_view key) const;
  const Array* find_array(std::string_view key) const;  // nullptr when absent; throws if not an array
  // Any integer type, as int64.
  int64_t get_int(std::string_view key) const;
  std::optional<int64_t> find_int(std::string_view key) const;

  std::size_t size() const { return entries_.size(); }
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  template <typename F>
  auto with_key(std::string_view key, F&& f) const -> decltype(f(std::declval<const Value&>()));

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::pair<std::string, Value>> entries_;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> index_;
};

}  // namespace hearth::gguf
