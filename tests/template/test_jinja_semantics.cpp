// Evaluation semantics: Python's str()/repr(), arithmetic and comparisons, jinja2's Undefined,
// scoping (loops do not leak `set`, namespace() does), loops, macros, call blocks, the sandbox,
// globals and Python string/dict methods. Expected values are what CPython 3 and jinja2 3.1
// produce for the same expressions (jinja2 "Template Designer Documentation", Python docs).
#include <catch2/catch.hpp>

#include "test_jinja_support.h"

using hearth::Json;
using hearth::test::jinja::error_of;
using hearth::test::jinja::render;
using hearth::tmpl::jinja::Limits;

namespace {
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

TEST_CASE("jinja prints values as Python's str()", "[jinja][semantics]") {
  CHECK(render("{{ none }}|{{ true }}|{{ 42 }}|{{ -7 }}") == "None|True|42|-7");
  CHECK(render("{{ 1.0 }}|{{ 0.1 + 0.2 }}|{{ 1/3 }}|{{ 1e100 }}|{{ 1e-5 }}|{{ 123456789012345678.0 }}") ==
        "1.0|0.30000000000000004|0.3333333333333333|1e+100|1e-05|1.2345678901234568e+17");
  CHECK(render("{{ 1e15 }}|{{ 1e16 }}|{{ 0.0001 }}|{{ -0.0 }}") == "1000000000000000.0|1e+16|0.0001|-0.0");
  CHECK(render("{{ [1, 'a', none, true, 2.5] }}") == "[1, 'a', None, True, 2.5]");
  CHECK(render("{{ {'a': 1, 'b': [1]} }}") == "{'a': 1, 'b': [1]}");
  CHECK(render("{{ [\"it's\"] }}|{{ ['say \"hi\"'] }}|{{ ['both \\' \"'] }}") ==
        "[\"it's\"]|['say \"hi\"']|['both \\' \"']");
  CHECK(render("{{ ['a\\nb\\t\\\\'] }}") == "['a\\nb\\t\\\\']");
  CHECK(render("{{ [missing] }}") == "[Undefined]");
  Json ctx = Json::object({{"d", Json::object({{"k", "v"}, {"n", 1.5}, {"i", 2}})}});
  CHECK(render("{{ d }}", ctx) == "{'k': 'v', 'n': 1.5, 'i': 2}");
}

TEST_CASE("jinja arithmetic follows Python", "[jinja][semantics]") {
  CHECK(render("{{ 10 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }}") == "5.0 3 -4 2 -2");
  CHECK(render("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 2 }}") == "3.0 0.5 1024 0.5 4.0");
  CHECK(render("{{ true + 1 }} {{ 'ab' * 3 }} {{ 2 * [0] }} {{ [1] + [2] }} {{ (1,) + (2,) }}") ==
        "2 ababab [0, 0] [1, 2] (1, 2)");
  CHECK(render("{{ 'ab' * -1 }}|{{ 1 == 1.0 }}|{{ 1 == true }}|{{ [1] == [1.0] }}|{{ [1] == (1,) }}") ==
        "|True|True|True|False");
  CHECK(render("{{ 1 ~ 2 ~ none }}") == "12None");
  CHECK(render("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }}") == "True False True True");
  CHECK(starts_with(error_of("{{ 1 + 'a' }}"), "TypeError: unsupported operand type(s) for +: 'int' and 'str'"));
  CHECK(starts_with(error_of("{{ 'a' + 1 }}"), "TypeError: can only concatenate str (not \"int\") to str"));
  CHECK(starts_with(error_of("{{ [] + {} }}"), "TypeError: can only concatenate list (not \"dict\") to list"));
  CHECK(starts_with(error_of("{{ 1 / 0 }}"), "ZeroDivisionError: division by zero"));
  CHECK(starts_with(error_of("{{ 1 // 0 }}"), "ZeroDivisionError: integer division or modulo by zero"));
  CHECK(starts_with(error_of("{{ 'a' < 1 }}"), "TypeError: '<' not supported between instances of 'str' and 'int'"));
  CHECK(starts_with(error_of("{{ none > 1 }}"), "TypeError: '>' not supported between instances of 'NoneType' and 'int'"));
}

TEST_CASE("jinja and/or return an operand, like Python", "[jinja][semantics]") {
  CHECK(render("{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ [] and 1 }}|{{ none or none }}") == "x|b|[]|None");
}

TEST_CASE("jinja truthiness", "[jinja][semantics]") {
  const char* t = "{% for v in [0, 0.0, '', [], {}, none, false, 1, 'x', [0], {'a': 0}] %}{{ 'T' if v else 'F' }}{% endfor %}";
  CHECK(render(t) == "FFFFFFFTTTT");
}

TEST_CASE("jinja undefined values behave like jinja2.Undefined", "[jinja][semantics]") {
  Json ctx = Json::object({{"d", Json::object()}, {"l", Json::array({1})}});
  CHECK(render("[{{ missing }}][{{ d.missing }}][{{ d['missing'] }}][{{ l[5] }}]", ctx) == "[][][][]");
  CHECK(render("{{ missing is defined }} {{ missing is undefined }} {{ d.x is defined }}", ctx) == "False True False");
  CHECK(render("{% if missing %}y{% else %}n{% endif %}{{ missing | length }}{% for x in missing %}x{% endfor %}") == "n0");
  CHECK(render("{{ missing ~ 'a' }}{{ 'b' in missing }}") == "aFalse");
  CHECK(render("{{ missing == missing }} {{ missing == none }}") == "True False");
  CHECK(error_of("{{ missing.attr }}") == "UndefinedError: 'missing' is undefined (line 1)");
  CHECK(error_of("{{ missing['k'] }}") == "UndefinedError: 'missing' is undefined (line 1)");
  CHECK(error_of("{{ missing() }}") == "UndefinedError: 'missing' is undefined (line 1)");
  CHECK(error_of("{{ d.k + 1 }}", ctx) == "UndefinedError: 'dict object' has no attribute 'k' (line 1)");
  CHECK(error_of("{{ 'x' + d.k }}", ctx) == "UndefinedError: 'dict object' has no attribute 'k' (line 1)");
  CHECK(error_of("{{ l[5] + 1 }}", ctx) == "UndefinedError: list object has no element 5 (line 1)");
  CHECK(error_of("{{ missing < 1 }}") == "UndefinedError: 'missing' is undefined (line 1)");
  CHECK(error_of("{{ none.x + 1 }}") == "UndefinedError: 'None' has no attribute 'x' (line 1)");
  CHECK(error_of("{{ ('y' if false).x }}") ==
        "UndefinedError: the inline if-expression on line 1 evaluated to false and no else section was defined. (line 1)");
}

TEST_CASE("jinja scoping: loops do not leak set, namespace objects do", "[jinja][semantics]") {
  CHECK(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}[{{ x }}]{% endfor %}{{ x }}") == "[2][3]1");
  CHECK(render("{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}") == "4");
  CHECK(render("{% if true %}{% set x = 2 %}{% endif %}{{ x }}") == "2");
  CHECK(render("{% for i in [1] %}{% set inner = 5 %}{% endfor %}[{{ inner }}]") == "[]");
  CHECK(render("{% with a = 1 %}{{ a }}{% endwith %}[{{ a }}]") == "1[]");
  CHECK(render("{% set ns = namespace() %}{% set ns.a = [1] %}{{ ns.a }} {{ ns }}") == "[1] <Namespace {'a': [1]}>");
  CHECK(starts_with(error_of("{% set s = 'x' %}{% set s.a = 1 %}"),
                    "TemplateRuntimeError: cannot assign attribute on non-namespace object"));
  Json ctx = Json::object({{"bos_token", "<s>"}});
  CHECK(render("{{ bos_token }}{% set bos_token = '' %}[{{ bos_token }}]", ctx) == "<s>[]");
}

TEST_CASE("jinja for loops and the loop variable", "[jinja][semantics]") {
  CHECK(render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
               "{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}") ==
        "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|");
  CHECK(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }},{% endfor %}") == "-2,1-3,2-,");
  CHECK(render("{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}") == "ababa");
  CHECK(render("{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}") == "1,3,5,7,9");
  CHECK(render("{% for x in [] %}x{% else %}empty{% endfor %}") == "empty");
  CHECK(render("{% for x in [1, 2] if x > 5 %}x{% else %}none passed{% endfor %}") == "none passed");
  CHECK(render("{% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}") == "012");
  CHECK(render("{% for x in range(5) %}{% if x is even %}{% continue %}{% endif %}{{ x }}{% endfor %}") == "13");
  CHECK(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}") == "a=1;b=2;");
  CHECK(render("{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}") == "ba");
  CHECK(render("{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}") == "123");
  CHECK(render("{% for x in [1, 2] %}{% for y in 'ab' %}{{ loop.index }}{{ y }}{% endfor %}{{ loop.index }};{% endfor %}") ==
        "1a2b1;1a2b2;");
  CHECK(render("{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %}") == "TrueFalseTrue");
  CHECK(render("{% for x in range(5) %}{% with y = x %}{% if y == 2 %}{% break %}{% endif %}{{ y }}{% endwith %}{% endfor %}") == "01");
  // jinja2 quirk: the else block runs when no iteration reached the end of the body.
  CHECK(render("{% for x in [1, 2] %}{% break %}{% else %}else{% endfor %}") == "else");
  CHECK(render("{% for x in [1, 2] %}{{ x }}{% if x == 2 %}{% break %}{% endif %}{% else %}else{% endfor %}") == "12");
  CHECK(render("{% set ns = namespace() %}{% for x in [7, 8] %}{% set ns.loop = loop %}{% endfor %}{{ ns.loop.index }}") == "2");
  CHECK(starts_with(error_of("{% for a, b in [1] %}{% endfor %}"), "TypeError: cannot unpack non-iterable int object"));
  CHECK(starts_with(error_of("{% for a, b in ['abc'] %}{% endfor %}"), "ValueError: too many values to unpack (expected 2)"));
  CHECK(starts_with(error_of("{% for x in 5 %}{% endfor %}"), "TypeError: 'int' object is not iterable"));
}

