// Go's predefined template functions (text/template/funcs.go), with the same error texts.
#include "engine/template/gotmpl/functions.h"

#include <cstdio>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/gofmt_internal.h"

namespace hearth::tmpl::gotmpl {

namespace {

using Args = std::span<const Value>;

// reflect's indirectInterface: a nil interface is no value at all.
Value indirect_interface(const Value& v) { return v.kind() == Value::Kind::Nil ? Value() : v; }

enum class BasicKind { Invalid, Bool, Int, Float, String };

BasicKind basic_kind(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Bool: return BasicKind::Bool;
    case Value::Kind::Int: return BasicKind::Int;
    case Value::Kind::Float: return BasicKind::Float;
    case Value::Kind::String: return BasicKind::String;
    default: return BasicKind::Invalid;
  }
}

const char* kBadComparisonType = "invalid type for comparison";
const char* kBadComparison = "incompatible types for comparison";
const char* kNoComparison = "missing argument for comparison";

bool nil_like(const Value& v) { return v.is_nil_like() || v.is_nil_container(); }

// Go's == on two non-nil values of the same kind that are not basic: pointers compare by
// identity, structs field by field; slices and maps cannot be compared.
bool go_equal(const Value& a, const Value& b) {
  switch (a.kind()) {
    case Value::Kind::Bool: return a.as_bool() == b.as_bool();
    case Value::Kind::Int: return a.as_int() == b.as_int();
    case Value::Kind::Float: return a.as_float() == b.as_float();
    case Value::Kind::String: return a.as_string() == b.as_string();
    case Value::Kind::Invalid:
    case Value::Kind::Nil: return b.is_nil_like();
    case Value::Kind::List:
    case Value::Kind::Map:
      throw FunctionError("non-comparable type " + format_action_value(b) + ": " + b.type_name());
    case Value::Kind::Struct: {
      if (a.type() != b.type() || b.kind() != Value::Kind::Struct) return false;
      if (a.type() && a.type()->is_pointer) return &a.as_struct() == &b.as_struct();
      const auto& sa = a.as_struct();
      const auto& sb = b.as_struct();
      if (sa.values.size() != sb.values.size()) return false;
      for (std::size_t i = 0; i < sa.values.size(); ++i) {
        if (sa.values[i].kind() != sb.values[i].kind()) return false;
        if (!go_equal(sa.values[i], sb.values[i])) return false;
      }
      return true;
    }
  }
  return false;
}

bool eq(Args args) {
  Value a1 = indirect_interface(args[0]);
  if (args.size() < 2) throw FunctionError(kNoComparison);
  BasicKind k1 = basic_kind(a1);
  for (std::size_t i = 1; i < args.size(); ++i) {
    Value a = indirect_interface(args[i]);
    BasicKind k2 = basic_kind(a);
    bool truth = false;
    if (k1 != k2) {
      if (a1.is_valid() && a.is_valid()) throw FunctionError(kBadComparison);
    } else {
      switch (k1) {
        case BasicKind::Bool: truth = a1.as_bool() == a.as_bool(); break;
        case BasicKind::Float: truth = a1.as_float() == a.as_float(); break;
        case BasicKind::Int: truth = a1.as_int() == a.as_int(); break;
        case BasicKind::String: truth = a1.as_string() == a.as_string(); break;
        case BasicKind::Invalid:
          // canCompare: the same kind, or one side nil.
          if (a1.is_valid() && a.is_valid() && a1.kind() != a.kind())
            throw FunctionError("non-comparable types " + format_action_value(a1) + ": " + a1.type_name() + ", " +
                                a.type_name() + ": " + format_action_value(a));
          if (nil_like(a1) || nil_like(a)) truth = nil_like(a1) == nil_like(a);
          else truth = go_equal(a1, a);
          break;
      }
    }
    if (truth) return true;
  }
  return false;
}

bool lt(const Value& x, const Value& y) {
  Value a1 = indirect_interface(x);
  BasicKind k1 = basic_kind(a1);
  if (k1 == BasicKind::Invalid) throw FunctionError(kBadComparisonType);
  Value a2 = indirect_interface(y);
  BasicKind k2 = basic_kind(a2);
  if (k2 == BasicKind::Invalid) throw FunctionError(kBadComparisonType);
  if (k1 != k2) throw FunctionError(kBadComparison);
  switch (k1) {
    case BasicKind::Float: return a1.as_float() < a2.as_float();
    case BasicKind::Int: return a1.as_int() < a2.as_int();
    case BasicKind::String: return a1.as_string() < a2.as_string();
    default: throw FunctionError(kBadComparisonType);
  }
}

bool le(const Value& x, const Value& y) {
  if (lt(x, y)) return true;
  Value pair[2] = {x, y};
  return eq(pair);
}

// indexArg: an int index in [0, cap].
std::size_t index_arg(const Value& index, std::size_t cap) {
  Value i = indirect_interface(index);
  if (i.kind() == Value::Kind::Invalid) throw FunctionError("cannot index slice/array with nil");
  if (i.kind() != Value::Kind::Int) throw FunctionError("cannot index slice/array with type " + i.type_name());
  int64_t x = i.as_int();
  if (x < 0 || static_cast<uint64_t>(x) > cap) throw FunctionError("index out of range: " + std::to_string(x));
  return static_cast<std::size_t>(x);
}

Value index_fn(Args args) {
  Value item = indirect_interface(args[0]);
  if (!item.is_valid()) throw FunctionError("index of untyped nil");
  for (std::size_t k = 1; k < args.size(); ++k) {
    if (item.kind() == Value::Kind::Nil) throw FunctionError("index of nil pointer");
    switch (item.kind()) {
      case Value::Kind::List:
      case Value::Kind::String: {
        std::size_t len = item.length();
        std::size_t x = index_arg(args[k], len);
        if (x == len) throw FunctionError("index out of range: " + std::to_string(x));
        if (item.kind() == Value::Kind::List) item = item.as_list()[x];
        else item = Value(static_cast<int64_t>(static_cast<unsigned char>(item.as_string()[x])));
        break;
      }
      case Value::Kind::Map: {
        Value key = indirect_interface(args[k]);
        if (!key.is_valid()) throw FunctionError("value is nil; should be of type string");
        if (key.kind() != Value::Kind::String) throw FunctionError("value has type " + key.type_name() + "; should be string");
        const auto& m = item.as_map();
        auto it = m.find(key.as_string());
        if (it != m.end()) item = it->second;
        else if (item.type() && item.type()->map_elem_zero) item = item.type()->map_elem_zero();
        else item = Value::nil();
        break;
      }
      default: throw FunctionError("can't index item of type " + item.type_name());
    }
  }
  return item;
}

Value slice_fn(Args args) {
  Value item = indirect_interface(args[0]);
  if (!item.is_valid()) throw FunctionError("slice of untyped nil");
  std::size_t nidx = args.size() - 1;
  if (nidx > 3) throw FunctionError("too many slice indexes: " + std::to_string(nidx));
  if (item.kind() == Value::Kind::String) {
    if (nidx == 3) throw FunctionError("cannot 3-index slice a string");
  } else if (item.kind() != Value::Kind::List) {
    throw FunctionError("can't slice item of type " + item.type_name());
  }
  std::size_t cap = item.length();
  std::size_t idx[3] = {0, item.length(), item.length()};
  for (std::size_t i = 0; i < nidx; ++i) idx[i] = index_arg(args[i + 1], cap);
  if (idx[0] > idx[1]) throw FunctionError("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  if (nidx == 3 && idx[1] > idx[2])
    throw FunctionError("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  if (item.kind() == Value::Kind::String) return Value(item.as_string().substr(idx[0], idx[1] - idx[0]));
  const auto& l = item.as_list();
  Value::List out(l.begin() + static_cast<std::ptrdiff_t>(idx[0]), l.begin() + static_cast<std::ptrdiff_t>(idx[1]));
  return Value::make_list(std::move(out), item.type());
}

Value len_fn(Args args) {
  const Value& item = args[0];
  if (item.kind() == Value::Kind::Nil) throw FunctionError("len of nil pointer");
  if (!item.is_valid()) throw FunctionError("reflect: call of reflect.Value.Type on zero Value");
  switch (item.kind()) {
    case Value::Kind::String:
    case Value::Kind::List:
    case Value::Kind::Map: return Value(static_cast<int64_t>(item.length()));
    default: throw FunctionError("len of type " + item.type_name());
  }
}

// evalArgs of html/js/urlquery: one plain string is used as is, anything else printed.
std::string eval_args(Args args) {
  if (args.size() == 1 && args[0].kind() == Value::Kind::String && !args[0].type()) return args[0].as_string();
  std::vector<Value> printable;
  printable.reserve(args.size());
  for (const Value& a : args) {
    if (a.is_nil_like()) printable.push_back(Value("<no value>"));
    else if (a.kind() == Value::Kind::Struct && a.type() && a.type()->is_pointer) printable.push_back(Value(format_action_value(a)));
    else printable.push_back(a);
  }
  return sprint(printable);
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string js_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '\\': out += "\\\\"; continue;
        case '\'': out += "\\'"; continue;
        case '"': out += "\\\""; continue;
        case '<': out += "\\u003C"; continue;
        case '>': out += "\\u003E"; continue;
        case '&': out += "\\u0026"; continue;
        case '=': out += "\\u003D"; continue;
        default: break;
      }
      if (c < ' ') {
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
      } else {
        out.push_back(static_cast<char>(c));
      }
      continue;
    }
    std::size_t start = i;
    char32_t r = utf8_decode(s, i);
    if (is_print(r) && utf8_valid_sequence_length(s.substr(start)) != 0) {
      out.append(s.substr(start, i - start));
    } else {
      char tmp[16];
      std::snprintf(tmp, sizeof tmp, "\\u%04X", static_cast<unsigned>(r));
      out += tmp;
    }
  }
  return out;
}

