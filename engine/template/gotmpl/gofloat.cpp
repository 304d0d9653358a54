// strconv.FormatFloat for the formats fmt uses: shortest round-trip digits (std::to_chars)
// laid out with Go's %e/%f/%g rules, explicit precisions from the C library (correctly rounded,
// as Go's are), Go's own %b and %x layouts.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/gofmt_internal.h"

namespace hearth::tmpl::gotmpl {

// Shortest round-trip digits of |v| and the decimal point position (value = 0.d1d2... × 10^dp).
static void shortest_digits(double v, std::string& digits, int& dp) {
  char tmp[64];
  auto res = std::to_chars(tmp, tmp + sizeof tmp, std::fabs(v), std::chars_format::scientific);
  std::string_view s(tmp, static_cast<std::size_t>(res.ptr - tmp));
  std::size_t e = s.find('e');
  digits.clear();
  for (std::size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits.push_back(s[i]);
  int exp10 = std::atoi(std::string(s.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (digits == "0") {
    digits.clear();
    dp = 0;
    return;
  }
  dp = exp10 + 1;
}

static std::string exponent_suffix(char e, int exp) {
  std::string out(1, e);
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) out.push_back('0');
  out += std::to_string(exp);
  return out;
}

// strconv's %x for float64: -0x1.hhhp±dd with the leading bit normalised to 1, the fraction
// rounded (half to even) to `prec` hex digits, at least two exponent digits.
static std::string format_hex_float(double v, int prec, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool neg = bits >> 63;
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  if (exp == 0) ++exp;  // denormal
  else mant |= uint64_t{1} << 52;
  exp -= 1023;
  if (mant == 0) exp = 0;
  mant <<= 60 - 52;  // leading bit at 1<<60
  while (mant != 0 && (mant & (uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    --exp;
  }
  if (prec >= 0 && prec < 15) {
    const unsigned shift = static_cast<unsigned>(prec * 4);
    const uint64_t extra = (mant << shift) & ((uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (uint64_t{1} << 59)) ++mant;
    mant <<= 60 - shift;
    if (mant & (uint64_t{1} << 61)) {  // rounding carried into a new leading digit
      mant >>= 1;
      ++exp;
    }
  }
  std::string out = neg ? "-" : "";
  out += '0';
  out += upper ? 'X' : 'x';
  out += static_cast<char>('0' + ((mant >> 60) & 1));
  mant <<= 4;
  if (prec < 0 && mant != 0) {
    out += '.';
    while (mant != 0) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  } else if (prec > 0) {
    out += '.';
    for (int i = 0; i < prec; ++i) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  }
  out += upper ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

std::string format_float(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (fmt == 'F') fmt = 'f';
  if (fmt == 'b') {
    // mantissa p exponent, as strconv 'b'.
    int exp = 0;
    double m = std::frexp(std::fabs(v), &exp);
    uint64_t mant = static_cast<uint64_t>(std::ldexp(m, 53));
    exp -= 53;
    if (v == 0) { mant = 0; exp = -1074; }
    std::string out = std::signbit(v) ? "-" : "";
    out += std::to_string(mant) + "p" + (exp >= 0 ? "+" : "") + std::to_string(exp);
    return out;
  }
  if (fmt == 'x' || fmt == 'X') return format_hex_float(v, prec, fmt == 'X');
  if (prec >= 0) {
    char spec[8] = {'%', '.', '*', fmt, 0};
    int n = std::snprintf(nullptr, 0, spec, prec, v);
    std::string out(static_cast<std::size_t>(n > 0 ? n : 0) + 1, '\0');
    std::snprintf(out.data(), out.size(), spec, prec, v);
    out.pop_back();
    return out;
  }
  // Shortest.
  std::string digits;
  int dp = 0;
  shortest_digits(v, digits, dp);
  std::string out = std::signbit(v) ? "-" : "";
  int nd = static_cast<int>(digits.size());
  auto fmt_e = [&](char e) {
    out.push_back(nd ? digits[0] : '0');
    if (nd > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out += exponent_suffix(e, nd ? dp - 1 : 0);
  };
  auto fmt_f = [&](int frac) {
    if (dp > 0) {
      for (int i = 0; i < dp; ++i) out.push_back(i < nd ? digits[static_cast<std::size_t>(i)] : '0');
    } else {
      out.push_back('0');
    }
    if (frac > 0) {
      out.push_back('.');
      for (int i = 0; i < frac; ++i) {
        int j = dp + i;
        out.push_back(j >= 0 && j < nd ? digits[static_cast<std::size_t>(j)] : '0');
      }
    }
  };
  switch (fmt) {
    case 'e':
    case 'E': fmt_e(fmt); break;
    case 'f': fmt_f(std::max(nd - dp, 0)); break;
    case 'g':
    case 'G': {
      int exp = dp - 1;
      if (nd == 0) exp = 0;
      if (exp < -4 || exp >= 6) fmt_e(fmt == 'g' ? 'e' : 'E');
      else fmt_f(std::max(nd - dp, 0));
      break;
    }
    default:
      out = "%";
      out.push_back(fmt);
  }
  return out;
}

std::string format_float_shortest(double f) { return format_float(f, 'g', -1); }

}  // namespace hearth::tmpl::gotmpl