TEST_CASE("jinja recursive loops", "[jinja][semantics]") {
  Json tree = Json::array({Json::object({{"n", "a"}, {"c", Json::array({Json::object({{"n", "b"}, {"c", Json::array()}})})}})});
  CHECK(render("{% for item in tree recursive %}{{ item.n }}{{ loop.depth }}({{ loop(item.c) }}){% endfor %}",
               Json::object({{"tree", tree}})) == "a1(b2())");
}

TEST_CASE("jinja macros and call blocks", "[jinja][semantics]") {
  CHECK(render("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}"
               "{{ greet('Bob') }} {{ greet('Ann', greeting='Hi') }} {{ greet(greeting='Yo', name='Al') }}") ==
        "Hello, Bob! Hi, Ann! Yo, Al!");
  CHECK(render("{% macro f(a) %}[{{ a }}]{% endmacro %}{{ f() }}") == "[]");
  CHECK(render("{% macro f() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, a=3) }}") == "(1, 2){'a': 3}");
  CHECK(render("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}") == "<inner>");
  CHECK(render("{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}"
               "{% call(x) each([1, 2]) %}[{{ x }}]{% endcall %}") == "[1][2]");
  CHECK(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}") == "321");
  CHECK(render("{% set ns = namespace(v=0) %}{% macro bump() %}{% set ns.v = ns.v + 1 %}{% endmacro %}"
               "{{ bump() }}{{ bump() }}{{ ns.v }}") == "2");
  CHECK(render("{% macro m() %}{{ late }}{% endmacro %}{% set late = 'seen' %}{{ m() }}") == "seen");
  CHECK(render("{% macro m() %}x{% endmacro %}{{ m }}") == "<Macro 'm'>");
  CHECK(error_of("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}") ==
        "TypeError: macro 'f' takes not more than 1 argument(s) (line 1)");
  CHECK(error_of("{% macro f(a) %}{% endmacro %}{{ f(b=2) }}") == "TypeError: macro 'f' takes no keyword argument 'b' (line 1)");
}

