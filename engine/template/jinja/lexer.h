// engine/template/jinja/lexer.h — splitting Jinja2 template source into tokens.
//
// Follows jinja2's lexer with the settings Hugging Face uses (trim_blocks and lstrip_blocks on,
// keep_trailing_newline off, default delimiters):
//   * newlines (\r\n, \r, \n) become \n and one trailing newline of the source is dropped;
//   * `{%-` / `{{-` / `{#-` strip all whitespace before the tag, `-%}` / `-}}` / `-#}` all
//     whitespace after it;
//   * trim_blocks removes the first newline after `%}` and `#}` (not after `}}`); `+%}` keeps it;
//   * lstrip_blocks removes spaces and tabs between the start of a line and `{%` or `{#`;
//     `{%+` keeps them;
//   * `{% raw %}...{% endraw %}` is passed through as text;
//   * inside tags: names, strings (with Python escape sequences), integers (also 0x/0o/0b and
//     `_` separators), floats and operators; `}}` / `%}` only close a tag when brackets balance.
//
//   std::vector<Token> tokens = tokenize(source);   // throws JinjaError (TemplateSyntaxError)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tmpl::jinja {

enum class TokenType : uint8_t {
  Data,           // template text
  VariableBegin,  // {{
  VariableEnd,    // }}
  BlockBegin,     // {%
  BlockEnd,       // %}
  Name,
  String,
  Integer,
  Float,
  Operator,  // text holds the operator: + - * / // % ** ~ [ ] ( ) { } == != > >= < <= = . : | , ;
  Eof,
};

struct Token {
  TokenType type = TokenType::Eof;
  std::string text;  // data, name, decoded string value or operator
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;

  bool is_op(std::string_view op) const { return type == TokenType::Operator && text == op; }
  bool is_name(std::string_view name) const { return type == TokenType::Name && text == name; }
};

std::vector<Token> tokenize(std::string_view source);

// How jinja2 names a token in "expected token 'X', got 'Y'" messages.
std::string describe_token(const Token& token);

}  // namespace hearth::tmpl::jinja
