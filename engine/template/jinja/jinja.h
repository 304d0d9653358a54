// engine/template/jinja/jinja.h — the Jinja2 chat-template engine's entry points.
//
// A from-scratch interpreter for the Jinja2 dialect Hugging Face renders chat templates with
// (jinja2 3.1, ImmutableSandboxedEnvironment, trim_blocks + lstrip_blocks, loopcontrols, the
// `generation` block, `tojson` without HTML escaping, raise_exception, strftime_now). Output is
// meant to match Python byte for byte; tests/template compares it with jinja2's renders of real
// model templates.
//
//   auto program = jinja::parse(source);                      // throws TemplateError
//   std::string text = jinja::render(*program, context, {});  // context: a JSON object
//
// Module map: lexer → parser (+ validate) → ast; interpreter (statements) + eval (expressions) +
// access (getattr/getitem/calls); values: value, repr, operators, py_format, json_dump,
// unicode, str_ops; builtins: filters_*, tests, globals, methods_*, objects.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "engine/template/chat_template.h"
#include "engine/template/jinja/ast.h"
#include "engine/template/jinja/interpreter.h"

namespace hearth::tmpl::jinja {

struct Options {
  CivilTime now;  // the clock of strftime_now
  Limits limits;
};

std::unique_ptr<const Program> parse_template(std::string_view source);
// `context` must be a JSON object; its keys become the template's variables.
std::string render(const Program& program, const Json& context, const Options& options);

// The local wall clock, as Python's datetime.now() reads it.
CivilTime local_now();

}  // namespace hearth::tmpl::jinja
