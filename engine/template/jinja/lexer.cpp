// jinja2's lexer (trim_blocks and lstrip_blocks on), written as a hand-rolled scanner.
#include "engine/template/jinja/lexer.h"

#include <cstdlib>

#include "common/utf8.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

[[noreturn]] void syntax_error(const std::string& message, int line) {
  throw JinjaError("TemplateSyntaxError", message, line);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

// Length of the whitespace code point ending at `end` (0 if the character there is not space).
std::size_t space_before(std::string_view s, std::size_t end) {
  if (end == 0) return 0;
  unsigned char last = static_cast<unsigned char>(s[end - 1]);
  if (last < 0x80) return unicode::is_space(last) ? 1 : 0;
  std::size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  std::size_t pos = start;
  char32_t cp = utf8_decode(s, pos);
  return pos == end && unicode::is_space(cp) ? end - start : 0;
}

// Length of the whitespace code point starting at `pos`.
std::size_t space_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return 0;
  unsigned char c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) return unicode::is_space(c) ? 1 : 0;
  std::size_t p = pos;
  char32_t cp = utf8_decode(s, p);
  return unicode::is_space(cp) ? p - pos : 0;
}

std::string_view rstrip_space(std::string_view s) {
  std::size_t end = s.size();
  while (std::size_t n = space_before(s, end)) end -= n;
  return s.substr(0, end);
}

bool all_space(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t n = space_at(s, pos);
    if (!n) return false;
    pos += n;
  }
  return true;
}

