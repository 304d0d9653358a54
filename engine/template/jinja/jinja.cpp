// Entry points of the Jinja engine.
#include "engine/template/jinja/jinja.h"

#include <ctime>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/parser.h"

namespace hearth::tmpl::jinja {

std::unique_ptr<const Program> parse_template(std::string_view source) { return parse(source); }

std::string render(const Program& program, const Json& context, const Options& options) {
  if (!context.is_object())
    throw TemplateError(std::string("template context must be a JSON object, not ") + context.kind_name());
  Value vars = Value::from_json(context);
  Interpreter interp(program, options.limits, options.now);
  return interp.render(vars);
}

CivilTime local_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return CivilTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

}  // namespace hearth::tmpl::jinja
