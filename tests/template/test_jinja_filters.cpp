// Builtin filters as documented in jinja2's "List of Builtin Filters", and Hugging Face's tojson
// (json.dumps with ensure_ascii=False; Python's json module fixes the exact layout).
#include <catch2/catch.hpp>

#include "test_jinja_support.h"

using hearth::Json;
using hearth::test::jinja::error_of;
using hearth::test::jinja::render;

namespace {
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

Json users() {
  return Json::object({{"users", Json::array({Json::object({{"name", "ann"}, {"age", 31}, {"active", true}}),
                                              Json::object({{"name", "bob"}, {"age", 25}, {"active", false}}),
                                              Json::object({{"name", "cy"}, {"age", 40}, {"active", true}})})}});
}
}  // namespace

TEST_CASE("jinja tojson is json.dumps(ensure_ascii=False)", "[jinja][filters]") {
  CHECK(render("{{ {'a': [1, 2.5, '\xC3\xA9', none, true]} | tojson }}") == "{\"a\": [1, 2.5, \"\xC3\xA9\", null, true]}");
  CHECK(render("{{ {'a': [1], 'b': {}, 'c': []} | tojson(indent=2) }}") ==
        "{\n  \"a\": [\n    1\n  ],\n  \"b\": {},\n  \"c\": []\n}");
  CHECK(render("{{ '\"<>&\\n\\t\\x01' | tojson }}") == "\"\\\"<>&\\n\\t\\u0001\"");
  CHECK(render("{{ '\xC3\xA9\xF0\x9F\x99\x82' | tojson(ensure_ascii=true) }}") == "\"\\u00e9\\ud83d\\ude42\"");
  CHECK(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}") == "{\"a\": 2, \"b\": 1}");
  CHECK(render("{{ [1, {'k': 2}] | tojson(separators=(',', ':')) }}") == "[1,{\"k\":2}]");
  CHECK(render("{{ {1: 'x', none: 'y', false: 'z'} | tojson }}") == "{\"1\": \"x\", \"null\": \"y\", \"false\": \"z\"}");
  CHECK(render("{{ {1: 'x', true: 'z'} }}") == "{1: 'z'}");  // True == 1: same dict key, as in Python
  CHECK(render("{{ 1.0 | tojson }} {{ (1, 2) | tojson }} {{ '<b>' | safe | tojson }}") == "1.0 [1, 2] \"<b>\"");
  Json ctx = Json::object({{"args", Json::object({{"city", "Paris"}, {"n", 3}, {"x", 0.5}})}});
  CHECK(render("{{ args | tojson }}", ctx) == "{\"city\": \"Paris\", \"n\": 3, \"x\": 0.5}");
  CHECK(error_of("{{ [1] | map('string') | tojson }}") == "TypeError: Object of type generator is not JSON serializable (line 1)");
  CHECK(error_of("{{ missing | tojson }}") == "TypeError: Object of type Undefined is not JSON serializable (line 1)");
  CHECK(error_of("{{ namespace() | tojson }}") == "TypeError: Object of type Namespace is not JSON serializable (line 1)");
}

TEST_CASE("jinja string filters", "[jinja][filters]") {
  CHECK(render("[{{ '  x  ' | trim }}][{{ 'xxyxx' | trim('x') }}][{{ none | trim }}]") == "[x][y][None]");
  CHECK(render("{{ 'aB' | upper }} {{ 'aB' | lower }} {{ 'hELLO wORLD' | capitalize }}") == "AB ab Hello world");
  CHECK(render("{{ 'hello-world foo(bar' | title }} {{ \"it's\" | title }}") == "Hello-World Foo(Bar It's");
  CHECK(render("{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }}") == "bbb bba");
  CHECK(render("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}") ==
        "a\n  b\n\n  c|  a\n  b|a\n  \n  b");
  CHECK(render("{{ 'a\\nb' | indent('> ') }}") == "a\n> b");
  CHECK(render("[{{ 'ab' | center(6) }}] {{ 'hello big  world' | wordcount }}") == "[  ab  ] 3");
  CHECK(render("{{ 'hello world foo bar' | truncate(9) }} {{ 'hello world' | truncate(8, true, leeway=0) }} {{ 'short' | truncate(9) }}") ==
        "hello... hello... short");
  CHECK(render("{{ '%s-%s' | format(1, 'a') }} {{ '%(x)s' | format(x=2) }}") == "1-a 2");
  CHECK(render("{{ 1 | string ~ 'x' }} {{ [1] | string }}") == "1x [1]");
}