TEST_CASE("jinja set blocks, filter blocks, generation blocks", "[jinja][semantics]") {
  CHECK(render("{% set x %}  hello {% endset %}[{{ x }}]") == "[  hello ]");
  CHECK(render("{% set x | trim | upper %}  hi  {% endset %}{{ x }}") == "HI");
  CHECK(render("{% filter upper %}abc{{ 'd' }}{% endfilter %}") == "ABCD");
  CHECK(render("{% generation %}kept{% endgeneration %}") == "kept");
  CHECK(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}") == "21");
}

TEST_CASE("jinja conditional expressions and membership", "[jinja][semantics]") {
  CHECK(render("{{ 'y' if true else 'n' }}|{{ 'y' if false }}|") == "y||");
  CHECK(render("{{ 'a' in 'cat' }} {{ 1 not in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 in range(5) }}") == "True False True True");
  CHECK(starts_with(error_of("{{ 1 in 'abc' }}"), "TypeError: 'in <string>' requires string as left operand, not int"));
  CHECK(starts_with(error_of("{{ 1 in none }}"), "TypeError: argument of type 'NoneType' is not iterable"));
}

TEST_CASE("jinja tests", "[jinja][semantics]") {
  CHECK(render("{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}") == "TrueTrueTrueFalse");
  CHECK(render("{{ none is none }}{{ 'a' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 5 is iterable }}") ==
        "TrueTrueTrueTrueFalse");
  CHECK(render("{{ 1 is number }}{{ true is number }}{{ true is integer }}{{ 1 is integer }}{{ 1.0 is float }}") ==
        "TrueTrueFalseTrueTrue");
  CHECK(render("{{ true is boolean }}{{ 1 is boolean }}{{ false is false }}{{ 0 is false }}{{ true is true }}") ==
        "TrueFalseTrueFalseTrue");
  CHECK(render("{{ 'abc' is sequence }}{{ {} is sequence }}{{ 1 is sequence }}{{ range is callable }}") ==
        "TrueTrueFalseTrue");
  CHECK(render("{{ 3 is gt 2 }}{{ 3 is lt 2 }}{{ 2 is eq 2 }}{{ 2 is equalto 3 }}{{ 2 is ne 3 }}{{ 'x' is in 'xy' }}") ==
        "TrueFalseTrueFalseTrueTrue");
  CHECK(render("{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'upper' is filter }}{{ 'odd' is test }}") == "TrueTrueTrueTrue");
  CHECK(render("{{ x is not defined }}") == "True");
}

