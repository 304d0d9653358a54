// libFuzzer target for the Go template engine: any byte string, taken as a template, must either
// render or throw TemplateError — never crash, hang, recurse without bound, or allocate without
// bound. It runs through Ollama's layer (collation, .Messages / legacy / fill-in-middle modes,
// tools) and through the plain engine with JSON data, under small execution limits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/template/gotmpl/ollama.h"
#include "engine/template/template_error.h"

namespace {

using namespace hearth;
using namespace hearth::tmpl::gotmpl;

const OllamaValues& chat_values() {
  static const OllamaValues v = OllamaValues::from_json(Json::parse(R"({
    "messages": [
      {"role": "system", "content": "sys"},
      {"role": "user", "content": "hello <b>&amp;</b>"},
      {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1, "b": [true, null, "x"], "c": {"d": 2.5}}}}]},
      {"role": "tool", "content": "42", "tool_name": "f"},
      {"role": "user", "content": "more"}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
      "parameters": {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "integer", "description": "an int"},
        "b": {"type": ["array", "null"], "items": {"type": "string"}, "enum": [1, "x"]},
        "c": {"anyOf": [{"type": "object"}, {"type": "null"}], "properties": {"d": {"type": "number"}}}}}}}],
    "think": "high"
  })"));
  return v;
}

const Json& plain_data() {
  static const Json j = Json::parse(R"({"a": 1, "s": "str", "l": [1, 2.5, "x", null, {"k": "v"}], "m": {"x": {"y": [true]}}})");
  return j;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view src(reinterpret_cast<const char*>(data), size);
  ExecLimits limits;
  limits.max_output_bytes = 1u << 20;
  limits.max_steps = 200000;
  limits.max_depth = 1000;
  OllamaRenderOptions opt;
  opt.limits = limits;
  opt.now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  try {
    OllamaTemplate t = OllamaTemplate::parse(src);
    (void)t.execute(chat_values(), opt);
    OllamaValues fim;
    fim.prompt = "def f(";
    fim.suffix = "return";
    (void)t.execute(fim, opt);
    opt.force_legacy = true;
    (void)t.execute(chat_values(), opt);
  } catch (const hearth::tmpl::TemplateError&) {
  }
  try {
    Template t = Template::parse(src);
    (void)t.execute(plain_data(), limits);
  } catch (const hearth::tmpl::TemplateError&) {
  }
  return 0;
}
