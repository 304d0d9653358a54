#include "engine/store/go_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/utf8.h"

namespace hearth::store {

namespace {

const char* kHex = "0123456789abcdef";

// Shortest round-trip decimal digits of a finite, non-zero |v|: digits without a point and the
// decimal exponent `dp` such that v = 0.d1d2... × 10^dp (Go's decimalSlice convention).
struct ShortestDigits {
  std::string digits;
  int dp = 0;
};

ShortestDigits shortest_digits(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));
  std::size_t e = s.find('e');
  ShortestDigits out;
  for (char c : s.substr(0, e))
    if (c != '.') out.digits.push_back(c);
  int exp10 = std::atoi(std::string(s.substr(e + 1)).c_str());
  out.dp = exp10 + 1;
  // to_chars never emits trailing zeros in the shortest form except for the single digit "0".
  while (out.digits.size() > 1 && out.digits.back() == '0') out.digits.pop_back();
  return out;
}

std::string format_f(const ShortestDigits& d) {
  std::string out;
  if (d.dp <= 0) {
    out = "0.";
    out.append(static_cast<std::size_t>(-d.dp), '0');
    out += d.digits;
  } else if (static_cast<std::size_t>(d.dp) >= d.digits.size()) {
    out = d.digits;
    out.append(static_cast<std::size_t>(d.dp) - d.digits.size(), '0');
  } else {
    out = d.digits.substr(0, static_cast<std::size_t>(d.dp)) + "." + d.digits.substr(static_cast<std::size_t>(d.dp));
  }
  return out;
}

// Go's %e with the shortest digits: d.ddde±XX (exponent at least two digits).
std::string format_e(const ShortestDigits& d) {
  std::string out(1, d.digits[0]);
  if (d.digits.size() > 1) {
    out.push_back('.');
    out += d.digits.substr(1);
  }
  int exp = d.dp - 1;
  out.push_back('e');
  out.push_back(exp < 0 ? '-' : '+');
  int a = std::abs(exp);
  if (a < 10) out.push_back('0');
  out += std::to_string(a);
  return out;
}

void append_rune_escape(std::string& out, char32_t r) {
  char buf[16];
  if (r < 0x10000) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(r));
  }
  out += buf;
}

}  // namespace

bool go_is_print(char32_t r) {
  if (r < 0x20 || r == 0x7f) return false;
  if (r < 0x7f) return true;
  if (r >= 0x80 && r <= 0xa0) return false;  // C1 controls and NO-BREAK SPACE
  if (r == 0xad) return false;               // soft hyphen (Cf)
  if (r >= 0xd800 && r <= 0xdfff) return false;
  if (r >= 0xe000 && r <= 0xf8ff) return false;  // private use
  if (r > 0x10ffff) return false;
  if ((r & 0xfffe) == 0xfffe) return false;  // noncharacters U+xxFFFE/U+xxFFFF
  if (r >= 0xf0000) return false;             // supplementary private use planes
  switch (r) {
    case 0x1680: case 0x180e: case 0x202f: case 0x205f: case 0x3000: case 0x2028: case 0x2029:
    case 0xfeff: case 0x061c: case 0x06dd: case 0x070f:
      return false;
    default:
      break;
  }
  if (r >= 0x2000 && r <= 0x200f) return false;  // spaces and zero-width/format characters
  if (r >= 0x202a && r <= 0x202e) return false;
  if (r >= 0x2060 && r <= 0x206f) return false;
  if (r >= 0x0600 && r <= 0x0605) return false;
  if (r >= 0xfff9 && r <= 0xfffb) return false;
  return true;
}

void append_go_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '<': case '>': case '&':  // HTML-safe escaping (json.Marshal's default)
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    std::size_t len = utf8_valid_sequence_length(s.substr(i));
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    std::size_t pos = i;
    char32_t r = utf8_decode(s, pos);
    if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
}

