// Regex compilation: pattern text → AST → node graph (see regex.h for the supported dialect).
#include <algorithm>

#include "engine/tokenizer/regex.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"

namespace hearth::tok {

using unicode::Category;

namespace {

constexpr char32_t kMaxCp = 0x10FFFF;

struct Ast {
  enum class Type { Empty, Char, Concat, Alt, Repeat, Look, Start, End, WordBoundary, NotWordBoundary };
  Type type = Type::Empty;
  int set = -1;
  std::vector<Ast> children;
  int min = 0, max = -1;
  bool greedy = true, negative = false;
};

void normalize_ranges(std::vector<std::pair<char32_t, char32_t>>& r) {
  std::sort(r.begin(), r.end());
  std::vector<std::pair<char32_t, char32_t>> out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second + 1) out.back().second = std::max(out.back().second, x.second);
    else out.push_back(x);
  }
  r = std::move(out);
}

// Adds the complement of `ranges` (within 0..U+10FFFF) to `out`.
void add_complement(std::vector<std::pair<char32_t, char32_t>> ranges, std::vector<std::pair<char32_t, char32_t>>& out) {
  normalize_ranges(ranges);
  char32_t next = 0;
  for (const auto& [lo, hi] : ranges) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxCp) out.emplace_back(next, kMaxCp);
}

}  // namespace

class RegexParser {
 public:
  RegexParser(Regex& re, std::string_view pattern) : re_(re), p_(unicode::decode_utf8(pattern)) {}

