// engine/template/gotmpl/lexer.h — tokens of Go's text/template syntax.
//
// Follows text/template/parse/lex.go: text outside "{{ }}", trim markers "{{- " and " -}}" (the
// marker needs an ASCII space, tab, CR or LF next to it, so "{{-3}}" is the number -3) that
// remove the whitespace " \t\r\n" before/after the action, comments "{{/* */}}" dropped with
// their own trim markers, and inside actions: spaces (newlines included), fields ".Name",
// variables "$x", identifiers, keywords, strings "..." and `...`, character constants, numbers
// (hex/octal/binary, underscores, floats, imaginary), "(", ")", "|", ":=", "=" and single
// characters such as ",". A lexing error becomes an Error token that stops the stream; the
// parser reports it where it meets it, as Go does.
//
//   auto tokens = lex_template(source);   // always ends with Eof or Error
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tmpl::gotmpl {

enum class TokenType {
  Error, Bool, Char, CharConstant, Complex, Assign, Declare, Eof, Field, Identifier, LeftDelim,
  LeftParen, Number, Pipe, RawString, RightDelim, RightParen, Space, String, Text, Variable,
  // keywords
  Block, Break, Continue, Dot, Define, Else, End, If, Nil, Range, Template, With,
};

struct Token {
  TokenType type = TokenType::Eof;
  std::size_t pos = 0;  // byte offset of the token in the source
  std::string val;      // the token's text (for Error: the message)
};

std::vector<Token> lex_template(std::string_view input);

// How Go's parser names a token in "unexpected X in Y" messages.
std::string describe_token(const Token& t);

}  // namespace hearth::tmpl::gotmpl
