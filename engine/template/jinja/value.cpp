// Value construction, conversion from JSON, truthiness and Python type names.
#include "engine/template/jinja/value.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/operators.h"

namespace hearth::tmpl::jinja {

JinjaError::JinjaError(std::string kind, std::string message, int line)
    : TemplateError(kind + ": " + message + (line > 0 ? " (line " + std::to_string(line) + ")" : std::string())),
      kind_(std::move(kind)),
      message_(std::move(message)),
      line_(line) {}

void raise(std::string_view kind, std::string message) { throw JinjaError(std::string(kind), std::move(message)); }

// ---------------------------------------------------------------------------------------------
// Dict

namespace {

void require_hashable(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::List:
    case Value::Kind::Dict: type_error(std::string("unhashable type: '") + key.type_name() + "'");
    case Value::Kind::Tuple:
      for (const Value& v : key.items()) require_hashable(v);
      return;
    default: return;
  }
}

}  // namespace

std::size_t py_hash(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String: return std::hash<std::string_view>()(v.str());
    case Value::Kind::Bool:
    case Value::Kind::Int: return std::hash<int64_t>()(v.as_int());
    case Value::Kind::Float: {
      double d = v.as_double();
      if (d == std::floor(d) && d >= -9.2e18 && d <= 9.2e18) return std::hash<int64_t>()(static_cast<int64_t>(d));
      return std::hash<double>()(d);
    }
    case Value::Kind::Tuple: {
      std::size_t h = 0x345678;
      for (const Value& item : v.items()) h = (h ^ py_hash(item)) * 1000003u;
      return h;
    }
    case Value::Kind::None: return 0x9e3779b9u;
    case Value::Kind::Undefined: return 0x7f4a7c15u;
    default: return std::hash<const void*>()(v.payload());
  }
}

void Dict::index_entry(std::size_t i) { index_.emplace(py_hash(entries_[i].first), i); }