TEST_CASE("jinja sandbox refuses mutating methods and private attributes", "[jinja][semantics]") {
  CHECK(error_of("{% set l = [] %}{% set _ = l.append(1) %}") ==
        "SecurityError: access to attribute 'append' of 'list' object is unsafe. (line 1)");
  CHECK(error_of("{% set d = {} %}{{ d.update({'a': 1}) }}") ==
        "SecurityError: access to attribute 'update' of 'dict' object is unsafe. (line 1)");
  CHECK(error_of("{{ [1].pop() }}") == "SecurityError: access to attribute 'pop' of 'list' object is unsafe. (line 1)");
  CHECK(render("[{{ ''.__class__ }}]") == "[]");
  CHECK(starts_with(error_of("{{ ''.__class__.__mro__ }}"), "SecurityError: access to attribute '__class__' of 'str' object is unsafe."));
  Json ctx = Json::object({{"m", Json::object({{"_private", 1}})}});
  CHECK(render("{{ m._private }}", ctx) == "1");
}

TEST_CASE("jinja globals", "[jinja][semantics]") {
  CHECK(render("{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }}") == "[0, 1, 2] [1, 4, 7] [5, 3, 1]");
  CHECK(render("{{ range(3) }} {{ range(3) | length }}") == "range(0, 3) 3");
  CHECK(starts_with(error_of("{{ range(200000) }}"), "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000)."));
  CHECK(render("{{ dict(a=1, b='x') }} {{ dict([('k', 2)]) }}") == "{'a': 1, 'b': 'x'} {'k': 2}");
  CHECK(error_of("{{ raise_exception('boom') }}") == "TemplateError: boom");
  CHECK(render("{{ strftime_now('%Y-%m-%d %H:%M:%S %A %a %B %b %j %d') }}") ==
        "2026-11-27 12:00:00 Friday Fri November Nov 331 27");
  CHECK(render("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}") == "abab");
  CHECK(render("{% set j = joiner('|') %}{% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}") == "a|b|c");
}

