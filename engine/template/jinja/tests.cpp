// jinja2's builtin tests (`x is defined`, `x is divisibleby 3`, ...).
#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

using K = Value::Kind;

Value other(CallArgs& args, const char* name) {
  ArgBinder a(name, args, {"other"});
  return a.get_or(0, Value());
}

bool t_defined(Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs&) { return v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs&) { return v.is_bool(); }
bool t_false(Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }
bool t_true(Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); }
bool t_integer(Interpreter&, const Value& v, CallArgs&) { return v.is_int(); }
bool t_float(Interpreter&, const Value& v, CallArgs&) { return v.is_float(); }
bool t_number(Interpreter&, const Value& v, CallArgs&) { return v.is_number(); }
bool t_string(Interpreter&, const Value& v, CallArgs&) { return v.is_string(); }
bool t_mapping(Interpreter&, const Value& v, CallArgs&) { return v.is_dict(); }
bool t_escaped(Interpreter&, const Value& v, CallArgs&) { return v.is_markup(); }

bool t_iterable(Interpreter&, const Value& v, CallArgs&) {
  // Python's iter() succeeds; jinja2's Undefined defines __iter__.
  switch (v.kind()) {
    case K::Undefined:
    case K::String:
    case K::List:
    case K::Tuple:
    case K::Dict:
    case K::Iterable: return true;
    default: return false;
  }
}

bool t_sequence(Interpreter&, const Value& v, CallArgs&) {
  // len() and __getitem__ both exist (true for str, list, tuple, dict and Undefined).
  switch (v.kind()) {
    case K::Undefined:
    case K::String:
    case K::List:
    case K::Tuple:
    case K::Dict: return true;
    case K::Iterable: return v.iterable().sized && v.iterable().indexable;
    default: return false;
  }
}

bool t_callable(Interpreter&, const Value& v, CallArgs&) {
  return v.is_callable() || (v.is_object() && v.object().callable());
}

bool t_sameas(Interpreter&, const Value& v, CallArgs& args) { return v.identical(other(args, "sameas")); }

bool t_odd(Interpreter& interp, const Value& v, CallArgs&) {
  return py_equal(binary_op(interp, BinaryOp::Mod, v, Value(2)), Value(1));
}

bool t_even(Interpreter& interp, const Value& v, CallArgs&) {
  return py_equal(binary_op(interp, BinaryOp::Mod, v, Value(2)), Value(0));
}

bool t_divisibleby(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("divisibleby", args, {"num"});
  Value rem = binary_op(interp, BinaryOp::Mod, v, a.required(0));
  return py_equal(rem, Value(0));
}

bool t_lower(Interpreter&, const Value& v, CallArgs&) {
  std::string s = to_str(v);
  bool cased = false;
  for (char32_t c : unicode::decode_utf8(s)) {
    if (unicode::is_upper(c)) return false;
    cased |= unicode::is_lower(c);
  }
  return cased;
}

bool t_upper(Interpreter&, const Value& v, CallArgs&) {
  std::string s = to_str(v);
  bool cased = false;
  for (char32_t c : unicode::decode_utf8(s)) {
    if (unicode::is_lower(c)) return false;
    cased |= unicode::is_upper(c);
  }
  return cased;
}

bool t_in(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("in", args, {"seq"});
  return py_contains(a.required(0), v);
}

bool t_eq(Interpreter&, const Value& v, CallArgs& args) { return compare(CompareOp::Eq, v, other(args, "eq")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& args) { return compare(CompareOp::Ne, v, other(args, "ne")); }
bool t_lt(Interpreter&, const Value& v, CallArgs& args) { return compare(CompareOp::Lt, v, other(args, "lt")); }
bool t_le(Interpreter&, const Value& v, CallArgs& args) { return compare(CompareOp::Le, v, other(args, "le")); }
bool t_gt(Interpreter&, const Value& v, CallArgs& args) { return compare(CompareOp::Gt, v, other(args, "gt")); }
bool t_ge(Interpreter&, const Value& v, CallArgs& args) { return compare(CompareOp::Ge, v, other(args, "ge")); }

bool t_filter(Interpreter&, const Value& v, CallArgs&) { return v.is_string() && find_filter(v.str()) != nullptr; }
bool t_test(Interpreter&, const Value& v, CallArgs&) { return v.is_string() && find_test(v.str()) != nullptr; }

struct Entry {
  std::string_view name;
  TestFn fn;
};

const Entry kTests[] = {
    {"defined", t_defined},   {"undefined", t_undefined}, {"none", t_none},
    {"boolean", t_boolean},   {"false", t_false},         {"true", t_true},
    {"integer", t_integer},   {"float", t_float},         {"number", t_number},
    {"string", t_string},     {"mapping", t_mapping},     {"iterable", t_iterable},
    {"sequence", t_sequence}, {"callable", t_callable},   {"sameas", t_sameas},
    {"escaped", t_escaped},   {"odd", t_odd},             {"even", t_even},
    {"divisibleby", t_divisibleby}, {"lower", t_lower},   {"upper", t_upper},
    {"in", t_in},             {"filter", t_filter},       {"test", t_test},
    {"==", t_eq},             {"eq", t_eq},               {"equalto", t_eq},
    {"!=", t_ne},             {"ne", t_ne},               {"<", t_lt},
    {"lt", t_lt},             {"lessthan", t_lt},         {"<=", t_le},
    {"le", t_le},             {">", t_gt},                {"gt", t_gt},
    {"greaterthan", t_gt},    {">=", t_ge},               {"ge", t_ge},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const Entry& e : kTests)
    if (e.name == name) return e.fn;
  return nullptr;
}

}  // namespace hearth::tmpl::jinja
