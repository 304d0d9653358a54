// Format specs, padding and number formatting shared by str.format, format() and %.
#include "engine/template/jinja/py_format_spec.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja::pyfmt {

int parse_number(std::string_view s, std::size_t& i) {
  int64_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    n = n * 10 + (s[i++] - '0');
    if (n > kMaxWidth) value_error("Too many decimal digits in format string");
  }
  return static_cast<int>(n);
}

Spec parse_spec(std::string_view s) {
  Spec spec;
  std::u32string cps = unicode::decode_utf8(s);
  std::size_t i = 0;
  auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (cps.size() >= 2 && is_align(cps[1])) {
    spec.fill = cps[0];
    spec.align = static_cast<char>(cps[1]);
    i = 2;
  } else if (!cps.empty() && is_align(cps[0])) {
    spec.align = static_cast<char>(cps[0]);
    i = 1;
  }
  std::string rest = unicode::encode_utf8(std::u32string_view(cps).substr(i));
  std::size_t j = 0;
  if (j < rest.size() && (rest[j] == '+' || rest[j] == '-' || rest[j] == ' ')) spec.sign = rest[j++];
  if (j < rest.size() && rest[j] == '#') {
    spec.alternate = true;
    ++j;
  }
  if (j < rest.size() && rest[j] == '0') {
    spec.zero = true;
    ++j;
  }
  if (j < rest.size() && rest[j] >= '0' && rest[j] <= '9') spec.width = parse_number(rest, j);
  if (j < rest.size() && (rest[j] == ',' || rest[j] == '_')) spec.grouping = rest[j++];
  if (j < rest.size() && rest[j] == '.') {
    ++j;
    if (j >= rest.size() || rest[j] < '0' || rest[j] > '9') value_error("Format specifier missing precision");
    spec.precision = parse_number(rest, j);
  }
  if (j < rest.size()) spec.type = rest[j++];
  if (j < rest.size()) value_error("Invalid format specifier");
  return spec;
}

std::string pad(std::string body, const Spec& spec, char default_align, std::size_t sign_len) {
  if (spec.width < 0) return body;
  std::size_t len = unicode::length(body);
  std::size_t width = static_cast<std::size_t>(spec.width);
  if (len >= width) return body;
  std::size_t n = width - len;
  char align = spec.align ? spec.align : default_align;
  std::string fill = unicode::encode_utf8(std::u32string(1, spec.fill));
  auto fills = [&](std::size_t k) {
    std::string f;
    for (std::size_t i = 0; i < k; ++i) f += fill;
    return f;
  };
  switch (align) {
    case '<': return body + fills(n);
    case '^': return fills(n / 2) + body + fills(n - n / 2);
    case '=': return body.substr(0, sign_len) + fills(n) + body.substr(sign_len);
    default: return fills(n) + body;
  }
}

namespace {
std::string group_digits(const std::string& digits, char sep, int every) {
  std::string out;
  int count = 0;
  for (std::size_t i = digits.size(); i-- > 0;) {
    if (count && count % every == 0) out.insert(out.begin(), sep);
    out.insert(out.begin(), digits[i]);
    ++count;
  }
  return out;
}

}  // namespace

std::string to_base(uint64_t v, int base, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (v == 0) return "0";
  std::string out;
  while (v) {
    out.insert(out.begin(), digits[v % static_cast<uint64_t>(base)]);
    v /= static_cast<uint64_t>(base);
  }
  return out;
}

std::string sign_prefix(bool negative, char sign) {
  if (negative) return "-";
  if (sign == '+') return "+";
  if (sign == ' ') return " ";
  return "";
}

std::string format_int(int64_t value, Spec spec) {
  bool negative = value < 0;
  uint64_t mag = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string digits, prefix;
  switch (spec.type) {
    case 'b': digits = to_base(mag, 2, false); prefix = "0b"; break;
    case 'o': digits = to_base(mag, 8, false); prefix = "0o"; break;
    case 'x': digits = to_base(mag, 16, false); prefix = "0x"; break;
    case 'X': digits = to_base(mag, 16, true); prefix = "0X"; break;
    case 'c': {
      if (value < 0 || value > 0x10FFFF) raise("OverflowError", "%c arg not in range(0x110000)");
      return pad(unicode::encode_utf8(std::u32string(1, static_cast<char32_t>(value))), spec, '<');
    }
    default: digits = std::to_string(mag); break;
  }
  if (spec.grouping) digits = group_digits(digits, spec.grouping, (spec.type == 'd' || spec.type == 0 || spec.type == 'n') ? 3 : 4);
  std::string head = sign_prefix(negative, spec.sign) + (spec.alternate ? prefix : "");
  if (spec.zero && !spec.align) {
    spec.align = '=';
    spec.fill = '0';
  }
  return pad(head + digits, spec, '>', head.size());
}

std::string format_float(double value, Spec spec) {
  char type = spec.type;
  bool percent = type == '%';
  if (percent) value *= 100;
  std::string body;
  bool negative = std::signbit(value) && !std::isnan(value);
  double mag = std::fabs(value);
  if (std::isinf(mag) || std::isnan(mag)) {
    body = std::isnan(mag) ? "nan" : "inf";
    if (type == 'E' || type == 'F' || type == 'G') body = std::isnan(mag) ? "NAN" : "INF";
  } else if (type == 0 && spec.precision < 0) {
    body = float_repr(mag);
  } else {
    int precision = spec.precision < 0 ? 6 : spec.precision;
    char conv = type;
    if (type == 0) conv = 'g';
    if (type == 'n') conv = 'g';
    if (percent) conv = 'f';
    std::string fmt = std::string("%") + (spec.alternate ? "#" : "") + "." + std::to_string(precision) + conv;
    std::vector<char> buf(static_cast<std::size_t>(precision) + 400);
    std::snprintf(buf.data(), buf.size(), fmt.c_str(), mag);
    body = buf.data();
    if (type == 0 && body.find_first_of(".e") == std::string::npos) body += ".0";
  }
  if (spec.grouping && !std::isinf(mag) && !std::isnan(mag)) {
    std::size_t end = body.find_first_of(".e");
    std::string int_part = body.substr(0, end);
    body = group_digits(int_part, spec.grouping, 3) + (end == std::string::npos ? "" : body.substr(end));
  }
  if (percent) body += '%';
  std::string head = sign_prefix(negative, spec.sign);
  if (spec.zero && !spec.align) {
    spec.align = '=';
    spec.fill = '0';
  }
  return pad(head + body, spec, '>', head.size());
}

}  // namespace hearth::tmpl::jinja::pyfmt