const Value* Dict::find(const Value& key) const {
  require_hashable(key);
  if (!index_.empty()) {
    auto [lo, hi] = index_.equal_range(py_hash(key));
    for (auto it = lo; it != hi; ++it)
      if (py_equal(entries_[it->second].first, key)) return &entries_[it->second].second;
    return nullptr;
  }
  if (key.is_string()) return find(std::string_view(key.str()));
  for (const auto& [k, v] : entries_)
    if (py_equal(k, key)) return &v;
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  if (!index_.empty()) {
    auto [lo, hi] = index_.equal_range(std::hash<std::string_view>()(key));
    for (auto it = lo; it != hi; ++it) {
      const Value& k = entries_[it->second].first;
      if (k.is_string() && k.str() == key) return &entries_[it->second].second;
    }
    return nullptr;
  }
  for (const auto& [k, v] : entries_)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

void Dict::set(Value key, Value value) {
  if (const Value* existing = find(key)) {
    *const_cast<Value*>(existing) = std::move(value);
    return;
  }
  append_unique(std::move(key), std::move(value));
}

void Dict::append_unique(Value key, Value value) {
  entries_.emplace_back(std::move(key), std::move(value));
  if (!index_.empty()) {
    index_entry(entries_.size() - 1);
  } else if (entries_.size() > kIndexThreshold) {
    for (std::size_t i = 0; i < entries_.size(); ++i) index_entry(i);
  }
}

Value Object::call(Interpreter&, CallArgs&) { type_error(std::string("'") + type_name() + "' object is not callable"); }

// ---------------------------------------------------------------------------------------------
// Value

Value Value::undefined(UndefinedInfo info) {
  return Value(Kind::Undefined, std::make_shared<UndefinedInfo>(std::move(info)));
}

Value::Value(std::string s, bool markup)
    : kind_(Kind::String), markup_(markup), ptr_(std::make_shared<std::string>(std::move(s))) {}

Value Value::string(std::shared_ptr<const std::string> s, bool markup) {
  Value v(Kind::String, std::const_pointer_cast<std::string>(std::move(s)));
  v.markup_ = markup;
  return v;
}

int Value::child_depth(const ValueList& items) {
  int d = 0;
  for (const Value& v : items) d = std::max<int>(d, v.depth_);
  return d;
}

void Value::set_depth(int child_depth) {
  if (child_depth + 1 > kMaxValueDepth)
    raise("RecursionError", "values nested more than " + std::to_string(kMaxValueDepth) + " levels deep");
  depth_ = static_cast<uint16_t>(child_depth + 1);
}

Value Value::list(ValueList items) {
  int d = child_depth(items);
  Value v(Kind::List, std::make_shared<ValueList>(std::move(items)));
  v.set_depth(d);
  return v;
}

Value Value::tuple(ValueList items) {
  int d = child_depth(items);
  Value v(Kind::Tuple, std::make_shared<ValueList>(std::move(items)));
  v.set_depth(d);
  return v;
}

Value Value::dict(Dict dict) {
  int d = 0;
  for (const auto& [k, val] : dict.entries()) d = std::max<int>(d, std::max(k.depth_, val.depth_));
  Value v(Kind::Dict, std::make_shared<Dict>(std::move(dict)));
  v.set_depth(d);
  return v;
}

Value Value::iterable(std::shared_ptr<Iterable> it) {
  int d = child_depth(it->items);
  Value v(Kind::Iterable, std::move(it));
  v.set_depth(d);
  return v;
}

Value Value::callable(std::shared_ptr<const Callable> c) {
  int d = c->depth();
  Value v(Kind::Callable, std::const_pointer_cast<Callable>(std::move(c)));
  if (d > 0) v.set_depth(d);
  return v;
}

Value Value::object(std::shared_ptr<Object> o) {
  Value v(Kind::Object, std::move(o));
  v.depth_ = 1;
  return v;
}

Value Value::from_json(const Json& j) {
  switch (j.kind()) {
    case Json::Kind::Null: return none();
    case Json::Kind::Bool: return Value(j.as_bool());
    case Json::Kind::Int: return Value(j.as_int());
    case Json::Kind::Double: return Value(j.as_double());
    case Json::Kind::String: return Value(j.as_string());
    case Json::Kind::Array: {
      ValueList items;
      items.reserve(j.as_array().size());
      for (const Json& e : j.as_array()) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case Json::Kind::Object: {
      // JSON keys are unique strings already: append without the equality scan.
      Dict d;
      d.reserve(j.as_object().size());
      for (const auto& [k, v] : j.as_object()) d.append_unique(Value(k), from_json(v));
      return dict(std::move(d));
    }
  }
  return Value();
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return b_;
    case Kind::Int: return i_ != 0;
    case Kind::Float: return f_ != 0.0;
    case Kind::String: return !str().empty();
    case Kind::List:
    case Kind::Tuple: return !items().empty();
    case Kind::Dict: return !dict().empty();
    case Kind::Iterable: return !iterable().sized || !iterable().items.empty();
    case Kind::Callable: return true;
    case Kind::Object: return object().truthy();
  }
  return false;
}

const char* Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return markup_ ? "Markup" : "str";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
    case Kind::Iterable: return iterable().type_name.c_str();
    case Kind::Callable: return callable().type_name();
    case Kind::Object: return object().type_name();
  }
  return "object";
}

std::string Value::type_repr() const {
  switch (kind_) {
    case Kind::None: return "None";
    case Kind::String:
      if (markup_) return "markupsafe.Markup object";
      break;
    case Kind::Object: return object().type_repr();
    case Kind::Undefined: return "jinja2.runtime.Undefined object";
    case Kind::Callable:
      if (std::string_view(callable().type_name()) == "Macro") return "jinja2.runtime.Macro object";
      break;
    default: break;
  }
  return std::string(type_name()) + " object";
}

bool Value::identical(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::Undefined: return ptr_ == other.ptr_;
    case Kind::None: return true;
    case Kind::Bool: return b_ == other.b_;
    case Kind::Int: return i_ == other.i_;
    case Kind::Float: return f_ == other.f_;
    case Kind::String: return ptr_ == other.ptr_ || (markup_ == other.markup_ && str() == other.str());
    default: return ptr_ == other.ptr_;
  }
}

}  // namespace hearth::tmpl::jinja