TEST_CASE("jinja Python string methods", "[jinja][semantics]") {
  CHECK(render("[{{ '  a b \\n'.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '  a'.lstrip() }}][{{ 'a  '.rstrip() }}]") ==
        "[a b][a][a][a]");
  CHECK(render("{{ 'a,b,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ ' a  b '.split() }} {{ 'a,b,c'.rsplit(',', 1) }}") ==
        "['a', 'b', 'c'] ['a', 'b,c'] ['a', 'b'] ['a,b', 'c']");
  CHECK(render("{{ ' a b '.split(none, 0) }} {{ ' a b c '.rsplit(none, 1) }}") == "['a b '] [' a b', 'c']");
  CHECK(render("{{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'a\\nb'.splitlines(true) }}") == "['a', 'b', 'c'] ['a\\n', 'b']");
  CHECK(render("{{ 'abc'.startswith('ab') }}{{ 'abc'.startswith(('x', 'a')) }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith('b', 1) }}") ==
        "TrueTrueTrueTrue");
  CHECK(render("{{ 'Hello'.upper() }} {{ 'Hello'.lower() }} {{ \"they're bill's\".title() }} {{ 'hELLO'.capitalize() }}") ==
        "HELLO hello They'Re Bill'S Hello");
  CHECK(render("{{ 'aaa'.replace('a', 'b', 2) }} {{ 'ab'.replace('', '-') }}") == "bba -a-b-");
  CHECK(render("{{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.find('z') }} {{ 'aXbXc'.count('X') }}") == "2 5 -1 2");
  CHECK(render("{{ '-'.join(['a', 'b']) }} {{ ''.join('xyz') }}") == "a-b xyz");
  CHECK(starts_with(error_of("{{ '-'.join([1]) }}"), "TypeError: sequence item 0: expected str instance, int found"));
  CHECK(render("{{ '{} and {}'.format(1, 'x') }} {{ '{name}!'.format(name='Bo') }} {{ '{0}{1}{0}'.format('a', 'b') }}") ==
        "1 and x Bo! aba");
  CHECK(render("{{ '{:>5}|{:<5}|{:^5}|{:*^7}'.format('a', 'b', 'c', 'd') }}") == "    a|b    |  c  |***d***");
  CHECK(render("{{ '{:.2f} {:05d} {:+d} {:,} {:x} {:e}'.format(3.14159, 42, 7, 1234567, 255, 12345.678) }}") ==
        "3.14 00042 +7 1,234,567 ff 1.234568e+04");
  CHECK(render("{{ '{!r} {!s}'.format('a', 'b') }} {{ '{0[k]} {0.k}'.format({'k': 'v'}) }} {{ '{{x}}'.format() }}") ==
        "'a' b v v {x}");
  CHECK(render("{{ 'ab'.center(6, '*') }} {{ '7'.zfill(3) }} {{ '-7'.zfill(4) }} {{ 'a'.ljust(3) }}|{{ 'a'.rjust(3) }}") ==
        "**ab** 007 -007 a  |  a");
  CHECK(render("{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }}") == "('a', '=', 'b=c') ('a=b', '=', 'c')");
  CHECK(render("{{ 'abc'.isalpha() }}{{ '123'.isdigit() }}{{ ' '.isspace() }}{{ 'Ab'.isupper() }}{{ ''.isalpha() }}") ==
        "TrueTrueTrueFalseFalse");
  CHECK(render("{{ 'prefix-x'.removeprefix('prefix-') }} {{ 'x.txt'.removesuffix('.txt') }}") == "x x");
}

TEST_CASE("jinja strings are sequences of code points", "[jinja][semantics]") {
  CHECK(render("{{ 'h\xC3\xA9llo'[1] }} {{ 'h\xC3\xA9llo' | length }} {{ 'h\xC3\xA9llo'[::-1] }}") ==
        "\xC3\xA9 5 oll\xC3\xA9h");
  CHECK(render("{{ '\xC3\xBC' | upper }}{{ '\xC3\x9F' | upper }}{{ '\xCE\xA3' | lower }}") == "\xC3\x9CSS\xCF\x83");
  CHECK(render("{{ 'hello'[1:3] }} {{ 'hello'[-3:] }} {{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3, 4][-2:] }} {{ (1, 2, 3)[1:] }}") ==
        "el llo [1, 3] [3, 4] (2, 3)");
  CHECK(render("{{ [1, 2, 3][5:] }} {{ 'abc'[10:] }}|{{ [1, 2, 3][::-1] }}") == "[] |[3, 2, 1]");
  CHECK(starts_with(error_of("{{ 'abc'[::0] }}"), "ValueError: slice step cannot be zero"));
}

TEST_CASE("jinja dict and list methods", "[jinja][semantics]") {
  CHECK(render("{{ {'a': 1}.get('a') }} {{ {'a': 1}.get('b', 'x') }} {{ {'a': 1}.get('b') }}") == "1 x None");
  CHECK(render("{{ {'a': 1}.items() | list }} {{ {'a': 1}.keys() | list }} {{ {'a': 1}.values() | list }}") ==
        "[('a', 1)] ['a'] [1]");
  CHECK(render("{{ {'a': 1}.items() }}") == "dict_items([('a', 1)])");
  CHECK(render("{{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}") == "2 1");
  Json ctx = Json::object({{"m", Json::object({{"items", "key wins for []"}, {"content", "c"}})}});
  // Attribute syntax finds the dict method first; subscript syntax finds the key first.
  CHECK(render("{{ m['items'] }}|{{ m.content }}|{{ m.items() | list | length }}", ctx) == "key wins for []|c|2");
}