TEST_CASE("jinja numeric filters", "[jinja][filters]") {
  CHECK(render("{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ ' 1_0 ' | int }}") ==
        "42 4 0 7 3 10");
  CHECK(render("{{ '1A' | int(0, 16) }} {{ '0x1A' | int(0, 16) }} {{ true | int }} {{ none | int }}") == "26 26 1 0");
  CHECK(render("{{ '2.5' | float }} {{ 'x' | float }} {{ 3 | float }} {{ '1e3' | float }}") == "2.5 0.0 3.0 1000.0");
  CHECK(render("{{ -3 | abs }} {{ -2.5 | abs }}") == "3 2.5");
  CHECK(render("{{ 2.5 | round }} {{ 3.5 | round }} {{ 3.14159 | round(2) }} {{ 2.675 | round(2) }} {{ 3 | round }}") ==
        "2.0 4.0 3.14 2.67 3");
  CHECK(render("{{ 2.1 | round(method='ceil') }} {{ 2.9 | round(method='floor') }} {{ 1234.5 | round(-2) }}") ==
        "3.0 2.0 1200.0");
  CHECK(render("{{ [1, 2, 3] | sum }} {{ [1, 2] | sum(start=10) }} {{ [0.5, 1] | sum }}") == "6 13 1.5");
  CHECK(render("{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ ['b', 'A'] | max }} {{ ['b', 'A'] | max(case_sensitive=true) }}") ==
        "1 3 b b");
  CHECK(render("{{ [] | min is defined }}") == "False");
}

TEST_CASE("jinja sequence filters", "[jinja][filters]") {
  CHECK(render("{{ [1, 2] | length }} {{ 'abc' | count }} {{ {'a': 1} | length }} {{ range(4) | length }}") == "2 3 1 4");
  CHECK(error_of("{{ [1] | map('string') | length }}") == "TypeError: object of type 'generator' has no len() (line 1)");
  CHECK(render("{{ [1, 2] | first }} {{ [1, 2] | last }} {{ 'ab' | first }} {{ [] | first is defined }}") == "1 2 a False");
  CHECK(render("{{ [1, 2, 3] | join(', ') }} {{ [1, 2] | join }} {{ 'abc' | join('.') }}") == "1, 2, 3 12 a.b.c");
  CHECK(render("{{ 'ab' | list }} {{ {'a': 1} | list }} {{ {'a': 1} | items | list }}") == "['a', 'b'] ['a'] [('a', 1)]");
  CHECK(render("{{ {'b': 1, 'A': 2} | dictsort }} {{ {'b': 1, 'a': 2} | dictsort(by='value') }} {{ {'a': 1, 'b': 2} | dictsort(reverse=true) }}") ==
        "[('A', 2), ('b', 1)] [('b', 1), ('a', 2)] [('b', 2), ('a', 1)]");
  CHECK(render("{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, '', none, 'x'] | select | list }}") ==
        "[1, 3] [2, 4] [1, 'x']");
  CHECK(render("{{ [1, 5, 9] | select('gt', 4) | list }} {{ ['a', 'b'] | select('equalto', 'b') | list }}") == "[5, 9] ['b']");
  CHECK(render("{{ ['a', 'b'] | map('upper') | join }} {{ [1.5] | map('int') | list }} {{ ['x'] | map('replace', 'x', 'y') | list }}") ==
        "AB [1] ['y']");
  CHECK(render("{{ 'abc' | unique | list }} {{ ['a', 'A', 'b'] | unique | list }} {{ ['a', 'A'] | unique(true) | list }}") ==
        "['a', 'b', 'c'] ['a', 'b'] ['a', 'A']");
  CHECK(render("{{ 'abc' | reverse }} {{ [1, 2] | reverse | list }}") == "cba [2, 1]");
  CHECK(render("{{ [3, 1, 2] | sort }} {{ ['b', 'a', 'C'] | sort }} {{ ['b', 'a', 'C'] | sort(case_sensitive=true) }} {{ [1, 3, 2] | sort(reverse=true) }}") ==
        "[1, 2, 3] ['a', 'b', 'C'] ['C', 'a', 'b'] [3, 2, 1]");
  CHECK(render("{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3] | batch(2, 0) | list }}") ==
        "[[1, 2], [3, 4], [5]] [[1, 2], [3, 0]]");
  CHECK(render("{{ [1, 2, 3, 4, 5] | slice(2) | list }}") == "[[1, 2, 3], [4, 5]]");
  CHECK(starts_with(error_of("{{ [1] | map('nope') | list }}"), "TemplateRuntimeError: No filter named 'nope'."));
  CHECK(starts_with(error_of("{{ 5 | items }}"), "TypeError: Can only get item pairs from a mapping."));
}

