// Go text/template execution semantics. The cases and their expected outputs are taken from Go's
// own test tables (src/text/template/exec_test.go: execTests, cmpTests, TestInterfaceValues,
// TestMissingMapKey, TestExecError, TestTree, TestBlock), with the Go test data rebuilt as
// Values. Cases that need Go features outside templates' reach (methods with arguments,
// channels, complex numbers, custom delimiters) are left out.
#include <catch2/catch.hpp>

#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/gotmpl.h"

using namespace hearth;
using namespace hearth::tmpl::gotmpl;

namespace {

const GoType kT{"*template.T", {}, {{"Method0", [](const Value&) { return Value("M0"); }}}, {}, {}, true};
const GoType kU{"*template.U", {}, {}, {}, {}, true};
const GoType kV{"template.V",
                [](const Value& v) {
                  std::string s = "<";
                  s += std::to_string(v.as_struct().values[0].as_int());
                  s += '>';
                  return s;
                },
                {},
                {},
                {},
                false};
const GoType kMapStringInt{"map[string]int", {}, {}, {}, [] { return Value(int64_t{0}); }, false};
const GoType kIntSlice{"[]int", {}, {}, {}, {}, false};

Value ints(std::initializer_list<int64_t> xs) {
  Value::List l;
  for (int64_t x : xs) l.emplace_back(x);
  return Value::make_list(std::move(l), &kIntSlice);
}

Value msi(std::initializer_list<std::pair<const char*, int64_t>> kv) {
  Value::Map m;
  for (const auto& [k, v] : kv) m.emplace(k, Value(v));
  return Value::make_map(std::move(m), &kMapStringInt);
}

Value u_value(const char* v) { return Value::make_struct({{"V"}}, {Value(v)}, &kU); }
Value v_value(int64_t j) { return Value::make_struct({{"j", "", false, false}}, {Value(j)}, &kV); }

// Go's tVal, as far as templates can observe it.
Value t_val() {
  std::vector<StructField> f;
  std::vector<Value> v;
  auto add = [&](const char* name, Value value, bool exported = true) {
    f.push_back(StructField{name, "", false, exported});
    v.push_back(std::move(value));
  };
  add("True", Value(true));
  add("I", Value(int64_t{17}));
  add("U16", Value(int64_t{16}));
  add("X", Value("x"));
  add("FloatZero", Value(0.0));
  add("U", u_value("v"));
  add("V0", v_value(6666));
  add("V1", v_value(7777));
  add("SI", ints({3, 4, 5}));
  add("SIEmpty", Value::nil_list(&kIntSlice));
  add("SB", Value::make_list({Value(true), Value(false)}));
  add("MSI", msi({{"one", 1}, {"two", 2}, {"three", 3}}));
  add("MSIone", msi({{"one", 1}}));
  add("MSIEmpty", Value::nil_map(&kMapStringInt));
  add("MXI", msi({{"one", 1}}));
  add("SMSI", Value::make_list({msi({{"one", 1}, {"two", 2}}), msi({{"eleven", 11}, {"twelve", 12}})}));
  add("Empty0", Value::nil());
  add("Empty1", Value(int64_t{3}));
  add("Empty2", Value("empty2"));
  add("Empty3", ints({7, 8}));
  add("Empty4", u_value("UinEmpty"));
  add("PSI", ints({21, 22, 23}));
  add("unexported", Value(int64_t{0}), false);
  return Value::make_struct(std::move(f), std::move(v), &kT);
}

// The helper functions of Go's testExecute.
FunctionTable test_functions() {
  using P = ParamKind;
  FunctionTable t;
  t.emplace("typeOf", Function{{P::Any}, false, [](std::span<const Value> a) { return Value(sprintf("%T", a)); }});
  t.emplace("zeroArgs", Function{{}, false, [](std::span<const Value>) { return Value("zeroArgs"); }});
  t.emplace("oneArg", Function{{P::String}, false, [](std::span<const Value> a) { return Value("oneArg=" + a[0].as_string()); }});
  t.emplace("twoArgs", Function{{P::String, P::String}, false, [](std::span<const Value> a) {
                                  return Value("twoArgs=" + a[0].as_string() + a[1].as_string());
                                }});
  t.emplace("add", Function{{P::Int}, true, [](std::span<const Value> a) {
                              int64_t sum = 0;
                              for (const Value& x : a) sum += x.as_int();
                              return Value(sum);
                            }});
  t.emplace("echo", Function{{P::Any}, false, [](std::span<const Value> a) { return a[0]; }});
  t.emplace("makemap", Function{{P::String}, true, [](std::span<const Value> a) {
                                  Value::Map m;
                                  for (std::size_t i = 0; i + 1 < a.size(); i += 2) m.insert_or_assign(a[i].as_string(), a[i + 1]);
                                  return Value::make_map(std::move(m));
                                }});
  t.emplace("mapOfThree", Function{{}, false, [](std::span<const Value>) { return msi({{"three", 3}}); }});
  t.emplace("returnInt", Function{{}, false, [](std::span<const Value>) { return Value(int64_t{7}); }});
  t.emplace("valueString", Function{{P::String}, false, [](std::span<const Value>) { return Value("value is ignored"); }});
  return t;
}

struct ExecCase {
  const char* name;
  const char* input;
  const char* output;
  bool ok;
};

// Go's default Option (missingkey=invalid), as the Go tests run.
std::string run_go(const std::string& src, const Value& data) {
  Template t = Template::parse(src, test_functions());
  return t.execute_with(data, t.functions(), ExecLimits{}, false);
}

void check_cases(const std::vector<ExecCase>& cases, const Value& data) {
  for (const ExecCase& c : cases) {
    INFO(c.name << ": " << c.input);
    if (c.ok) {
      std::string got;
      CHECK_NOTHROW(got = run_go(c.input, data));
      CHECK(got == c.output);
    } else {
      CHECK_THROWS_AS(run_go(c.input, data), GoTemplateError);
    }
  }
}

}  // namespace

