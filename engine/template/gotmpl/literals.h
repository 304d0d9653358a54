// engine/template/gotmpl/literals.h — Go literal syntax inside template actions.
//
// Numbers follow text/template/parse's newNumber: character constants ('a', '\n') are ints,
// integers use strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b, leading-0 octal, "_"
// separators), anything else strconv.ParseFloat (decimal or hex floats); a float with an
// integral value also counts as an int. Strings follow strconv.Unquote ("..." with Go escapes,
// `...` raw with carriage returns dropped).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/template/gotmpl/ast.h"

namespace hearth::tmpl::gotmpl {

// Null (with `error` set) when the literal is malformed or not representable.
std::shared_ptr<NumberNode> parse_number(std::size_t pos, const std::string& text, bool is_char, bool is_complex,
                                         std::string& error);

// strconv.Unquote for "..." and `...`; false on invalid syntax.
bool unquote_literal(std::string_view quoted, std::string& out);

}  // namespace hearth::tmpl::gotmpl
