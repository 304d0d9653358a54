// engine/template/jinja/error.h — how the Jinja interpreter reports failures.
//
// Every failure is a JinjaError (a TemplateError) whose message reads like the Python exception
// jinja2 raises in the same situation: "<Class>: <message>", e.g.
// "UndefinedError: 'dict object' has no attribute 'id'" or "TypeError: can only concatenate str
// (not "int") to str". The interpreter adds the template line where the error happened
// (" (line 12)"), except for errors the template raises itself with raise_exception(), whose text
// is the template author's message and is passed on untouched.
#pragma once

#include <string>
#include <string_view>

#include "engine/template/template_error.h"

namespace hearth::tmpl::jinja {

class JinjaError : public TemplateError {
 public:
  JinjaError(std::string kind, std::string message, int line = 0);
  const std::string& kind() const { return kind_; }
  const std::string& message() const { return message_; }
  int line() const { return line_; }
  bool located() const { return line_ != 0 || kind_ == "TemplateError"; }
  JinjaError at_line(int line) const { return JinjaError(kind_, message_, line); }

 private:
  std::string kind_, message_;
  int line_;
};

[[noreturn]] void raise(std::string_view kind, std::string message);
[[noreturn]] inline void type_error(std::string message) { raise("TypeError", std::move(message)); }
[[noreturn]] inline void value_error(std::string message) { raise("ValueError", std::move(message)); }
[[noreturn]] inline void runtime_error(std::string message) { raise("TemplateRuntimeError", std::move(message)); }

}  // namespace hearth::tmpl::jinja
