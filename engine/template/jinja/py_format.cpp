// Python's %-formatting, str.format and strftime.
#include "engine/template/jinja/py_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/py_format_spec.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

using pyfmt::format_float;
using pyfmt::format_int;
using pyfmt::kMaxWidth;
using pyfmt::pad;
using pyfmt::parse_number;
using pyfmt::parse_spec;
using pyfmt::sign_prefix;
using pyfmt::Spec;
using pyfmt::to_base;

std::string format_value(const Value& v, std::string_view spec_text) {
  if (v.is_undefined() || v.is_none() || v.is_sequence_value() || v.is_dict() || v.is_callable() ||
      v.is_object() || v.is_iterable_object()) {
    if (!spec_text.empty())
      type_error(std::string("unsupported format string passed to ") + v.type_name() + ".__format__");
    return to_str(v);
  }
  if (v.is_bool() && spec_text.empty()) return v.as_bool() ? "True" : "False";
  Spec spec = parse_spec(spec_text);
  if (v.is_string()) {
    if (spec.type && spec.type != 's')
      value_error(std::string("Unknown format code '") + spec.type + "' for object of type 'str'");
    if (spec.sign != '-') value_error("Sign not allowed in string format specifier");
    if (spec.align == '=') value_error("'=' alignment not allowed in string format specifier");
    std::string s = v.str();
    if (spec.precision >= 0) {
      std::u32string cps = unicode::decode_utf8(s);
      if (cps.size() > static_cast<std::size_t>(spec.precision)) cps.resize(static_cast<std::size_t>(spec.precision));
      s = unicode::encode_utf8(cps);
    }
    return pad(s, spec, '<');
  }
  if (v.is_integral()) {
    switch (spec.type) {
      case 0:
      case 'd':
      case 'n':
      case 'b':
      case 'o':
      case 'x':
      case 'X':
      case 'c':
        if (spec.precision >= 0) value_error("Precision not allowed in integer format specifier");
        return format_int(v.as_int(), spec);
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
      case '%': return format_float(v.as_double(), spec);
      default: value_error(std::string("Unknown format code '") + spec.type + "' for object of type 'int'");
    }
  }
  switch (spec.type) {
    case 0:
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'n':
    case '%': return format_float(v.as_double(), spec);
    default: value_error(std::string("Unknown format code '") + spec.type + "' for object of type 'float'");
  }
}

// ---------------------------------------------------------------------------------------------
// printf-style

namespace {

std::string percent_one(char conv, const Value& arg, const std::string& flags, int width, int precision,
                        bool escape_strings) {
  Spec spec;
  spec.width = width;
  for (char f : flags) {
    if (f == '-') spec.align = '<';
    if (f == '+') spec.sign = '+';
    if (f == ' ' && spec.sign != '+') spec.sign = ' ';
    if (f == '#') spec.alternate = true;
    if (f == '0') spec.zero = true;
  }
  if (spec.align == '<') spec.zero = false;
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      std::string s = conv == 's' ? to_str(arg) : to_repr(arg);
      if (escape_strings && !arg.is_markup()) s = html_escape(s);
      if (precision >= 0) {
        std::u32string cps = unicode::decode_utf8(s);
        if (cps.size() > static_cast<std::size_t>(precision)) cps.resize(static_cast<std::size_t>(precision));
        s = unicode::encode_utf8(cps);
      }
      spec.zero = false;
      return pad(s, spec, '>');
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      if (!arg.is_number())
        type_error(std::string("%") + conv + " format: " + (conv == 'd' || conv == 'i' || conv == 'u' ? "a real number" : "an integer") +
                   " is required, not " + arg.type_name());
      if (arg.is_float() && conv != 'd' && conv != 'i' && conv != 'u')
        type_error(std::string("%") + conv + " format: an integer is required, not float");
      double d = arg.as_double();
      if (arg.is_float() && (!std::isfinite(d) || std::fabs(d) >= 9.2e18))
        raise("OverflowError", "cannot convert float to integer");
      int64_t v = arg.is_float() ? static_cast<int64_t>(d) : arg.as_int();
      bool negative = v < 0;
      uint64_t mag = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      int base = conv == 'x' || conv == 'X' ? 16 : conv == 'o' ? 8 : 10;
      std::string digits = to_base(mag, base, conv == 'X');
      if (precision > static_cast<int>(digits.size()))
        digits.insert(0, static_cast<std::size_t>(precision) - digits.size(), '0');
      std::string head = sign_prefix(negative, spec.sign);
      if (spec.alternate && base != 10) head += conv == 'X' ? "0X" : conv == 'x' ? "0x" : "0o";
      std::size_t len = head.size() + digits.size();
      if (width > 0 && static_cast<std::size_t>(width) > len) {
        std::size_t n = static_cast<std::size_t>(width) - len;
        if (spec.align == '<') return head + digits + std::string(n, ' ');
        if (spec.zero) return head + std::string(n, '0') + digits;
        return std::string(n, ' ') + head + digits;
      }
      return head + digits;
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (!arg.is_number()) type_error(std::string("must be real number, not ") + arg.type_name());
      spec.type = conv;
      spec.precision = precision < 0 ? 6 : precision;
      return format_float(arg.as_double(), spec);
    }
    case 'c': {
      if (arg.is_string() && unicode::length(arg.str()) == 1) return pad(arg.str(), spec, '>');
      if (!arg.is_integral()) type_error("%c requires int or char");
      spec.type = 'c';
      spec.zero = false;
      return format_int(arg.as_int(), spec);
    }
    default: break;
  }
  value_error(std::string("unsupported format character '") + conv + "'");
}

}  // namespace

