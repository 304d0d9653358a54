// engine/template/gotmpl/ollama.h — Ollama's template package: how a TEMPLATE layer becomes a prompt.
//
// Reproduces ollama/template/template.go on top of the Go template engine:
//  * parse: Go's builtins plus `json` (json.Marshal), `currentDate`/`yesterdayDate` (local
//    YYYY-MM-DD) and `toTypeScriptType`; a template whose identifiers include neither
//    "messages" nor "response" gets {{ .Response }} appended; `vars()` lists the identifiers
//    (lower-cased, sorted) — an argument-less {{template "x"}} makes parsing fail ("undefined
//    template specified"), as in Ollama.
//  * execute: messages are collated (systems joined into .System, consecutive same-role
//    messages merged), then one of three modes runs —
//      fill-in-middle (prompt and suffix both set): {Prompt, Suffix, Response:"", Think,
//        ThinkLevel, IsThinkSet};
//      messages (the template mentions .Messages): {System, Messages, Tools, Response:"",
//        Think, ThinkLevel, IsThinkSet};
//      legacy: one execution per completed user→assistant turn with {System, Prompt,
//        Response, ...} (System only for the turn right after a system message), then the last
//        turn with the template cut right after its {{ .Response }}.
//
//   auto t = OllamaTemplate::parse(manifest_template);
//   OllamaValues v = OllamaValues::from_json(chat_request);   // messages, tools, think, ...
//   std::string prompt = t.execute(v);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "engine/template/gotmpl/gotmpl.h"
#include "engine/template/gotmpl/ollama_values.h"

namespace hearth::tmpl::gotmpl {

// Ollama's template.Values.
struct OllamaValues {
  std::vector<Message> messages;
  Json tools;          // the request's "tools" array (null when absent)
  std::string prompt;  // generate's prompt, used with `suffix` for fill-in-middle
  std::string suffix;
  Json think;          // the request's "think": true/false or "low"/"medium"/"high"; null = not sent

  // Reads {"messages": [...], "tools": [...], "prompt": "...", "suffix": "...", "think": ...}
  // (every key optional; message shape as in /api/chat). Throws GoTemplateError on bad shapes.
  static OllamaValues from_json(const Json& request);
};

struct OllamaRenderOptions {
  ExecLimits limits;
  // Clock for currentDate/yesterdayDate; unset = now.
  std::optional<std::chrono::system_clock::time_point> now;
  // Ollama's test hook: use the legacy turn-by-turn mode even for .Messages templates.
  bool force_legacy = false;
};

class OllamaTemplate {
 public:
  static OllamaTemplate parse(std::string_view source);

  std::string execute(const OllamaValues& values, const OllamaRenderOptions& options = {}) const;

  const std::string& source() const { return source_; }
  // Identifiers used anywhere in the template, lower-cased, sorted, unique (Ollama's Vars()).
  const std::vector<std::string>& vars() const { return vars_; }
  bool uses(std::string_view lowercase_identifier) const;
  const Template& tmpl() const { return template_; }

 private:
  std::string source_;
  Template template_;
  std::vector<std::string> vars_;
};

// Ollama's Go-template function table (json, currentDate, yesterdayDate, toTypeScriptType)
// with the dates taken from `now`.
FunctionTable ollama_functions(std::chrono::system_clock::time_point now);

// The tree of `root` cut right after the first {{ .Response }} field, exactly as Ollama's
// deleteNode does it (used for the final legacy turn).
ListPtr cut_after_response(const ListPtr& root);

}  // namespace hearth::tmpl::gotmpl
