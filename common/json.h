// common/json.h — a small JSON value type used across hearth.
//
// Parsing is done by simdjson (validating, fast); this type is the mutable document that the
// server builds responses from, the template engines read their context from, and tools write.
// Objects keep insertion order (clients and Jinja's `tojson` observe it) and a repeated key keeps
// its last value, like Go's encoding/json and Python's json module.
//
//   Json req = Json::parse(body);                 // throws JsonError on malformed text
//   std::string model = req.get_string("model");  // "" when absent; throws if not a string
//   Json out = Json::object({{"model", model}, {"done", true}});
//   write(out.dump());                            // compact, one line
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hearth {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Json;

// Insertion-ordered map from string to Json. Lookup is linear: objects in requests and
// templates are small, and order matters more than asymptotics here. (A template so that its
// member bodies are only instantiated once Json is complete, which clang requires.)
template <typename J>
class BasicJsonObject {
 public:
  using Entry = std::pair<std::string, J>;
  BasicJsonObject() = default;

  const J* find(std::string_view key) const {
    for (const auto& e : entries_)
      if (e.first == key) return &e.second;
    return nullptr;
  }
  J* find(std::string_view key) {
    for (auto& e : entries_)
      if (e.first == key) return &e.second;
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Inserts (at the end) or overwrites, keeping the original position of an existing key.
  J& set(std::string key, J value) {
    if (J* existing = find(key)) {
      *existing = std::move(value);
      return *existing;
    }
    entries_.emplace_back(std::move(key), std::move(value));
    return entries_.back().second;
  }
  J& operator[](std::string_view key) {  // inserts null when absent
    if (J* existing = find(key)) return *existing;
    entries_.emplace_back(std::string(key), J());
    return entries_.back().second;
  }
  bool erase(std::string_view key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) {
        entries_.erase(it);
        return true;
      }
    }
    return false;
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  auto begin() { return entries_.begin(); }
  auto end() { return entries_.end(); }
  bool operator==(const BasicJsonObject& other) const { return entries_ == other.entries_; }

  // Appends without looking for an existing key (the caller guarantees it is new).
  J& append_new(std::string key, J value) {
    entries_.emplace_back(std::move(key), std::move(value));
    return entries_.back().second;
  }
  void reserve(std::size_t n) { entries_.reserve(n); }

 private:
  std::vector<Entry> entries_;
};

using JsonObject = BasicJsonObject<Json>;

class Json {
 public:
  enum class Kind { Null, Bool, Int, Double, String, Array, Object };
  using Array = std::vector<Json>;
  using Object = JsonObject;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : value_(b) {}
  Json(int v) : value_(static_cast<int64_t>(v)) {}
  Json(long v) : value_(static_cast<int64_t>(v)) {}
  Json(long long v) : value_(static_cast<int64_t>(v)) {}
  Json(unsigned v) : value_(static_cast<int64_t>(v)) {}
  Json(unsigned long v);
  Json(unsigned long long v);
  Json(double v) : value_(v) {}
  Json(float v) : value_(static_cast<double>(v)) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}

  static Json array(std::initializer_list<Json> items = {}) { return Json(Array(items)); }
  static Json object(std::initializer_list<std::pair<std::string, Json>> items = {});

  // Parses one JSON document (surrounding whitespace allowed). Throws JsonError.
  static Json parse(std::string_view text);

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  const char* kind_name() const;
  bool is_null() const { return kind() == Kind::Null; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_double() const { return kind() == Kind::Double; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_object() const { return kind() == Kind::Object; }

  // Checked accessors: throw JsonError naming the expected and actual kinds.
  bool as_bool() const;
  int64_t as_int() const;       // doubles with an integral value are accepted
  double as_double() const;     // ints are converted
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object conveniences. `find` returns nullptr for a missing key or a non-object.
  const Json* find(std::string_view key) const;
  Json& operator[](std::string_view key);  // turns null into an object
  const Json& at(std::string_view key) const;  // throws when absent
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Typed getters with a default for absent or null keys; a present value of the wrong kind
  // throws JsonError naming the key.
  std::string get_string(std::string_view key, std::string_view fallback = "") const;
  int64_t get_int(std::string_view key, int64_t fallback = 0) const;
  double get_double(std::string_view key, double fallback = 0.0) const;
  bool get_bool(std::string_view key, bool fallback = false) const;

  // Array conveniences.
  void push_back(Json v);
  std::size_t size() const;  // elements of an array/object, 0 otherwise

  // Compact serialization ("," and ":" without spaces). Invalid UTF-8 in strings is replaced by
  // U+FFFD so the output is always valid JSON; non-finite doubles become null.
  std::string dump() const;
  // Indented serialization (indent spaces per level), for humans.
  std::string dump_pretty(int indent = 2) const;

  bool operator==(const Json& other) const { return value_ == other.value_; }

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> value_;
};

// Appends `s` to `out` as a quoted JSON string literal (escapes ", \, control characters).
void append_json_string(std::string& out, std::string_view s);

}  // namespace hearth
