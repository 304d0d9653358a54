// engine/template/gotmpl/gofmt.h — Go's fmt and encoding/json output, for template values.
//
// Whatever a Go template prints goes through fmt (actions print with fmt.Fprint, `print`,
// `printf`, `println` are fmt.Sprint/Sprintf/Sprintln) and Ollama's `json` function and its
// Stringer types go through encoding/json. Prompts must match Ollama byte for byte, so this file
// reproduces those rules: %v of each kind (floats in shortest 'g' form with Go's exponent
// thresholds, maps in key order, structs as {a b}), Stringer methods, the verbs and flags of
// Printf with its error forms (%!d(string=x), %!d(MISSING), %!(EXTRA ...)), strconv.Quote, and
// json.Marshal's HTML-safe escaping and float format.
//
//   std::string s = sprintf("%s=%05.2f", {Value("x"), Value(3.14159)});   // "x=03.14"
//   std::string j; marshal_json(v, j);                                     // Go's json.Marshal
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engine/template/gotmpl/value.h"

namespace hearth::tmpl::gotmpl {

// How a template action prints its value: "<no value>" for Invalid, pointers dereferenced, then
// fmt.Fprint.
std::string format_action_value(const Value& v);

std::string sprint(std::span<const Value> args);    // fmt.Sprint
std::string sprintln(std::span<const Value> args);  // fmt.Sprintln
std::string sprintf(std::string_view format, std::span<const Value> args);  // fmt.Sprintf

// strconv.Quote: a double-quoted Go string literal.
std::string go_quote(std::string_view s);

// strconv.FormatFloat(f, 'g', -1, 64): shortest round-trip digits, exponent form when the
// decimal exponent is < -4 or >= 6 ("1e+06", "0.0001", "1.5e-05").
std::string format_float_shortest(double f);

// json.Marshal. Returns false (and leaves `out` unspecified) for values encoding/json rejects
// (NaN, ±Inf).
bool marshal_json(const Value& v, std::string& out);

// Appends `s` as a JSON string the way encoding/json does (HTML-safe: <, >, & escaped).
void append_go_json_string(std::string& out, std::string_view s);

}  // namespace hearth::tmpl::gotmpl
