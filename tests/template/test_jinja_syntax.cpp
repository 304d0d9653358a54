// Lexing and parsing: whitespace control with trim_blocks/lstrip_blocks as Hugging Face sets
// them, literals, raw blocks and syntax errors. Expected outputs follow jinja2's documentation
// ("Whitespace Control", "Literals") and its lexer rules.
#include <catch2/catch.hpp>

#include "test_jinja_support.h"

using hearth::Json;
using hearth::test::jinja::error_of;
using hearth::test::jinja::render;

TEST_CASE("jinja whitespace control: - strips all whitespace on that side", "[jinja][syntax]") {
  CHECK(render("a  \n {%- if true %}b{% endif -%} \n c") == "abc");
  CHECK(render("a {{- 'b' -}} c") == "abc");
  CHECK(render("a {#- comment -#} c") == "ac");
}

TEST_CASE("jinja trim_blocks removes the newline after a block tag, not after {{ }}", "[jinja][syntax]") {
  CHECK(render("{% if true %}\nx\n{% endif %}\ny") == "x\ny");
  CHECK(render("{{ 'v' }}\nx") == "v\nx");
  CHECK(render("{# c #}\nx") == "x");
  CHECK(render("{% if true +%}\nx{% endif %}") == "\nx");  // + keeps the newline
}

TEST_CASE("jinja lstrip_blocks removes indentation before block tags only", "[jinja][syntax]") {
  CHECK(render("  {% if true %}\n  x\n  {% endif %}\ny") == "  x\ny");
  CHECK(render("  {{ 'x' }}") == "  x");
  CHECK(render("  {%+ if true %}x{% endif %}") == "  x");
  CHECK(render("a  {% if true %}x{% endif %}") == "a  x");  // text before the tag on the line: kept
  CHECK(render("\t {# c #}\nx") == "x");
}

TEST_CASE("jinja source newlines: \\r\\n normalised, one trailing newline dropped", "[jinja][syntax]") {
  CHECK(render("a\r\nb\rc") == "a\nb\nc");
  CHECK(render("x\n") == "x");
  CHECK(render("x\n\n") == "x\n");
  CHECK(render("") == "");
}

TEST_CASE("jinja raw blocks pass delimiters through", "[jinja][syntax]") {
  CHECK(render("{% raw %}{{ x }}{% if %}{% endraw %}") == "{{ x }}{% if %}");
  CHECK(render("{%- raw -%}  a  {%- endraw -%}") == "a");
}

TEST_CASE("jinja literals", "[jinja][syntax]") {
  CHECK(render("{{ 'a\\nb' }}") == "a\nb");
  CHECK(render("{{ \"\\u00e9\\x41\" }}") == "\xC3\xA9" "A");
  CHECK(render("{{ '\\d' }}") == "\\d");  // unknown escapes stay
  CHECK(render("{{ 'it\\'s' }}") == "it's");
  CHECK(render("{{ 'a' 'b' }}") == "ab");  // adjacent literals concatenate
  CHECK(render("{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }}") == "31 15 5 1000");
  CHECK(render("{{ 1e3 }} {{ 2.5 }} {{ 1_0.5 }}") == "1000.0 2.5 10.5");
  CHECK(render("{{ true }} {{ False }} {{ none }} {{ None }}") == "True False None None");
  CHECK(render("{{ [1, 'a', [2]] }}") == "[1, 'a', [2]]");
  CHECK(render("{{ (1,) }} {{ (1, 2) }} {{ () }}") == "(1,) (1, 2) ()");
  CHECK(render("{{ {'a': {'b': 1}} }}") == "{'a': {'b': 1}}");  // braces balance inside {{ }}
  CHECK(render("{{ 1, 2 }}") == "(1, 2)");
}

