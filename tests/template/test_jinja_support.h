// tests/template/test_jinja_support.h — helpers for the jinja suite: render a template string
// with a JSON context and a fixed clock (2026-11-27 12:00:00), or capture the error it raises.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"
#include "engine/template/jinja/jinja.h"

namespace hearth::test::jinja {

inline tmpl::jinja::Options fixed_options(tmpl::jinja::Limits limits = {}) {
  tmpl::jinja::Options o;
  o.now = tmpl::CivilTime{2026, 11, 27, 12, 0, 0};
  o.limits = limits;
  return o;
}

inline std::string render(std::string_view source, const Json& context = Json::object(),
                          tmpl::jinja::Limits limits = {}) {
  auto program = tmpl::jinja::parse_template(source);
  return tmpl::jinja::render(*program, context, fixed_options(limits));
}

// The message of the TemplateError rendering raises, or "(no error)" followed by the output.
inline std::string error_of(std::string_view source, const Json& context = Json::object(),
                            tmpl::jinja::Limits limits = {}) {
  try {
    return "(no error) " + render(source, context, limits);
  } catch (const tmpl::TemplateError& e) {
    return e.what();
  }
}

}  // namespace hearth::test::jinja
