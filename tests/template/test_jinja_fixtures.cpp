// Real chat templates rendered by jinja2 (as Hugging Face does) vs. hearth's Jinja engine:
// every case of fixtures/chat-templates/expected/cases.json must match byte for byte, and cases
// where jinja2 raised must raise the same kind of error with the same message.
#include <catch2/catch.hpp>

#include <iostream>
#include <string>

#include "common/json.h"
#include "engine/template/chat_template.h"
#include "engine/template/jinja/error.h"
#include "support/fixtures.h"

using namespace hearth;
using hearth::tmpl::ChatTemplate;
using hearth::tmpl::CivilTime;
using hearth::tmpl::RenderOptions;

namespace {

CivilTime parse_now(const std::string& iso) {
  CivilTime t;
  std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &t.year, &t.month, &t.day, &t.hour, &t.minute, &t.second);
  return t;
}

std::string first_difference(const std::string& got, const std::string& want) {
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  auto excerpt = [&](const std::string& s) {
    std::size_t from = i > 40 ? i - 40 : 0;
    return Json(s.substr(from, 80)).dump();
  };
  return "first difference at byte " + std::to_string(i) + "\n  got:  " + excerpt(got) + "\n  want: " + excerpt(want);
}

// "UndefinedError: 'x' is undefined" → {"UndefinedError", "'x' is undefined"}.
std::pair<std::string, std::string> split_error(const std::string& text) {
  std::size_t colon = text.find(": ");
  if (colon == std::string::npos) return {"", text};
  return {text.substr(0, colon), text.substr(colon + 2)};
}

}  // namespace

TEST_CASE("jinja renders the chat-template fixtures like jinja2", "[jinja][fixtures]") {
  SKIP_WITHOUT_FIXTURES();
  const auto root = test::fixture_path("chat-templates");
  Json cases = Json::parse(test::read_file(root / "expected" / "cases.json"));
  RenderOptions options;
  options.now = parse_now(cases.get_string("now"));

  int total = 0, passed = 0;
  std::string failures;
  for (const Json& c : cases.at("cases").as_array()) {
    ++total;
    const std::string name = c.get_string("template") + "/" + c.get_string("case");
    Json context = Json::object({{"messages", cases.at("conversations").at(c.get_string("messages"))},
                                 {"add_generation_prompt", c.at("add_generation_prompt")},
                                 {"bos_token", cases.at("bos_token")},
                                 {"eos_token", cases.at("eos_token")}});
    if (c.get_bool("tools")) context["tools"] = cases.at("tools");
    std::string result, error;
    try {
      ChatTemplate t = ChatTemplate::jinja(test::read_file(root / "templates" / (c.get_string("template") + ".jinja")));
      result = t.render(context, options);
    } catch (const tmpl::TemplateError& e) {
      error = e.what();
    }
    if (c.contains("error")) {
      auto [want_kind, want_message] = split_error(c.get_string("error"));
      auto [got_kind, got_message] = split_error(error);
      if (!error.empty() && got_kind == want_kind && got_message.find(want_message) != std::string::npos) {
        ++passed;
      } else {
        failures += name + ": expected error \"" + c.get_string("error") + "\", got " +
                    (error.empty() ? "output " + Json(result.substr(0, 200)).dump() : "\"" + error + "\"") + "\n";
      }
      continue;
    }
    std::string want = test::read_file(root / "expected" / c.get_string("expected"));
    if (error.empty() && result == want) {
      ++passed;
    } else if (!error.empty()) {
      failures += name + ": unexpected error: " + error + "\n";
    } else {
      failures += name + ": " + first_difference(result, want) + "\n";
    }
  }
  std::cout << "jinja chat-template fixtures: " << passed << "/" << total << " cases match jinja2\n";
  if (!failures.empty()) std::cout << failures;
  CHECK(total == 636);
  REQUIRE(passed == total);
}