TEST_CASE("jinja printf-style formatting", "[jinja][semantics]") {
  CHECK(render("{{ '%s is %d years' % ('Bo', 42) }}|{{ '%.2f' % 3.14159 }}|{{ '%5s|%-5s|' % ('a', 'b') }}") ==
        "Bo is 42 years|3.14|    a|b    |");
  CHECK(render("{{ '%(x)s-%(y)r' % {'x': 1, 'y': 'z'} }}|{{ '%03d%%' % 7 }}|{{ '%x %X %o' % (255, 255, 8) }}") ==
        "1-'z'|007%|ff FF 10");
  CHECK(starts_with(error_of("{{ '%s %s' % ('a',) }}"), "TypeError: not enough arguments for format string"));
  CHECK(starts_with(error_of("{{ '%s' % ('a', 'b') }}"), "TypeError: not all arguments converted during string formatting"));
}

TEST_CASE("jinja Markup (safe) strings escape what is added to them", "[jinja][semantics]") {
  // markupsafe: Markup + str escapes the str; `~` joins into a plain str.
  CHECK(render("{{ '<a>' | safe + '<b>' }}") == "<a>&lt;b&gt;");
  CHECK(render("{{ '<a>' + '<b>' | safe }}") == "&lt;a&gt;<b>");
  CHECK(render("{{ '<a>' ~ ('<b>' | safe) }}") == "<a><b>");
  CHECK(render("{{ '<b>' | escape }} {{ '<b>' | e | e }} {{ ('<b>' | safe) | upper }}") == "&lt;b&gt; &lt;b&gt; <B>");
  CHECK(render("{% autoescape true %}{{ '<b>' }}{{ '<i>' | safe }}{% endautoescape %}{{ '<u>' }}") == "&lt;b&gt;<i><u>");
}

