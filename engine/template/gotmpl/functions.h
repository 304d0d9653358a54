// engine/template/gotmpl/functions.h — functions callable from template pipelines.
//
// A Function declares its Go parameter kinds, because text/template converts arguments by the
// callee's signature: literals are checked against `string` parameters ("expected string; found
// 3"), `any` parameters receive a nil interface for missing values, and reflect.Value
// parameters (the comparison and indexing builtins) see values exactly as they are. `impl`
// throws FunctionError with the message Go's function would return as its error; the executor
// reports it as "error calling NAME: message".
//
//   FunctionTable funcs = builtin_functions();   // and, or, not, len, index, slice, eq, ..., printf
//   funcs.emplace("json", Function{{ParamKind::Any}, false, [](auto args) { ... }});
#pragma once

#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/template/gotmpl/value.h"

namespace hearth::tmpl::gotmpl {

enum class ParamKind {
  Any,           // interface{}: missing values arrive as Nil
  ReflectValue,  // reflect.Value: values arrive untouched (Invalid stays Invalid)
  String,        // string: literals must be strings, values must be (unnamed) strings
  Int,           // int: literals must be integers, values must be ints
};

class FunctionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Function {
  std::vector<ParamKind> params;  // for variadic functions the last entry is the element kind
  bool variadic = false;
  std::function<Value(std::span<const Value>)> impl;
};

using FunctionTable = std::map<std::string, Function, std::less<>>;

// Go's predefined template functions: and, call, html, index, slice, js, len, not, or, print,
// printf, println, urlquery, eq, ge, gt, le, lt, ne. (`and`/`or` short-circuit in the executor;
// `call` always fails: template data here never holds Go functions.)
FunctionTable builtin_functions();

}  // namespace hearth::tmpl::gotmpl