Value percent_format(Interpreter& interp, const Value& format, const Value& args) {
  const std::string& f = format.str();
  bool markup = format.is_markup();
  ValueList positional;
  const Value* mapping = nullptr;
  if (args.is_tuple()) positional = args.items();
  else if (args.is_dict()) mapping = &args, positional.push_back(args);
  else positional.push_back(args);
  std::size_t next = 0;
  bool used_mapping = false;
  auto next_arg = [&]() -> const Value& {
    if (next >= positional.size()) type_error("not enough arguments for format string");
    return positional[next++];
  };
  std::string out;
  std::size_t i = 0;
  while (i < f.size()) {
    char c = f[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    if (++i >= f.size()) value_error("incomplete format");
    if (f[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    const Value* arg = nullptr;
    Value keyed;
    if (f[i] == '(') {
      if (!mapping) type_error("format requires a mapping");
      std::size_t close = f.find(')', i);
      if (close == std::string::npos) value_error("incomplete format key");
      const Value* found = mapping->dict().find(std::string_view(f).substr(i + 1, close - i - 1));
      if (!found) raise("KeyError", string_repr(f.substr(i + 1, close - i - 1)));
      keyed = *found;
      arg = &keyed;
      used_mapping = true;
      i = close + 1;
    }
    std::string flags;
    while (i < f.size() && (f[i] == '-' || f[i] == '+' || f[i] == ' ' || f[i] == '#' || f[i] == '0')) flags += f[i++];
    int width = -1, precision = -1;
    if (i < f.size() && f[i] == '*') {
      const Value& w = next_arg();
      if (!w.is_integral()) type_error("* wants int");
      width = static_cast<int>(std::min<int64_t>(std::llabs(w.as_int()), kMaxWidth));
      if (w.as_int() < 0) flags += '-';
      ++i;
    } else if (i < f.size() && f[i] >= '0' && f[i] <= '9') {
      width = parse_number(f, i);
    }
    if (i < f.size() && f[i] == '.') {
      ++i;
      if (i < f.size() && f[i] == '*') {
        const Value& p = next_arg();
        if (!p.is_integral()) type_error("* wants int");
        precision = static_cast<int>(std::clamp<int64_t>(p.as_int(), 0, kMaxWidth));
        ++i;
      } else {
        precision = parse_number(f, i);
      }
    }
    while (i < f.size() && (f[i] == 'h' || f[i] == 'l' || f[i] == 'L')) ++i;
    if (i >= f.size()) value_error("incomplete format");
    char conv = f[i++];
    if (!arg) arg = &next_arg();
    out += percent_one(conv, *arg, flags, width, precision, markup);
    interp.check_size(out.size());
  }
  if (!used_mapping && !mapping && next < positional.size())
    type_error("not all arguments converted during string formatting");
  return Value(std::move(out), markup);
}

// ---------------------------------------------------------------------------------------------
// str.format

namespace {
Value str_format_at(Interpreter& interp, const Value& format, const CallArgs& args, int recursion);
}

Value str_format(Interpreter& interp, const Value& format, const CallArgs& args) {
  return str_format_at(interp, format, args, 0);
}

namespace {

Value str_format_at(Interpreter& interp, const Value& format, const CallArgs& args, int recursion) {
  // Python allows replacement fields inside a format spec, one level deep.
  if (recursion > 1) value_error("Max string recursion exceeded");
  const std::string& f = format.str();
  bool markup = format.is_markup();
  std::string out;
  std::size_t auto_index = 0;
  enum { Unknown, Auto, Manual } numbering = Unknown;

  auto lookup = [&](std::string_view field) -> Value {
    std::size_t end = field.find_first_of(".[");
    std::string_view head = field.substr(0, end);
    Value value;
    if (head.empty() || (head[0] >= '0' && head[0] <= '9')) {
      std::size_t index;
      if (head.empty()) {
        if (numbering == Manual)
          value_error("cannot switch from manual field specification to automatic field numbering");
        numbering = Auto;
        index = auto_index++;
      } else {
        if (numbering == Auto)
          value_error("cannot switch from automatic field numbering to manual field specification");
        numbering = Manual;
        std::size_t k = 0;
        index = static_cast<std::size_t>(parse_number(head, k));
      }
      if (index >= args.positional.size())
        raise("IndexError", "Replacement index " + std::to_string(index) + " out of range for positional args tuple");
      value = args.positional[index];
    } else {
      const Value* found = nullptr;
      for (const auto& [k, v] : args.keywords)
        if (k == head) found = &v;
      if (!found) raise("KeyError", string_repr(head));
      value = *found;
    }
    std::size_t i = end;
    while (i != std::string_view::npos && i < field.size()) {
      if (field[i] == '.') {
        std::size_t next = field.find_first_of(".[", i + 1);
        std::string_view name = field.substr(i + 1, next == std::string_view::npos ? std::string_view::npos : next - i - 1);
        if (name.empty()) value_error("Empty attribute in format string");
        value = interp.getattr(value, name);
        i = next;
      } else {
        std::size_t close = field.find(']', i);
        if (close == std::string_view::npos) value_error("Missing ']' in format string");
        std::string_view key = field.substr(i + 1, close - i - 1);
        bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string_view::npos;
        if (numeric) {
          std::size_t k = 0;
          value = interp.getitem(value, Value(static_cast<int64_t>(parse_number(key, k))));
        } else {
          value = interp.getitem(value, Value(std::string(key)));
        }
        i = close + 1;
        if (i < field.size() && field[i] != '.' && field[i] != '[')
          value_error("Only '.' or '[' may follow ']' in format field specifier");
      }
    }
    return value;
  };

  std::size_t i = 0;
  while (i < f.size()) {
    char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      value_error("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    // Find the matching '}', allowing one level of nested fields in the spec.
    std::size_t j = i + 1;
    int depth = 1;
    while (j < f.size() && depth > 0) {
      if (f[j] == '{') ++depth;
      else if (f[j] == '}') --depth;
      if (depth > 0) ++j;
    }
    if (j >= f.size()) value_error("expected '}' before end of string");
    std::string_view inner = std::string_view(f).substr(i + 1, j - i - 1);
    i = j + 1;
    std::size_t colon = std::string_view::npos, bang = std::string_view::npos;
    int bracket = 0;
    for (std::size_t k = 0; k < inner.size(); ++k) {
      if (inner[k] == '[') ++bracket;
      else if (inner[k] == ']') --bracket;
      else if (bracket == 0 && inner[k] == '!' && bang == std::string_view::npos && colon == std::string_view::npos) bang = k;
      else if (bracket == 0 && inner[k] == ':') {
        colon = k;
        break;
      }
    }
    std::string_view field = inner.substr(0, std::min(bang, colon));
    char conversion = 0;
    if (bang != std::string_view::npos) {
      std::size_t conv_end = colon == std::string_view::npos ? inner.size() : colon;
      if (conv_end != bang + 2) value_error("expected ':' after conversion specifier");
      conversion = inner[bang + 1];
    }
    std::string spec = colon == std::string_view::npos ? std::string() : std::string(inner.substr(colon + 1));
    if (spec.find('{') != std::string::npos) {
      Value nested = str_format_at(interp, Value(spec), args, recursion + 1);
      spec = nested.str();
    }
    Value value = lookup(field);
    std::string text;
    bool value_is_markup = value.is_markup();
    if (conversion == 'r' || conversion == 'a') {
      text = format_value(Value(to_repr(value)), spec);
      value_is_markup = false;
    } else if (conversion == 's') {
      text = format_value(Value(to_str(value)), spec);
    } else if (conversion) {
      value_error(std::string("Unknown conversion specifier ") + conversion);
    } else {
      text = format_value(value, spec);
    }
    out += markup && !value_is_markup ? html_escape(text) : text;
    interp.check_size(out.size());
  }
  return Value(std::move(out), markup);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// strftime

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::string strftime(std::string_view format, const CivilTime& t) {
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  int64_t days = days_from_civil(t.year, t.month, t.day);
  tm.tm_wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  tm.tm_yday = static_cast<int>(days - days_from_civil(t.year, 1, 1));
  tm.tm_isdst = 0;
  // A naive datetime: Python replaces %z and %Z by nothing and %f by the microseconds.
  std::string fmt;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      char n = format[i + 1];
      if (n == 'z' || n == 'Z') {
        ++i;
        continue;
      }
      if (n == 'f') {
        fmt += "000000";
        ++i;
        continue;
      }
      fmt += '%';
      fmt += n;
      ++i;
      continue;
    }
    fmt += format[i];
  }
  if (fmt.empty()) return "";
  // No directive expands to more than a few dozen bytes; Python's 256x headroom is not needed.
  std::size_t cap = 1024 + 64 * fmt.size();
  for (std::size_t size = 256; size <= cap; size *= 4) {
    std::vector<char> buf(size);
    std::size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
    if (n > 0) return std::string(buf.data(), n);
  }
  return "";
}

}  // namespace hearth::tmpl::jinja
