// The sandbox's getattr/getitem, calls, iteration and by-name filter/test application.
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

bool is_dunder(std::string_view name) {
  return name.size() > 4 && name.substr(0, 2) == "__" && name.substr(name.size() - 2) == "__";
}

Value unsafe_attribute(const Value& object, std::string_view name) {
  UndefinedInfo info;
  info.name = std::string(name);
  info.owner = object.type_repr();
  info.hint = "access to attribute " + string_repr(name) + " of " + string_repr(object.type_name()) + " object is unsafe.";
  info.security = true;
  return Value::undefined(std::move(info));
}

Value missing_attribute(const Value& object, std::string name) {
  UndefinedInfo info;
  info.name = std::move(name);
  info.owner = object.type_repr();
  return Value::undefined(std::move(info));
}

// Python attribute lookup only (no fallback to items). nullopt: AttributeError.
std::optional<Value> python_attribute(const Value& object, std::string_view name) {
  if (is_dunder(name)) return unsafe_attribute(object, name);
  Value bound;
  switch (find_method(object, name, bound)) {
    case MethodLookup::Found: return bound;
    case MethodLookup::Unsafe: return unsafe_attribute(object, name);
    case MethodLookup::NotFound: break;
  }
  if (object.is_object()) return object.object().attribute(name);
  return std::nullopt;
}

// obj[key] in Python; nullopt where Python raises TypeError or LookupError.
std::optional<Value> python_item(const Value& object, const Value& key) {
  switch (object.kind()) {
    case Value::Kind::Dict: {
      if (key.is_sequence_value() && !key.is_tuple()) return std::nullopt;  // unhashable: TypeError
      if (key.is_dict()) return std::nullopt;
      const Value* v = object.dict().find(key);
      if (v) return *v;
      return std::nullopt;
    }
    case Value::Kind::List:
    case Value::Kind::Tuple:
    case Value::Kind::Iterable:
    case Value::Kind::String: {
      if (!key.is_integral()) return std::nullopt;
      if (object.is_iterable_object() && !object.iterable().indexable) return std::nullopt;
      int64_t i = key.as_int();
      if (object.is_string()) {
        const std::string& s = object.str();
        if (unicode::is_ascii(s)) {
          int64_t n = static_cast<int64_t>(s.size());
          if (i < 0) i += n;
          if (i < 0 || i >= n) return std::nullopt;
          return Value(std::string(1, s[static_cast<std::size_t>(i)]), object.is_markup());
        }
        std::u32string chars = unicode::decode_utf8(s);
        int64_t n = static_cast<int64_t>(chars.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return std::nullopt;
        return Value(unicode::encode_utf8(chars.substr(static_cast<std::size_t>(i), 1)), object.is_markup());
      }
      const ValueList& items = object.is_iterable_object() ? object.iterable().items : object.items();
      int64_t n = static_cast<int64_t>(items.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return std::nullopt;
      return items[static_cast<std::size_t>(i)];
    }
    default: return std::nullopt;
  }
}

}  // namespace

Value Interpreter::getattr(const Value& object, std::string_view name) {
  if (object.is_undefined()) fail_undefined(object);
  if (std::optional<Value> attr = python_attribute(object, name)) return *attr;
  if (object.is_dict()) {
    if (const Value* v = object.dict().find(name)) return *v;
  }
  return missing_attribute(object, std::string(name));
}

Value Interpreter::getitem(const Value& object, const Value& key) {
  if (object.is_undefined()) fail_undefined(object);
  if (std::optional<Value> item = python_item(object, key)) return *item;
  if (key.is_string()) {
    if (std::optional<Value> attr = python_attribute(object, key.str())) return *attr;
    return missing_attribute(object, key.str());
  }
  UndefinedInfo info;
  info.name = to_repr(key);
  info.name_is_index = true;
  info.owner = object.type_repr();
  return Value::undefined(std::move(info));
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  step();
  switch (callee.kind()) {
    case Value::Kind::Callable: return callee.callable().call(*this, args);
    case Value::Kind::Object:
      if (callee.object().callable()) return callee.object().call(*this, args);
      break;
    case Value::Kind::Undefined: fail_undefined(callee);
    default: break;
  }
  type_error(std::string("'") + callee.type_name() + "' object is not callable");
}

Value Interpreter::apply_filter(std::string_view name, const Value& input, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn) runtime_error("No filter named " + string_repr(name) + ".");
  step();
  return fn(*this, input, args);
}

bool Interpreter::apply_test(std::string_view name, const Value& input, CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) runtime_error("No test named " + string_repr(name) + ".");
  step();
  return fn(*this, input, args);
}

ValueList Interpreter::iterate(const Value& v) {
  charge(v);
  if (v.is_string()) check_size(v.str().size() * 64);  // one Value (and string) per character
  switch (v.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List:
    case Value::Kind::Tuple: return v.items();
    case Value::Kind::Dict: {
      ValueList keys;
      keys.reserve(v.dict().size());
      for (const auto& [k, val] : v.dict().entries()) keys.push_back(k);
      return keys;
    }
    case Value::Kind::String: {
      ValueList chars;
      const std::string& s = v.str();
      if (unicode::is_ascii(s)) {
        for (char c : s) chars.push_back(Value(std::string(1, c), v.is_markup()));
      } else {
        for (char32_t c : unicode::decode_utf8(s))
          chars.push_back(Value(unicode::encode_utf8(std::u32string(1, c)), v.is_markup()));
      }
      return chars;
    }
    case Value::Kind::Iterable: {
      Iterable& it = v.iterable();
      if (!it.one_shot) return it.items;
      ValueList rest(it.items.begin() + static_cast<std::ptrdiff_t>(std::min(it.position, it.items.size())), it.items.end());
      it.position = it.items.size();
      return rest;
    }
    case Value::Kind::Object:
      if (auto items = v.object().iterate()) return std::move(*items);
      break;
    default: break;
  }
  type_error(std::string("'") + v.type_name() + "' object is not iterable");
}

}  // namespace hearth::tmpl::jinja
