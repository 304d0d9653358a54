// Python operator semantics for template values.
#include "engine/template/jinja/operators.h"

#include <cmath>
#include <limits>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/py_format.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

namespace {

const char* op_symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::FloorDiv: return "//";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Pow: return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported(BinaryOp op, const Value& a, const Value& b) {
  type_error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" + a.type_name() + "' and '" +
             b.type_name() + "'");
}

[[noreturn]] void overflow() { raise("OverflowError", "integer result too large (hearth integers are 64-bit)"); }

int64_t checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) overflow();
  return r;
}
int64_t checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) overflow();
  return r;
}
int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) overflow();
  return r;
}

int64_t floor_div(int64_t a, int64_t b) {
  if (b == 0) raise("ZeroDivisionError", "integer division or modulo by zero");
  if (a == std::numeric_limits<int64_t>::min() && b == -1) overflow();
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  if (b == 0) raise("ZeroDivisionError", "integer division or modulo by zero");
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// CPython's float_divmod.
void float_divmod(double a, double b, double& floordiv, double& mod) {
  if (b == 0) raise("ZeroDivisionError", "float divmod()");
  mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, b);
  }
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, a / b);
  }
}

Value int_pow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 0) raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    return Value(std::pow(static_cast<double>(base), static_cast<double>(exp)));
  }
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = checked_mul(result, base);
    exp >>= 1;
    if (exp > 0) base = checked_mul(base, base);
  }
  return Value(result);
}

Value repeat(Interpreter& interp, const Value& seq, int64_t times) {
  if (times <= 0) {
    if (seq.is_string()) return Value(std::string(), seq.is_markup());
    return seq.is_tuple() ? Value::tuple({}) : Value::list({});
  }
  if (seq.is_string()) {
    interp.check_size(seq.str().size() * static_cast<std::size_t>(std::min<int64_t>(times, 1LL << 40)));
    std::string out;
    out.reserve(seq.str().size() * static_cast<std::size_t>(times));
    for (int64_t i = 0; i < times; ++i) out += seq.str();
    return Value(std::move(out), seq.is_markup());
  }
  const ValueList& items = seq.items();
  interp.check_size(items.size() * sizeof(Value) * static_cast<std::size_t>(std::min<int64_t>(times, 1LL << 30)));
  ValueList out;
  out.reserve(items.size() * static_cast<std::size_t>(times));
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Value add(Interpreter& interp, const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return Value(checked_add(a.as_int(), b.as_int()));
  if (a.is_number() && b.is_number()) return Value(a.as_double() + b.as_double());
  if (a.is_string() && b.is_string()) {
    interp.check_size(a.str().size() + b.str().size());
    if (a.is_markup() || b.is_markup()) {
      std::string left = a.is_markup() ? a.str() : html_escape(a.str());
      std::string right = b.is_markup() ? b.str() : html_escape(b.str());
      return Value(left + right, true);
    }
    return Value(a.str() + b.str());
  }
  if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
    interp.check_size((a.items().size() + b.items().size()) * sizeof(Value));
    ValueList out = a.items();
    out.insert(out.end(), b.items().begin(), b.items().end());
    return a.is_list() ? Value::list(std::move(out)) : Value::tuple(std::move(out));
  }
  if ((a.is_string() && !a.is_markup()) || a.is_list() || a.is_tuple())
    type_error(std::string("can only concatenate ") + a.type_name() + " (not \"" + b.type_name() + "\") to " +
               a.type_name());
  unsupported(BinaryOp::Add, a, b);
}

Value multiply(Interpreter& interp, const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return Value(checked_mul(a.as_int(), b.as_int()));
  if (a.is_number() && b.is_number()) return Value(a.as_double() * b.as_double());
  bool a_seq = a.is_string() || a.is_list() || a.is_tuple();
  bool b_seq = b.is_string() || b.is_list() || b.is_tuple();
  if (a_seq && b.is_integral()) return repeat(interp, a, b.as_int());
  if (b_seq && a.is_integral()) return repeat(interp, b, a.as_int());
  if (a_seq && b.is_float()) type_error("can't multiply sequence by non-int of type 'float'");
  if (b_seq && a.is_float()) type_error("can't multiply sequence by non-int of type 'float'");
  unsupported(BinaryOp::Mul, a, b);
}

int order(const Value& a, const Value& b, const char* symbol);

bool number_equal(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return a.as_int() == b.as_int();
  if (a.is_float() && b.is_float()) return a.as_double() == b.as_double();
  // int vs float: exact comparison, like CPython.
  int64_t i = a.is_float() ? b.as_int() : a.as_int();
  double f = a.is_float() ? a.as_double() : b.as_double();
  if (!std::isfinite(f) || f != std::floor(f)) return false;
  if (f < -9.2233720368547758e18 || f >= 9.2233720368547758e18) return false;
  return static_cast<int64_t>(f) == i;
}

int number_order(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
  if (number_equal(a, b)) return 0;
  double x = a.as_double(), y = b.as_double();
  if (std::isnan(x) || std::isnan(y)) return 2;  // unordered: every comparison is false
  if (x != y) return x < y ? -1 : 1;
  // Equal as doubles but not exactly: the int lost precision in the conversion.
  long double lx = a.is_float() ? static_cast<long double>(x) : static_cast<long double>(a.as_int());
  long double ly = b.is_float() ? static_cast<long double>(y) : static_cast<long double>(b.as_int());
  return lx < ly ? -1 : lx > ly ? 1 : 0;
}

