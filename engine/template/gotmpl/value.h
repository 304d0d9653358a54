// engine/template/gotmpl/value.h — the Go values a text/template program operates on.
//
// Go templates see reflect.Values: typed, with kinds (bool, int, float64, string, slice, map,
// struct), nil interfaces, and methods such as fmt.Stringer. Ollama's prompt values are Go structs
// (`.Messages` is a []*templateMessage, `.Function.Arguments` a map with a String method that
// prints JSON), so the interpreter needs more than JSON: a Value here carries its Go kind, an
// optional GoType (name, String method, zero-argument methods, JSON marshaller, element zero of a
// typed map) and, for structs, fields with their encoding/json tags.
//
//   Value v = Value::from_json(Json::parse(R"({"a": [1, "x"]})"));  // map[string]any, as Go decodes it
//   Value s = Value::make_struct(&kMessageType, {{"Role", Value("user")}, {"Content", Value("hi")}});
//
// Two nothing-values matter and are kept apart exactly as Go does: Invalid is the zero
// reflect.Value (prints "<no value>", fields of it are again Invalid), Nil is a nil interface or
// pointer (what a missing key of a map[string]any yields; prints "<nil>" inside fmt, and taking a
// field of it is an error). Values are immutable and cheap to copy (compound data is shared).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/json.h"

namespace hearth::tmpl::gotmpl {

class Value;

// Describes a named Go type whose behaviour templates can observe. Instances are immutable and
// normally have static storage duration (one per Go type mirrored).
struct GoType {
  std::string name;  // as Go prints it in errors and %T, e.g. "template.templateArgs"
  // fmt.Stringer: used by printing (actions, print/printf %v %s %q) and callable as `.String`.
  std::function<std::string(const Value&)> string_method;
  // Other zero-argument methods callable from templates (`.ToTypeScriptType`).
  std::vector<std::pair<std::string, std::function<Value(const Value&)>>> methods;
  // json.Marshaler: appends the JSON encoding. Empty = encode by kind.
  std::function<void(const Value&, std::string&)> marshal_json;
  // For typed maps (map[string]T): the zero T a missing key yields. Empty = nil interface.
  std::function<Value()> map_elem_zero;
  // Pointer types print as &{...} and take fields through the pointer.
  bool is_pointer = false;
};

struct StructField {
  std::string name;        // Go field name, as templates spell it (.Role)
  std::string json_name;   // encoding/json key; "" = the Go name; "-" = never encoded
  bool omitempty = false;
  bool exported = true;    // unexported fields are invisible to templates and to JSON
};

class Value {
 public:
  enum class Kind { Invalid, Nil, Bool, Int, Float, String, List, Map, Struct };

  using List = std::vector<Value>;
  using Map = std::map<std::string, Value, std::less<>>;  // Go maps range and print in key order
  struct Struct {
    std::vector<StructField> fields;
    std::vector<Value> values;
  };

  Value() = default;  // Invalid
  explicit Value(bool b) : data_(b) {}
  explicit Value(int64_t i) : data_(i) {}
  explicit Value(int i) : data_(static_cast<int64_t>(i)) {}
  explicit Value(double f) : data_(f) {}
  explicit Value(std::string s) : data_(std::move(s)) {}
  explicit Value(const char* s) : data_(std::string(s)) {}
  explicit Value(std::string_view s) : data_(std::string(s)) {}

  static Value nil() { Value v; v.data_ = NilTag{}; return v; }
  static Value make_list(List items, const GoType* type = nullptr);
  static Value nil_list(const GoType* type = nullptr);  // a nil slice: len 0, JSON null
  static Value make_map(Map entries, const GoType* type = nullptr);
  static Value nil_map(const GoType* type = nullptr);   // a nil map: len 0, JSON null
  static Value make_struct(std::vector<StructField> fields, std::vector<Value> values,
                           const GoType* type = nullptr);
  static Value with_type(Value v, const GoType* type);

  // Go's json.Unmarshal into `any`: objects → map[string]any, arrays → []any, null → nil.
  // Numbers: JSON integers become int unless `numbers_as_float` (Go decodes every number into
  // float64; Ollama's data uses that), doubles become float64.
  static Value from_json(const Json& j, bool numbers_as_float = false);

  Kind kind() const;
  const GoType* type() const { return type_; }
  bool is_valid() const { return kind() != Kind::Invalid; }
  bool is_nil_like() const { return kind() == Kind::Invalid || kind() == Kind::Nil; }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  // Lists and maps may be nil (no storage); these return an empty container then.
  const List& as_list() const;
  const Map& as_map() const;
  bool is_nil_container() const;  // nil slice or nil map
  const Struct& as_struct() const { return *std::get<std::shared_ptr<const Struct>>(data_); }

  // Field of a struct by Go name; nullptr when absent or unexported.
  const Value* field(std::string_view name) const;
  // Length for strings (bytes), lists and maps.
  std::size_t length() const;

  // The Go type name as %T and error messages show it.
  std::string type_name() const;

 private:
  struct NilTag {
    bool operator==(const NilTag&) const { return true; }
  };
  struct ListBox {
    std::shared_ptr<const List> items;  // null = nil slice
  };
  struct MapBox {
    std::shared_ptr<const Map> entries;  // null = nil map
  };
  std::variant<std::monostate, NilTag, bool, int64_t, double, std::string, ListBox, MapBox,
               std::shared_ptr<const Struct>>
      data_;
  const GoType* type_ = nullptr;
};

// Go's truth (text/template isTrue): false for Invalid, nil, false, 0, "", empty list/map;
// structs are always true.
bool truth(const Value& v);

}  // namespace hearth::tmpl::gotmpl
