// strconv's quoting for fmt's %q and the parser's messages: which runes print as themselves
// (unicode.IsPrint), how the others are escaped, when a backquoted literal is possible.
#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/gofmt_internal.h"
#include "engine/template/gotmpl/unicode_classes.h"

namespace hearth::tmpl::gotmpl {

bool is_print(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  return r <= 0x10FFFF && unicode_is_print(r);
}

void append_escaped_rune(std::string& out, char32_t r, char quote, bool ascii_only) {
  static const char* hex = "0123456789abcdef";
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(r));
    return;
  }
  if (ascii_only ? (r < 0x80 && is_print(r)) : is_print(r)) {
    utf8_append(out, r);
    return;
  }
  switch (r) {
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
  }
  if (r < ' ' || r == 0x7F) {
    out += "\\x";
    out.push_back(hex[(r >> 4) & 0xF]);
    out.push_back(hex[r & 0xF]);
  } else if (r < 0x10000) {
    out += "\\u";
    for (int s = 12; s >= 0; s -= 4) out.push_back(hex[(r >> s) & 0xF]);
  } else {
    out += "\\U";
    for (int s = 28; s >= 0; s -= 4) out.push_back(hex[(r >> s) & 0xF]);
  }
}

static std::string quote_with(std::string_view s, bool ascii_only) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t len = utf8_valid_sequence_length(s.substr(pos));
    if (len == 0) {
      unsigned char b = static_cast<unsigned char>(s[pos]);
      out += "\\x";
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 0xF]);
      ++pos;
      continue;
    }
    char32_t r = utf8_decode(s, pos);
    append_escaped_rune(out, r, '"', ascii_only);
  }
  out += "\"";
  return out;
}

std::string go_quote(std::string_view s) { return quote_with(s, false); }
std::string quote_ascii(std::string_view s) { return quote_with(s, true); }

bool can_backquote(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (utf8_valid_sequence_length(s.substr(pos)) == 0) return false;
    char32_t r = utf8_decode(s, pos);
    if (r == '`' || r == 0xFEFF) return false;
    if ((r < ' ' && r != '\t') || r == 0x7F) return false;
  }
  return true;
}

}  // namespace hearth::tmpl::gotmpl
