// common/utf8.h — UTF-8 helpers shared by the tokenizers, the detokenizer and JSON output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// Length of the well-formed UTF-8 sequence at the start of `s` (1–4), or 0 when the first bytes
// are not a complete, valid sequence (overlong forms, surrogates and values > U+10FFFF are invalid).
std::size_t utf8_valid_sequence_length(std::string_view s);

// Number of bytes at the end of `s` that form the beginning of a UTF-8 sequence still missing its
// continuation bytes (0 when `s` ends on a character boundary). Used by streaming detokenizers to
// hold back a partial character.
std::size_t utf8_incomplete_tail(std::string_view s);

// Appends the UTF-8 encoding of `cp` (must be ≤ U+10FFFF).
void utf8_append(std::string& out, char32_t cp);

// Decodes the code point at `s[pos]`, advancing pos; invalid bytes decode as U+FFFD (one byte).
char32_t utf8_decode(std::string_view s, std::size_t& pos);

// True when the whole string is well-formed UTF-8.
bool utf8_is_valid(std::string_view s);

}  // namespace hearth
