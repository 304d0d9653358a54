// ChatTemplate: parse once, render many times, in either template language.
#include "engine/template/chat_template.h"

#include <chrono>
#include <ctime>

#include "engine/template/jinja/jinja.h"

#if __has_include("engine/template/gotmpl/ollama.h")
#include "engine/template/gotmpl/ollama.h"
#define HEARTH_HAVE_GOTMPL 1
#endif

namespace hearth::tmpl {

struct ChatTemplate::Compiled {
  std::unique_ptr<const jinja::Program> jinja;
#ifdef HEARTH_HAVE_GOTMPL
  std::unique_ptr<const gotmpl::OllamaTemplate> go;
#endif
};

ChatTemplate ChatTemplate::jinja(std::string source) {
  ChatTemplate t;
  t.language_ = Language::Jinja;
  auto compiled = std::make_shared<Compiled>();
  compiled->jinja = jinja::parse_template(source);
  t.source_ = std::move(source);
  t.compiled_ = std::move(compiled);
  return t;
}

ChatTemplate ChatTemplate::go(std::string source) {
#ifdef HEARTH_HAVE_GOTMPL
  ChatTemplate t;
  t.language_ = Language::Go;
  auto compiled = std::make_shared<Compiled>();
  compiled->go = std::make_unique<gotmpl::OllamaTemplate>(gotmpl::OllamaTemplate::parse(source));
  t.source_ = std::move(source);
  t.compiled_ = std::move(compiled);
  return t;
#else
  (void)source;
  throw TemplateError("Go templates not built");
#endif
}

std::string ChatTemplate::render(const Json& context) const { return render(context, RenderOptions{}); }

std::string ChatTemplate::render(const Json& context, const RenderOptions& options) const {
  if (!compiled_) throw TemplateError("empty ChatTemplate (construct it with ChatTemplate::jinja or ::go)");
#ifdef HEARTH_HAVE_GOTMPL
  if (compiled_->go) {
    gotmpl::OllamaRenderOptions o;
    if (options.now) {
      // The Go engine's clock is a time point; the civil time is local wall-clock time.
      std::tm tm{};
      tm.tm_year = options.now->year - 1900;
      tm.tm_mon = options.now->month - 1;
      tm.tm_mday = options.now->day;
      tm.tm_hour = options.now->hour;
      tm.tm_min = options.now->minute;
      tm.tm_sec = options.now->second;
      tm.tm_isdst = -1;
      o.now = std::chrono::system_clock::from_time_t(std::mktime(&tm));
    }
    return compiled_->go->execute(gotmpl::OllamaValues::from_json(context), o);
  }
#endif
  jinja::Options o;
  o.now = options.now ? *options.now : jinja::local_now();
  return jinja::render(*compiled_->jinja, context, o);
}

}  // namespace hearth::tmpl
