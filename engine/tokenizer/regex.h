// engine/tokenizer/regex.h — the small backtracking regex engine behind the BPE pre-tokenizers.
//
// Pre-tokenizer patterns (spec §4.4) are written in the Perl/Oniguruma dialect Hugging Face uses.
// This engine implements exactly the subset those patterns need, over Unicode code points:
// alternation, (?:...) and plain groups, classes with ranges and negation, \p{L} \p{N} \p{P}
// \p{S} \p{M} \p{Z} \p{C} and the letter subcategories \p{Lu} \p{Ll} \p{Lt} \p{Lm} \p{Lo} (also
// \P{..}), \s \S \d \D \w \W, the escapes \r \n \t \f \v \xHH \u{..}, greedy and lazy quantifiers
// ? * + {n} {n,} {n,m}, lookahead (?=...) (?!...), the anchors ^ $ and \b. Semantics are
// leftmost-first (backtracking priority), like the regex engines the reference vocabularies were
// produced with; \s is the White_Space property and categories come from the generated UCD tables.
//
//   Regex re("\\s?\\p{L}+");
//   PreText text(U"…");   // code points + their property flags
//   std::size_t b, e;
//   if (re.search(text, 0, text.size(), 0, b, e)) ...
//
// A Regex is immutable after construction and may be used from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tok {

// Code points of one text fragment with their unicode::flags(), computed once per fragment.
struct PreText {
  std::vector<char32_t> cps;
  std::vector<uint16_t> flags;
  explicit PreText(std::vector<char32_t> code_points);
  std::size_t size() const { return cps.size(); }
};

class Regex {
 public:
  // Compiles `pattern` (UTF-8). Throws TokenizerError for syntax errors or unsupported features.
  explicit Regex(std::string_view pattern);

  const std::string& pattern() const { return pattern_; }

  // Leftmost match inside the window [begin, end) of `text` that starts at or after `from`.
  // Anchors and lookahead see the window's edges as the text's edges.
  bool search(const PreText& text, std::size_t begin, std::size_t end, std::size_t from,
              std::size_t& match_begin, std::size_t& match_end) const;

  struct CharSet {
    bool negated = false;
    std::vector<std::pair<char32_t, char32_t>> ranges;  // sorted, merged
    uint16_t any_flags = 0;        // matches when the code point has any of these flags
    uint16_t without_flags = 0;    // matches when it lacks all of these (\S, \P{L} …), per bit
    uint32_t categories = 0;       // bit i: unicode::Category(i)
    bool contains(char32_t cp, uint16_t flags) const;
  };

  enum class Kind : uint8_t { Char, Alt, Repeat, Look, Start, End, WordBoundary, NotWordBoundary };
  struct Node {
    Kind kind = Kind::Char;
    int next = -1;   // following node; -1 ends the enclosing sub-expression
    int set = -1;    // Char: index into sets_
    std::vector<int> branches;  // Alt
    int body = -1;              // Repeat, Look
    int min = 0, max = -1;      // Repeat (max -1 = unbounded)
    bool greedy = true;         // Repeat
    bool negative = false;      // Look
    bool width_one = false;     // Repeat whose body always consumes exactly one code point
  };

 private:
  friend class RegexMatcher;
  friend class RegexParser;
  std::string pattern_;
  std::vector<Node> nodes_;
  std::vector<CharSet> sets_;
  int start_ = -1;
};

// Successive searches over one window of one text. Keeps per-window caches, so splitting a whole
// piece (search, then search again after the match, …) stays linear in the piece length.
class RegexMatcher;
class RegexSearch {
 public:
  RegexSearch(const Regex& re, const PreText& text, std::size_t begin, std::size_t end);
  ~RegexSearch();
  RegexSearch(const RegexSearch&) = delete;
  RegexSearch& operator=(const RegexSearch&) = delete;
  // Leftmost match starting at or after `from`.
  bool next(std::size_t from, std::size_t& match_begin, std::size_t& match_end);

 private:
  std::unique_ptr<RegexMatcher> matcher_;
  std::size_t end_;
};

}  // namespace hearth::tok