TEST_CASE("jinja operator precedence", "[jinja][syntax]") {
  CHECK(render("{{ 1 + 2 * 3 }}") == "7");
  CHECK(render("{{ 2 ** 3 ** 2 }}") == "64");  // jinja2's ** is left-associative
  CHECK(render("{{ -2 ** 2 }}") == "4");       // unary minus binds tighter than ** in jinja2
  CHECK(render("{{ 'a' ~ 2 * 3 }}") == "a6");  // ~ binds looser than * but tighter than +
  CHECK(error_of("{{ 'a' ~ 1 + 2 }}").rfind("TypeError: can only concatenate str (not \"int\") to str", 0) == 0);
  CHECK(render("{{ not true or true }}") == "True");
  CHECK(render("{{ -3 | abs }}") == "3");
  CHECK(render("{{ 1 if false else 2 if false else 3 }}") == "3");
  CHECK(render("{{ not 1 in [1] }}") == "False");
  CHECK(render("{{ 'x' is string and 1 is not string }}") == "True");
}

TEST_CASE("jinja syntax errors", "[jinja][syntax]") {
  CHECK(error_of("{% if %}x{% endif %}").rfind("TemplateSyntaxError: ", 0) == 0);
  CHECK(error_of("{{ x").rfind("TemplateSyntaxError: unexpected end of template", 0) == 0);
  CHECK(error_of("{% endfor %}").find("Encountered unknown tag 'endfor'.") != std::string::npos);
  CHECK(error_of("{% for x in y %}").find("Unexpected end of template.") != std::string::npos);
  CHECK(error_of("{% frobnicate %}").find("Encountered unknown tag 'frobnicate'.") != std::string::npos);
  CHECK(error_of("{{ 1 + }}").rfind("TemplateSyntaxError: ", 0) == 0);
  CHECK(error_of("{{ 'unterminated }}").rfind("TemplateSyntaxError: ", 0) == 0);
  CHECK(error_of("{{ (1 }}").rfind("TemplateSyntaxError: unexpected '}', expected ')'", 0) == 0);
  CHECK(error_of("{# open").find("Missing end of comment tag") != std::string::npos);
  CHECK(error_of("{% break %}").find("'break' outside loop") != std::string::npos);
  CHECK(error_of("{% for loop in x %}{% endfor %}").find("Can't assign to special loop variable") != std::string::npos);
  CHECK(error_of("{% set true = 1 %}").rfind("TemplateSyntaxError: can't assign to", 0) == 0);
}

TEST_CASE("jinja unknown filters: compile error, but only at run time inside if", "[jinja][syntax]") {
  // jinja2 3.x defers the check for filters and tests used directly in an if statement or a
  // conditional expression (so templates can guard optional filters).
  CHECK(error_of("{{ x | nope }}") == "TemplateAssertionError: No filter named 'nope'. (line 1)");
  CHECK(error_of("{{ x is nope }}") == "TemplateAssertionError: No test named 'nope'. (line 1)");
  CHECK(render("{% if false %}{{ x | nope }}{% endif %}ok") == "ok");
  CHECK(render("{{ (x | nope) if false else 'ok' }}") == "ok");
  CHECK(error_of("{% if true %}{{ x | nope }}{% endif %}") ==
        "TemplateRuntimeError: No filter named 'nope' found. (line 1)");
  // A for loop inside the if is a new frame: checked at compile time again.
  CHECK(error_of("{% if false %}{% for i in x %}{{ i | nope }}{% endfor %}{% endif %}").rfind("TemplateAssertionError", 0) == 0);
}

TEST_CASE("jinja parser nesting limits turn deep input into errors", "[jinja][syntax][limits]") {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  CHECK(error_of(deep).find("nest") != std::string::npos);
  std::string chain = "{{ 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  chain += " }}";
  CHECK(error_of(chain).find("nested too deeply") != std::string::npos);
  std::string blocks;
  for (int i = 0; i < 3000; ++i) blocks += "{% if true %}";
  CHECK(error_of(blocks).find("nesting is too deep") != std::string::npos);
  std::string filters = "{{ 'a'";
  for (int i = 0; i < 3000; ++i) filters += " | upper";
  filters += " }}";
  CHECK(error_of(filters).find("nested too deeply") != std::string::npos);
}

