// engine/template/gotmpl/gotmpl.h — Go text/template, the language of Ollama's TEMPLATE layers.
//
// Two levels of API:
//
// * Template — the language itself, as Go's text/template with Option("missingkey=zero"):
//
//     auto t = gotmpl::Template::parse("{{ range .xs }}{{ . }},{{ end }}");
//     std::string s = t.execute(Json::parse(R"({"xs": [1, 2]})"));   // "1,2,"
//
//   Data given as Json is what Go's json.Unmarshal into `any` gives (objects are
//   map[string]any: keys range in sorted order, a missing key prints "<no value>"). Data given
//   as a Value can carry Go structs and Stringer types (see value.h).
//
// * OllamaTemplate (ollama.h) — Ollama's template package on top: the `json`, `currentDate`,
//   `yesterdayDate` and `toTypeScriptType` functions, {{ .Response }} appended to templates
//   that mention neither .Messages nor .Response, message collation, and the three ways Ollama
//   executes a template (fill-in-middle, .Messages, legacy .System/.Prompt/.Response turns).
//   This is what ChatTemplate::go uses.
//
// Errors (syntax, execution, limits) throw GoTemplateError (a TemplateError) with Go's message.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "engine/template/gotmpl/ast.h"
#include "engine/template/gotmpl/exec.h"
#include "engine/template/gotmpl/functions.h"
#include "engine/template/gotmpl/parser.h"
#include "engine/template/gotmpl/value.h"

namespace hearth::tmpl::gotmpl {

class Template {
 public:
  // Parses `source`. Functions usable in it are Go's builtins plus `extra_functions`
  // (an unknown function name is a parse error, as in Go).
  static Template parse(std::string_view source, FunctionTable extra_functions = {},
                        const ParseOptions& options = {});

  // Runs the main template with `data` as dot and $.
  std::string execute(const Value& data, const ExecLimits& limits = {}) const;
  std::string execute(const Json& data, const ExecLimits& limits = {}) const;
  // Runs a {{define}}d template by name (ExecuteTemplate).
  std::string execute_template(const std::string& name, const Value& data, const ExecLimits& limits = {}) const;
  // Runs with another function table (it must define every name the template uses) and
  // optionally with Go's default missing-key behaviour instead of missingkey=zero.
  std::string execute_with(const Value& data, const FunctionTable& functions, const ExecLimits& limits,
                           bool missingkey_zero = true) const;

  const TreeSet& trees() const { return *trees_; }
  const FunctionTable& functions() const { return *functions_; }
  // The same template set with a different main tree (used for Ollama's rewrites).
  Template with_root(ListPtr root) const;
  // Only the main tree, without {{define}}d templates (Go's AddParseTree into a new set).
  Template main_tree_only() const;

 private:
  std::shared_ptr<const TreeSet> trees_;
  std::shared_ptr<const FunctionTable> functions_;
};

}  // namespace hearth::tmpl::gotmpl
