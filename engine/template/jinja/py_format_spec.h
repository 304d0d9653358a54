// engine/template/jinja/py_format_spec.h — internals shared by the Python formatting code:
// a parsed format spec ([[fill]align][sign][#][0][width][,_][.precision][type]) and the
// padding/number formatting that str.format, format() and %-formatting have in common.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::tmpl::jinja::pyfmt {

inline constexpr int kMaxWidth = 1 << 20;  // widths/precisions beyond this are refused

struct Spec {
  char32_t fill = ' ';
  char align = 0;  // '<' '>' '^' '=' or 0 for the type's default
  char sign = '-';
  bool alternate = false;
  bool zero = false;
  int width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

int parse_number(std::string_view s, std::size_t& i);  // ValueError past kMaxWidth
Spec parse_spec(std::string_view s);
std::string pad(std::string body, const Spec& spec, char default_align, std::size_t sign_len = 0);
std::string to_base(uint64_t v, int base, bool upper);
std::string sign_prefix(bool negative, char sign);
std::string format_int(int64_t value, Spec spec);
std::string format_float(double value, Spec spec);

}  // namespace hearth::tmpl::jinja::pyfmt
