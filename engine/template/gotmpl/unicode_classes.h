// engine/template/gotmpl/unicode_classes.h — the Unicode classes Go's template lexer and
// strconv.Quote depend on: unicode.IsPrint (what %q and JSEscape leave unescaped),
// unicode.IsLetter and unicode.IsDigit (what may appear in identifiers, fields and variables).
// Backed by range tables generated from the Unicode database (see unicode_classes.cpp).
#pragma once

namespace hearth::tmpl::gotmpl {

bool unicode_is_print(char32_t r);
bool unicode_is_letter(char32_t r);
bool unicode_is_digit(char32_t r);

}  // namespace hearth::tmpl::gotmpl
