#include "gguf/value.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace hearth::gguf {

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::UINT8: return "UINT8";
    case ValueType::INT8: return "INT8";
    case ValueType::UINT16: return "UINT16";
    case ValueType::INT16: return "INT16";
    case ValueType::UINT32: return "UINT32";
    case ValueType::INT32: return "INT32";
    case ValueType::FLOAT32: return "FLOAT32";
    case ValueType::BOOL: return "BOOL";
    case ValueType::STRING: return "STRING";
    case ValueType::ARRAY: return "ARRAY";
    case ValueType::UINT64: return "UINT64";
    case ValueType::INT64: return "INT64";
    case ValueType::FLOAT64: return "FLOAT64";
  }
  return "UNKNOWN";
}

uint32_t value_type_size(ValueType t) {
  switch (t) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::BOOL: return 1;
    case ValueType::UINT16:
    case ValueType::INT16: return 2;
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::FLOAT32: return 4;
    case ValueType::UINT64:
    case ValueType::INT64:
    case ValueType::FLOAT64: return 8;
    case ValueType::STRING:
    case ValueType::ARRAY: return 0;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Array

Array Array::of_bools(const std::vector<bool>& items) {
  Array a(ValueType::BOOL);
  a.count_ = items.size();
  a.packed_.reserve(items.size());
  for (bool b : items) a.packed_.push_back(b ? 1 : 0);
  return a;
}

Array Array::of_strings(std::vector<std::string> items) {
  Array a(ValueType::STRING);
  a.count_ = items.size();
  a.strings_ = std::move(items);
  return a;
}

Array Array::of_arrays(std::vector<Array> items) {
  Array a(ValueType::ARRAY);
  a.count_ = items.size();
  a.arrays_ = std::move(items);
  return a;
}

Array Array::from_packed(ValueType elem_type, uint64_t count, std::vector<uint8_t> bytes) {
  Array a(elem_type);
  a.count_ = count;
  a.packed_ = std::move(bytes);
  return a;
}

void Array::throw_elem_type(ValueType wanted) const {
  throw MetadataError("expected an array of " + std::string(value_type_name(wanted)) + ", got an array of " +
                      std::string(value_type_name(elem_type_)));
}

bool Array::bool_at(uint64_t i) const {
  if (elem_type_ != ValueType::BOOL) throw_elem_type(ValueType::BOOL);
  return packed_.at(i) != 0;
}

const std::vector<std::string>& Array::strings() const {
  if (elem_type_ != ValueType::STRING) throw_elem_type(ValueType::STRING);
  return strings_;
}

const std::vector<Array>& Array::arrays() const {
  if (elem_type_ != ValueType::ARRAY) throw_elem_type(ValueType::ARRAY);
  return arrays_;
}

Value Array::at(uint64_t i) const {
  if (i >= count_) throw MetadataError("array index out of range");
  if (elem_type_ == ValueType::STRING) return Value::string(strings_[i]);
  if (elem_type_ == ValueType::ARRAY) return Value::array(arrays_[i]);
  return Value::from_raw(elem_type_, packed_.data() + i * value_type_size(elem_type_));
}

int64_t Array::int_at(uint64_t i) const { return at(i).as_int(); }

bool Array::operator==(const Array& other) const {
  return elem_type_ == other.elem_type_ && count_ == other.count_ && packed_ == other.packed_ &&
         strings_ == other.strings_ && arrays_ == other.arrays_;
}

// ---------------------------------------------------------------------------------------------
// Value

Value Value::string(std::string v) {
  Value out;
  out.type_ = ValueType::STRING;
  out.string_ = std::make_shared<const std::string>(std::move(v));
  return out;
}

Value Value::array(Array v) {
  Value out;
  out.type_ = ValueType::ARRAY;
  out.array_ = std::make_shared<const Array>(std::move(v));
  return out;
}

Value Value::from_raw(ValueType type, const uint8_t* bytes) {
  Value out;
  out.type_ = type;
  std::memcpy(&out.bits_, bytes, value_type_size(type));
  return out;
}

void Value::throw_type(ValueType expected) const {
  throw MetadataError("expected " + std::string(value_type_name(expected)) + ", got " +
                      std::string(value_type_name(type_)));
}

const std::string& Value::as_string() const {
  if (type_ != ValueType::STRING) throw_type(ValueType::STRING);
  return *string_;
}

const Array& Value::as_array() const {
  if (type_ != ValueType::ARRAY) throw_type(ValueType::ARRAY);
  return *array_;
}

bool Value::is_integer() const {
  switch (type_) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::UINT16:
    case ValueType::INT16:
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::UINT64:
    case ValueType::INT64: return true;
    default: return false;
  }
}