  void parse() {
    Ast ast = parse_alt();
    if (pos_ != p_.size()) fail("unbalanced ')'");
    re_.start_ = compile(ast, -1);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw TokenizerError("pre-tokenizer regex '" + re_.pattern_ + "': " + what + " at character " + std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= p_.size(); }
  char32_t peek() const { return at_end() ? 0 : p_[pos_]; }
  bool eat(char32_t c) {
    if (!at_end() && p_[pos_] == c) { ++pos_; return true; }
    return false;
  }

  Ast parse_alt() {
    std::vector<Ast> branches;
    branches.push_back(parse_concat());
    while (eat('|')) branches.push_back(parse_concat());
    if (branches.size() == 1) return std::move(branches[0]);
    Ast a;
    a.type = Ast::Type::Alt;
    a.children = std::move(branches);
    return a;
  }

  Ast parse_concat() {
    Ast seq;
    seq.type = Ast::Type::Concat;
    while (!at_end() && peek() != '|' && peek() != ')') seq.children.push_back(parse_quantified());
    return seq;
  }

  bool parse_int(int& out) {
    std::size_t start = pos_;
    long v = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > 100000) fail("repetition count too large");
      ++pos_;
    }
    out = static_cast<int>(v);
    return pos_ > start;
  }

  Ast parse_quantified() {
    Ast atom = parse_atom();
    for (;;) {
      int mn = 0, mx = -1;
      std::size_t save = pos_;
      if (eat('?')) { mn = 0; mx = 1; }
      else if (eat('*')) { mn = 0; mx = -1; }
      else if (eat('+')) { mn = 1; mx = -1; }
      else if (eat('{')) {
        if (!parse_int(mn)) { pos_ = save; return atom; }  // a literal '{' follows; parse_atom takes it
        if (eat(',')) {
          if (!parse_int(mx)) mx = -1;
        } else {
          mx = mn;
        }
        if (!eat('}')) { pos_ = save; return atom; }
        if (mx >= 0 && mx < mn) fail("repetition {n,m} with m < n");
      } else {
        return atom;
      }
      if (atom.type == Ast::Type::Start || atom.type == Ast::Type::End || atom.type == Ast::Type::Look)
        fail("quantifier after an assertion");
      Ast rep;
      rep.type = Ast::Type::Repeat;
      rep.min = mn;
      rep.max = mx;
      if (eat('?')) rep.greedy = false;
      else if (peek() == '+') fail("possessive quantifiers are not supported");
      rep.children.push_back(std::move(atom));
      atom = std::move(rep);
    }
  }

  int add_set(Regex::CharSet s) {
    normalize_ranges(s.ranges);
    re_.sets_.push_back(std::move(s));
    return static_cast<int>(re_.sets_.size()) - 1;
  }

  Ast char_ast(int set) {
    Ast a;
    a.type = Ast::Type::Char;
    a.set = set;
    return a;
  }

  Ast literal(char32_t c) {
    Regex::CharSet s;
    s.ranges.emplace_back(c, c);
    return char_ast(add_set(std::move(s)));
  }

  Ast parse_atom() {
    if (at_end()) fail("unexpected end");
    char32_t c = p_[pos_++];
    switch (c) {
      case '(': return parse_group();
      case '[': return char_ast(add_set(parse_class()));
      case '.': {
        Regex::CharSet s;
        s.negated = true;
        s.ranges = {{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}};
        return char_ast(add_set(std::move(s)));
      }
      case '^': { Ast a; a.type = Ast::Type::Start; return a; }
      case '$': { Ast a; a.type = Ast::Type::End; return a; }
      case '*': case '+': case '?': fail("quantifier without a target");
      case '\\': {
        if (at_end()) fail("trailing backslash");
        char32_t e = p_[pos_];
        if (e == 'b') { ++pos_; Ast a; a.type = Ast::Type::WordBoundary; return a; }
        if (e == 'B') { ++pos_; Ast a; a.type = Ast::Type::NotWordBoundary; return a; }
        Regex::CharSet s;
        parse_escape_into(s, /*in_class=*/false);
        return char_ast(add_set(std::move(s)));
      }
      default: return literal(c);
    }
  }

  Ast parse_group() {
    Ast a;
    if (eat('?')) {
      if (eat(':')) {
        a = parse_alt();
      } else if (eat('=') || (peek() == '!' && eat('!'))) {
        bool negative = p_[pos_ - 1] == '!';
        a.type = Ast::Type::Look;
        a.negative = negative;
        a.children.push_back(parse_alt());
      } else {
        fail("unsupported group syntax (inline flags, lookbehind, named groups)");
      }
    } else {
      a = parse_alt();  // capturing groups capture nothing here
    }
    if (!eat(')')) fail("missing ')'");
    return a;
  }

  // \p{..} / \P{..} name → set contribution.
  void add_property(Regex::CharSet& s, const std::string& name, bool negated) {
    uint16_t f = 0;
    uint32_t cats = 0;
    auto cat = [](Category c) { return 1u << static_cast<unsigned>(c); };
    if (name == "L" || name == "Letter") f = unicode::kLetter;
    else if (name == "N" || name == "Number") f = unicode::kNumber;
    else if (name == "P" || name == "Punctuation") f = unicode::kPunctuation;
    else if (name == "S" || name == "Symbol") f = unicode::kSymbol;
    else if (name == "M" || name == "Mark") f = unicode::kMark;
    else if (name == "Z" || name == "Separator") f = unicode::kSeparator;
    else if (name == "C" || name == "Other") f = unicode::kControl | unicode::kUnassigned;
    else if (name == "Lu") cats = cat(Category::Lu);
    else if (name == "Ll") cats = cat(Category::Ll);
    else if (name == "Lt") cats = cat(Category::Lt);
    else if (name == "Lm") cats = cat(Category::Lm);
    else if (name == "Lo") cats = cat(Category::Lo);
    else if (name == "Nd") cats = cat(Category::Nd);
    else if (name == "Nl") cats = cat(Category::Nl);
    else if (name == "No") cats = cat(Category::No);
    else if (name == "Mn") cats = cat(Category::Mn);
    else fail("unsupported property \\p{" + name + "}");
    if (cats != 0) {
      if (negated) {
        // \P{Lu}: every category but these
        cats = ~cats & ((1u << 30) - 1);
      }
      s.categories |= cats;
      return;
    }
    if (negated) {
      if (f == (unicode::kControl | unicode::kUnassigned)) fail("\\P{C} is not supported");
      s.without_flags |= f;
    } else {
      s.any_flags |= f;
    }
  }

  unsigned hex_value(char32_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    fail("bad hex digit");
  }

  // Parses the escape after a backslash (pos_ at the escaped character). Returns the literal code
  // point it denotes, or -1 when it added a class (\s, \p{..} …) to `s` instead.
  long parse_escape_into(Regex::CharSet& s, bool in_class) {
    char32_t e = p_[pos_++];
    switch (e) {
      case 's': s.any_flags |= unicode::kWhitespace; return -1;
      case 'S': s.without_flags |= unicode::kWhitespace; return -1;
      case 'd': s.ranges.emplace_back('0', '9'); return -1;
      case 'D': add_complement({{'0', '9'}}, s.ranges); return -1;
      case 'w': s.ranges.insert(s.ranges.end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}); return -1;
      case 'W': add_complement({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}, s.ranges); return -1;
      case 'p': case 'P': {
        std::string name;
        if (eat('{')) {
          while (!at_end() && peek() != '}') name += static_cast<char>(p_[pos_++] & 0x7F);
          if (!eat('}')) fail("missing '}' in \\p{..}");
        } else {
          if (at_end()) fail("incomplete \\p");
          name += static_cast<char>(p_[pos_++] & 0x7F);
        }
        add_property(s, name, e == 'P');
        return -1;
      }
      case 'r': s.ranges.emplace_back('\r', '\r'); return '\r';
      case 'n': s.ranges.emplace_back('\n', '\n'); return '\n';
      case 't': s.ranges.emplace_back('\t', '\t'); return '\t';
      case 'f': s.ranges.emplace_back('\f', '\f'); return '\f';
      case 'v': s.ranges.emplace_back('\v', '\v'); return '\v';
      case 'b':
        if (!in_class) fail("internal: \\b");
        s.ranges.emplace_back(8, 8);
        return 8;
      case 'x': case 'u': {
        char32_t v = 0;
        if (eat('{')) {
          int n = 0;
          while (!at_end() && peek() != '}') { v = v * 16 + hex_value(p_[pos_++]); if (++n > 6) fail("bad \\x{..}"); }
          if (!eat('}')) fail("missing '}'");
        } else {
          int digits = e == 'x' ? 2 : 4;
          for (int i = 0; i < digits; ++i) {
            if (at_end()) fail("truncated escape");
            v = v * 16 + hex_value(p_[pos_++]);
          }
        }
        if (v > kMaxCp) fail("code point out of range");
        s.ranges.emplace_back(v, v);
        return v;
      }
      default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
          fail(std::string("unsupported escape \\") + static_cast<char>(e));
        s.ranges.emplace_back(e, e);  // escaped punctuation is literal
        return e;
    }
  }

  Regex::CharSet parse_class() {
    Regex::CharSet s;
    if (eat('^')) s.negated = true;
    bool first = true;
    for (;;) {
      if (at_end()) fail("missing ']'");
      char32_t c = p_[pos_];
      if (c == ']' && !first) { ++pos_; break; }
      first = false;
      long lo;
      if (c == '\\') {
        ++pos_;
        if (at_end()) fail("trailing backslash");
        Regex::CharSet tmp;
        lo = parse_escape_into(tmp, /*in_class=*/true);
        if (lo < 0) {  // a class escape: merge it
          s.any_flags |= tmp.any_flags;
          s.without_flags |= tmp.without_flags;
          s.categories |= tmp.categories;
          s.ranges.insert(s.ranges.end(), tmp.ranges.begin(), tmp.ranges.end());
          continue;
        }
      } else {
        ++pos_;
        lo = c;
      }
      // A range a-b ('-' before ']' is a literal).
      if (peek() == '-' && pos_ + 1 < p_.size() && p_[pos_ + 1] != ']') {
        ++pos_;
        char32_t hc = p_[pos_];
        long hi;
        if (hc == '\\') {
          ++pos_;
          if (at_end()) fail("trailing backslash");
          Regex::CharSet tmp;
          hi = parse_escape_into(tmp, true);
          if (hi < 0) fail("class escape as range end");
        } else {
          ++pos_;
          hi = hc;
        }
        if (hi < lo) fail("range out of order");
        s.ranges.emplace_back(static_cast<char32_t>(lo), static_cast<char32_t>(hi));
      } else {
        s.ranges.emplace_back(static_cast<char32_t>(lo), static_cast<char32_t>(lo));
      }
    }
    return s;
  }

  int add_node(Regex::Node n) {
    re_.nodes_.push_back(std::move(n));
    return static_cast<int>(re_.nodes_.size()) - 1;
  }

  // True when the body chain starting at `n` always consumes exactly one code point: any number
  // of single-character lookaheads followed by one character test.
  bool is_width_one(int n) const {
    while (n >= 0) {
      const Regex::Node& node = re_.nodes_[n];
      if (node.kind == Regex::Kind::Char) return node.next < 0;
      if (node.kind != Regex::Kind::Look) return false;
      const Regex::Node& body = re_.nodes_[node.body];
      if (node.body < 0 || body.kind != Regex::Kind::Char || body.next >= 0) return false;
      n = node.next;
    }
    return false;
  }

  int compile(const Ast& a, int next) {
    switch (a.type) {
      case Ast::Type::Empty: return next;
      case Ast::Type::Char: {
        Regex::Node n;
        n.kind = Regex::Kind::Char;
        n.set = a.set;
        n.next = next;
        return add_node(std::move(n));
      }
      case Ast::Type::Concat: {
        int cur = next;
        for (auto it = a.children.rbegin(); it != a.children.rend(); ++it) cur = compile(*it, cur);
        return cur;
      }
      case Ast::Type::Alt: {
        std::vector<int> branches;
        for (const Ast& c : a.children) branches.push_back(compile(c, next));
        Regex::Node n;
        n.kind = Regex::Kind::Alt;
        n.branches = std::move(branches);
        n.next = next;
        return add_node(std::move(n));
      }
      case Ast::Type::Repeat: {
        int body = compile(a.children[0], -1);
        Regex::Node n;
        n.kind = Regex::Kind::Repeat;
        n.body = body;
        n.min = a.min;
        n.max = a.max;
        n.greedy = a.greedy;
        n.next = next;
        n.width_one = is_width_one(body);
        return add_node(std::move(n));
      }
      case Ast::Type::Look: {
        int body = compile(a.children[0], -1);
        Regex::Node n;
        n.kind = Regex::Kind::Look;
        n.body = body;
        n.negative = a.negative;
        n.next = next;
        return add_node(std::move(n));
      }
      case Ast::Type::Start: case Ast::Type::End: case Ast::Type::WordBoundary: case Ast::Type::NotWordBoundary: {
        Regex::Node n;
        n.kind = a.type == Ast::Type::Start ? Regex::Kind::Start
                 : a.type == Ast::Type::End ? Regex::Kind::End
                 : a.type == Ast::Type::WordBoundary ? Regex::Kind::WordBoundary
                                                     : Regex::Kind::NotWordBoundary;
        n.next = next;
        return add_node(std::move(n));
      }
    }
    return next;
  }

  Regex& re_;
  std::vector<char32_t> p_;
  std::size_t pos_ = 0;
};

Regex::Regex(std::string_view pattern) : pattern_(pattern) {
  RegexParser(*this, pattern).parse();
}

}  // namespace hearth::tok
