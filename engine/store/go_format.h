// engine/store/go_format.h — byte-exact renderings of values the way Ollama's Go code writes them.
//
// Ollama writes its manifests, config blobs, params and messages blobs with Go's encoding/json,
// prints `ollama show` parameters with fmt's `%#v`, and Modelfile PARAMETER values with `%v`.
// Files must be byte-identical to what Ollama writes (the model digest shown by `ollama list` is
// the SHA-256 of the manifest bytes), so this module reproduces those encoders for hearth::Json
// values:
//
//   go_json(v)            encoding/json Marshal: compact; `<`, `>`, `&`, U+2028, U+2029 escaped as
//                         \u003c etc.; \b \f \n \r \t short escapes, other controls \u00XX; invalid
//                         UTF-8 → \ufffd; numbers as Go float64 (`1e+21`, `1e-7`, `0.7`).
//   go_format_v(v)        fmt `%v` of the value after json.Unmarshal into `any` (numbers are float64:
//                         4096 → "4096", 1e6 → "1e+06", true → "true", strings raw).
//   go_format_sharp_v(v)  fmt `%#v`: like %v but strings are strconv.Quote'd.
//   go_quote(s)           strconv.Quote.
//   go_is_print(rune)     strconv.IsPrint (approximation: see the .cpp; exact for ASCII and Latin-1,
//                         the common spaces/format characters and private-use/surrogate ranges).
//
// Object keys are written in the Json's insertion order; Go sorts map keys, so callers that
// reproduce a Go map (params, model_info) sort first (`sorted_object`).
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"

namespace hearth::store {

std::string go_json(const Json& value);
void append_go_json_string(std::string& out, std::string_view s);
// A float64 as encoding/json writes it.
std::string go_json_float(double v);
// strconv.FormatFloat(v, 'g', -1, 64), i.e. fmt %v of a float64.
std::string go_format_float_g(double v);
std::string go_format_v(const Json& value);
std::string go_format_sharp_v(const Json& value);
std::string go_quote(std::string_view s);
bool go_is_print(char32_t rune);
// A copy of an object with its keys in byte order (how Go marshals a map). Non-objects unchanged.
Json sorted_object(const Json& value);
// The shortest decimal that round-trips a float32, as a double (how Go prints a float32 held in
// an `any`: 1e-5f prints as 1e-05, not 9.999999747378752e-06).
double float32_as_shortest_double(float v);

}  // namespace hearth::store
