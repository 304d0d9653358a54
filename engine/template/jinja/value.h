// engine/template/jinja/value.h — the values a Jinja2 template computes with.
//
// Chat templates are Python programs in disguise: their output depends on Python's semantics
// (`str()` of a list prints `['a', 'b']`, `1/2` is `0.5`, `True + 1` is `2`, an empty list is
// falsy) and on jinja2's (an undefined variable renders as nothing but fails when used in `+`).
// A Value models the Python objects a template can see:
//
//   Undefined  jinja2's Undefined; remembers what lookup produced it, for the error message
//   None, Bool, Int (int64), Float (double), String (UTF-8; `markup` marks markupsafe.Markup)
//   List, Tuple, Dict (insertion ordered; keys compared with Python equality)
//   Iterable   generators, ranges and dict views: a materialised sequence with a Python type
//              name; generators can be consumed only once, like Python's
//   Callable   builtin functions, bound methods, macros
//   Object     mutable or special objects: namespace(), the loop variable, cycler, joiner
//
// Values are cheap to copy: compound data is shared and immutable (the template environment is
// jinja2's ImmutableSandboxedEnvironment, so templates cannot mutate lists or dicts); only
// Object instances change (namespace attributes). Nesting is bounded (kMaxValueDepth): a template
// that wraps a list in a list a million times gets an error instead of a recursion that
// overflows the stack when the value is printed, compared or destroyed. Objects count as depth 1
// because the interpreter owns every object it creates and frees them one by one.
//
//   Value v = Value::from_json(context);      // JSON objects become dicts, arrays lists
//   if (v.truthy()) ...;  std::string s = to_str(v);  // see repr.h
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json.h"

namespace hearth::tmpl::jinja {

class Interpreter;
class Printer;
class Value;
using ValueList = std::vector<Value>;

// What produced an Undefined, so that using it can fail with jinja2's message.
struct UndefinedInfo {
  std::string name;          // the variable, attribute or key looked up
  bool name_is_index = false;  // name is the repr of a non-string key ("has no element 3")
  std::string owner;         // jinja2's object_type_repr of the object looked into; empty: a variable
  std::string hint;          // explicit message; overrides the generated one
  bool security = false;     // failing raises SecurityError instead of UndefinedError
};

class Dict;
struct CallArgs;
class Callable;
class Object;
struct Iterable;

inline constexpr int kMaxValueDepth = 400;

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Iterable, Callable, Object };

  Value() = default;  // a plain Undefined
  static Value undefined(UndefinedInfo info);
  static Value none() { return Value(Kind::None); }
  Value(bool b) : kind_(Kind::Bool), b_(b) {}
  Value(int v) : kind_(Kind::Int), i_(v) {}
  Value(long v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}
  Value(long long v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}
  Value(double v) : kind_(Kind::Float), f_(v) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(std::string s, bool markup = false);
  Value(std::string_view s) : Value(std::string(s)) {}
  static Value string(std::shared_ptr<const std::string> s, bool markup = false);
  static Value list(ValueList items);
  static Value tuple(ValueList items);
  static Value dict(Dict d);
  static Value iterable(std::shared_ptr<Iterable> it);
  static Value callable(std::shared_ptr<const Callable> c);
  static Value object(std::shared_ptr<Object> o);
  static Value from_json(const Json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Int || kind_ == Kind::Bool; }  // Python int incl. bool
  bool is_number() const { return is_integral() || kind_ == Kind::Float; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_markup() const { return kind_ == Kind::String && markup_; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::Tuple; }
  bool is_sequence_value() const { return kind_ == Kind::List || kind_ == Kind::Tuple; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_iterable_object() const { return kind_ == Kind::Iterable; }
  bool is_callable() const { return kind_ == Kind::Callable; }
  bool is_object() const { return kind_ == Kind::Object; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == Kind::Bool ? (b_ ? 1 : 0) : i_; }  // Int or Bool
  double as_double() const { return kind_ == Kind::Float ? f_ : static_cast<double>(as_int()); }
  const std::string& str() const { return *static_cast<const std::string*>(ptr_.get()); }
  std::shared_ptr<const std::string> shared_str() const { return std::static_pointer_cast<const std::string>(ptr_); }
  const ValueList& items() const { return *static_cast<const ValueList*>(ptr_.get()); }  // List or Tuple
  const Dict& dict() const { return *static_cast<const Dict*>(ptr_.get()); }
  Iterable& iterable() const { return *static_cast<Iterable*>(ptr_.get()); }
  const Callable& callable() const { return *static_cast<const Callable*>(ptr_.get()); }
  Object& object() const { return *static_cast<Object*>(ptr_.get()); }
  std::shared_ptr<Object> shared_object() const { return std::static_pointer_cast<Object>(ptr_); }
  const UndefinedInfo* undefined_info() const { return static_cast<const UndefinedInfo*>(ptr_.get()); }

  // Python truthiness (Undefined is falsy).
  bool truthy() const;
  // Python's type(x).__name__ ("str", "dict", "NoneType", "Undefined", ...).
  const char* type_name() const;
  // jinja2's object_type_repr: "dict object", "None", "jinja2.utils.Namespace object", ...
  std::string type_repr() const;
  // Same object (Python `is` for shared data, equality for scalars).
  bool identical(const Value& other) const;
  // Identity of the shared payload (nullptr for scalars), for cycle detection while printing.
  const void* payload() const { return ptr_.get(); }
  int depth() const { return depth_; }

 private:
  Value(Kind k, std::shared_ptr<void> p) : kind_(k), ptr_(std::move(p)) {}
  explicit Value(Kind k) : kind_(k) {}
  static int child_depth(const ValueList& items);
  void set_depth(int child_depth);  // throws when kMaxValueDepth is exceeded

  Kind kind_ = Kind::Undefined;
  bool markup_ = false;
  uint16_t depth_ = 0;
  union {
    bool b_;
    int64_t i_ = 0;
    double f_;
  };
  // The payload of strings, containers, callables, objects and undefined info; its type follows
  // from kind_. Immutable payloads are stored through const_pointer_cast and never modified.
  std::shared_ptr<void> ptr_;
};

// Insertion-ordered dict. Small dicts (chat messages) are scanned; large ones get a hash index
// so that building or probing them stays linear (keys hash like Python's: 1, 1.0 and True collide).
class Dict {
 public:
  using Entry = std::pair<Value, Value>;
  const Value* find(const Value& key) const;  // Python equality; throws TypeError for unhashable keys
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);  // inserts at the end or overwrites in place
  void append_unique(Value key, Value value);  // caller guarantees the key is new
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  void reserve(std::size_t n) { entries_.reserve(n); }

 private:
  static constexpr std::size_t kIndexThreshold = 16;
  void index_entry(std::size_t i);
  std::vector<Entry> entries_;
  std::unordered_multimap<std::size_t, std::size_t> index_;  // hash → entry position (large dicts)
};

