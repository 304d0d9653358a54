#include "engine/template/gotmpl/lexer.h"

#include <cstdio>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/unicode_classes.h"

namespace hearth::tmpl::gotmpl {

namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::string_view kSpaceChars = " \t\r\n";
constexpr char32_t kEof = static_cast<char32_t>(-1);

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

// isAlphaNumeric: '_', unicode.IsLetter or unicode.IsDigit.
bool is_alnum(char32_t r) {
  if (r == '_') return true;
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
  if (r == kEof || r > 0x10FFFF) return false;
  return unicode_is_letter(r) || unicode_is_digit(r);
}

bool has_left_trim_marker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && is_space(static_cast<unsigned char>(s[1]));
}
bool has_right_trim_marker(std::string_view s) {
  return s.size() >= 2 && is_space(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

std::size_t right_trim_length(std::string_view s) {
  std::size_t end = s.find_last_not_of(kSpaceChars);
  return end == std::string_view::npos ? s.size() : s.size() - end - 1;
}
std::size_t left_trim_length(std::string_view s) {
  std::size_t start = s.find_first_not_of(kSpaceChars);
  return start == std::string_view::npos ? s.size() : start;
}

std::string format_rune_u(char32_t r) {  // Go's %#U
  char tmp[48];
  std::snprintf(tmp, sizeof tmp, "U+%04X", static_cast<unsigned>(r));
  std::string s = tmp;
  if (r >= 0x20 && r != 0x7F && r <= 0x10FFFF) {
    s += " '";
    utf8_append(s, r);
    s += "'";
  }
  return s;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Token> run() {
    bool inside = false;
    while (true) {
      if (!inside) {
        if (!lex_text(inside)) break;
      } else {
        if (!lex_inside_action(inside)) break;
      }
    }
    return std::move(out_);
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t width_ = 0;
  int paren_depth_ = 0;
  std::vector<Token> out_;

  char32_t next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    std::size_t before = pos_;
    char32_t r = utf8_decode(in_, pos_);
    width_ = pos_ - before;
    return r;
  }
  void backup() { pos_ -= width_; }  // only once after next(), like Go's lexer
  char32_t peek() {
    std::size_t saved = pos_, saved_width = width_;
    char32_t r = next();
    pos_ = saved;
    width_ = saved_width;
    return r;
  }
  std::string_view rest() const { return pos_ < in_.size() ? in_.substr(pos_) : std::string_view(); }
  bool accept(std::string_view valid) {
    char32_t r = next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    backup();
    return false;
  }
  void accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
  }
  void emit(TokenType t) {
    std::size_t end = pos_;
    out_.push_back(Token{t, start_, std::string(in_.substr(start_, end - start_))});
    start_ = end;
  }
  void ignore() { start_ = pos_; }
  bool error(std::string msg) {
    out_.push_back(Token{TokenType::Error, start_, std::move(msg)});
    return false;
  }

  // Returns whether the right delimiter (optionally trim-marked) is at pos_, and if trimmed.
  bool at_right_delim(bool& trim) {
    std::string_view r = rest();
    if (has_right_trim_marker(r) && r.substr(2).starts_with(kRightDelim)) {
      trim = true;
      return true;
    }
    trim = false;
    return r.starts_with(kRightDelim);
  }

  bool lex_text(bool& inside) {
    std::size_t x = rest().find(kLeftDelim);
    if (x == std::string_view::npos) {
      pos_ = in_.size();
      if (pos_ > start_) emit(TokenType::Text);
      emit(TokenType::Eof);
      return false;
    }
    if (x > 0) {
      pos_ += x;
      std::size_t trim = 0;
      if (has_left_trim_marker(in_.substr(pos_ + kLeftDelim.size())))
        trim = right_trim_length(in_.substr(start_, pos_ - start_));
      pos_ -= trim;
      if (pos_ > start_) emit(TokenType::Text);
      pos_ += trim;
      ignore();
    }
    // lexLeftDelim
    pos_ += kLeftDelim.size();
    bool trim = has_left_trim_marker(rest());
    std::size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).starts_with(kLeftComment)) {
      pos_ += after;
      ignore();
      return lex_comment();
    }
    emit(TokenType::LeftDelim);
    pos_ += after;
    ignore();
    paren_depth_ = 0;
    inside = true;
    return true;
  }

  bool lex_comment() {
    pos_ += kLeftComment.size();
    std::size_t x = rest().find(kRightComment);
    if (x == std::string_view::npos) return error("unclosed comment");
    pos_ += x + kRightComment.size();
    bool trim = false;
    if (!at_right_delim(trim)) return error("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRightDelim.size();
    if (trim) pos_ += left_trim_length(rest());
    ignore();
    return true;
  }

  bool lex_right_delim(bool& inside) {
    bool trim = false;
    at_right_delim(trim);
    if (trim) {
      pos_ += 2;
      ignore();
    }
    pos_ += kRightDelim.size();
    emit(TokenType::RightDelim);
    if (trim) {
      pos_ += left_trim_length(rest());
      ignore();
    }
    inside = false;
    return true;
  }

  bool at_terminator() {
    char32_t r = peek();
    if (is_space(r)) return true;
    switch (r) {
      case kEof: case '.': case ',': case '|': case ':': case ')': case '(': return true;
      default: break;
    }
    return rest().starts_with(kRightDelim);
  }

  bool lex_inside_action(bool& inside) {
    bool trim = false;
    if (at_right_delim(trim)) {
      if (paren_depth_ == 0) return lex_right_delim(inside);
      return error("unclosed left paren");
    }
    char32_t r = next();
    if (r == kEof) return error("unclosed action");
    if (is_space(r)) {
      backup();
      return lex_space(inside);
    }
    switch (r) {
      case '=': emit(TokenType::Assign); return true;
      case ':':
        if (next() != '=') return error("expected :=");
        emit(TokenType::Declare);
        return true;
      case '|': emit(TokenType::Pipe); return true;
      case '"': return lex_quote();
      case '`': return lex_raw_quote();
      case '$': return lex_variable();
      case '\'': return lex_char();
      case '(':
        ++paren_depth_;
        emit(TokenType::LeftParen);
        return true;
      case ')':
        --paren_depth_;
        if (paren_depth_ < 0) return error("unexpected right paren");
        emit(TokenType::RightParen);
        return true;
      default: break;
    }
    if (r == '.') {
      if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) return lex_field_or_variable(TokenType::Field);
      backup();
      return lex_number();
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      backup();
      return lex_number();
    }
    if (is_alnum(r)) {
      backup();
      return lex_identifier();
    }
    if (r < 0x80 && r >= 0x20 && r != 0x7F) {
      emit(TokenType::Char);
      return true;
    }
    return error("unrecognized character in action: " + format_rune_u(r));
  }

  bool lex_space(bool& inside) {
    int spaces = 0;
    while (is_space(peek())) {
      next();
      ++spaces;
    }
    // A trim-marked right delimiter starts with a space; leave that space to it.
    if (has_right_trim_marker(in_.substr(pos_ - 1)) && in_.substr(pos_ + 1).starts_with(kRightDelim)) {
      --pos_;
      if (spaces == 1) return lex_right_delim(inside);
    }
    emit(TokenType::Space);
    return true;
  }

  bool lex_identifier() {
    while (true) {
      char32_t r = next();
      if (is_alnum(r)) continue;
      backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!at_terminator()) return error("bad character " + format_rune_u(r));
      static const std::pair<std::string_view, TokenType> kKeywords[] = {
          {"block", TokenType::Block},   {"break", TokenType::Break}, {"continue", TokenType::Continue},
          {"define", TokenType::Define}, {"else", TokenType::Else},   {"end", TokenType::End},
          {"if", TokenType::If},         {"range", TokenType::Range}, {"nil", TokenType::Nil},
          {"template", TokenType::Template}, {"with", TokenType::With}};
      for (const auto& [k, t] : kKeywords) {
        if (word == k) {
          emit(t);
          return true;
        }
      }
      emit(word == "true" || word == "false" ? TokenType::Bool : TokenType::Identifier);
      return true;
    }
  }

  bool lex_variable() {
    if (at_terminator()) {
      emit(TokenType::Variable);
      return true;
    }
    return lex_field_or_variable(TokenType::Variable);
  }

  bool lex_field_or_variable(TokenType t) {
    if (at_terminator()) {
      emit(t == TokenType::Variable ? TokenType::Variable : TokenType::Dot);
      return true;
    }
    char32_t r;
    while (true) {
      r = next();
      if (!is_alnum(r)) {
        backup();
        break;
      }
    }
    if (!at_terminator()) return error("bad character " + format_rune_u(r));
    emit(t);
    return true;
  }

  bool lex_char() {
    while (true) {
      char32_t r = next();
      if (r == '\\') {
        char32_t e = next();
        if (e != kEof && e != '\n') continue;
        return error("unterminated character constant");
      }
      if (r == kEof || r == '\n') return error("unterminated character constant");
      if (r == '\'') break;
    }
    emit(TokenType::CharConstant);
    return true;
  }

  bool scan_number() {
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      accept_run("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      accept_run("0123456789_");
    }
    accept("i");
    if (is_alnum(peek())) {
      next();
      return false;
    }
    return true;
  }

  bool lex_number() {
    if (!scan_number()) return error("bad number syntax: " + go_quote(in_.substr(start_, pos_ - start_)));
    char32_t sign = peek();
    if (sign == '+' || sign == '-') {
      if (!scan_number() || in_[pos_ - 1] != 'i')
        return error("bad number syntax: " + go_quote(in_.substr(start_, pos_ - start_)));
      emit(TokenType::Complex);
      return true;
    }
    emit(TokenType::Number);
    return true;
  }

  bool lex_quote() {
    while (true) {
      char32_t r = next();
      if (r == '\\') {
        char32_t e = next();
        if (e != kEof && e != '\n') continue;
        return error("unterminated quoted string");
      }
      if (r == kEof || r == '\n') return error("unterminated quoted string");
      if (r == '"') break;
    }
    emit(TokenType::String);
    return true;
  }

  bool lex_raw_quote() {
    while (true) {
      char32_t r = next();
      if (r == kEof) return error("unterminated raw quoted string");
      if (r == '`') break;
    }
    emit(TokenType::RawString);
    return true;
  }
};

}  // namespace

std::vector<Token> lex_template(std::string_view input) { return Lexer(input).run(); }

std::string describe_token(const Token& t) {
  switch (t.type) {
    case TokenType::Eof: return "EOF";
    case TokenType::Error: return t.val;
    case TokenType::Block: case TokenType::Break: case TokenType::Continue: case TokenType::Dot:
    case TokenType::Define: case TokenType::Else: case TokenType::End: case TokenType::If:
    case TokenType::Nil: case TokenType::Range: case TokenType::Template: case TokenType::With:
      return "<" + t.val + ">";
    default: break;
  }
  if (t.val.size() > 10) {
    // Go: %.10q... — the first ten runes, quoted.
    std::size_t pos = 0;
    for (int i = 0; i < 10 && pos < t.val.size(); ++i) utf8_decode(t.val, pos);
    return go_quote(std::string_view(t.val).substr(0, pos)) + "...";
  }
  return go_quote(t.val);
}

}  // namespace hearth::tmpl::gotmpl