TEST_CASE("gotmpl: Go execTests", "[gotmpl][exec]") {
  const std::vector<ExecCase> cases = {
      {"empty", "", "", true},
      {"text", "some text", "some text", true},
      {"nil action", "{{nil}}", "", false},
      {"ideal int", "{{typeOf 3}}", "int", true},
      {"ideal float", "{{typeOf 1.0}}", "float64", true},
      {"ideal exp float", "{{typeOf 1e1}}", "float64", true},
      {"ideal int max", "{{typeOf 0x7fffffffffffffff}}", "int", true},
      {"ideal too big", "{{typeOf 0x8000000000000000}}", "", false},
      {"ideal nil without type", "{{nil}}", "", false},
      {".X", "-{{.X}}-", "-x-", true},
      {".U.V", "-{{.U.V}}-", "-v-", true},
      {".unexported", "{{.unexported}}", "", false},
      {"map .one", "{{.MSI.one}}", "1", true},
      {"map .two", "{{.MSI.two}}", "2", true},
      {"map .NO", "{{.MSI.NO}}", "<no value>", true},
      {"map .one interface", "{{.MXI.one}}", "1", true},
      {"map .WRONG args", "{{.MSI.one 1}}", "", false},
      {"$.I", "{{$.I}}", "17", true},
      {"$.U.V", "{{$.U.V}}", "v", true},
      {"declare in action", "{{$x := $.U.V}}{{$x}}", "v", true},
      {"V{6666}.String()", "-{{.V0}}-", "-<6666>-", true},
      {"&V{7777}.String()", "-{{.V1}}-", "-<7777>-", true},
      {"*[]int", "{{.PSI}}", "[21 22 23]", true},
      {"*[]int[1]", "{{index .PSI 1}}", "22", true},
      {"empty nil", "{{.Empty0}}", "<no value>", true},
      {"empty with int", "{{.Empty1}}", "3", true},
      {"empty with string", "{{.Empty2}}", "empty2", true},
      {"empty with slice", "{{.Empty3}}", "[7 8]", true},
      {"empty with struct", "{{.Empty4}}", "{UinEmpty}", true},
      {"empty with struct, field", "{{.Empty4.V}}", "UinEmpty", true},
      {".Method0", "-{{.Method0}}-", "-M0-", true},
      {"parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", "1 5 15", true},
      {"parens: $ in paren", "{{($).X}}", "x", true},
      {"parens: $ in paren in pipe", "{{($ | echo).X}}", "x", true},
      {"parens: spaces and args", R"({{(makemap "up" "down" "left" "right").left}})", "right", true},
      {"if true", "{{if true}}TRUE{{end}}", "TRUE", true},
      {"if false", "{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE", true},
      {"if nil", "{{if nil}}TRUE{{end}}", "", false},
      {"if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", true},
      {"if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", true},
      {"if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", true},
      {"if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", true},
      {"if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", true},
      {"if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", true},
      {"if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", true},
      {"if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", true},
      {"if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", true},
      {"if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", true},
      {"if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", true},
      {"if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", "ZERO", true},
      {"if $x with $y int", "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}", "true,17", true},
      {"if $x with $x int", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", "17,true", true},
      {"if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", true},
      {"if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", true},
      {"print", R"({{print "hello, print"}})", "hello, print", true},
      {"print 123", "{{print 1 2 3}}", "1 2 3", true},
      {"print nil", "{{print nil}}", "<nil>", true},
      {"println", "{{println 1 2 3}}", "1 2 3\n", true},
      {"printf int", R"({{printf "%04x" 127}})", "007f", true},
      {"printf float", R"({{printf "%g" 3.5}})", "3.5", true},
      {"printf string", R"({{printf "%s" "hello"}})", "hello", true},
      {"printf function", R"({{printf "%#q" zeroArgs}})", "`zeroArgs`", true},
      {"printf field", R"({{printf "%s" .U.V}})", "v", true},
      {"printf method", R"({{printf "%s" .Method0}})", "M0", true},
      {"printf dot", R"({{with .I}}{{printf "%d" .}}{{end}})", "17", true},
      {"printf var", R"({{with $x := .I}}{{printf "%d" $x}}{{end}})", "17", true},
      {"html", R"({{html "<script>alert(\"XSS\");</script>"}})", "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", true},
      {"html pipeline", R"({{printf "<script>alert(\"XSS\");</script>" | html}})",
       "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", true},
      {"urlquery", R"({{"http://www.example.org/"|urlquery}})", "http%3A%2F%2Fwww.example.org%2F", true},
      {"not", "{{not true}} {{not false}}", "false true", true},
      {"and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", true},
      {"or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", true},
      {"boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE", true},
      {"boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", true},
      {"slice[0]", "{{index .SI 0}}", "3", true},
      {"slice[1]", "{{index .SI 1}}", "4", true},
      {"slice[HUGE]", "{{index .SI 10}}", "", false},
      {"slice[WRONG]", "{{index .SI `hello`}}", "", false},
      {"slice[nil]", "{{index .SI nil}}", "", false},
      {"map[one]", "{{index .MSI `one`}}", "1", true},
      {"map[two]", "{{index .MSI `two`}}", "2", true},
      {"map[NO]", "{{index .MSI `XXX`}}", "0", true},
      {"map[nil]", "{{index .MSI nil}}", "", false},
      {"map[``]", "{{index .MSI ``}}", "0", true},
      {"map[WRONG]", "{{index .MSI 10}}", "", false},
      {"double index", "{{index .SMSI 1 `eleven`}}", "11", true},
      {"nil[1]", "{{index nil 1}}", "", false},
      {"len slice", "{{len .SI}}", "3", true},
      {"len map", "{{len .MSI }}", "3", true},
      {"len of int", "{{len 3}}", "", false},
      {"len of nothing", "{{len .Empty0}}", "", false},
      {"with true", "{{with true}}{{.}}{{end}}", "true", true},
      {"with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE", true},
      {"with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", "1", true},
      {"with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO", true},
      {"with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5", true},
      {"with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", true},
      {"with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", true},
      {"with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty", true},
      {"with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", true},
      {"with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", "[3 4 5]", true},
      {"with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", true},
      {"with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", "map[one:1]", true},
      {"with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", "UinEmpty", true},
      {"with $x int", "{{with $x := .I}}{{$x}}{{end}}", "17", true},
      {"with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", "v", true},
      {"with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", "v", true},
      {"with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", "true", true},
      {"range []int", "{{range .SI}}-{{.}}-{{end}}", "-3--4--5-", true},
      {"range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", "", true},
      {"range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", "-3--4--5-", true},
      {"range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", true},
      {"range []bool", "{{range .SB}}-{{.}}-{{end}}", "-true--false-", true},
      {"range map", "{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-", true},
      {"range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", "", true},
      {"range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", "-1--3--2-", true},
      {"range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", true},
      {"range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", "-7--8-", true},
      {"range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", "", true},
      {"range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>", true},
      {"range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", "<0=3><1=4><2=5>", true},
      {"range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", "<1>", true},
      {"range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", "<one=1>", true},
      {"range $x PSI", "{{range $x := .PSI}}<{{$x}}>{{end}}", "<21><22><23>", true},
      {"declare in range", "{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}", "<21><22><23>", true},
      {"range quick break", "{{range .SI}}{{break}}{{.}}{{end}}", "", true},
      {"range break after two", "{{range $i, $x := .SI}}{{if ge $i 2}}{{break}}{{end}}{{.}}{{end}}", "34", true},
      {"range continue", "{{range .SI}}{{continue}}{{.}}{{end}}", "", true},
      {"range continue condition", "{{range .SI}}{{if eq . 3 }}{{continue}}{{end}}{{.}}{{end}}", "45", true},
      {"range 10", "{{range 10}}{{.}}{{end}}", "0123456789", true},
      {"range $i over int", "{{range $i := 3}}<{{$i}}>{{end}}", "<0><1><2>", true},
      {"range int two vars", "{{range $i, $j := 3}}{{end}}", "", false},
      {"or as if true", R"({{or .SI "slice is empty"}})", "[3 4 5]", true},
      {"or as if false", R"({{or .SIEmpty "slice is empty"}})", "slice is empty", true},
      {"bug0", "{{range .MSIone}}{{if $.Method0}}X{{end}}{{end}}", "X", true},
      {"bug3", "{{with $}}{{.Method0}}{{end}}", "M0", true},
      {"bug4", "{{if .Empty0}}non-nil{{else}}nil{{end}}", "nil", true},
      {"bug7a", "{{3 2}}", "", false},
      {"bug7b", "{{$x := 1}}{{$x 2}}", "", false},
      {"bug7c", "{{$x := 1}}{{3 | $x}}", "", false},
      {"bug8a", "{{3|oneArg}}", "", false},
      {"bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", "3-3", true},
      {"bug12xe", "{{printf `%T` 0xef}}", "int", true},
      {"bug12xE", "{{printf `%T` 0xEE}}", "int", true},
      {"bug12Xe", "{{printf `%T` 0Xef}}", "int", true},
      {"bug12XE", "{{printf `%T` 0XEE}}", "int", true},
      {"bug14a", "{{(nil).True}}", "", false},
      {"bug14b", "{{$x := nil}}{{$x.anything}}", "", false},
      {"bug14c", R"({{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}})", "", false},
      {"bug15", "{{valueString returnInt}}", "", false},
      {"bug16a", "{{true|printf}}", "", false},
      {"bug16b", "{{1|printf}}", "", false},
      {"bug16c", "{{1.1|printf}}", "", false},
      {"bug16d", "{{'x'|printf}}", "", false},
      {"bug16f", "{{true|twoArgs \"xxx\"}}", "", false},
      {"bug16g", "{{\"aaa\" |twoArgs \"bbb\"}}", "twoArgs=bbbaaa", true},
      {"bug16h", "{{1|oneArg}}", "", false},
      {"bug16i", "{{\"aaa\"|oneArg}}", "oneArg=aaa", true},
      {"bug16k", "{{\"aaa\"|printf }}", "aaa", true},
  };
  check_cases(cases, t_val());
}