int64_t Value::as_int() const {
  switch (type_) {
    case ValueType::UINT8: return as_u8();
    case ValueType::INT8: return as_i8();
    case ValueType::UINT16: return as_u16();
    case ValueType::INT16: return as_i16();
    case ValueType::UINT32: return as_u32();
    case ValueType::INT32: return as_i32();
    case ValueType::INT64: return as_i64();
    case ValueType::UINT64: {
      uint64_t v = as_u64();
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw MetadataError("UINT64 value " + std::to_string(v) + " does not fit in a signed 64-bit integer");
      return static_cast<int64_t>(v);
    }
    default: throw MetadataError("expected an integer, got " + std::string(value_type_name(type_)));
  }
}

double Value::as_number() const {
  if (type_ == ValueType::FLOAT32) return as_f32();
  if (type_ == ValueType::FLOAT64) return as_f64();
  if (type_ == ValueType::UINT64) return static_cast<double>(as_u64());
  if (is_integer()) return static_cast<double>(as_int());
  throw MetadataError("expected a number, got " + std::string(value_type_name(type_)));
}

static std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

std::string Value::to_display(std::size_t max_items) const {
  char buf[64];
  switch (type_) {
    case ValueType::BOOL: return as_bool() ? "true" : "false";
    case ValueType::FLOAT32: std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(as_f32())); return buf;
    case ValueType::FLOAT64: std::snprintf(buf, sizeof buf, "%.17g", as_f64()); return buf;
    case ValueType::UINT64: return std::to_string(as_u64());
    case ValueType::STRING: {
      const std::string& s = as_string();
      if (s.size() > 200) return quoted(s.substr(0, 200)) + "… (" + std::to_string(s.size()) + " bytes)";
      return quoted(s);
    }
    case ValueType::ARRAY: {
      const Array& a = as_array();
      std::string out = "[";
      uint64_t shown = std::min<uint64_t>(a.size(), max_items);
      for (uint64_t i = 0; i < shown; ++i) {
        if (i) out += ", ";
        out += a.at(i).to_display(max_items);
      }
      if (a.size() > shown) out += ", … (" + std::to_string(a.size()) + " " + std::string(value_type_name(a.elem_type())) + ")";
      out += "]";
      return out;
    }
    default: return std::to_string(as_int());
  }
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  if (type_ == ValueType::STRING) return *string_ == *other.string_;
  if (type_ == ValueType::ARRAY) return *array_ == *other.array_;
  return bits_ == other.bits_;
}

// ---------------------------------------------------------------------------------------------
// Metadata

bool Metadata::insert(std::string key, Value value) {
  if (index_.find(key) != index_.end()) return false;
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
  return true;
}

void Metadata::set(std::string key, Value value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  insert(std::move(key), std::move(value));
}

bool Metadata::erase(std::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  return true;
}

const Value* Metadata::find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const Value& Metadata::at(std::string_view key) const {
  const Value* v = find(key);
  if (!v) throw MetadataError("missing metadata key '" + std::string(key) + "'");
  return *v;
}

template <typename F>
auto Metadata::with_key(std::string_view key, F&& f) const -> decltype(f(std::declval<const Value&>())) {
  const Value& v = at(key);
  try {
    return f(v);
  } catch (const MetadataError& e) {
    throw MetadataError("metadata key '" + std::string(key) + "': " + e.what());
  }
}

uint32_t Metadata::get_u32(std::string_view key) const {
  return with_key(key, [](const Value& v) { return v.as_u32(); });
}
uint32_t Metadata::get_u32_or(std::string_view key, uint32_t fallback) const {
  return contains(key) ? get_u32(key) : fallback;
}
float Metadata::get_f32(std::string_view key) const {
  return with_key(key, [](const Value& v) { return v.as_f32(); });
}
float Metadata::get_f32_or(std::string_view key, float fallback) const {
  return contains(key) ? get_f32(key) : fallback;
}
bool Metadata::get_bool(std::string_view key) const {
  return with_key(key, [](const Value& v) { return v.as_bool(); });
}
bool Metadata::get_bool_or(std::string_view key, bool fallback) const {
  return contains(key) ? get_bool(key) : fallback;
}
const std::string& Metadata::get_string(std::string_view key) const {
  return with_key(key, [](const Value& v) -> const std::string& { return v.as_string(); });
}
std::string Metadata::get_string_or(std::string_view key, std::string_view fallback) const {
  return contains(key) ? get_string(key) : std::string(fallback);
}
const Array& Metadata::get_array(std::string_view key) const {
  return with_key(key, [](const Value& v) -> const Array& { return v.as_array(); });
}
const Array* Metadata::find_array(std::string_view key) const {
  return contains(key) ? &get_array(key) : nullptr;
}
int64_t Metadata::get_int(std::string_view key) const {
  return with_key(key, [](const Value& v) { return v.as_int(); });
}
std::optional<int64_t> Metadata::find_int(std::string_view key) const {
  if (!contains(key)) return std::nullopt;
  return get_int(key);
}

}  // namespace hearth::gguf
