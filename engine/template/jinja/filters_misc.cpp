// default, int, float, abs, round, tojson, attr, pprint — and the filter table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/str_ops.h"

namespace hearth::tmpl::jinja {

namespace {

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("default", args, {"default_value", "boolean"});
  if (v.is_undefined() || (a.bool_or(1, false) && !v.truthy())) return a.get_or(0, Value(std::string()));
  return v;
}

// Python's int(str, base): optional sign, underscores between digits, surrounding whitespace.
std::optional<int64_t> parse_int(std::string_view text, int base) {
  std::string s = str_ops::strip(text, std::nullopt, str_ops::StripSide::Both);
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i + 1 < s.size() && s[i] == '0') {
    char p = static_cast<char>(s[i + 1] | 0x20);
    if ((p == 'x' && base == 16) || (p == 'o' && base == 8) || (p == 'b' && base == 2)) {
      i += 2;
      if (i < s.size() && s[i] == '_') ++i;
    }
  }
  if (i >= s.size()) return std::nullopt;
  unsigned __int128 value = 0;
  bool last_digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      if (!last_digit || i + 1 >= s.size() || s[i + 1] == '_') return std::nullopt;
      last_digit = false;
      continue;
    }
    int d = (c >= '0' && c <= '9') ? c - '0' : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    value = value * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (value > static_cast<unsigned __int128>(INT64_MAX) + 1) raise("OverflowError", "integer too large (hearth integers are 64-bit)");
    last_digit = true;
  }
  if (!negative && value > static_cast<unsigned __int128>(INT64_MAX)) raise("OverflowError", "integer too large (hearth integers are 64-bit)");
  return negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(value)) : static_cast<int64_t>(value);
}

// Python's float(str).
std::optional<double> parse_float(std::string_view text) {
  std::string s = str_ops::strip(text, std::nullopt, str_ops::StripSide::Both);
  std::string clean;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      bool ok = i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                std::isdigit(static_cast<unsigned char>(s[i + 1]));
      if (!ok) return std::nullopt;
      continue;
    }
    clean += s[i];
  }
  if (clean.empty() || clean.find_first_of("xXpP") != std::string::npos) return std::nullopt;
  std::string lower;
  for (char c : clean) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string unsigned_part = lower[0] == '+' || lower[0] == '-' ? lower.substr(1) : lower;
  if (unsigned_part == "inf" || unsigned_part == "infinity" || unsigned_part == "nan") {
    double v = unsigned_part == "nan" ? NAN : INFINITY;
    return lower[0] == '-' ? -v : v;
  }
  if (unsigned_part.empty() || !(std::isdigit(static_cast<unsigned char>(unsigned_part[0])) || unsigned_part[0] == '.'))
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> float_to_int(double d) {
  if (std::isnan(d)) return std::nullopt;
  if (std::isinf(d) || std::fabs(d) >= 9.2233720368547758e18) raise("OverflowError", "cannot convert float infinity to integer");
  return static_cast<int64_t>(d);
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("int", args, {"default", "base"});
  Value fallback = a.get_or(0, Value(0));
  int64_t base = a.int_or(1, 10);
  if (v.is_string()) {
    if (base < 2 || base > 36) value_error("int() base must be >= 2 and <= 36, or 0");
    if (auto i = parse_int(v.str(), static_cast<int>(base))) return Value(*i);
    if (auto f = parse_float(v.str())) {
      if (auto i = float_to_int(*f)) return Value(*i);
    }
    return fallback;
  }
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) {
    if (auto i = float_to_int(v.as_double())) return Value(*i);
    return fallback;
  }
  return fallback;
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("float", args, {"default"});
  Value fallback = a.get_or(0, Value(0.0));
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    if (auto f = parse_float(v.str())) return Value(*f);
  }
  return fallback;
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("abs", args, {});
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) raise("OverflowError", "integer result too large (hearth integers are 64-bit)");
    return Value(std::llabs(v.as_int()));
  }
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  type_error(std::string("bad operand type for abs(): '") + v.type_name() + "'");
}

// Python's round(x, n) for floats: correctly rounded, ties to even on the exact binary value.
double round_float(double x, int64_t ndigits) {
  if (!std::isfinite(x) || ndigits > 308) return x;
  if (ndigits >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(ndigits), x);
    return std::strtod(buf, nullptr);
  }
  if (ndigits < -308) return std::copysign(0.0, x);
  double scale = std::pow(10.0, static_cast<double>(-ndigits));
  double y = x / scale;
  double r = std::nearbyint(y);  // default rounding mode: ties to even
  return r * scale;
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("round", args, {"precision", "method"});
  int64_t precision = a.int_or(0, 0);
  std::string method = a.string_or(1, "common");
  if (method != "common" && method != "ceil" && method != "floor")
    raise("FilterArgumentError", "method must be common, ceil or floor");
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) type_error(std::string("type ") + v.type_name() + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return Value(v.as_int());
      return Value(static_cast<int64_t>(round_float(static_cast<double>(v.as_int()), precision)));
    }
    return Value(round_float(v.as_double(), precision));
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.as_double() * scale;
  return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

// Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False) — no HTML escaping, unlike jinja2's own tojson.
Value f_tojson(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.max_bytes = interp.max_bytes();
  o.ensure_ascii = a.bool_or(0, false);
  if (const Value* indent = a.get(1); indent && !indent->is_none()) {
    if (indent->is_string()) {
      o.indent_is_string = true;
      o.indent_string = indent->str();
    } else if (indent->is_integral()) {
      o.indent = static_cast<int>(std::clamp<int64_t>(indent->as_int(), 0, 1 << 20));
    } else {
      type_error(std::string("can't multiply sequence by non-int of type '") + indent->type_name() + "'");
    }
    o.item_separator.assign(1, ',');
  }
  if (const Value* sep = a.get(2); sep && !sep->is_none()) {
    ValueList parts = interp.iterate(*sep);
    if (parts.size() != 2 || !parts[0].is_string() || !parts[1].is_string())
      value_error("separators must be a (item_separator, key_separator) pair of strings");
    o.item_separator = parts[0].str();
    o.key_separator = parts[1].str();
  }
  o.sort_keys = a.bool_or(3, false);
  return Value(json_dumps(v, o));
}

Value f_attr(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("attr", args, {"name"});
  return interp.getattr(v, to_str(a.required(0)));
}

Value f_pprint(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("pprint", args, {});
  return Value(to_repr(v));
}

std::vector<FilterEntry> misc_filters_table() {
  return {
      {"default", f_default}, {"d", f_default}, {"int", f_int},       {"float", f_float}, {"abs", f_abs},
      {"round", f_round},     {"tojson", f_tojson}, {"attr", f_attr}, {"pprint", f_pprint},
  };
}

}  // namespace

std::vector<FilterEntry> misc_filters() { return misc_filters_table(); }

FilterFn find_filter(std::string_view name) {
  static const std::unordered_map<std::string_view, FilterFn> table = [] {
    std::unordered_map<std::string_view, FilterFn> t;
    for (auto family : {string_filters(), sequence_filters(), misc_filters()})
      for (const FilterEntry& e : family) t.emplace(e.name, e.fn);
    return t;
  }();
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace hearth::tmpl::jinja