TEST_CASE("gotmpl: Go execTests on plain values", "[gotmpl][exec]") {
  CHECK(run_go("<{{.}}>", Value(int64_t{13})) == "<13>");
  CHECK(run_go("<{{.}}>", Value(15.1)) == "<15.1>");
  CHECK(run_go("<{{.}}>", Value(true)) == "<true>");
  CHECK(run_go("<{{.}}>", Value("hello")) == "<hello>");
  CHECK(run_go("<{{.}}>", ints({-1, -2, -3})) == "<[-1 -2 -3]>");
  CHECK(run_go("<{{.}}>", msi({{"two", 22}})) == "<map[two:22]>");
  CHECK(run_go("<{{.}}>", Value::make_struct({{"a", "", false, false}, {"b", "", false, false}},
                                             {Value(int64_t{7}), Value("seven")})) == "<{7 seven}>");
  CHECK(run_go("{{$}}", Value(int64_t{123})) == "123");
  CHECK(run_go("{{js .}}", Value("It'd be nice.")) == R"(It\'d be nice.)");
  Value::Map cause;
  cause.emplace("cause", Value("neglect"));
  CHECK(run_go("{{.cause}}", Value::make_map(std::move(cause))) == "neglect");  // bug9
}

TEST_CASE("gotmpl: Go cmpTests", "[gotmpl][exec]") {
  Value data = Value::make_struct({{"Uthree"}, {"Ufour"}, {"NegOne"}, {"Three"}, {"NonNilMap"}, {"Map"}, {"V1"}, {"V2"}, {"NilIface"}},
                                  {Value(int64_t{3}), Value(int64_t{4}), Value(int64_t{-1}), Value(int64_t{3}),
                                   Value::make_map({}), Value::nil_map(), v_value(0), v_value(0), Value::nil()});
  struct Cmp {
    const char* expr;
    const char* truth;
    bool ok;
  };
  const std::vector<Cmp> cases = {
      {"eq true true", "true", true},     {"eq true false", "false", true},   {"eq 1.5 1.5", "true", true},
      {"eq 1.5 2.5", "false", true},      {"eq 1 1", "true", true},           {"eq 1 2", "false", true},
      {"eq `xy` `xy`", "true", true},     {"eq `xy` `xyz`", "false", true},   {"eq .Uthree .Uthree", "true", true},
      {"eq .Uthree .Ufour", "false", true}, {"eq 3 4 5 6 3", "true", true},   {"eq 3 4 5 6 7", "false", true},
      {"ne true true", "false", true},    {"ne true false", "true", true},    {"ne 1.5 1.5", "false", true},
      {"ne 1.5 2.5", "true", true},       {"ne 1 1", "false", true},          {"ne 1 2", "true", true},
      {"ne `xy` `xy`", "false", true},    {"ne `xy` `xyz`", "true", true},    {"ne .Uthree .Uthree", "false", true},
      {"ne .Uthree .Ufour", "true", true}, {"lt 1.5 1.5", "false", true},     {"lt 1.5 2.5", "true", true},
      {"lt 1 1", "false", true},          {"lt 1 2", "true", true},           {"lt `xy` `xy`", "false", true},
      {"lt `xy` `xyz`", "true", true},    {"lt .Uthree .Uthree", "false", true}, {"lt .Uthree .Ufour", "true", true},
      {"le 1.5 1.5", "true", true},       {"le 1.5 2.5", "true", true},       {"le 2.5 1.5", "false", true},
      {"le 1 1", "true", true},           {"le 1 2", "true", true},           {"le 2 1", "false", true},
      {"le `xy` `xy`", "true", true},     {"le `xy` `xyz`", "true", true},    {"le `xyz` `xy`", "false", true},
      {"le .Uthree .Uthree", "true", true}, {"le .Uthree .Ufour", "true", true}, {"le .Ufour .Uthree", "false", true},
      {"gt 1.5 1.5", "false", true},      {"gt 1.5 2.5", "false", true},      {"gt 1 1", "false", true},
      {"gt 2 1", "true", true},           {"gt 1 2", "false", true},          {"gt `xy` `xy`", "false", true},
      {"gt `xy` `xyz`", "false", true},   {"gt .Uthree .Uthree", "false", true}, {"gt .Uthree .Ufour", "false", true},
      {"gt .Ufour .Uthree", "true", true}, {"ge 1.5 1.5", "true", true},      {"ge 1.5 2.5", "false", true},
      {"ge 2.5 1.5", "true", true},       {"ge 1 1", "true", true},           {"ge 1 2", "false", true},
      {"ge 2 1", "true", true},           {"ge `xy` `xy`", "true", true},     {"ge `xy` `xyz`", "false", true},
      {"ge `xyz` `xy`", "true", true},    {"ge .Uthree .Uthree", "true", true}, {"ge .Uthree .Ufour", "false", true},
      {"ge .Ufour .Uthree", "true", true},
      {"lt .NegOne .Uthree", "true", true}, {"lt .Uthree .NegOne", "false", true},
      {"eq (index `x` 0) 'x'", "true", true}, {"eq (index `x` 0) 'y'", "false", true},
      {"eq .V1 .V2", "true", true},
      {"eq .NilIface .NilIface", "true", true}, {"eq .NilIface 0", "false", true}, {"eq 0 .NilIface", "false", true},
      {"eq .Map .Map", "true", true},     {"eq .Map nil", "true", true},      {"eq nil .Map", "true", true},
      {"eq .Map .NonNilMap", "false", true},
      {"eq `xy` 1", "", false},           {"eq 2 2.0", "", false},            {"lt true true", "", false},
      {"eq .Map .V1", "", false},         {"eq .NonNilMap .NonNilMap", "", false},
  };
  for (const Cmp& c : cases) {
    INFO(c.expr);
    std::string src = std::string("{{if ") + c.expr + "}}true{{else}}false{{end}}";
    if (c.ok) CHECK(run_go(src, data) == c.truth);
    else CHECK_THROWS_AS(run_go(src, data), GoTemplateError);
  }
}

