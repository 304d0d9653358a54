// engine/template/gotmpl/parser.h — turning template source into a TreeSet (see ast.h).
//
// The grammar and its checks are text/template/parse's: actions and control structures
// (if / else if / else with / range with `$i, $v :=`, with, define, template, block, break and
// continue only inside range), pipelines with declarations and assignments, variables that must
// be declared before use (scoped to the enclosing control structure), functions that must exist
// (`has_function`), numbers parsed with Go's literal rules, strings unquoted with strconv.Unquote.
// Errors read like Go's: "template: :3: unexpected EOF".
//
// Nesting (control structures plus parentheses) is capped at `max_nesting` so that hostile input
// cannot exhaust the stack; Go has no such cap for control structures because its stacks grow.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/template/template_error.h"
#include "engine/template/gotmpl/ast.h"

namespace hearth::tmpl::gotmpl {

// Every error raised by the Go template engine (parse and execution).
class GoTemplateError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

struct ParseOptions {
  int max_nesting = 500;
};

TreeSet parse_template(std::string_view source, const std::function<bool(std::string_view)>& has_function,
                       const ParseOptions& options = {});

// strconv.Unquote for "..." and `...` literals; throws GoTemplateError("invalid syntax").
std::string go_unquote(std::string_view quoted);

}  // namespace hearth::tmpl::gotmpl