TEST_CASE("jinja attribute filters", "[jinja][filters]") {
  Json ctx = users();
  CHECK(render("{{ users | selectattr('active') | map(attribute='name') | join(',') }}", ctx) == "ann,cy");
  CHECK(render("{{ users | rejectattr('active') | map(attribute='name') | join(',') }}", ctx) == "bob");
  CHECK(render("{{ users | selectattr('age', 'gt', 30) | list | length }}", ctx) == "2");
  CHECK(render("{{ users | selectattr('name', 'equalto', 'bob') | map(attribute='age') | first }}", ctx) == "25");
  CHECK(render("{{ users | sort(attribute='age') | map(attribute='name') | join }}", ctx) == "bobanncy");
  CHECK(render("{{ users | sort(attribute='active,name') | map(attribute='name') | join }}", ctx) == "bobanncy");
  CHECK(render("{{ users | map(attribute='missing', default='-') | join }}", ctx) == "---");
  CHECK(render("{{ users | join(', ', attribute='name') }}", ctx) == "ann, bob, cy");
  CHECK(render("{{ users | sum(attribute='age') }} {{ users | max(attribute='age') | attr('name') }}", ctx) == "96 cy");
  CHECK(render("{% for g in users | groupby('active') %}{{ g.grouper }}:{{ g.list | map(attribute='name') | join('+') }};{% endfor %}",
               ctx) == "False:bob;True:ann+cy;");
  CHECK(render("{% for active, people in users | groupby('active') %}{{ active }}{{ people | length }}{% endfor %}", ctx) ==
        "False1True2");
  Json nested = Json::object({{"xs", Json::array({Json::object({{"a", Json::array({10, 20})}})})}});
  CHECK(render("{{ xs | map(attribute='a.1') | list }}", nested) == "[20]");
}

TEST_CASE("jinja default, safe and escape filters", "[jinja][filters]") {
  CHECK(render("{{ missing | default('x') }} {{ none | default('x') }} {{ '' | default('x', true) }} {{ 0 | d(5) }}") ==
        "x None x 0");
  CHECK(render("{{ missing | default }}|") == "|");
  CHECK(render("{{ '<b>' | safe }} {{ '<b>' | escape }} {{ '\"\\'&' | e }}") == "<b> &lt;b&gt; &#34;&#39;&amp;");
  CHECK(render("{{ users | first | attr('name') }}", users()) == "ann");
}