TEST_CASE("gotmpl: Go TestInterfaceValues", "[gotmpl][exec]") {
  Value::Map m;
  m.emplace("Slice", ints({0, 1, 2, 3}));
  m.emplace("One", Value(int64_t{1}));
  m.emplace("Two", Value(int64_t{2}));
  m.emplace("Nil", Value::nil());
  m.emplace("Zero", Value(int64_t{0}));
  Value data = Value::make_map(std::move(m));
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"{{index .Slice 2}}", "2"},        {"{{index .Slice .Two}}", "2"},     {"{{and (index .Slice 0) true}}", "0"},
      {"{{and .Zero true}}", "0"},        {"{{and (index .Slice 1) false}}", "false"}, {"{{and .One false}}", "false"},
      {"{{or (index .Slice 0) false}}", "false"}, {"{{or .Zero false}}", "false"}, {"{{or (index .Slice 1) true}}", "1"},
      {"{{or .One true}}", "1"},          {"{{not (index .Slice 0)}}", "true"}, {"{{not .Zero}}", "true"},
      {"{{not (index .Slice 1)}}", "false"}, {"{{not .One}}", "false"},      {"{{eq (index .Slice 0) .Zero}}", "true"},
      {"{{eq (index .Slice 1) .One}}", "true"}, {"{{ne (index .Slice 0) .Zero}}", "false"},
      {"{{ne (index .Slice 1) .One}}", "false"}, {"{{ge (index .Slice 0) .One}}", "false"},
      {"{{ge (index .Slice 1) .Zero}}", "true"}, {"{{gt (index .Slice 0) .One}}", "false"},
      {"{{gt (index .Slice 1) .Zero}}", "true"}, {"{{le (index .Slice 0) .One}}", "true"},
      {"{{le (index .Slice 1) .Zero}}", "false"}, {"{{lt (index .Slice 0) .One}}", "true"},
      {"{{lt (index .Slice 1) .Zero}}", "false"},
  };
  for (const auto& [src, want] : cases) {
    INFO(src);
    CHECK(run_go(src, data) == want);
  }
  CHECK_THROWS_WITH(run_go("{{index .Nil 1}}", data), Catch::Contains("index of untyped nil"));
  CHECK_THROWS_WITH(run_go("{{call .Nil 1}}", data), Catch::Contains("call of nil"));
}