int order(const Value& a, const Value& b, const char* symbol) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) return number_order(a, b);
  if (a.is_string() && b.is_string()) {
    int c = a.str().compare(b.str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
    const ValueList& x = a.items();
    const ValueList& y = b.items();
    std::size_t n = std::min(x.size(), y.size());
    for (std::size_t i = 0; i < n; ++i)
      if (!py_equal(x[i], y[i])) return order(x[i], y[i], symbol);
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  type_error(std::string("'") + symbol + "' not supported between instances of '" + a.type_name() + "' and '" +
             b.type_name() + "'");
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string undefined_message(const Value& v) {
  const UndefinedInfo* info = v.undefined_info();
  if (!info) return "None is undefined";
  if (!info->hint.empty()) return info->hint;
  if (info->owner.empty()) return info->name.empty() ? "None is undefined" : string_repr(info->name) + " is undefined";
  if (info->name_is_index) return info->owner + " has no element " + info->name;
  return string_repr(info->owner) + " has no attribute " + string_repr(info->name);
}

void fail_undefined(const Value& v) {
  const UndefinedInfo* info = v.undefined_info();
  raise(info && info->security ? "SecurityError" : "UndefinedError", undefined_message(v));
}

bool py_equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) return number_equal(a, b);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::Undefined:
    case K::None: return true;
    case K::String: return a.str() == b.str();
    case K::List:
    case K::Tuple: {
      const ValueList& x = a.items();
      const ValueList& y = b.items();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!py_equal(x[i], y[i])) return false;
      return true;
    }
    case K::Dict: {
      if (a.dict().size() != b.dict().size()) return false;
      for (const auto& [k, v] : a.dict().entries()) {
        const Value* other = b.dict().find(k);
        if (!other || !py_equal(v, *other)) return false;
      }
      return true;
    }
    default: return a.identical(b);
  }
}

bool py_less(const Value& a, const Value& b) { return order(a, b, "<") == -1; }

bool py_contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Value::Kind::String:
      if (!needle.is_string())
        type_error(std::string("'in <string>' requires string as left operand, not ") + needle.type_name());
      return haystack.str().find(needle.str()) != std::string::npos;
    case Value::Kind::List:
    case Value::Kind::Tuple:
      for (const Value& v : haystack.items())
        if (py_equal(v, needle)) return true;
      return false;
    case Value::Kind::Dict: return haystack.dict().find(needle) != nullptr;
    case Value::Kind::Iterable: {
      Iterable& it = haystack.iterable();
      std::size_t start = it.one_shot ? it.position : 0;
      for (std::size_t i = start; i < it.items.size(); ++i) {
        if (py_equal(it.items[i], needle)) {
          if (it.one_shot) it.position = i + 1;
          return true;
        }
      }
      if (it.one_shot) it.position = it.items.size();
      return false;
    }
    case Value::Kind::Undefined: return false;
    default: type_error(std::string("argument of type '") + haystack.type_name() + "' is not iterable");
  }
}

bool compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::Eq: return py_equal(a, b);
    case CompareOp::Ne: return !py_equal(a, b);
    case CompareOp::Lt: return order(a, b, "<") == -1;
    case CompareOp::Le: {
      int c = order(a, b, "<=");
      return c == -1 || c == 0;
    }
    case CompareOp::Gt: return order(a, b, ">") == 1;
    case CompareOp::Ge: {
      int c = order(a, b, ">=");
      return c == 1 || c == 0;
    }
    case CompareOp::In: return py_contains(b, a);
    case CompareOp::NotIn: return !py_contains(b, a);
  }
  return false;
}

Value binary_op(Interpreter& interp, BinaryOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (!a.is_number()) interp.charge(a);
  if (!b.is_number()) interp.charge(b);
  switch (op) {
    case BinaryOp::Add: return add(interp, a, b);
    case BinaryOp::Mul: return multiply(interp, a, b);
    case BinaryOp::Sub:
      if (a.is_integral() && b.is_integral()) return Value(checked_sub(a.as_int(), b.as_int()));
      if (a.is_number() && b.is_number()) return Value(a.as_double() - b.as_double());
      break;
    case BinaryOp::Div:
      if (a.is_number() && b.is_number()) {
        if (b.as_double() == 0) raise("ZeroDivisionError", "division by zero");
        return Value(a.as_double() / b.as_double());
      }
      break;
    case BinaryOp::FloorDiv:
      if (a.is_integral() && b.is_integral()) return Value(floor_div(a.as_int(), b.as_int()));
      if (a.is_number() && b.is_number()) {
        double q, m;
        float_divmod(a.as_double(), b.as_double(), q, m);
        return Value(q);
      }
      break;
    case BinaryOp::Mod:
      if (a.is_string()) return percent_format(interp, a, b);
      if (a.is_integral() && b.is_integral()) return Value(floor_mod(a.as_int(), b.as_int()));
      if (a.is_number() && b.is_number()) {
        double q, m;
        float_divmod(a.as_double(), b.as_double(), q, m);
        return Value(m);
      }
      break;
    case BinaryOp::Pow:
      if (a.is_integral() && b.is_integral()) return int_pow(a.as_int(), b.as_int());
      if (a.is_number() && b.is_number()) {
        double x = a.as_double(), y = b.as_double();
        if (x == 0 && y < 0) raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
        if (x < 0 && y != std::floor(y)) value_error("a negative number to a fractional power has a complex result");
        return Value(std::pow(x, y));
      }
      break;
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_integral()) return Value(checked_sub(0, v.as_int()));
  if (v.is_float()) return Value(-v.as_double());
  type_error(std::string("bad operand type for unary -: '") + v.type_name() + "'");
}

Value unary_plus(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) return v;
  type_error(std::string("bad operand type for unary +: '") + v.type_name() + "'");
}

}  // namespace hearth::tmpl::jinja
