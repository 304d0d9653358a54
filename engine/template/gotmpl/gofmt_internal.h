// engine/template/gotmpl/gofmt_internal.h — pieces of the fmt/strconv emulation shared inside
// gotmpl (the printer, the JSON encoder and the js/html escapers), not part of the module's API.
#pragma once

#include <string>
#include <string_view>

namespace hearth::tmpl::gotmpl {

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
bool is_print(char32_t r);
// strconv's appendEscapedRune: the escaped form of one rune inside a quoted literal.
void append_escaped_rune(std::string& out, char32_t r, char quote, bool ascii_only);
std::string quote_ascii(std::string_view s);  // strconv.QuoteToASCII
bool can_backquote(std::string_view s);       // strconv.CanBackquote
// strconv.FormatFloat(v, fmt, prec, 64) for fmt in b e E f F g G x X; prec -1 = shortest.
// (With an explicit precision e/f/g come from the C library, which rounds correctly like Go.)
std::string format_float(double v, char fmt, int prec);

}  // namespace hearth::tmpl::gotmpl