TEST_CASE("jinja resource limits end runaway templates with errors", "[jinja][semantics][limits]") {
  Limits small;
  small.max_steps = 100000;
  small.max_bytes = 1 << 20;
  CHECK(error_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", Json::object(), small)
            .find("execution budget") != std::string::npos);
  CHECK(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", Json::object(), small).find("RecursionError") !=
        std::string::npos);
  CHECK(error_of("{{ 'a' * 100000000 }}", Json::object(), small).find("MemoryError") != std::string::npos);
  CHECK(error_of("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                 Json::object(), small)
            .find("MemoryError") != std::string::npos);
  CHECK(error_of("{% set ns = namespace(l=[]) %}{% for i in range(5000) %}{% set ns.l = [ns.l] %}{% endfor %}",
                 Json::object(), small)
            .find("RecursionError") != std::string::npos);
  CHECK(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}") == "<Namespace {'me': <Namespace {...}>}>");
}

// Cases from jinja2's own test suite (tests/test_core_tags.py), with its expected outputs.
TEST_CASE("jinja core tags match jinja2's test suite", "[jinja][semantics]") {
  CHECK(render("{% for item in [] %}{% else %}{{ item }}{% endfor %}", Json::object({{"item", 42}})) == "42");
  CHECK(render("<{% for item in seq %}{% else %}{% endfor %}>") == "<>");
  CHECK(render("{% for item in seq %}{{ loop.cycle('<1>', '<2>') }}{% endfor %}{% for item in seq %}{{ loop.cycle(*through) }}{% endfor %}",
               Json::object({{"seq", Json::array({0, 1, 2, 3})}, {"through", Json::array({"<1>", "<2>"})}})) ==
        "<1><2><1><2><1><2><1><2>");
  CHECK(render("{% for item in seq -%}\n {{ loop.previtem|default('x') }}-{{ item }}-{{ loop.nextitem|default('x') }}|\n{%- endfor %}",
               Json::object({{"seq", Json::array({0, 1, 2, 3})}})) == "x-0-1|0-1-2|1-2-3|2-3-x|");
  CHECK(render("{% for item in seq -%}\n{{ loop.changed(item) }},\n{%- endfor %}",
               Json::object({{"seq", Json::array({nullptr, nullptr, 1, 2, 2, 3, 4, 4, 4})}})) ==
        "True,False,True,True,False,True,True,False,False,");
  CHECK(render("{% for item in seq %}{% endfor %}{{ item }}", Json::object({{"seq", Json::array({1})}})) == "");
  CHECK(error_of("{% for item in none %}...{% endfor %}").rfind("TypeError", 0) == 0);
  Json seq = Json::array({Json::object({{"a", 1}, {"b", Json::array({Json::object({{"a", 1}}), Json::object({{"a", 2}})})}}),
                          Json::object({{"a", 2}, {"b", Json::array({Json::object({{"a", 1}}), Json::object({{"a", 2}})})}}),
                          Json::object({{"a", 3}, {"b", Json::array({Json::object({{"a", "a"}})})}})});
  Json rec = Json::object({{"seq", seq}});
  CHECK(render("{% for item in seq recursive -%}\n[{{ item.a }}{% if item.b %}<{{ loop(item.b) }}>{% endif %}]\n{%- endfor %}",
               rec) == "[1<[1][2]>][2<[1][2]>][3<[a]>]");
  CHECK(render("{% for item in seq recursive -%}\n[{{ loop.previtem.a if loop.previtem is defined else 'x' }}.{{ item.a }}."
               "{{ loop.nextitem.a if loop.nextitem is defined else 'x' }}{% if item.b %}<{{ loop(item.b) }}>{% endif %}]\n"
               "{%- endfor %}",
               rec) == "[x.1.2<[x.1.2][1.2.x]>][1.2.3<[x.1.2][1.2.x]>][2.3.x<[x.a.x]>]");
  CHECK(render("{% for item in seq recursive -%}\n[{{ loop.depth0 }}:{{ item.a }}{% if item.b %}<{{ loop(item.b) }}>{% endif %}]\n"
               "{%- endfor %}",
               rec) == "[0:1<[1:1][1:2]>][0:2<[1:1][1:2]>][0:3<[1:a]>]");
  CHECK(render("{% for row in table %}{%- set rowloop = loop -%}{% for cell in row -%}[{{ rowloop.index }}|{{ loop.index }}]"
               "{%- endfor %}{%- endfor %}",
               Json::object({{"table", Json::array({"ab", "cd"})}})) == "[1|1][1|2][2|1][2|2]");
  CHECK(error_of("{% for item in [1] if loop.index == 0 %}...{% endfor %}").rfind("UndefinedError", 0) == 0);
  CHECK(render("{% for item in [] %}...{% else %}{{ loop }}{% endfor %}") == "");
  CHECK(render("{%- for item in range(10) if item is even %}[{{ loop.index }}:{{ item }}]{% endfor %}") == "[1:0][2:2][3:4][4:6][5:8]");
  CHECK(render("{% for s in seq %}[{{ loop.first }}{% for c in s %}|{{ loop.first }}{% endfor %}]{% endfor %}",
               Json::object({{"seq", Json::array({"ab", "cd"})}})) == "[True|True|False][False|True|False]");
  CHECK(render("{%- macro do_something() -%}[{{ caller() }}]{%- endmacro %}{%- for i in [1, 2, 3] %}"
               "{%- call do_something() -%}{{ i }}{%- endcall %}{%- endfor -%}") == "[1][2][3]");
  CHECK(render("{%- for item in foo %}...{{ item }}...{% endfor %}{%- macro item(a) %}...{{ a }}...{% endmacro %}{{- item(2) -}}",
               Json::object({{"foo", Json::array({1})}})) == "...1......2...");
  CHECK(render("{% for a, b, c in [[1, 2, 3]] %}{{ a }}|{{ b }}|{{ c }}{% endfor %}") == "1|2|3");
  Json x0 = Json::object({{"x", 0}, {"seq", Json::array({1, 2, 3})}});
  CHECK(render("{% for item in seq %}{{ x }}{% set x = item %}{{ x }}{% endfor %}", x0) == "010203");
  CHECK(render("{% set x = 9 %}{% for item in seq %}{{ x }}{% set x = item %}{{ x }}{% endfor %}", x0) == "919293");
  CHECK(render("{% if a %}A{% elif b %}B{% elif c == d %}C{% else %}D{% endif %}",
               Json::object({{"a", 0}, {"b", false}, {"c", 42}, {"d", 42.0}})) == "C");
  std::string elifs = "{% if a == 0 %}0";
  for (int i = 1; i < 1000; ++i) elifs += "\n{% elif a == " + std::to_string(i) + " %}" + std::to_string(i);
  elifs += "{% else %}x{% endif %}";
  CHECK(render(elifs, Json::object({{"a", 999}})) == "999");
  CHECK(render("{% macro level1(data1) %}{% macro level2(data2) %}{{ data1 }}|{{ data2 }}{% endmacro %}{{ level2('bar') }}"
               "{% endmacro %}{{ level1('foo') }}") == "foo|bar");
  CHECK(render("{% macro m(a, b, c='c', d='d') %}{{ a }}|{{ b }}|{{ c }}|{{ d }}{% endmacro %}"
               "{{ m() }}|{{ m('a') }}|{{ m('a', 'b') }}|{{ m(1, 2, 3) }}") == "||c|d|a||c|d|a|b|c|d|1|2|3|d");
  CHECK(error_of("{% macro m(a, b=1, c) %}{% endmacro %}").rfind("TemplateSyntaxError", 0) == 0);
  CHECK(render("{% macro test() %}{{ varargs|join('|') }}{% endmacro %}{{ test(1, 2, 3) }}") == "1|2|3");
  CHECK(render("{% macro test() %}[[{{ caller('data') }}]]{% endmacro %}{% call(data) test() %}{{ data }}{% endcall %}") == "[[data]]");
  CHECK(render("{% set caller = 42 %}{% macro test() %}{{ caller is not defined }}{% endmacro %}{{ test() }}") == "True");
  CHECK(render("{% macro foo(x) %}{{ x }}{% if x > 1 %}|{{ foo(x - 1) }}{% endif %}{% endmacro %}{{ foo(5) }}") == "5|4|3|2|1");
  const char* self_ref = "{%- set x = 42 %}{%- macro m(a, b=x, x=23) %}{{ a }}|{{ b }}|{{ x }}{% endmacro -%}";
  CHECK(render(std::string(self_ref) + "{{ m(1) }}") == "1||23");
  CHECK(render(std::string(self_ref) + "{{ m(1, 2) }}") == "1|2|23");
  CHECK(render(std::string(self_ref) + "{{ m(1, 2, 3) }}") == "1|2|3");
  CHECK(render(std::string(self_ref) + "{{ m(1, x=7) }}") == "1|7|7");
  CHECK(render("{% set foo %}42{% endset %}{{ foo }}") == "42");
  CHECK(error_of("{% set foo['bar'] = 1 %}").rfind("TemplateSyntaxError", 0) == 0);
  CHECK(error_of("{% set foo.bar = 1 %}", Json::object({{"foo", Json::object()}})).find("non-namespace object") != std::string::npos);
  CHECK(render("{% set ns = namespace() %}{% set ns.bar %}42{% endset %}{{ ns.bar }}") == "42");
  CHECK(render("{% set ns = namespace(d, self=37) %}{% set ns.b = 42 %}{{ ns.a }}|{{ ns.self }}|{{ ns.b }}",
               Json::object({{"d", Json::object({{"a", 13}})}})) == "13|37|42");
  CHECK(render("{% set ns = namespace() %}{% set ns.a = 13 %}{% macro magic(x) %}{% set x.b = 37 %}{% endmacro %}{{ magic(ns) }}"
               "{{ ns.a }}|{{ ns.b }}") == "13|37");
  CHECK(render("{% set foo | trim | length | string %} 42    {% endset %}{{ foo }}") == "2");
  CHECK(render("{%- with a=1, b=2, c=b, d=e, e=5 -%}{{ a }}|{{ b }}|{{ c }}|{{ d }}|{{ e }}{%- endwith -%}",
               Json::object({{"b", 3}, {"e", 4}})) == "1|2|3|4|5");
}

TEST_CASE("ChatTemplate parses once and renders with the Hugging Face context", "[jinja][chat_template]") {
  using hearth::tmpl::ChatTemplate;
  ChatTemplate t = ChatTemplate::jinja(
      "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}<|assistant|>{% endif %}{{ strftime_now('%Y') }}");
  CHECK(t.language() == ChatTemplate::Language::Jinja);
  Json ctx = Json::parse(R"({"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": true,
                             "bos_token": "<s>"})");
  hearth::tmpl::RenderOptions fixed;
  fixed.now = hearth::tmpl::CivilTime{2031, 1, 2, 3, 4, 5};
  CHECK(t.render(ctx, fixed) == "<s><|user|>hi<|assistant|>2031");
  CHECK_THROWS_AS(ChatTemplate::jinja("{% if %}"), hearth::tmpl::TemplateError);
  CHECK_THROWS_AS(t.render(Json::array()), hearth::tmpl::TemplateError);  // the context must be an object
  // .gotmpl sources go to the Go engine, which has its own suite (gotmpl); here only the dispatch.
  ChatTemplate go = ChatTemplate::go("{{ range .Messages }}[{{ .Role }}:{{ .Content }}]{{ end }}");
  CHECK(go.language() == ChatTemplate::Language::Go);
  CHECK(go.render(ctx) == "[user:hi]");
}