int count_newlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Python's "unicode-escape" decoding of a string literal's body.
std::string unescape(std::string_view body, int line) {
  std::string out;
  out.reserve(body.size());
  auto hex_value = [&](std::size_t start, std::size_t digits, const char* what) -> char32_t {
    if (start + digits > body.size()) syntax_error(std::string("truncated ") + what + " escape", line);
    char32_t v = 0;
    for (std::size_t k = 0; k < digits; ++k) {
      char c = body[start + k];
      int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) syntax_error(std::string("truncated ") + what + " escape", line);
      v = v * 16 + static_cast<char32_t>(d);
    }
    return v;
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      continue;
    }
    char e = body[++i];
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': utf8_append(out, hex_value(i + 1, 2, "\\xXX")); i += 2; break;
      case 'u': {
        char32_t cp = hex_value(i + 1, 4, "\\uXXXX");
        i += 4;
        // A surrogate pair written as two escapes combines into one character.
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < body.size() && body[i + 1] == '\\' && body[i + 2] == 'u') {
          char32_t lo = hex_value(i + 3, 4, "\\uXXXX");
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        utf8_append(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
        break;
      }
      case 'U': {
        char32_t cp = hex_value(i + 1, 8, "\\UXXXXXXXX");
        i += 8;
        if (cp > 0x10FFFF) syntax_error("illegal Unicode character", line);
        utf8_append(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
        break;
      }
      case 'N': syntax_error("\\N{...} escapes are not supported", line);
      default:
        if (e >= '0' && e <= '7') {
          char32_t v = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
            v = v * 8 + static_cast<char32_t>(body[++i] - '0');
          utf8_append(out, v);
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize(source)) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) lex_root();
    push(TokenType::Eof, "");
    return std::move(tokens_);
  }

 private:
  static std::string normalize(std::string_view source) {
    std::string out;
    out.reserve(source.size());
    for (std::size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        out += '\n';
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        out += source[i];
      }
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  void push(TokenType type, std::string text) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.line = line_;
    tokens_.push_back(std::move(t));
  }

  // Emits template text before a tag, applying `-` stripping or lstrip_blocks.
  void emit_data(std::string_view text, char sign, bool lstrip_applies) {
    std::string_view kept = text;
    if (sign == '-') {
      kept = rstrip_space(text);
    } else if (sign != '+' && lstrip_applies) {
      std::size_t nl = text.rfind('\n');
      std::size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && l_pos < text.size() && all_space(text.substr(l_pos)))
        kept = text.substr(0, l_pos);
    }
    if (!kept.empty()) push(TokenType::Data, std::string(kept));
    line_ += count_newlines(text);
  }

  // Where `{%`, `{{` or `{#` next starts, or npos.
  std::size_t find_tag(std::size_t from) const {
    for (std::size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '%' || src_[i + 1] == '{' || src_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  std::size_t skip_spaces(std::size_t p) const {
    while (std::size_t n = space_at(src_, p)) p += n;
    return p;
  }

  // `{%(-|+|)\s*raw\s*(-%}\s*|%})` at `at`; returns the end of the match or npos.
  std::size_t match_raw_begin(std::size_t at) const {
    std::size_t p = at + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    p = skip_spaces(p);
    if (src_.compare(p, 3, "raw") != 0) return std::string::npos;
    p = skip_spaces(p + 3);
    if (src_.compare(p, 3, "-%}") == 0) return skip_spaces(p + 3);
    if (src_.compare(p, 2, "%}") == 0) return p + 2;
    return std::string::npos;
  }

  void lex_root() {
    std::size_t tag = find_tag(pos_);
    if (tag == std::string::npos) {
      std::string_view rest = std::string_view(src_).substr(pos_);
      push(TokenType::Data, std::string(rest));
      line_ += count_newlines(rest);
      pos_ = src_.size();
      return;
    }
    std::string_view text = std::string_view(src_).substr(pos_, tag - pos_);
    char kind = src_[tag + 1];
    char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
    if (kind == '%') {
      std::size_t raw_end = match_raw_begin(tag);
      if (raw_end != std::string::npos) {
        emit_data(text, sign, true);
        std::string_view matched = std::string_view(src_).substr(tag, raw_end - tag);
        line_ += count_newlines(matched);
        line_starting_ = !matched.empty() && matched.back() == '\n';
        pos_ = raw_end;
        lex_raw();
        return;
      }
    }
    emit_data(text, sign, kind != '{');
    pos_ = tag + 2 + (sign ? 1 : 0);
    line_starting_ = false;
    if (kind == '#') {
      lex_comment();
    } else {
      lex_tag(kind == '%');
    }
  }

  void lex_comment() {
    std::size_t close = src_.find("#}", pos_);
    if (close == std::string::npos) syntax_error("Missing end of comment tag", line_);
    char sign = close > pos_ && (src_[close - 1] == '-' || src_[close - 1] == '+') ? src_[close - 1] : 0;
    std::size_t end = close + 2;
    if (sign == '-') end = skip_spaces(end);
    else if (sign != '+' && end < src_.size() && src_[end] == '\n') ++end;  // trim_blocks
    std::string_view matched = std::string_view(src_).substr(pos_, end - pos_);
    line_ += count_newlines(matched);
    line_starting_ = !matched.empty() && matched.back() == '\n';
    pos_ = end;
  }

  void lex_raw() {
    // The first `{%(-|+|)\s*endraw\s*(+%}|-%}\s*|%}\n?)`.
    for (std::size_t at = src_.find("{%", pos_); at != std::string::npos; at = src_.find("{%", at + 1)) {
      std::size_t p = at + 2;
      char sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p] : 0;
      if (sign) ++p;
      p = skip_spaces(p);
      if (src_.compare(p, 6, "endraw") != 0) continue;
      p = skip_spaces(p + 6);
      std::size_t end;
      if (src_.compare(p, 3, "+%}") == 0) end = p + 3;
      else if (src_.compare(p, 3, "-%}") == 0) end = skip_spaces(p + 3);
      else if (src_.compare(p, 2, "%}") == 0) end = p + 2 + (p + 2 < src_.size() && src_[p + 2] == '\n' ? 1 : 0);
      else continue;
      emit_data(std::string_view(src_).substr(pos_, at - pos_), sign, true);
      std::string_view matched = std::string_view(src_).substr(at, end - at);
      line_ += count_newlines(matched);
      line_starting_ = !matched.empty() && matched.back() == '\n';
      pos_ = end;
      return;
    }
    syntax_error("Missing end of raw directive", line_);
  }

  // Tokens of one `{% ... %}` or `{{ ... }}` tag, up to and including its end.
  void lex_tag(bool block) {
    push(block ? TokenType::BlockBegin : TokenType::VariableBegin, "");
    std::vector<char> balance;
    while (pos_ < src_.size()) {
      if (balance.empty() && match_tag_end(block)) return;
      if (std::size_t n = space_at(src_, pos_)) {
        std::size_t start = pos_;
        pos_ += n;
        while (std::size_t m = space_at(src_, pos_)) pos_ += m;
        line_ += count_newlines(std::string_view(src_).substr(start, pos_ - start));
        continue;
      }
      if (lex_number()) continue;
      char c = src_[pos_];
      if (is_ident_start(c)) {
        std::size_t start = pos_;
        while (pos_ < src_.size() && is_ident_char(src_[pos_])) ++pos_;
        push(TokenType::Name, src_.substr(start, pos_ - start));
        continue;
      }
      if (c == '\'' || c == '"') {
        lex_string(c);
        continue;
      }
      lex_operator(balance);
    }
  }

  bool match_tag_end(bool block) {
    std::string_view rest = std::string_view(src_).substr(pos_);
    std::size_t end;
    if (block) {
      if (rest.substr(0, 3) == "+%}") end = pos_ + 3;
      else if (rest.substr(0, 3) == "-%}") end = skip_spaces(pos_ + 3);
      else if (rest.substr(0, 2) == "%}") end = pos_ + 2 + (rest.size() > 2 && rest[2] == '\n' ? 1 : 0);
      else return false;
    } else {
      if (rest.substr(0, 3) == "-}}") end = skip_spaces(pos_ + 3);
      else if (rest.substr(0, 2) == "}}") end = pos_ + 2;
      else return false;
    }
    push(block ? TokenType::BlockEnd : TokenType::VariableEnd, "");
    std::string_view matched = std::string_view(src_).substr(pos_, end - pos_);
    line_ += count_newlines(matched);
    line_starting_ = !matched.empty() && matched.back() == '\n';
    pos_ = end;
    return true;
  }

  // Digits with optional single `_` separators; returns the end position (== p when none).
  std::size_t scan_digits(std::size_t p, bool (*ok)(char)) const {
    std::size_t start = p;
    while (p < src_.size()) {
      if (ok(src_[p])) {
        ++p;
      } else if (src_[p] == '_' && p > start && p + 1 < src_.size() && ok(src_[p + 1])) {
        ++p;
      } else {
        break;
      }
    }
    return p;
  }

  bool lex_number() {
    char c = src_[pos_];
    if (!is_digit(c)) return false;
    auto dec = [](char ch) { return ch >= '0' && ch <= '9'; };
    // Float: digits, then `.digits` and/or an exponent; not directly after a '.'.
    if (pos_ == 0 || src_[pos_ - 1] != '.') {
      std::size_t p = scan_digits(pos_, dec);
      std::size_t frac_end = p;
      bool has_frac = false;
      if (p < src_.size() && src_[p] == '.' && p + 1 < src_.size() && dec(src_[p + 1])) {
        frac_end = scan_digits(p + 1, dec);
        has_frac = true;
      }
      std::size_t exp_end = frac_end;
      if (frac_end < src_.size() && (src_[frac_end] == 'e' || src_[frac_end] == 'E')) {
        std::size_t q = frac_end + 1;
        if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
        if (q < src_.size() && dec(src_[q])) exp_end = scan_digits(q, dec);
      }
      if (has_frac || exp_end != frac_end) {
        std::string text;
        for (std::size_t i = pos_; i < exp_end; ++i)
          if (src_[i] != '_') text += src_[i];
        Token t;
        t.type = TokenType::Float;
        t.text = text;
        t.float_value = std::strtod(text.c_str(), nullptr);
        t.line = line_;
        tokens_.push_back(std::move(t));
        pos_ = exp_end;
        return true;
      }
    }
    // Integer: 0b/0o/0x prefixes, or decimal without leading zeros (a lone run of zeros is 0).
    int base = 10;
    std::size_t digits_start = pos_, end;
    char p1 = pos_ + 1 < src_.size() ? static_cast<char>(src_[pos_ + 1] | 0x20) : 0;
    auto bin = [](char ch) { return ch == '0' || ch == '1'; };
    auto oct = [](char ch) { return ch >= '0' && ch <= '7'; };
    auto hex = [](char ch) { return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); };
    auto prefixed = [&](bool (*ok)(char)) -> std::size_t {
      // `0x_ff` is allowed: one underscore may follow the prefix.
      std::size_t p = pos_ + 2;
      if (p < src_.size() && src_[p] == '_') ++p;
      if (p >= src_.size() || !ok(src_[p])) return std::string::npos;
      return scan_digits(p, ok);
    };
    if (c == '0' && (p1 == 'b' || p1 == 'o' || p1 == 'x')) {
      base = p1 == 'b' ? 2 : p1 == 'o' ? 8 : 16;
      end = prefixed(base == 2 ? +bin : base == 8 ? +oct : +hex);
      if (end == std::string::npos) {
        base = 10;
        end = pos_ + 1;
      } else {
        digits_start = pos_ + 2;
      }
    } else if (c == '0') {
      end = scan_digits(pos_, [](char ch) { return ch == '0'; });
    } else {
      end = scan_digits(pos_, dec);
    }
    unsigned __int128 value = 0;
    for (std::size_t i = digits_start; i < end; ++i) {
      char ch = src_[i];
      if (ch == '_') continue;
      int d = is_digit(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10;
      value = value * static_cast<unsigned>(base) + static_cast<unsigned>(d);
      if (value > static_cast<unsigned __int128>(INT64_MAX))
        syntax_error("integer literal too large (hearth integers are 64-bit)", line_);
    }
    Token t;
    t.type = TokenType::Integer;
    t.text = src_.substr(pos_, end - pos_);
    t.int_value = static_cast<int64_t>(value);
    t.line = line_;
    tokens_.push_back(std::move(t));
    pos_ = end;
    return true;
  }

  void lex_string(char quote) {
    std::size_t p = pos_ + 1;
    while (p < src_.size() && src_[p] != quote) {
      if (src_[p] == '\\') ++p;
      ++p;
    }
    if (p >= src_.size()) syntax_error(std::string("unexpected char ") + string_repr(std::string(1, quote)) + " at " + std::to_string(pos_), line_);
    std::string_view body = std::string_view(src_).substr(pos_ + 1, p - pos_ - 1);
    Token t;
    t.type = TokenType::String;
    t.text = unescape(body, line_);
    t.line = line_;
    tokens_.push_back(std::move(t));
    line_ += count_newlines(body);
    pos_ = p + 1;
  }

  void lex_operator(std::vector<char>& balance) {
    static const char* const two[] = {"//", "**", "==", "!=", ">=", "<="};
    std::string_view rest = std::string_view(src_).substr(pos_);
    for (const char* op : two) {
      if (rest.substr(0, 2) == op) {
        push(TokenType::Operator, op);
        pos_ += 2;
        return;
      }
    }
    char c = src_[pos_];
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos) {
      std::size_t p = pos_;
      char32_t cp = utf8_decode(src_, p);
      syntax_error("unexpected char " + string_repr(unicode::encode_utf8(std::u32string(1, cp))) + " at " +
                       std::to_string(pos_),
                   line_);
    }
    if (c == '(' || c == '[' || c == '{') {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) syntax_error(std::string("unexpected '") + c + "'", line_);
      char expected = balance.back();
      balance.pop_back();
      if (expected != c) syntax_error(std::string("unexpected '") + c + "', expected '" + expected + "'", line_);
    }
    push(TokenType::Operator, std::string(1, c));
    ++pos_;
  }

  std::string src_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

std::string describe_token(const Token& token) {
  switch (token.type) {
    case TokenType::Name:
    case TokenType::Operator: return token.text;
    case TokenType::Data: return "template data / text";
    case TokenType::VariableBegin: return "begin of print statement";
    case TokenType::VariableEnd: return "end of print statement";
    case TokenType::BlockBegin: return "begin of statement block";
    case TokenType::BlockEnd: return "end of statement block";
    case TokenType::String: return "string";
    case TokenType::Integer: return "integer";
    case TokenType::Float: return "float";
    case TokenType::Eof: return "end of template";
  }
  return "?";
}

}  // namespace hearth::tmpl::jinja