TEST_CASE("gotmpl: Go TestMissingMapKey", "[gotmpl][exec]") {
  Value data = msi({{"x", 99}});
  Template t = Template::parse("{{.x}} {{.y}}");
  CHECK(t.execute_with(data, t.functions(), {}, false) == "99 <no value>");
  CHECK(t.execute(data) == "99 0");  // missingkey=zero: the map's element zero
  // For map[string]any the zero element is a nil interface, which prints as "<no value>" too.
  CHECK(t.execute(Json::parse(R"({"x": 99})")) == "99 <no value>");
}

TEST_CASE("gotmpl: Go TestExecError message", "[gotmpl][exec]") {
  const std::string src =
      "line 1\nline 2\nline 3\n{{template \"one\" .}}\n{{define \"one\"}}{{template \"two\" .}}{{end}}\n"
      "{{define \"two\"}}{{template \"three\" .}}{{end}}\n{{define \"three\"}}{{index \"hi\" $}}{{end}}";
  // Go names the parse "top"; ours is unnamed, so the location reads ":7:20".
  CHECK_THROWS_WITH(run_go(src, Value(int64_t{5})),
                    R"(template: :7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5)");
}

TEST_CASE("gotmpl: Go TestTree (recursive define, trim markers)", "[gotmpl][exec]") {
  // Go's treeTemplate with "(" ")" delimiters, spelled with the standard ones.
  const std::string src =
      "\n\t{{- define \"tree\" -}}\n\t[\n\t\t{{- .Val -}}\n\t\t{{- with .Left -}}\n\t\t\t{{template \"tree\" . -}}\n\t\t{{- end "
      "-}}\n\t\t{{- with .Right -}}\n\t\t\t{{- template \"tree\" . -}}\n\t\t{{- end -}}\n\t]\n\t{{- end -}}\n";
  std::function<Json(int, Json, Json)> node = [](int v, Json l, Json r) {
    return Json::object({{"Val", v}, {"Left", std::move(l)}, {"Right", std::move(r)}});
  };
  Json tree = node(1, node(2, node(3, node(4, nullptr, nullptr), nullptr), node(5, node(6, nullptr, nullptr), nullptr)),
                   node(7, node(8, node(9, nullptr, nullptr), nullptr), node(10, node(11, nullptr, nullptr), nullptr)));
  Template t = Template::parse(src);
  CHECK(t.execute_template("tree", Value::from_json(tree)) == "[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]");
}

TEST_CASE("gotmpl: Go TestBlock and TestMaxExecDepth", "[gotmpl][exec]") {
  CHECK(run_go(R"(a({{block "inner" .}}bar({{.}})baz{{end}})b)", Value("hello")) == "a(bar(hello)baz)b");
  CHECK_THROWS_WITH(run_go(R"({{define "tmpl"}}{{template "tmpl" .}}{{end}}{{template "tmpl" .}})", Value()),
                    Catch::Contains("exceeded maximum template depth"));
}