// Cases from jinja2's own test suite (tests/test_lexnparse.py) that use trim_blocks and
// lstrip_blocks together, as Hugging Face does, with its expected outputs.
TEST_CASE("jinja whitespace handling matches jinja2's test suite", "[jinja][syntax]") {
  Json kvs = Json::object({{"kvs", Json::array({Json::array({"a", 1}), Json::array({"b", 2})})}});
  CHECK(render("    {% if True %}\n    {% endif %}") == "");
  CHECK(render("  {% if kvs %}(\n   {% for k, v in kvs %}{{ k }}={{ v }} {% endfor %}\n  ){% endif %}", kvs) == "(\na=1 b=2   )");
  CHECK(render("  ({% if kvs %}\n   {% for k, v in kvs %}{{ k }}={{ v }} {% endfor %}\n  {% endif %})", kvs) == "  (a=1 b=2 )");
  CHECK(render("  {% if kvs %}   {% for k, v in kvs %}{{ k }}={{ v }} {% endfor %}  {% endif %}", kvs) == "   a=1 b=2   ");
  CHECK(render("  {% if kvs -%}   {% for k, v in kvs %}{{ k }}={{ v }} {% endfor -%}  {% endif -%}", kvs) == "a=1 b=2 ");
  CHECK(render(" {# 1 space #}\n  {# 2 spaces #}    {# 4 spaces #}") == "    ");
  CHECK(render("{{x}}\n{%- raw %} {% endraw -%}\n{{ y }}", Json::object({{"x", 1}, {"y", 2}})) == "1 2");
  CHECK(render("    {% if True %}\na {% if True %}\nb {% endif %}\nc {% endif %}") == "a b c ");
  CHECK(render("    {% if True +%}\na {% if True +%}\nb {% endif +%}\nc {% endif %}") == "\na \nb \nc ");
  CHECK(render("    {# comment #}\n\n  ") == "\n  ");
  CHECK(render("    {# comment +#}\n\n  ") == "\n\n  ");
  CHECK(render("   {# comment #}\n\n{# comment2 #}\n   \n{# comment3 #}\n\n ") == "\n   \n\n ");
  CHECK(render("   {# comment +#}\n\n{# comment2 +#}\n   \n{# comment3 +#}\n\n ") == "\n\n\n   \n\n\n ");
  CHECK(render("{{x}}{% raw %}\n\n    {% endraw %}\n\n{{ y }}", Json::object({{"x", 1}, {"y", 2}})) == "1\n\n\n2");
  CHECK(error_of("{{x}}{% raw +%}\n\n  {% endraw +%}\n\n{{ y }}").rfind("TemplateSyntaxError", 0) == 0);
  CHECK(render("    {% set x = \" {% str %} \" %}{{ x }}") == " {% str %} ");
  CHECK(render("\n\n\n{% set hello = 1 %}") == "\n\n\n");
  CHECK(render("    {# if True #}\nhello\n    {#endif#}") == "hello\n");
  CHECK(render("{% if True %}X{% endif +%}\nmore things") == "X\nmore things");
  CHECK(render("    {% if True +%}\n    {% endif %}") == "\n");
  CHECK(render("{{ -foo[\"bar\"] }}|{{ -foo[\"bar\"]|abs }}", Json::object({{"foo", Json::object({{"bar", 42}})}})) == "-42|42");
  CHECK(render("{% set foo = 0 %}{% for item in [1, 2] %}{% set foo = 1 %}{% endfor %}{{ foo }}") == "0");
  CHECK(error_of("{% for none in seq %}{% endfor %}").rfind("TemplateSyntaxError", 0) == 0);
}
