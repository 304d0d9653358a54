// engine/template/jinja/operators.h — Python's operators on template values.
//
// `+ - * / // % **`, comparisons, `in` and unary minus with CPython's results and error texts:
// int and float arithmetic (`/` always yields a float, `//` and `%` floor towards negative
// infinity), str/list/tuple concatenation and repetition, `str % args` formatting, Markup
// escaping its plain-string operands, and jinja2's Undefined failing in arithmetic. Integer
// overflow, which Python would absorb with big integers, raises OverflowError instead.
//
// `limits.max_bytes` bounds what repetition and concatenation may build.
#pragma once

#include <cstddef>
#include <string>

#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

Value binary_op(Interpreter& interp, BinaryOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);
bool compare(CompareOp op, const Value& a, const Value& b);

bool py_equal(const Value& a, const Value& b);
// a < b with Python's rules; TypeError for unorderable types.
bool py_less(const Value& a, const Value& b);
// `needle in haystack`.
bool py_contains(const Value& haystack, const Value& needle);

// Fails like jinja2's Undefined does when it is used (UndefinedError or SecurityError).
[[noreturn]] void fail_undefined(const Value& undefined);
// jinja2's message for an undefined value.
std::string undefined_message(const Value& undefined);

// markupsafe.escape of a plain string.
std::string html_escape(std::string_view s);

}  // namespace hearth::tmpl::jinja
