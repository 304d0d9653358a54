// engine/template/gotmpl/exec.h — running a parsed template against a Value.
//
// The semantics are text/template's exec.go with Option("missingkey=zero"): fields of structs
// and keys of maps (a missing map[string]any key is a nil interface, printed "<no value>"),
// pipelines whose previous value becomes the last argument, variables scoped to control
// structures, if/with truth, range over slices, maps (in key order) and integers with break and
// continue, {{template}} calls with a fresh variable scope, and Go's error messages
// ("template: :1:3: executing \"\" at <.Foo>: ...").
//
// Limits keep hostile templates finite: output size, evaluation steps (nodes, iterations and
// calls) and recursion depth (nesting and template calls) each end execution with an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/template/gotmpl/ast.h"
#include "engine/template/gotmpl/functions.h"
#include "engine/template/gotmpl/value.h"

namespace hearth::tmpl::gotmpl {

struct ExecLimits {
  std::size_t max_output_bytes = 64u << 20;
  std::uint64_t max_steps = 50'000'000;
  int max_depth = 1000;  // nested evaluation frames (control structures, parentheses, template calls)
};

// Executes the template named `name` ("" = the main tree) of `set`. Throws GoTemplateError.
// `missingkey_zero`: Option("missingkey=zero") (a missing map key yields the map's zero element);
// false is Go's default, where it yields no value.
std::string execute_tree_set(const TreeSet& set, const std::string& name, const Value& data,
                             const FunctionTable& funcs, const ExecLimits& limits, bool missingkey_zero = true);

}  // namespace hearth::tmpl::gotmpl
