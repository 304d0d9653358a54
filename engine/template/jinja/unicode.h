// engine/template/jinja/unicode.h — the bits of Python's str semantics that depend on Unicode.
//
// Python strings are sequences of code points; hearth keeps them as UTF-8. Lengths, indices and
// slices of template strings therefore count code points (decode_utf8/encode_utf8), and the
// character classes of str.strip()/split()/isspace(), str.upper()/lower() follow Python's
// definitions. Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and the
// fullwidth Latin letters — the scripts chat templates and their role names use; other code points
// are left unchanged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hearth::tmpl::jinja::unicode {

std::u32string decode_utf8(std::string_view s);  // invalid bytes decode to U+FFFD, one byte each
std::string encode_utf8(std::u32string_view s);
std::size_t length(std::string_view s);  // number of code points (as decode_utf8 counts them)
bool is_ascii(std::string_view s);

bool is_space(char32_t c);  // str.isspace(): what str.split()/strip() treat as whitespace
bool is_line_break(char32_t c);  // str.splitlines() boundaries (\r\n counts as one)
bool is_upper(char32_t c);
bool is_lower(char32_t c);
bool is_cased(char32_t c);
bool is_alpha(char32_t c);
bool is_digit(char32_t c);    // decimal digits
bool is_word(char32_t c);     // regex \w: alphanumeric or underscore
bool is_printable(char32_t c);  // str.isprintable(), used by repr()

// Full mappings: a few characters expand (ß → "SS").
void append_upper(std::u32string& out, char32_t c);
void append_lower(std::u32string& out, char32_t c);
std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);

}  // namespace hearth::tmpl::jinja::unicode
