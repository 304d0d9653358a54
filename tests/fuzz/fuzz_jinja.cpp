// libFuzzer target for the Jinja2 engine: any template text must parse and render with a small
// chat context, or fail with a TemplateError — never crash, hang, overflow the stack, leak, or
// allocate without bound. The render runs under tight limits (1 MiB of output, 200k steps) so
// that a runaway template ends quickly with an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json.h"
#include "engine/template/jinja/jinja.h"

namespace {

const hearth::Json& context() {
  static const hearth::Json ctx = hearth::Json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are helpful."},
      {"role": "user", "content": "Hi \u00fc <b> {{ x }}"},
      {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "n": 2.5}}}]},
      {"role": "tool", "content": "{\"t\": 21}"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
    "add_generation_prompt": true,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "n": 3,
    "f": -0.5,
    "nothing": null
  })");
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace jinja = hearth::tmpl::jinja;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  jinja::Options options;
  options.now = hearth::tmpl::CivilTime{2026, 11, 27, 12, 0, 0};
  options.limits.max_bytes = 1 << 20;
  options.limits.max_steps = 200000;
  try {
    auto program = jinja::parse_template(source);
    std::string out = jinja::render(*program, context(), options);
    (void)out;
  } catch (const hearth::tmpl::TemplateError&) {
  }
  return 0;
}
