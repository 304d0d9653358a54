#include "engine/tokenizer/unicode.h"

#include <algorithm>
#include <array>
#include <memory>

#include "common/utf8.h"

namespace hearth::tok::unicode {
namespace {

Category category_by_search(char32_t cp) {
  const CategoryRange* begin = tables::kCategoryRanges;
  const CategoryRange* end = begin + tables::kCategoryRangeCount;
  // Last range whose first code point is <= cp (the table starts at 0).
  auto it = std::upper_bound(begin, end, cp, [](char32_t v, const CategoryRange& r) { return v < r.first; });
  return static_cast<Category>((it - 1)->category);
}

bool whitespace_by_search(char32_t cp) {
  for (std::size_t i = 0; i < tables::kWhitespaceRangeCount; ++i) {
    if (cp >= tables::kWhitespaceRanges[i].first && cp <= tables::kWhitespaceRanges[i].last) return true;
  }
  return false;
}

uint16_t flags_by_search(char32_t cp) {
  uint16_t f = category_flags(category_by_search(cp));
  if (whitespace_by_search(cp)) f |= kWhitespace;
  return f;
}

// The Basic Multilingual Plane covers nearly all text; its flags are precomputed once (128 KiB,
// immutable after construction) so the pre-tokenizer's per-character test is one load.
struct BmpFlags {
  std::unique_ptr<uint16_t[]> flags{new uint16_t[0x10000]};
  BmpFlags() {
    for (char32_t cp = 0; cp < 0x10000; ++cp) flags[cp] = flags_by_search(cp);
  }
};

const BmpFlags& bmp_flags() {
  static const BmpFlags table;
  return table;
}

// Byte-level BPE mapping (GPT-2): printable bytes map to themselves, the other 68 bytes to
// U+0100.. in increasing byte order.
struct ByteMap {
  static constexpr std::size_t kImageSize = 256 + 68;  // every image code point is below this
  std::array<char32_t, 256> to_cp{};
  std::array<int16_t, kImageSize> from_cp{};
  ByteMap() {
    from_cp.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_cp[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      from_cp[to_cp[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteMap& byte_map() {
  static const ByteMap map;
  return map;
}

}  // namespace

uint16_t category_flags(Category c) {
  switch (c) {
    case Category::Lu: case Category::Ll: case Category::Lt: case Category::Lm: case Category::Lo:
      return kLetter;
    case Category::Mn: case Category::Mc: case Category::Me:
      return kMark;
    case Category::Nd: case Category::Nl: case Category::No:
      return kNumber;
    case Category::Pc: case Category::Pd: case Category::Ps: case Category::Pe: case Category::Pi:
    case Category::Pf: case Category::Po:
      return kPunctuation;
    case Category::Sm: case Category::Sc: case Category::Sk: case Category::So:
      return kSymbol;
    case Category::Zs: case Category::Zl: case Category::Zp:
      return kSeparator;
    case Category::Cc: case Category::Cf: case Category::Cs: case Category::Co:
      return kControl;
    case Category::Cn:
      return kUnassigned;
  }
  return kUnassigned;
}

Category category(char32_t cp) {
  if (cp > 0x10FFFF) return Category::Cn;
  return category_by_search(cp);
}

uint16_t flags(char32_t cp) {
  if (cp < 0x10000) return bmp_flags().flags[cp];
  if (cp > 0x10FFFF) return kUnassigned;
  return flags_by_search(cp);
}

char32_t to_lower(char32_t cp) {
  const CodepointPair* begin = tables::kLowercase;
  const CodepointPair* end = begin + tables::kLowercaseCount;
  auto it = std::lower_bound(begin, end, cp, [](const CodepointPair& p, char32_t v) { return p.from < v; });
  return (it != end && it->from == cp) ? it->to : cp;
}

char32_t nfd_first(char32_t cp) {
  const MappedRange* begin = tables::kNfdFirst;
  const MappedRange* end = begin + tables::kNfdFirstCount;
  auto it = std::upper_bound(begin, end, cp, [](char32_t v, const MappedRange& r) { return v < r.first; });
  if (it == begin) return cp;
  --it;
  return (cp >= it->first && cp <= it->last) ? it->to : cp;
}

const char* ucd_version() { return tables::kUnicodeVersion; }

std::vector<char32_t> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) out.push_back(utf8_decode(text, pos));
  return out;
}

void append_utf8(std::string& out, char32_t cp) { utf8_append(out, cp > 0x10FFFF ? 0xFFFD : cp); }

char32_t byte_to_codepoint(uint8_t byte) { return byte_map().to_cp[byte]; }

int codepoint_to_byte(char32_t cp) {
  return cp < ByteMap::kImageSize ? byte_map().from_cp[cp] : -1;
}

}  // namespace hearth::tok::unicode