// Cases from jinja2's own test suite (tests/test_filters.py), with its expected outputs.
TEST_CASE("jinja filters match jinja2's test suite", "[jinja][filters]") {
  Json foo = Json::object({{"foo", Json::object({{"aa", 0}, {"b", 1}, {"c", 2}, {"AB", 3}})}});
  CHECK(render("{{ foo|dictsort() }}", foo) == "[('aa', 0), ('AB', 3), ('b', 1), ('c', 2)]");
  CHECK(render("{{ foo|dictsort(true) }}", foo) == "[('AB', 3), ('aa', 0), ('b', 1), ('c', 2)]");
  CHECK(render("{{ foo|dictsort(by=\"value\") }}", foo) == "[('aa', 0), ('b', 1), ('c', 2), ('AB', 3)]");
  CHECK(render("{{ foo|dictsort(reverse=true) }}", foo) == "[('c', 2), ('b', 1), ('AB', 3), ('aa', 0)]");
  Json ten = Json::object({{"foo", Json::array({0, 1, 2, 3, 4, 5, 6, 7, 8, 9})}});
  CHECK(render("{{ foo|batch(3)|list }}|{{ foo|batch(3, 'X')|list }}", ten) ==
        "[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]|[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 'X', 'X']]");
  CHECK(render("{{ foo|slice(3)|list }}|{{ foo|slice(3, 'X')|list }}", ten) ==
        "[[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]|[[0, 1, 2, 3], [4, 5, 6, 'X'], [7, 8, 9, 'X']]");
  CHECK(render("{{ '<\">&'|escape }}") == "&lt;&#34;&gt;&amp;");
  Json stays = Json::object({{"foo", "  ..stays.."}});
  CHECK(render("{{ foo|trim }}|{{ foo|trim('.') }}|{{ foo|trim(' .') }}", stays) == "..stays..|  ..stays|stays");
  CHECK(render("{{ '42'|float }}|{{ 'abc'|float }}|{{ '32.32'|float }}") == "42.0|0.0|32.32");
  CHECK(render("{{ '42'|int }}|{{ 'abc'|int }}|{{ '32.32'|int }}") == "42|0|32");
  CHECK(render("{{ '0x4d32'|int(base=16) }}|{{ '011'|int(base=8) }}|{{ '0x33Z'|int(base=16) }}") == "19762|9|0");
  Json text = Json::object({{"foo", "\nfoo bar\n\"baz\"\n"}});
  CHECK(render("{{ foo|indent(2, false, false) }}", text) == "\n  foo bar\n  \"baz\"\n");
  CHECK(render("{{ foo|indent(2, false, true) }}", text) == "\n  foo bar\n  \"baz\"\n  ");
  CHECK(render("{{ foo|indent(2, true, false) }}", text) == "  \n  foo bar\n  \"baz\"\n");
  CHECK(render("{{ foo|indent(2, true, true) }}", text) == "  \n  foo bar\n  \"baz\"\n  ");
  CHECK(render("{{ \"jinja\"|indent }}|{{ \"jinja\"|indent(first=true) }}|{{ \"jinja\"|indent(blank=true) }}") ==
        "jinja|    jinja|jinja");
  CHECK(render("{{ 'foobar'|reverse|join }}|{{ [1, 2, 3]|reverse|list }}") == "raboof|[3, 2, 1]");
  CHECK(render("{{ \"foo's bar\"|title }}|{{ \"f bar f\"|title }}|{{ \"FOO\tBAR\"|title }}|{{ \"foo (bar)\"|title }}|"
               "{{ \"foo {bar}\"|title }}|{{ \"foo [bar]\"|title }}|{{ \"foo <bar>\"|title }}") ==
        "Foo's Bar|F Bar F|Foo\tBar|Foo (Bar)|Foo {Bar}|Foo [Bar]|Foo <Bar>");
  Json data = Json::object({{"data", [] {
                               std::string s;
                               for (int i = 0; i < 1000; ++i) s += "foobar baz bar";
                               return s;
                             }()},
                            {"smalldata", "foobar baz bar"}});
  CHECK(render("{{ data|truncate(15, true, \">>>\") }}|{{ data|truncate(15, false, \">>>\") }}|{{ smalldata|truncate(15) }}",
               data) == "foobar baz b>>>|foobar baz>>>|foobar baz bar");
  CHECK(render("{{ \"foo bar baz\"|truncate(9) }}|{{ \"foo bar baz\"|truncate(9, true) }}") == "foo bar baz|foo bar baz");
  CHECK(render("{{ \"Joel is a slug\"|truncate(7, true) }}") == "Joel...");
  CHECK(render("{% filter lower|escape %}<HEHE>{% endfilter %}") == "&lt;hehe&gt;");
  CHECK(render("{{ ['<foo>', '<bar>']|first|upper|escape }}") == "&lt;FOO&gt;");
  Json values = Json::object({{"values", Json::array({Json::object({{"real", Json::object({{"value", 23}})}}),
                                                     Json::object({{"real", Json::object({{"value", 1}})}}),
                                                     Json::object({{"real", Json::object({{"value", 18}})}})})}});
  CHECK(render("{{ values|sum('real.value') }}", values) == "42");
  CHECK(render("{{ values.items()|sum('1') }}", Json::object({{"values", Json::object({{"foo", 23}, {"bar", 1}, {"baz", 18}})}})) ==
        "42");
  CHECK(render("{{ 2.7|round }}|{{ 2.1|round }}|{{ 2.1234|round(3, 'floor') }}|{{ 2.1|round(0, 'ceil') }}") == "3.0|2.0|2.123|3.0");
  CHECK(render("{{ 21.3|round(-1)}}|{{ 21.3|round(-1, 'ceil')}}|{{ 21.3|round(-1, 'floor')}}") == "20.0|30.0|20.0");
  CHECK(render("{{ [2, 3, 1]|sort }}|{{ [2, 3, 1]|sort(true) }}") == "[1, 2, 3]|[3, 2, 1]");
  CHECK(render("{{ \"\".join([\"c\", \"A\", \"b\", \"D\"]|sort) }}|{{ ['foo', 'Bar', 'blah']|sort }}") == "AbcD|['Bar', 'blah', 'foo']");
  CHECK(render("{{ \"\".join([\"b\", \"A\", \"a\", \"b\"]|unique) }}|{{ \"\".join([\"b\", \"A\", \"a\", \"b\"]|unique(true)) }}") == "bA|bAa");
  CHECK(render("{{ [\"a\", \"B\"]|min }}|{{ [\"a\", \"B\"]|min(case_sensitive=true) }}|{{ []|min }}|{{ [\"a\", \"B\"]|max }}|"
               "{{ [\"a\", \"B\"]|max(case_sensitive=true) }}|{{ []|max }}") == "a|B||B|a|");
  CHECK(render("{%- for grouper, list in [{'foo': 1, 'bar': 2}, {'foo': 2, 'bar': 3}, {'foo': 1, 'bar': 1}, "
               "{'foo': 3, 'bar': 4}]|groupby('foo') -%}{{ grouper }}{% for x in list %}: {{ x.foo }}, {{ x.bar }}{% endfor %}|"
               "{%- endfor %}") == "1: 1, 2: 1, 1|2: 2, 3|3: 3, 4|");
  CHECK(render("{%- for grouper, list in [('a', 1), ('a', 2), ('b', 1)]|groupby(0) -%}{{ grouper }}{% for x in list %}:{{ x.1 }}"
               "{% endfor %}|{%- endfor %}") == "a:1:2|b:1|");
  CHECK(render("{% filter upper|replace('FOO', 'foo') %}foobar{% endfilter %}") == "fooBAR");
  CHECK(render("{{ string|replace(\"o\", 42) }}", Json::object({{"string", "<foo>"}})) == "<f4242>");
  CHECK(render("{{ [\"1\", \"2\", \"3\"]|map(\"int\")|sum }}|{{ [[1,2], [3], [4,5,6]]|map(\"sum\")|list }}|{{ none|map(\"upper\")|list }}") ==
        "6|[3, 3, 15]|[]");
  CHECK(render("{{ [1, 2, 3, 4, 5]|select(\"odd\")|join(\"|\") }}|{{ [none, false, 0, 1, 2, 3, 4, 5]|select|join(\"|\") }}") ==
        "1|3|5|1|2|3|4|5");
  CHECK(render("{{ [1, 2, 3, 4, 5]|reject(\"odd\")|join(\"|\") }}|{{ [none, false, 0, 1, 2, 3, 4, 5]|reject|join(\"|\") }}") ==
        "2|4|None|False|0");
  CHECK(render("{{ missing|default('no') }}|{{ false|default('no') }}|{{ false|default('no', true) }}|{{ given|default('no') }}",
               Json::object({{"given", "yes"}})) == "no|False|no|yes");
  CHECK(render("{{ \"foo\"|center(9) }}|{{ \"foo bar\"|capitalize }}|{{ \"foo bar baz\"|wordcount }}") == "   foo   |Foo bar|3");
}