std::string go_json_float(double v) {
  if (!std::isfinite(v)) return "null";  // Go refuses to encode these; null keeps output valid
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  ShortestDigits d = shortest_digits(v);
  double a = std::fabs(v);
  std::string body;
  if (a < 1e-6 || a >= 1e21) {
    body = format_e(d);
    // encoding/json cleans e-09 up to e-9 (positive exponents keep their two digits).
    std::size_t n = body.size();
    if (n >= 4 && body[n - 4] == 'e' && body[n - 3] == '-' && body[n - 2] == '0') body.erase(n - 2, 1);
  } else {
    body = format_f(d);
  }
  return (v < 0 ? "-" : "") + body;
}

std::string go_format_float_g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  ShortestDigits d = shortest_digits(v);
  int exp = d.dp - 1;
  // strconv 'g' in shortest mode uses %e when the exponent is below -4 or at least 6 (its
  // "eprec = 6" rule), so 123456 prints whole but 1e6 prints as 1e+06.
  std::string body = (exp < -4 || exp >= 6) ? format_e(d) : format_f(d);
  return (v < 0 ? "-" : "") + body;
}

static void append_go_json(std::string& out, const Json& v) {
  switch (v.kind()) {
    case Json::Kind::Null: out += "null"; break;
    case Json::Kind::Bool: out += v.as_bool() ? "true" : "false"; break;
    case Json::Kind::Int: out += std::to_string(v.as_int()); break;
    case Json::Kind::Double: out += go_json_float(v.as_double()); break;
    case Json::Kind::String: append_go_json_string(out, v.as_string()); break;
    case Json::Kind::Array: {
      out.push_back('[');
      bool first = true;
      for (const Json& e : v.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_go_json(out, e);
      }
      out.push_back(']');
      break;
    }
    case Json::Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_go_json_string(out, k);
        out.push_back(':');
        append_go_json(out, e);
      }
      out.push_back('}');
      break;
    }
  }
}

std::string go_json(const Json& value) {
  std::string out;
  append_go_json(out, value);
  return out;
}

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : utf8_valid_sequence_length(s.substr(i));
    if (len == 0) {  // invalid byte
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
      continue;
    }
    std::size_t pos = i;
    char32_t r = utf8_decode(s, pos);
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (go_is_print(r)) {
      out.append(s.substr(i, len));
    } else {
      switch (r) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (r < 0x20 || r == 0x7f) {
            out += "\\x";
            out.push_back(kHex[r >> 4]);
            out.push_back(kHex[r & 15]);
          } else {
            append_rune_escape(out, r);
          }
      }
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

std::string go_format_v(const Json& v) {
  switch (v.kind()) {
    case Json::Kind::Null: return "<nil>";
    case Json::Kind::Bool: return v.as_bool() ? "true" : "false";
    case Json::Kind::Int: return go_format_float_g(static_cast<double>(v.as_int()));
    case Json::Kind::Double: return go_format_float_g(v.as_double());
    case Json::Kind::String: return v.as_string();
    case Json::Kind::Array: {
      std::string out = "[";
      bool first = true;
      for (const Json& e : v.as_array()) {
        if (!first) out.push_back(' ');
        first = false;
        out += go_format_v(e);
      }
      return out + "]";
    }
    case Json::Kind::Object: {
      // fmt prints maps with sorted keys: map[k1:v1 k2:v2].
      Json sorted = sorted_object(v);
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, e] : sorted.as_object()) {
        if (!first) out.push_back(' ');
        first = false;
        out += k + ":" + go_format_v(e);
      }
      return out + "]";
    }
  }
  return "";
}

std::string go_format_sharp_v(const Json& v) {
  if (v.is_string()) return go_quote(v.as_string());
  if (v.is_null()) return "<nil>";
  if (v.is_array() || v.is_object()) return go_json(v);  // Go-syntax composites are not worth copying
  return go_format_v(v);
}

Json sorted_object(const Json& value) {
  if (!value.is_object()) return value;
  std::vector<const JsonObject::Entry*> entries;
  for (const auto& e : value.as_object()) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
  JsonObject out;
  for (auto* e : entries) out.set(e->first, e->second);
  return Json(std::move(out));
}

double float32_as_shortest_double(float v) {
  if (!std::isfinite(v)) return static_cast<double>(v);
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  double out = 0;
  std::from_chars(buf, res.ptr, out);
  return out;
}

}  // namespace hearth::store
