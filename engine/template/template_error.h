// engine/template/template_error.h — the one exception type of the template engines.
//
// Both interpreters (Jinja2 in engine/template/jinja, Go text/template in engine/template/gotmpl)
// report every failure — a syntax error, an error the template raises itself
// (`raise_exception("...")`), an undefined value used in a way that is not allowed, a resource
// limit — as a TemplateError whose message says what went wrong and, where known, on which line.
// Jinja messages start with the Python exception class jinja2 would have raised
// ("UndefinedError: 'x' is undefined", "TemplateSyntaxError: ..."), so they can be compared with
// a reference render.
#pragma once

#include <stdexcept>

namespace hearth::tmpl {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hearth::tmpl
