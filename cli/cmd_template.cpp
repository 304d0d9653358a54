// `hearth template render TEMPLATE_FILE --context CONTEXT.json [--now 2026-11-27T12:00:00]`:
// render a chat template with a JSON context and write exactly the result to stdout.
//
// `.jinja` files (and anything not ending in .gotmpl) are Jinja2 templates rendered the way
// Hugging Face does: every key of the context object is a template variable (messages, tools,
// add_generation_prompt, bos_token, eos_token, ...). `.gotmpl` files are Ollama Go templates.
// Template errors go to stderr with a non-zero exit status.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "common/json.h"
#include "engine/template/chat_template.h"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "Usage: hearth template render TEMPLATE_FILE --context CONTEXT.json [--now YYYY-MM-DDTHH:MM:SS]";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

tmpl::CivilTime parse_now(const std::string& text) {
  tmpl::CivilTime t;
  char sep = 0;
  int n = std::sscanf(text.c_str(), "%d-%d-%d%c%d:%d:%d", &t.year, &t.month, &t.day, &sep, &t.hour, &t.minute, &t.second);
  bool ok = (n == 3 || n == 7) && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour >= 0 &&
            t.hour < 24 && t.minute >= 0 && t.minute < 60 && t.second >= 0 && t.second < 62 &&
            (n == 3 || sep == 'T' || sep == ' ');
  if (!ok) throw UsageError{"--now wants YYYY-MM-DDTHH:MM:SS, got \"" + text + "\"\n" + kUsage};
  if (n == 3) t.hour = t.minute = t.second = 0;
  return t;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int cmd_template(Args args) {
  if (args.empty() || args[0] != "render") throw UsageError{std::string("unknown or missing subcommand\n") + kUsage};
  std::string template_path, context_path;
  tmpl::RenderOptions options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--context" || a == "--now") {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value\n" + kUsage};
      if (a == "--context") context_path = args[++i];
      else options.now = parse_now(args[++i]);
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown flag " + a + "\n" + kUsage};
    } else if (template_path.empty()) {
      template_path = a;
    } else {
      throw UsageError{std::string("too many arguments\n") + kUsage};
    }
  }
  if (template_path.empty()) throw UsageError{std::string("missing TEMPLATE_FILE\n") + kUsage};
  if (context_path.empty()) throw UsageError{std::string("missing --context CONTEXT.json\n") + kUsage};

  std::string source = read_all(template_path);
  Json context = Json::parse(read_all(context_path));
  if (!context.is_object()) throw std::runtime_error("the context must be a JSON object");
  tmpl::ChatTemplate t = ends_with(template_path, ".gotmpl") ? tmpl::ChatTemplate::go(std::move(source))
                                                             : tmpl::ChatTemplate::jinja(std::move(source));
  std::string out = t.render(context, options);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace hearth::cli