std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

Function fixed(std::vector<ParamKind> params, std::function<Value(Args)> impl) {
  return Function{std::move(params), false, std::move(impl)};
}
Function variadic(std::vector<ParamKind> params, std::function<Value(Args)> impl) {
  return Function{std::move(params), true, std::move(impl)};
}

}  // namespace

FunctionTable builtin_functions() {
  using P = ParamKind;
  FunctionTable t;
  // and/or short-circuit inside the executor; these bodies only run if called some other way.
  t.emplace("and", variadic({P::ReflectValue, P::ReflectValue}, [](Args a) {
              for (const Value& v : a)
                if (!truth(v)) return v;
              return a.back();
            }));
  t.emplace("or", variadic({P::ReflectValue, P::ReflectValue}, [](Args a) {
              for (const Value& v : a)
                if (truth(v)) return v;
              return a.back();
            }));
  t.emplace("not", fixed({P::ReflectValue}, [](Args a) { return Value(!truth(a[0])); }));
  t.emplace("len", fixed({P::ReflectValue}, len_fn));
  t.emplace("index", variadic({P::ReflectValue, P::ReflectValue}, index_fn));
  t.emplace("slice", variadic({P::ReflectValue, P::ReflectValue}, slice_fn));
  t.emplace("call", variadic({P::ReflectValue, P::ReflectValue}, [](Args a) -> Value {
              Value fn = indirect_interface(a[0]);
              if (!fn.is_valid()) throw FunctionError("call of nil");
              throw FunctionError("non-function of type " + fn.type_name());
            }));
  t.emplace("eq", variadic({P::ReflectValue, P::ReflectValue}, [](Args a) { return Value(eq(a)); }));
  t.emplace("ne", fixed({P::ReflectValue, P::ReflectValue}, [](Args a) { return Value(!eq(a)); }));
  t.emplace("lt", fixed({P::ReflectValue, P::ReflectValue}, [](Args a) { return Value(lt(a[0], a[1])); }));
  t.emplace("le", fixed({P::ReflectValue, P::ReflectValue}, [](Args a) { return Value(le(a[0], a[1])); }));
  t.emplace("gt", fixed({P::ReflectValue, P::ReflectValue}, [](Args a) { return Value(!le(a[0], a[1])); }));
  t.emplace("ge", fixed({P::ReflectValue, P::ReflectValue}, [](Args a) { return Value(!lt(a[0], a[1])); }));
  t.emplace("print", variadic({P::Any}, [](Args a) { return Value(sprint(a)); }));
  t.emplace("println", variadic({P::Any}, [](Args a) { return Value(sprintln(a)); }));
  t.emplace("printf", variadic({P::String, P::Any}, [](Args a) { return Value(sprintf(a[0].as_string(), a.subspan(1))); }));
  t.emplace("html", variadic({P::Any}, [](Args a) { return Value(html_escape(eval_args(a))); }));
  t.emplace("js", variadic({P::Any}, [](Args a) { return Value(js_escape(eval_args(a))); }));
  t.emplace("urlquery", variadic({P::Any}, [](Args a) { return Value(query_escape(eval_args(a))); }));
  return t;
}

}  // namespace hearth::tmpl::gotmpl