// Python-compatible hash of a hashable value (equal values hash equally).
std::size_t py_hash(const Value& v);

// Arguments of a call: positional, then keyword arguments in source order.
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keywords;
};

class Callable {
 public:
  virtual ~Callable() = default;
  virtual Value call(Interpreter& interp, CallArgs& args) const = 0;
  virtual std::string repr() const = 0;
  virtual const char* type_name() const { return "builtin_function_or_method"; }
  virtual int depth() const { return 0; }  // nesting depth of the values it holds (bound receivers)
};

class Object {
 public:
  virtual ~Object() = default;
  virtual const char* type_name() const = 0;   // Python class name, e.g. "Namespace"
  virtual std::string type_repr() const = 0;  // jinja2's object_type_repr, e.g. "jinja2.utils.Namespace object"
  virtual std::optional<Value> attribute(std::string_view name) = 0;  // nullopt: no such attribute
  virtual bool set_attribute(std::string_view, Value) { return false; }  // false: not assignable
  virtual void append_repr(Printer& printer, std::string& out) = 0;
  virtual bool truthy() const { return true; }
  virtual bool callable() const { return false; }
  virtual Value call(Interpreter& interp, CallArgs& args);  // only when callable()
  virtual std::optional<std::vector<Value>> iterate() { return std::nullopt; }  // nullopt: not iterable
  virtual void clear() {}  // drops references so that reference cycles can be collected
};

// Generators, ranges, dict views, iterators: a sequence with Python's type name.
struct Iterable {
  std::string type_name;  // "generator", "range", "dict_items", "list_reverseiterator", ...
  ValueList items;
  bool one_shot = true;   // generators/iterators: a second iteration yields nothing
  bool sized = false;     // len() works (range, dict views)
  bool indexable = false; // subscripting works (range)
  std::string repr;       // how str()/repr() prints it; empty: `type_name([items...])` (dict views)
  std::size_t position = 0;  // next item of a one-shot iterable (earlier ones are consumed)
};

}  // namespace hearth::tmpl::jinja
