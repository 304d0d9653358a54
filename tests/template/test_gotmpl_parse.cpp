// Go template syntax: trim markers, comments, literals, the parse errors of Go's parse_test.go
// error table, and the limits that keep hostile templates finite.
#include <catch2/catch.hpp>

#include "engine/template/gotmpl/gotmpl.h"

using namespace hearth;
using namespace hearth::tmpl::gotmpl;

namespace {

std::string render(const std::string& src, const std::string& json = "{}") {
  return Template::parse(src).execute(Json::parse(json));
}

}  // namespace

TEST_CASE("gotmpl parse: trim markers remove ASCII whitespace exactly as Go", "[gotmpl][parse]") {
  CHECK(render("x \r\n\t{{- 3 -}}\n\n\ty") == "x3y");
  CHECK(render("a {{- 3}} b") == "a3 b");
  CHECK(render("a {{3 -}} b") == "a 3b");
  CHECK(render("{{-3}}") == "-3");           // no space after '-': a number, not a trim marker
  CHECK(render("a {{- -3 -}} b") == "a-3b");
  CHECK(render("a \u00a0{{- 1}}") == "a \u00a01");  // only " \t\r\n" are trimmed
  CHECK(render("a\n\n{{- /* comment */ -}}\n\nb") == "ab");
  CHECK(render("a {{/* comment */}} b") == "a  b");
  CHECK(render("a{{/* multi\nline */}}b") == "ab");
  CHECK(render("{{ 1 }}\n{{- 2 }}") == "12");
  CHECK(render("{{.x\n}}", R"({"x": "ok"})") == "ok");  // newlines inside actions are spaces
  CHECK(render("{{\"{{\"}}") == "{{");
}

TEST_CASE("gotmpl parse: literals", "[gotmpl][parse]") {
  CHECK(render("{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ 'a' }} {{ '\\n' }}") == "31 15 15 5 1000 97 10");
  CHECK(render("{{ 1e3 }} {{ 1.5 }} {{ -2 }} {{ +3 }} {{ .5 }} {{ 0x1p-2 }}") == "1000 1.5 -2 3 0.5 0.25");
  CHECK(render(R"({{ "a\tb\u00e9\x41\101" }})") == "a\tbéAA");
  CHECK(render("{{ `raw\\n` }}") == "raw\\n");
  CHECK(render("{{ true }} {{ false }}") == "true false");
  CHECK_THROWS_WITH(render("{{ 089 }}"), Catch::Contains("integer overflow"));
  CHECK_THROWS_WITH(render("{{ 99999999999999999999 }}"), Catch::Contains("integer overflow"));
  CHECK_THROWS_WITH(render("{{ 0x8000000000000000 }}"), Catch::Contains("overflows int"));
  CHECK_THROWS_WITH(render("{{ 1a }}"), Catch::Contains("bad number syntax"));
  CHECK_THROWS_WITH(render(R"({{ "\q" }})"), Catch::Contains("invalid syntax"));
}

TEST_CASE("gotmpl parse: Go parse_test error table", "[gotmpl][parse]") {
  const std::vector<std::pair<const char*, const char*>> errors = {
      {"unclosed action", "hello{{range"},
      {"unmatched end", "{{end}}"},
      {"unmatched else", "{{else}}"},
      {"unmatched else after if", "{{if .X}}hello{{end}}{{else}}"},
      {"multiple else", "{{if .X}}1{{else}}2{{else}}3{{end}}"},
      {"missing end", "hello{{range .x}}"},
      {"missing end after else", "hello{{range .x}}{{else}}"},
      {"undefined function", "hello{{undefined}}"},
      {"undefined variable", "{{$x}}"},
      {"variable undefined after end", "{{with $x := 4}}{{end}}{{$x}}"},
      {"variable undefined in template", "{{template $v}}"},
      {"declare with field", "{{with $x.Y := 4}}{{end}}"},
      {"template with field ref", "{{template .X}}"},
      {"invalid punctuation", "{{printf 3, 4}}"},
      {"multidecl outside range", "{{with $v, $u := 3}}{{end}}"},
      {"too many decls in range", "{{range $u, $v, $w := 3}}{{end}}"},
      {"dot applied to parentheses", "{{printf (printf .).}}"},
      {"adjacent args", "{{printf 3`x`}}"},
      {"adjacent args with .", "{{printf `x`.}}"},
      {"extra end after if", "{{if .X}}a{{else if .Y}}b{{end}}{{end}}"},
      {"break outside range", "{{range .}}{{end}} {{break}}"},
      {"continue outside range", "{{range .}}{{end}} {{continue}}"},
      {"break in range else", "{{range .}}{{else}}{{break}}{{end}}"},
      {"continue in range else", "{{range .}}{{else}}{{continue}}{{end}}"},
      {"unclosed comment", "{{/* x }}"},
      {"comment then text", "{{/* x */ 1}}"},
      {"unterminated string", "{{\"abc}}"},
      {"unterminated raw string", "{{`abc}}"},
      {"non-executable stage", "{{ 1 | 2 }}"},
      {"unexpected right paren", "{{ ) }}"},
      {"unclosed paren", "{{ (1 }}"},
      {"define inside action", "{{if 1}}{{define \"x\"}}{{end}}{{end}}"},
      {"duplicate define", "{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}"},
  };
  for (const auto& [name, src] : errors) {
    INFO(name << ": " << src);
    CHECK_THROWS_AS(Template::parse(src), GoTemplateError);
  }
  // Messages read like Go's, with the line number.
  CHECK_THROWS_WITH(Template::parse("a\nb{{end}}"), "template: :2: unexpected {{end}}");
  CHECK_THROWS_WITH(Template::parse("{{undefined}}"), "template: :1: function \"undefined\" not defined");
  CHECK_THROWS_WITH(Template::parse("{{if 1}}"), "template: :1: unexpected EOF");
}

