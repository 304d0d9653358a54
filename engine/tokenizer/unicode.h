// engine/tokenizer/unicode.h — Unicode character properties the tokenizers need.
//
// General categories (for the pre-tokenizer classes \p{L}, \p{N}, \p{P}, \p{S}, \p{M} and the
// subcategories \p{Lu} …), the White_Space property (\s), simple lowercase mapping and the first
// code point of a character's canonical decomposition (BERT's accent stripping). The data lives in
// unicode_tables.cpp, generated from the Unicode Character Database by scripts/gen-unicode-tables;
// lookups are binary searches over sorted range tables, with a direct table for Latin-1.
//
//   using namespace hearth::tok::unicode;
//   if (is_letter(cp)) ...;  uint16_t f = flags(cp);  if (f & kWhitespace) ...
//
// Also here: UTF-8 decoding into code points the way the pre-tokenizer needs it (invalid bytes
// become U+FFFD, one byte each) and the GPT-2 byte-to-code-point mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tok::unicode {

// Numbering matches CATEGORIES in scripts/gen-unicode-tables.
enum class Category : uint8_t {
  Cn, Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No,
  Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So,
  Zs, Zl, Zp, Cc, Cf, Cs, Co,
};

// Property bits of one code point (flags()).
inline constexpr uint16_t kLetter = 1u << 0;       // L
inline constexpr uint16_t kNumber = 1u << 1;       // N
inline constexpr uint16_t kPunctuation = 1u << 2;  // P
inline constexpr uint16_t kSymbol = 1u << 3;       // S
inline constexpr uint16_t kMark = 1u << 4;         // M
inline constexpr uint16_t kSeparator = 1u << 5;    // Z
inline constexpr uint16_t kControl = 1u << 6;      // Cc Cf Cs Co
inline constexpr uint16_t kUnassigned = 1u << 7;   // Cn
inline constexpr uint16_t kWhitespace = 1u << 8;   // White_Space property

Category category(char32_t cp);
uint16_t category_flags(Category c);
uint16_t flags(char32_t cp);

inline bool is_letter(char32_t cp) { return flags(cp) & kLetter; }
inline bool is_number(char32_t cp) { return flags(cp) & kNumber; }
inline bool is_whitespace(char32_t cp) { return flags(cp) & kWhitespace; }

char32_t to_lower(char32_t cp);   // simple lowercase mapping; cp itself when there is none
char32_t nfd_first(char32_t cp);  // first code point of the canonical decomposition (NFD)

const char* ucd_version();

// UTF-8 → code points. Invalid or truncated sequences decode to U+FFFD, consuming one byte.
std::vector<char32_t> decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t cp);

// GPT-2 byte-level encoding: each byte maps to one printable code point (spec §4.4).
char32_t byte_to_codepoint(uint8_t byte);
// Inverse; returns -1 for code points that are not the image of a byte.
int codepoint_to_byte(char32_t cp);

// Table layouts used by the generated data (unicode_tables.cpp).
struct CategoryRange {
  char32_t first;
  uint8_t category;
};
struct CodepointRange {
  char32_t first, last;
};
struct CodepointPair {
  char32_t from, to;
};
struct MappedRange {
  char32_t first, last, to;
};

namespace tables {
extern const char* const kUnicodeVersion;
extern const CategoryRange kCategoryRanges[];
extern const std::size_t kCategoryRangeCount;
extern const CodepointRange kWhitespaceRanges[];
extern const std::size_t kWhitespaceRangeCount;
extern const CodepointPair kLowercase[];
extern const std::size_t kLowercaseCount;
extern const MappedRange kNfdFirst[];
extern const std::size_t kNfdFirstCount;
}  // namespace tables

}  // namespace hearth::tok::unicode
