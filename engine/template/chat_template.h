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
// Parsing errors and errors raised by the template (raise_exception) throw TemplateError.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "common/json.h"

namespace hearth::tmpl {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

  struct Compiled;  // the parsed program of either language

 private:
  Language language_ = Language::Jinja;
  std::string source_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace hearth::tmpl