TEST_CASE("gotmpl parse: valid constructs of Go parse_test", "[gotmpl][parse]") {
  CHECK(render("{{range $i, $v := .l}}{{$i}}{{$v}}{{end}}", R"({"l": ["a", "b"]})") == "0a1b");
  CHECK(render("{{$x := 1}}{{$x = 2}}{{$x}}") == "2");
  CHECK(render("{{with $x := 3}}{{$x}}{{end}}") == "3");
  CHECK(render("{{if 0}}a{{else if 0}}b{{else}}c{{end}}") == "c");
  CHECK(render("{{define \"a\"}}A{{.}}{{end}}{{template \"a\" 1}}{{template \"a\" \"z\"}}") == "A1Az");
  CHECK(render("{{define \"a\"}} {{end}}{{define \"a\"}}B{{end}}{{template \"a\"}}") == "B");  // empty may be redefined
  CHECK(render("{{(1)}} {{(print 1 2)}} {{print (print 1) 2}}") == "1 1 2 12");
  CHECK(render("{{.a.b.c}}", R"({"a": {"b": {"c": "deep"}}})") == "deep");
  CHECK(render("{{$.a}}{{with .a}}{{$.a.b}}{{end}}", R"({"a": {"b": 1}})") == "map[b:1]1");
}

TEST_CASE("gotmpl limits: hostile templates end with an error", "[gotmpl][limits]") {
  // Deep nesting is refused at parse time instead of exhausting the stack.
  std::string deep_if;
  for (int i = 0; i < 5000; ++i) deep_if += "{{if 1}}";
  CHECK_THROWS_WITH(Template::parse(deep_if), Catch::Contains("nesting"));
  std::string deep_parens = "{{" + std::string(5000, '(') + "1" + std::string(5000, ')') + "}}";
  CHECK_THROWS_WITH(Template::parse(deep_parens), Catch::Contains("nesting"));

  ExecLimits small;
  small.max_steps = 100000;
  small.max_output_bytes = 1 << 16;
  // Unbounded loops, output floods and string doubling all stop.
  CHECK_THROWS_WITH(Template::parse("{{range 1000000000}}{{end}}").execute(Value(), small), Catch::Contains("steps"));
  CHECK_THROWS_WITH(Template::parse("{{range 100000}}xxxxxxxxxx{{end}}").execute(Value(), small), Catch::Contains("output"));
  CHECK_THROWS_WITH(
      Template::parse("{{$x := \"ab\"}}{{range 64}}{{$x = printf \"%s%s\" $x $x}}{{end}}").execute(Value(), small),
      Catch::Contains("exceeds"));
  CHECK_THROWS_WITH(Template::parse("{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\"}}").execute(Value(), small),
                    Catch::Contains("depth"));
  // fmt itself refuses widths beyond 1e6 (parsenum gives up and the verb is lost).
  CHECK(Template::parse("{{printf \"%99999999d\" 1}}").execute(Value(), small) == "%!(NOVERB)%!(EXTRA int=1)");
}
