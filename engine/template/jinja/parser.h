// engine/template/jinja/parser.h — Jinja2 source → Program.
//
// Grammar and precedence follow jinja2's parser: conditional expressions, or, and, not,
// comparisons (chained, with `in` / `not in`), + -, ~, * / // %, ** (left-associative, as in
// jinja2), unary - +, then primaries with postfix `.attr`, `[key]`, `[a:b:c]`, calls, `| filter`
// and `is test`. Statements: if/elif/else, for (with `if` filter, `else`, `recursive`), set
// (expression, tuple unpacking, namespace attribute, block form with filters), macro, call,
// filter, with, block, raw (in the lexer), autoescape, break/continue (the loopcontrols
// extension), and Hugging Face's `generation` block.
//
// After parsing, the checks jinja2's compiler makes are applied: an unknown filter or test is a
// syntax error unless it sits directly in an `if` or a conditional expression (then it fails
// only if evaluated, as in jinja2 3.x), break/continue must be inside a loop, and the loop
// variable cannot be assigned.
//
//   std::unique_ptr<const Program> p = parse(source);   // throws JinjaError
#pragma once

#include <memory>
#include <string_view>

#include "engine/template/jinja/ast.h"

namespace hearth::tmpl::jinja {

std::unique_ptr<const Program> parse(std::string_view source);

}  // namespace hearth::tmpl::jinja
