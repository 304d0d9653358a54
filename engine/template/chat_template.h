// engine/template/chat_template.h — rendering a conversation into a prompt.
//
// Two template languages are supported: Jinja2 (the `tokenizer.chat_template` in GGUF files, as
// Hugging Face renders it) and Go text/template (Ollama's TEMPLATE layer in a model manifest).
// Selection follows Ollama: a manifest template wins, else the GGUF template, else chat requests
// fail with a clear error (raw generation still works).
//
//   auto t = ChatTemplate::jinja(source);            // or ChatTemplate::go(source)
//   std::string prompt = t.render(context);          // context: messages, tools, add_generation_prompt, ...
//
// Parsing happens once, in the factory; a ChatTemplate is immutable afterwards and may be rendered
// from several threads at once. Parsing errors and errors raised by the template
// (raise_exception) throw TemplateError.
//
// Jinja context: every top-level key of the JSON object becomes a template variable, exactly as
// Hugging Face's `apply_chat_template` passes its keyword arguments (`messages`, `tools`,
// `add_generation_prompt`, `bos_token`, `eos_token`, `enable_thinking`, ...). Nothing is added: a
// key the caller leaves out is undefined in the template, as in jinja2. `strftime_now(fmt)` reads
// the local clock, or RenderOptions::now when set (tests render with a fixed clock).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/json.h"
#include "engine/template/template_error.h"

namespace hearth::tmpl {

// A wall-clock reading without a time zone (what Python's datetime.now() returns).
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

struct RenderOptions {
  std::optional<CivilTime> now;  // the clock strftime_now reads; local time when absent
};

class ChatTemplate {
 public:
  enum class Language { Jinja, Go };
  static ChatTemplate jinja(std::string source);
  static ChatTemplate go(std::string source);

  Language language() const { return language_; }
  const std::string& source() const { return source_; }

  // Jinja: context as Hugging Face passes it (messages, tools, add_generation_prompt, bos_token,
  // eos_token, plus extra kwargs). Go: Ollama's values (.System, .Prompt, .Response, .Messages,
  // .Tools) — see engine/template/gotmpl for how a chat request maps onto them.
  std::string render(const Json& context) const;
  std::string render(const Json& context, const RenderOptions& options) const;

  struct Compiled;  // the parsed program of either language

 private:
  Language language_ = Language::Jinja;
  std::string source_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace hearth::tmpl
