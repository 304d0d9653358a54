// Go fmt and encoding/json as template output sees them. Expected strings come from Go's
// src/fmt/fmt_test.go table (the int, float64, string and nil rows), strconv's documented
// shortest formatting, and encoding/json's documented escaping and float rules.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/gotmpl.h"

using namespace hearth;
using namespace hearth::tmpl::gotmpl;

namespace {

struct FmtCase {
  const char* format;
  Value arg;
  const char* out;
};

Value I(int64_t v) { return Value(v); }
Value F(double v) { return Value(v); }
Value S(const char* s) { return Value(s); }

std::string fmt1(const char* format, const Value& v) {
  Value args[1] = {v};
  return sprintf(format, args);
}

}  // namespace

TEST_CASE("gotmpl fmt: Go fmt_test rows (strings, integers, floats)", "[gotmpl][fmt]") {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<FmtCase> cases = {
      {"%d", I(12345), "12345"}, {"%v", I(12345), "12345"}, {"%t", Value(true), "true"},
      // strings
      {"%s", S("abc"), "abc"}, {"%q", S("abc"), "\"abc\""}, {"%x", S("abc"), "616263"},
      {"%x", S("\xff\xf0\x0f\xff"), "fff00fff"}, {"%X", S("\xff\xf0\x0f\xff"), "FFF00FFF"}, {"%x", S(""), ""},
      {"% x", S(""), ""}, {"%#x", S(""), ""}, {"%# x", S(""), ""}, {"%x", S("xyz"), "78797a"},
      {"%X", S("xyz"), "78797A"}, {"% x", S("xyz"), "78 79 7a"}, {"% X", S("xyz"), "78 79 7A"},
      {"%#x", S("xyz"), "0x78797a"}, {"%#X", S("xyz"), "0X78797A"}, {"%# x", S("xyz"), "0x78 0x79 0x7a"},
      {"%# X", S("xyz"), "0X78 0X79 0X7A"},
      // escaped strings
      {"%q", S(""), "\"\""}, {"%#q", S(""), "``"}, {"%q", S("\""), "\"\\\"\""}, {"%#q", S("\""), "`\"`"},
      {"%q", S("`"), "\"`\""}, {"%#q", S("`"), "\"`\""}, {"%q", S("\n"), "\"\\n\""}, {"%#q", S("\n"), "\"\\n\""},
      {"%q", S("\\n"), "\"\\\\n\""}, {"%#q", S("\\n"), "`\\n`"}, {"%q", S("abc"), "\"abc\""}, {"%#q", S("abc"), "`abc`"},
      {"%q", S("日本語"), "\"日本語\""}, {"%+q", S("日本語"), "\"\\u65e5\\u672c\\u8a9e\""}, {"%#q", S("日本語"), "`日本語`"},
      {"%#+q", S("日本語"), "`日本語`"}, {"%q", S("\a\b\f\n\r\t\v\"\\"), "\"\\a\\b\\f\\n\\r\\t\\v\\\"\\\\\""},
      {"%+q", S("\a\b\f\n\r\t\v\"\\"), "\"\\a\\b\\f\\n\\r\\t\\v\\\"\\\\\""}, {"%q", S("☺"), "\"☺\""},
      {"% q", S("☺"), "\"☺\""}, {"%+q", S("☺"), "\"\\u263a\""}, {"%#q", S("☺"), "`☺`"}, {"%#+q", S("☺"), "`☺`"},
      {"%10q", S("⌘"), "       \"⌘\""}, {"%+10q", S("⌘"), "  \"\\u2318\""}, {"%-10q", S("⌘"), "\"⌘\"       "},
      {"%+-10q", S("⌘"), "\"\\u2318\"  "}, {"%010q", S("⌘"), "0000000\"⌘\""}, {"%+010q", S("⌘"), "00\"\\u2318\""},
      {"%-010q", S("⌘"), "\"⌘\"       "}, {"%+-010q", S("⌘"), "\"\\u2318\"  "}, {"%#8q", S("\n"), "    \"\\n\""},
      {"%#+8q", S("\r"), "    \"\\r\""}, {"%#-8q", S("\t"), "`\t`     "}, {"%#+-8q", S("\b"), "\"\\b\"    "},
      {"%q", S("abc\xff" "def"), "\"abc\\xffdef\""}, {"%+q", S("abc\xff" "def"), "\"abc\\xffdef\""},
      {"%q", S("\U0010ffff"), "\"\\U0010ffff\""}, {"%#q", S("\U0010ffff"), "`\U0010ffff`"},
      // characters
      {"%c", I('x'), "x"}, {"%c", I(0xe4), "ä"}, {"%c", I(0x672c), "本"}, {"%.0c", I(0x2318), "⌘"},
      {"%3c", I(0x2318), "  ⌘"}, {"%-3c", I(0x2318), "⌘  "}, {"%c", I(-1), "\xEF\xBF\xBD"}, {"%c", I(0xDC80), "\xEF\xBF\xBD"},
      {"%c", I(0x110000), "\xEF\xBF\xBD"}, {"%q", I(0), "'\\x00'"}, {"%q", I('"'), "'\"'"}, {"%q", I('\''), "'\\''"},
      {"%q", I('`'), "'`'"}, {"%q", I('x'), "'x'"}, {"%q", I(0xff), "'ÿ'"}, {"%+q", I(0xff), "'\\u00ff'"},
      {"%q", I('\n'), "'\\n'"}, {"%q", I(0x263a), "'☺'"}, {"%+q", I(0x263a), "'\\u263a'"}, {"%10q", I(0x2318), "       '⌘'"},
      {"%+10q", I(0x2318), "  '\\u2318'"}, {"%010q", I(0x2318), "0000000'⌘'"}, {"%q", I(0xe00), "'\\u0e00'"},
      {"%q", I(0x10ffff), "'\\U0010ffff'"}, {"%q", I(0xDC80), "'\xEF\xBF\xBD'"}, {"%q", I(-1), "%!q(int=-1)"},
      // width
      {"%5s", S("abc"), "  abc"}, {"%2s", S("\u263a"), " ☺"}, {"%-5s", S("abc"), "abc  "}, {"%05s", S("abc"), "00abc"},
      {"%5s", S("abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmnopqrstuvwxyz"}, {"%.5s", S("abcdefghijklmnopqrstuvwxyz"), "abcde"},
      {"%.0s", S("日本語日本語"), ""}, {"%.5s", S("日本語日本語"), "日本語日本"}, {"%.10s", S("日本語日本語"), "日本語日本語"},
      {"%08q", S("abc"), "000\"abc\""}, {"%-8q", S("abc"), "\"abc\"   "}, {"%.5q", S("abcdefghijklmnopqrstuvwxyz"), "\"abcde\""},
      {"%.5x", S("abcdefghijklmnopqrstuvwxyz"), "6162636465"}, {"%.3q", S("日本語日本語"), "\"日本語\""},
      {"%.1q", S("日本語"), "\"日\""}, {"%.1x", S("日本語"), "e6"}, {"%10.1q", S("日本語日本語"), "       \"日\""},
      {"%10v", Value::nil(), "     <nil>"}, {"%-10v", Value::nil(), "<nil>     "},
      // integers
      {"%d", I(-12345), "-12345"}, {"%d", I(std::numeric_limits<int64_t>::min()), "-9223372036854775808"},
      {"%.d", I(0), ""}, {"%.0d", I(0), ""}, {"%6.0d", I(0), "      "}, {"%06.0d", I(0), "      "},
      {"% d", I(12345), " 12345"}, {"%+d", I(12345), "+12345"}, {"%+d", I(-12345), "-12345"}, {"%b", I(7), "111"},
      {"%b", I(-6), "-110"}, {"%#b", I(7), "0b111"}, {"%#b", I(-6), "-0b110"}, {"%o", I(01234), "1234"},
      {"%o", I(-01234), "-1234"}, {"%#o", I(01234), "01234"}, {"%#o", I(-01234), "-01234"}, {"%O", I(01234), "0o1234"},
      {"%O", I(-01234), "-0o1234"}, {"%#X", I(0), "0X0"}, {"%x", I(0x12abcdef), "12abcdef"}, {"%X", I(0x12abcdef), "12ABCDEF"},
      {"%.20b", I(7), "00000000000000000111"}, {"%10d", I(12345), "     12345"}, {"%10d", I(-12345), "    -12345"},
      {"%+10d", I(12345), "    +12345"}, {"%010d", I(12345), "0000012345"}, {"%010d", I(-12345), "-000012345"},
      {"%20.8d", I(1234), "            00001234"}, {"%20.8d", I(-1234), "           -00001234"},
      {"%020.8d", I(1234), "            00001234"}, {"%020.8d", I(-1234), "           -00001234"},
      {"%-20.8d", I(1234), "00001234            "}, {"%-20.8d", I(-1234), "-00001234           "},
      {"%-#20.8x", I(0x1234abc), "0x01234abc          "}, {"%-#20.8X", I(0x1234abc), "0X01234ABC          "},
      {"%-#20.8o", I(01234), "00001234            "},
      // unicode format
      {"%U", I(0), "U+0000"}, {"%U", I(-1), "U+FFFFFFFFFFFFFFFF"}, {"%U", I('\n'), "U+000A"}, {"%#U", I('\n'), "U+000A"},
      {"%+U", I('x'), "U+0078"}, {"%# U", I('x'), "U+0078 'x'"}, {"%#.2U", I('x'), "U+0078 'x'"},
      {"%U", I(0x263a), "U+263A"}, {"%#U", I(0x263a), "U+263A '☺'"}, {"%U", I(0x1D6C2), "U+1D6C2"},
      {"%#U", I(0x1D6C2), "U+1D6C2 '𝛂'"}, {"%#14.6U", I(0x2318), "  U+002318 '⌘'"}, {"%#-14.6U", I(0x2318), "U+002318 '⌘'  "},
      {"%#014.6U", I(0x2318), "  U+002318 '⌘'"}, {"%#-014.6U", I(0x2318), "U+002318 '⌘'  "},
      // floats
      {"%+.3e", F(0.0), "+0.000e+00"}, {"%+.3e", F(1.0), "+1.000e+00"}, {"%+.3x", F(0.0), "+0x0.000p+00"},
      {"%+.3x", F(1.0), "+0x1.000p+00"}, {"%+.3f", F(-1.0), "-1.000"}, {"%+.3F", F(-1.0), "-1.000"},
      {"%+07.2f", F(1.0), "+001.00"}, {"%+07.2f", F(-1.0), "-001.00"}, {"%-07.2f", F(1.0), "1.00   "},
      {"%-07.2f", F(-1.0), "-1.00  "}, {"%+-07.2f", F(1.0), "+1.00  "}, {"%+-07.2f", F(-1.0), "-1.00  "},
      {"%-+07.2f", F(1.0), "+1.00  "}, {"%+10.2f", F(1.0), "     +1.00"}, {"%+10.2f", F(-1.0), "     -1.00"},
      {"% .3E", F(-1.0), "-1.000E+00"}, {"% .3e", F(1.0), " 1.000e+00"}, {"% .3X", F(-1.0), "-0X1.000P+00"},
      {"% .3x", F(1.0), " 0x1.000p+00"}, {"%+.3g", F(0.0), "+0"}, {"%+.3g", F(1.0), "+1"}, {"%+.3g", F(-1.0), "-1"},
      {"% .3g", F(-1.0), "-1"}, {"% .3g", F(1.0), " 1"}, {"%b", F(1.0), "4503599627370496p-52"},
      {"%#g", F(1e-323), "1.00000e-323"}, {"%#g", F(-1.0), "-1.00000"}, {"%#g", F(1.1), "1.10000"},
      {"%#g", F(123456.0), "123456."}, {"%#g", F(1234567.0), "1.234567e+06"}, {"%#g", F(1230000.0), "1.23000e+06"},
      {"%#g", F(1000000.0), "1.00000e+06"}, {"%#.0f", F(1.0), "1."}, {"%#.0e", F(1.0), "1.e+00"},
      {"%#.0x", F(1.0), "0x1.p+00"}, {"%#.0g", F(1.0), "1."}, {"%#.0g", F(1100000.0), "1.e+06"},
      {"%#.4f", F(1.0), "1.0000"}, {"%#.4e", F(1.0), "1.0000e+00"}, {"%#.4x", F(1.0), "0x1.0000p+00"},
      {"%#.4g", F(1.0), "1.000"}, {"%#.4g", F(100000.0), "1.000e+05"}, {"%#.4g", F(1.234), "1.234"},
      {"%#.4g", F(0.1234), "0.1234"}, {"%#.4g", F(1.23), "1.230"}, {"%#.4g", F(0.123), "0.1230"},
      {"%#.4g", F(1.2), "1.200"}, {"%#.4g", F(0.12), "0.1200"}, {"%#.4g", F(10.2), "10.20"}, {"%#.4g", F(0.0), "0.000"},
      {"%#.4g", F(0.012), "0.01200"}, {"%#.0f", F(123.0), "123."}, {"%#.0e", F(123.0), "1.e+02"},
      {"%#.0x", F(123.0), "0x1.p+07"}, {"%#.0g", F(123.0), "1.e+02"}, {"%#.4f", F(123.0), "123.0000"},
      {"%#.4e", F(123.0), "1.2300e+02"}, {"%#.4x", F(123.0), "0x1.ec00p+06"}, {"%#.4g", F(123.0), "123.0"},
      {"%#.4g", F(123000.0), "1.230e+05"}, {"%#9.4g", F(1.0), "    1.000"}, {"%#b", F(1.0), "4503599627370496p-52"},
      {"%.4b", F(-1.0), "-4503599627370496p-52"}, {"%f", F(inf), "+Inf"}, {"%.1f", F(-inf), "-Inf"},
      {"% f", F(nan), " NaN"}, {"%20f", F(inf), "                +Inf"}, {"% 20F", F(inf), "                 Inf"},
      {"% 20e", F(-inf), "                -Inf"}, {"% 20x", F(-inf), "                -Inf"},
      {"%+20E", F(-inf), "                -Inf"}, {"% +20g", F(-inf), "                -Inf"},
      {"%+-20G", F(inf), "+Inf                "}, {"%20e", F(nan), "                 NaN"},
      {"% +20E", F(nan), "                +NaN"}, {"% -20g", F(nan), " NaN                "},
      {"%+-20G", F(nan), "+NaN                "}, {"%+020e", F(inf), "                +Inf"},
      {"%-020f", F(-inf), "-Inf                "}, {"%-020E", F(nan), "NaN                 "},
      {"%e", F(1.0), "1.000000e+00"}, {"%e", F(1234.5678e3), "1.234568e+06"}, {"%e", F(1234.5678e-8), "1.234568e-05"},
      {"%e", F(-7.0), "-7.000000e+00"}, {"%e", F(-1e-9), "-1.000000e-09"}, {"%f", F(1234.5678e3), "1234567.800000"},
      {"%f", F(1234.5678e-8), "0.000012"}, {"%f", F(-7.0), "-7.000000"}, {"%f", F(-1e-9), "-0.000000"},
      {"%g", F(1234.5678e3), "1.2345678e+06"}, {"%g", F(1234.5678e-8), "1.2345678e-05"}, {"%g", F(-7.0), "-7"},
      {"%g", F(-1e-9), "-1e-09"}, {"%E", F(1.0), "1.000000E+00"}, {"%E", F(1234.5678e3), "1.234568E+06"},
      {"%G", F(1234.5678e3), "1.2345678E+06"}, {"%G", F(1234.5678e-8), "1.2345678E-05"},
      // bad verbs, as fmt reports them
      {"%d", S("x"), "%!d(string=x)"}, {"%s", I(3), "%!s(int=3)"}, {"%d", Value::nil(), "%!d(<nil>)"},
      {"%z", I(3), "%!z(int=3)"}, {"%t", I(1), "%!t(int=1)"}, {"%d", Value(true), "%!d(bool=true)"},
  };
  for (const FmtCase& c : cases) {
    INFO("format " << c.format);
    CHECK(fmt1(c.format, c.arg) == c.out);
  }
}

TEST_CASE("gotmpl fmt: Printf argument errors and reordering", "[gotmpl][fmt]") {
  std::vector<Value> none;
  std::vector<Value> one = {I(1)};
  std::vector<Value> two = {I(1), I(2)};
  CHECK(sprintf("%d", none) == "%!d(MISSING)");
  CHECK(sprintf("%d %d", one) == "1 %!d(MISSING)");
  CHECK(sprintf("%d", two) == "1%!(EXTRA int=2)");
  CHECK(sprintf("%", one) == "%!(NOVERB)%!(EXTRA int=1)");
  CHECK(sprintf("%[2]d %[1]d", two) == "2 1");
  CHECK(sprintf("%[3]d", two) == "%!d(BADINDEX)");
  CHECK(sprintf("%[2]*[1]d", std::vector<Value>{I(12), I(5)}) == "   12");
  CHECK(sprintf("%*d", std::vector<Value>{S("x"), I(5)}) == "%!(BADWIDTH)5");
  CHECK(sprintf("%.*d", std::vector<Value>{S("x"), I(5)}) == "%!(BADPREC)5");
  CHECK(sprintf("%-*d", std::vector<Value>{I(4), I(7)}) == "7   ");
  CHECK(sprintf("%*d", std::vector<Value>{I(-4), I(7)}) == "7   ");
  CHECK(sprintf("%%", none) == "%");
  CHECK(sprintf("%v %v", std::vector<Value>{Value::nil(), S("x")}) == "<nil> x");
  CHECK(sprintf("%s", std::vector<Value>{Value::nil()}) == "%!s(<nil>)");
}

TEST_CASE("gotmpl fmt: Sprint spacing, Sprintln, composite values", "[gotmpl][fmt]") {
  // Sprint adds spaces between operands when neither is a string.
  CHECK(sprint(std::vector<Value>{I(1), I(2), S("a"), I(3), S("b"), S("c")}) == "1 2a3bc");
  CHECK(sprintln(std::vector<Value>{I(1), S("a")}) == "1 a\n");
  Value list = Value::make_list({I(1), S("two"), F(3.5), Value::nil(), Value(true)});
  CHECK(format_action_value(list) == "[1 two 3.5 <nil> true]");
  Value::Map m;
  m.emplace("b", I(1));
  m.emplace("a", Value::make_list({Value(true)}));
  CHECK(format_action_value(Value::make_map(m)) == "map[a:[true] b:1]");
  CHECK(sprintf("%+v", std::vector<Value>{Value::make_struct({{"A"}, {"B"}}, {I(1), S("x")})}) == "{A:1 B:x}");
  CHECK(sprintf("%d", std::vector<Value>{Value::make_list({I(1), I(2)})}) == "[1 2]");
  CHECK(format_action_value(Value()) == "<no value>");
}

TEST_CASE("gotmpl fmt: %v of float64 is strconv 'g' shortest", "[gotmpl][fmt]") {
  CHECK(format_float_shortest(1e6) == "1e+06");
  CHECK(format_float_shortest(123456.0) == "123456");
  CHECK(format_float_shortest(1234567.0) == "1.234567e+06");
  CHECK(format_float_shortest(0.0001) == "0.0001");
  CHECK(format_float_shortest(0.00001) == "1e-05");
  CHECK(format_float_shortest(0.1) == "0.1");
  CHECK(format_float_shortest(-0.0) == "-0");
  CHECK(format_float_shortest(1e21) == "1e+21");
  CHECK(format_float_shortest(3.0) == "3");
  CHECK(format_float_shortest(2.5e-7) == "2.5e-07");
  CHECK(format_float_shortest(100.0) == "100");
}

TEST_CASE("gotmpl fmt: strconv.Quote", "[gotmpl][fmt]") {
  CHECK(go_quote("abc") == "\"abc\"");
  CHECK(go_quote("\x7f") == "\"\\x7f\"");
  CHECK(go_quote("\u00a0") == "\"\\u00a0\"");  // NBSP is not graphic for unicode.IsPrint
  CHECK(go_quote("\u2028") == "\"\\u2028\"");
  CHECK(go_quote("é") == "\"é\"");
}

TEST_CASE("gotmpl json: encoding/json output", "[gotmpl][json]") {
  auto marshal = [](const Value& v) {
    std::string out;
    REQUIRE(marshal_json(v, out));
    return out;
  };
  // HTML-safe escaping, \u2028/\u2029, control characters, invalid UTF-8 → U+FFFD.
  CHECK(marshal(S("<a&b>")) == R"("\u003ca\u0026b\u003e")");
  CHECK(marshal(S("line\u2028sep")) == R"("line\u2028sep")");
  CHECK(marshal(S("\x01\b\f\n\r\t\"\\")) == R"("\u0001\b\f\n\r\t\"\\")");
  CHECK(marshal(S("a\xff" "b")) == R"("a\ufffdb")");
  CHECK(marshal(S("日本")) == "\"日本\"");
  // Floats: shortest digits, exponent form below 1e-6 and from 1e21, e-07 cleaned to e-7.
  CHECK(marshal(F(3.0)) == "3");
  CHECK(marshal(F(0.1)) == "0.1");
  CHECK(marshal(F(1e20)) == "100000000000000000000");
  CHECK(marshal(F(1e21)) == "1e+21");
  CHECK(marshal(F(1e-7)) == "1e-7");
  CHECK(marshal(F(0.000001)) == "0.000001");
  CHECK(marshal(F(123456789.0)) == "123456789");
  std::string out;
  CHECK_FALSE(marshal_json(F(std::numeric_limits<double>::quiet_NaN()), out));
  // Maps sort keys; nil slices and maps are null; structs follow json tags with omitempty.
  Value::Map m;
  m.emplace("z", I(1));
  m.emplace("a", Value::nil());
  CHECK(marshal(Value::make_map(m)) == R"({"a":null,"z":1})");
  CHECK(marshal(Value::nil_list()) == "null");
  CHECK(marshal(Value::make_list({})) == "[]");
  CHECK(marshal(Value::nil_map()) == "null");
  Value s = Value::make_struct({{"Name", "name"}, {"Skip", "-"}, {"Opt", "opt", true}, {"Raw"}, {"hidden", "", false, false}},
                               {S("n"), I(1), S(""), I(2), I(3)});
  CHECK(marshal(s) == R"({"name":"n","Raw":2})");
}
