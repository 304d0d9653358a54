#include "engine/template/gotmpl/literals.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"

namespace hearth::tmpl::gotmpl {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: decodes one (possibly escaped) character at s[pos]. `multibyte` says
// whether the value is a rune to encode as UTF-8 (false: a single raw byte from \x or octal).
bool unquote_char(std::string_view s, std::size_t& pos, char quote, char32_t& value, bool& multibyte) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) return false;
  if (c >= 0x80) {
    value = utf8_decode(s, pos);  // invalid bytes decode as U+FFFD, as in Go
    multibyte = true;
    return true;
  }
  if (c != '\\') {
    value = c;
    multibyte = false;
    ++pos;
    return true;
  }
  if (pos + 1 >= s.size()) return false;
  char e = s[pos + 1];
  pos += 2;
  multibyte = false;
  switch (e) {
    case 'a': value = '\a'; return true;
    case 'b': value = '\b'; return true;
    case 'f': value = '\f'; return true;
    case 'n': value = '\n'; return true;
    case 'r': value = '\r'; return true;
    case 't': value = '\t'; return true;
    case 'v': value = '\v'; return true;
    case 'x':
    case 'u':
    case 'U': {
      std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (pos + n > s.size()) return false;
      uint32_t v = 0;
      for (std::size_t i = 0; i < n; ++i) {
        int h = hex_value(s[pos + i]);
        if (h < 0) return false;
        v = (v << 4) | static_cast<uint32_t>(h);
      }
      pos += n;
      if (e == 'x') {
        value = v;
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      value = v;
      multibyte = true;
      return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      uint32_t v = static_cast<uint32_t>(e - '0');
      if (pos + 2 > s.size()) return false;
      for (int i = 0; i < 2; ++i) {
        char d = s[pos + static_cast<std::size_t>(i)];
        if (d < '0' || d > '7') return false;
        v = v * 8 + static_cast<uint32_t>(d - '0');
      }
      if (v > 255) return false;
      pos += 2;
      value = v;
      return true;
    }
    case '\\': value = '\\'; return true;
    case '\'':
    case '"':
      if (e != quote) return false;
      value = static_cast<unsigned char>(e);
      return true;
    default: return false;
  }
}

// Go's underscoreOK: "_" only between digits or after a base prefix.
bool underscore_ok(std::string_view s) {
  char saw = '^';
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char b = static_cast<char>(s[1] | 0x20);
    if (b == 'x' || b == 'b' || b == 'o') {
      i = 2;
      saw = '0';
      hex = b == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && hex_value(c) >= 0)) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

std::string strip_underscores(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_') out.push_back(c);
  return out;
}

// strconv.ParseUint(s, 0, 64).
bool parse_uint0(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  if (s.find('_') != std::string_view::npos && !underscore_ok(s)) return false;
  std::string t = strip_underscores(s);
  int base = 10;
  std::size_t i = 0;
  if (t.size() >= 1 && t[0] == '0') {
    if (t.size() >= 2 && (t[1] == 'x' || t[1] == 'X')) { base = 16; i = 2; }
    else if (t.size() >= 2 && (t[1] == 'o' || t[1] == 'O')) { base = 8; i = 2; }
    else if (t.size() >= 2 && (t[1] == 'b' || t[1] == 'B')) { base = 2; i = 2; }
    else { base = 8; i = 1; if (t.size() == 1) { out = 0; return true; } }
  }
  if (i >= t.size()) return false;
  uint64_t v = 0;
  for (; i < t.size(); ++i) {
    int d = hex_value(t[i]);
    if (d < 0 || d >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  out = v;
  return true;
}

// strconv.ParseInt(s, 0, 64).
bool parse_int0(std::string_view s, int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u = 0;
  if (!parse_uint0(s, u)) return false;
  if (neg) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    out = static_cast<int64_t>(~u + 1);
  } else {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    out = static_cast<int64_t>(u);
  }
  return true;
}

bool parse_float(std::string_view s, double& out) {
  if (s.find('_') != std::string_view::npos && !underscore_ok(s)) return false;
  std::string t = strip_underscores(s);
  if (t.empty()) return false;
  // Reject what strtod accepts but Go does not: inf/nan words (the lexer cannot produce them
  // anyway) and hex mantissas without an exponent.
  std::string_view body = t;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  bool hex = body.size() >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  if (hex && body.find_first_of("pP") == std::string_view::npos) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;  // Go: value out of range
  out = v;
  return true;
}

}  // namespace

std::shared_ptr<NumberNode> parse_number(std::size_t pos, const std::string& text, bool is_char, bool is_complex,
                                         std::string& error) {
  auto n = std::make_shared<NumberNode>(pos, text);
  if (is_complex || (!is_char && !text.empty() && text.back() == 'i')) {
    error = "complex numbers are not supported: " + go_quote(text);
    return nullptr;
  }
  if (is_char) {
    std::string_view body = std::string_view(text).substr(1);
    std::size_t p = 0;
    char32_t r = 0;
    bool multibyte = false;
    if (body.empty() || !unquote_char(body, p, '\'', r, multibyte) || body.substr(p) != "'") {
      error = "malformed character constant: " + text;
      return nullptr;
    }
    n->is_char = true;
    n->is_int = n->is_uint = n->is_float = true;
    n->int_value = static_cast<int64_t>(r);
    n->uint_value = r;
    n->float_value = static_cast<double>(r);
    return n;
  }
  uint64_t u = 0;
  if (parse_uint0(text, u)) {
    n->is_uint = true;
    n->uint_value = u;
  }
  int64_t i = 0;
  if (parse_int0(text, i)) {
    n->is_int = true;
    n->int_value = i;
    if (i == 0) {
      n->is_uint = true;
      n->uint_value = 0;
    }
  }
  if (n->is_int) {
    n->is_float = true;
    n->float_value = static_cast<double>(n->int_value);
  } else if (n->is_uint) {
    n->is_float = true;
    n->float_value = static_cast<double>(n->uint_value);
  } else {
    double f = 0;
    if (parse_float(text, f)) {
      if (text.find_first_of(".eEpP") == std::string::npos) {
        error = "integer overflow: " + go_quote(text);
        return nullptr;
      }
      n->is_float = true;
      n->float_value = f;
      if (f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 &&
          static_cast<double>(static_cast<int64_t>(f)) == f) {
        n->is_int = true;
        n->int_value = static_cast<int64_t>(f);
      }
      if (f >= 0 && f < 1.8446744073709551616e19 && static_cast<double>(static_cast<uint64_t>(f)) == f) {
        n->is_uint = true;
        n->uint_value = static_cast<uint64_t>(f);
      }
    }
  }
  if (!n->is_int && !n->is_uint && !n->is_float) {
    error = "illegal number syntax: " + go_quote(text);
    return nullptr;
  }
  return n;
}

bool unquote_literal(std::string_view quoted, std::string& out) {
  out.clear();
  if (quoted.size() < 2) return false;
  char q = quoted.front();
  if (quoted.back() != q) return false;
  std::string_view body = quoted.substr(1, quoted.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body)
      if (c != '\r') out.push_back(c);
    return true;
  }
  if (q != '"') return false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    if (body[pos] == '\n') return false;
    char32_t r = 0;
    bool multibyte = false;
    if (!unquote_char(body, pos, '"', r, multibyte)) return false;
    if (r < 0x80 || !multibyte) out.push_back(static_cast<char>(r));
    else utf8_append(out, r);
  }
  return true;
}

}  // namespace hearth::tmpl::gotmpl
