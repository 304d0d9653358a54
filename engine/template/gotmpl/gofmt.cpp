// Go fmt emulation. The structure follows fmt's printer: printArg for top-level operands,
// printValue for nested ones (Stringer methods are honoured at every depth), and the fmt* helpers
// for each basic kind with width/precision/flags.
#include "engine/template/gotmpl/gofmt.h"

#include <cstdio>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt_internal.h"

namespace hearth::tmpl::gotmpl {

namespace {

constexpr std::string_view kNilAngle = "<nil>";
constexpr std::string_view kMissing = "(MISSING)";
constexpr std::string_view kBadIndex = "(BADINDEX)";
constexpr std::string_view kBadWidth = "%!(BADWIDTH)";
constexpr std::string_view kBadPrec = "%!(BADPREC)";
constexpr std::string_view kNoVerb = "%!(NOVERB)";
constexpr int kTooLarge = 1000000;  // fmt rejects widths and precisions beyond 1e6

std::size_t rune_count(std::string_view s) {
  std::size_t n = 0, pos = 0;
  while (pos < s.size()) {
    utf8_decode(s, pos);
    ++n;
  }
  return n;
}

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool plus_v = false, sharp_v = false;
  bool wid_present = false, prec_present = false;
  int wid = 0, prec = 0;
};

class Printer {
 public:
  std::string buf;
  Flags f;

  void write_padding(int n) {
    if (n <= 0) return;
    buf.append(static_cast<std::size_t>(n), f.zero ? '0' : ' ');
  }

  void pad(std::string_view s) {
    if (!f.wid_present || f.wid == 0) {
      buf.append(s);
      return;
    }
    int width = f.wid - static_cast<int>(rune_count(s));
    if (!f.minus) {
      write_padding(width);
      buf.append(s);
    } else {
      buf.append(s);
      bool z = f.zero;
      f.zero = false;
      write_padding(width);
      f.zero = z;
    }
  }

  // ---- integers -------------------------------------------------------------------------------
  void fmt_integer(uint64_t u, int base, bool is_signed, char32_t verb, bool upper) {
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    bool negative = is_signed && static_cast<int64_t>(u) < 0;
    if (negative) u = ~u + 1;
    int prec = 0;
    if (f.prec_present) {
      prec = f.prec;
      if (prec == 0 && u == 0) {
        bool z = f.zero;
        f.zero = false;
        write_padding(f.wid);
        f.zero = z;
        return;
      }
    } else if (f.zero && !f.minus && f.wid_present) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;
    }
    std::string rev;  // digits, least significant first
    do {
      rev.push_back(digits[u % static_cast<uint64_t>(base)]);
      u /= static_cast<uint64_t>(base);
    } while (u != 0);
    while (static_cast<int>(rev.size()) < prec) rev.push_back('0');
    if (f.sharp) {
      if (base == 2) rev += "b0";
      else if (base == 8 && rev.back() != '0') rev.push_back('0');
      else if (base == 16) { rev.push_back(digits[16]); rev.push_back('0'); }
    }
    if (verb == 'O') rev += "o0";
    if (negative) rev.push_back('-');
    else if (f.plus) rev.push_back('+');
    else if (f.space) rev.push_back(' ');
    std::string out(rev.rbegin(), rev.rend());
    bool z = f.zero;
    f.zero = false;
    pad(out);
    f.zero = z;
  }

  void fmt_c(uint64_t c) {
    char32_t r = c > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(c);
    if (r >= 0xD800 && r <= 0xDFFF) r = 0xFFFD;
    std::string s;
    utf8_append(s, r);
    pad(s);
  }

  void fmt_qc(uint64_t c) {
    char32_t r = c > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(c);
    if (r >= 0xD800 && r <= 0xDFFF) r = 0xFFFD;
    std::string s = "'";
    append_escaped_rune(s, r, '\'', f.plus);
    s += "'";
    pad(s);
  }

  void fmt_unicode(uint64_t u) {
    char tmp[32];
    int prec = f.prec_present && f.prec > 4 ? f.prec : 4;
    std::snprintf(tmp, sizeof tmp, "U+%0*llX", prec, static_cast<unsigned long long>(u));
    std::string s = tmp;
    if (f.sharp && u <= 0x10FFFF && is_print(static_cast<char32_t>(u))) {
      s += " '";
      utf8_append(s, static_cast<char32_t>(u));
      s += "'";
    }
    bool z = f.zero;
    f.zero = false;
    pad(s);
    f.zero = z;
  }

  void print_int(int64_t v, char32_t verb, const Value& whole) {
    uint64_t u = static_cast<uint64_t>(v);
    switch (verb) {
      case 'v':
      case 'd': fmt_integer(u, 10, true, verb, false); return;
      case 'b': fmt_integer(u, 2, true, verb, false); return;
      case 'o':
      case 'O': fmt_integer(u, 8, true, verb, false); return;
      case 'x': fmt_integer(u, 16, true, verb, false); return;
      case 'X': fmt_integer(u, 16, true, verb, true); return;
      case 'c': fmt_c(u); return;
      case 'q':
        if (u <= 0x10FFFF) fmt_qc(u);
        else bad_verb(verb, whole);
        return;
      case 'U': fmt_unicode(u); return;
      default: bad_verb(verb, whole);
    }
  }

  // ---- floats ---------------------------------------------------------------------------------
  void fmt_float(double v, char32_t verb, int prec) {
    if (f.prec_present) prec = f.prec;
    std::string num = format_float(v, static_cast<char>(verb), prec);
    // Reserve the sign position like fmt does.
    if (num[0] == '-' || num[0] == '+') {
    } else {
      num.insert(num.begin(), '+');
    }
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
      bool z = f.zero;
      f.zero = false;
      if (num[1] == 'N' && !f.space && !f.plus) num.erase(0, 1);
      pad(num);
      f.zero = z;
      return;
    }
    if (f.sharp && verb != 'b') apply_sharp_float(num, verb, prec);
    if (f.plus || num[0] != '+') {
      if (f.zero && !f.minus && f.wid_present && f.wid > static_cast<int>(num.size())) {
        buf.push_back(num[0]);
        write_padding(f.wid - static_cast<int>(num.size()));
        buf.append(num, 1);
        return;
      }
      pad(num);
      return;
    }
    pad(std::string_view(num).substr(1));
  }

  // The '#' flag keeps the decimal point and, for %g/%v/%x, trailing zeros up to the
  // precision (6 when none was given). Mirrors fmt's digit counting: the sign at num[0] is
  // skipped, the exponent (and for %x the 'p' exponent) is set aside and re-appended.
  void apply_sharp_float(std::string& num, char32_t verb, int prec) {
    int digits = 0;
    if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') {
      digits = prec;
      if (digits == -1) digits = 6;
    }
    std::string tail;
    bool has_point = false;
    bool saw_nonzero = false;
    for (std::size_t i = 1; i < num.size(); ++i) {
      char c = num[i];
      if (c == '.') {
        has_point = true;
        continue;
      }
      if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
        tail = num.substr(i);
        num.resize(i);
        break;
      }
      if (c != '0') saw_nonzero = true;
      if (saw_nonzero) --digits;
    }
    if (!has_point) {
      if (num.size() == 2 && num[1] == '0') --digits;  // a lone leading zero counts once
      num.push_back('.');
    }
    while (digits > 0) {
      num.push_back('0');
      --digits;
    }
    num += tail;
  }

  void print_float(double v, char32_t verb, const Value& whole) {
    switch (verb) {
      case 'v': fmt_float(v, 'g', -1); return;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X': fmt_float(v, verb, -1); return;
      case 'f':
      case 'e':
      case 'E':
      case 'F': fmt_float(v, verb, 6); return;
      default: bad_verb(verb, whole);
    }
  }

  // ---- strings --------------------------------------------------------------------------------
  std::string truncate(std::string_view s) {
    if (!f.prec_present) return std::string(s);
    std::size_t pos = 0;
    int n = f.prec;
    while (pos < s.size() && n > 0) {
      utf8_decode(s, pos);
      --n;
    }
    return std::string(s.substr(0, pos));
  }

  void fmt_sx(std::string_view s, bool upper) {
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    std::size_t length = s.size();
    if (f.prec_present && f.prec < static_cast<int>(length)) length = static_cast<std::size_t>(f.prec);
    std::string out;
    if (length == 0) {
      pad("");
      return;
    }
    for (std::size_t i = 0; i < length; ++i) {
      if (f.space && i > 0) out.push_back(' ');
      if (f.sharp && (f.space || i == 0)) {
        out.push_back('0');
        out.push_back(digits[16]);
      }
      unsigned char c = static_cast<unsigned char>(s[i]);
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xF]);
    }
    pad(out);
  }

  void fmt_q(std::string_view s) {
    std::string t = truncate(s);
    if (f.sharp && can_backquote(t)) {
      pad("`" + t + "`");
      return;
    }
    pad(f.plus ? quote_ascii(t) : go_quote(t));
  }

  void print_string(std::string_view s, char32_t verb, const Value& whole) {
    switch (verb) {
      case 'v':
        if (f.sharp_v) fmt_q(s);
        else pad(truncate(s));
        return;
      case 's': pad(truncate(s)); return;
      case 'x': fmt_sx(s, false); return;
      case 'X': fmt_sx(s, true); return;
      case 'q': fmt_q(s); return;
      default: bad_verb(verb, whole);
    }
  }

  void print_bool(bool b, char32_t verb, const Value& whole) {
    if (verb == 't' || verb == 'v') pad(b ? "true" : "false");
    else bad_verb(verb, whole);
  }

  // ---- composite ------------------------------------------------------------------------------
  void bad_verb(char32_t verb, const Value& v) {
    buf += "%!";
    utf8_append(buf, verb);
    buf += "(";
    if (v.is_nil_like()) {
      buf += kNilAngle;
    } else {
      buf += v.type_name();
      buf += "=";
      Flags saved = f;
      f = Flags{};
      print_value(v, 'v', 0);
      f = saved;
    }
    buf += ")";
  }

  bool handle_methods(const Value& v, char32_t verb) {
    if (f.sharp_v) return false;
    if (!v.type() || !v.type()->string_method) return false;
    if (verb != 'v' && verb != 's' && verb != 'x' && verb != 'X' && verb != 'q') return false;
    print_string(v.type()->string_method(v), verb, v);
    return true;
  }

  // printArg: a top-level operand.
  void print_arg(const Value& v, char32_t verb) {
    if (v.is_nil_like()) {
      if (verb == 'T' || verb == 'v') pad(kNilAngle);
      else bad_verb(verb, v);
      return;
    }
    if (verb == 'T') {
      pad(v.type_name());
      return;
    }
    if (verb == 'p') {
      bad_verb(verb, v);
      return;
    }
    if (handle_methods(v, verb)) return;
    print_value(v, verb, 0);
  }

  void print_value(const Value& v, char32_t verb, int depth) {
    if (depth > 0 && v.is_valid() && v.kind() != Value::Kind::Nil && handle_methods(v, verb)) return;
    switch (v.kind()) {
      case Value::Kind::Invalid:
        if (depth == 0) buf += "<invalid reflect.Value>";
        else if (verb == 'v') buf += kNilAngle;
        else bad_verb(verb, v);
        return;
      case Value::Kind::Nil: pad(kNilAngle); return;
      case Value::Kind::Bool: print_bool(v.as_bool(), verb, v); return;
      case Value::Kind::Int: print_int(v.as_int(), verb, v); return;
      case Value::Kind::Float: print_float(v.as_float(), verb, v); return;
      case Value::Kind::String: print_string(v.as_string(), verb, v); return;
      case Value::Kind::List: {
        buf += '[';
        bool first = true;
        for (const Value& e : v.as_list()) {
          if (!first) buf += ' ';
          first = false;
          print_value(e, verb, depth + 1);
        }
        buf += ']';
        return;
      }
      case Value::Kind::Map: {
        buf += "map[";
        bool first = true;
        for (const auto& [k, e] : v.as_map()) {
          if (!first) buf += ' ';
          first = false;
          print_value(Value(k), verb, depth + 1);
          buf += ':';
          print_value(e, verb, depth + 1);
        }
        buf += ']';
        return;
      }
      case Value::Kind::Struct: {
        bool pointer = v.type() && v.type()->is_pointer;
        if (pointer && depth > 0) {
          // fmt prints nested pointers as addresses; any stable stand-in serves templates.
          if (verb == 'v') buf += "0xc000010000";
          else bad_verb(verb, v);
          return;
        }
        if (pointer) buf += '&';
        buf += '{';
        const auto& s = v.as_struct();
        for (std::size_t i = 0; i < s.fields.size(); ++i) {
          if (i > 0) buf += ' ';
          if (f.plus_v) {
            buf += s.fields[i].name;
            buf += ':';
          }
          print_value(s.values[i], verb, depth + 1);
        }
        buf += '}';
        return;
      }
    }
  }
};

// fmt's parsenum: a run of digits; past 1e6 it gives up and skips to the end of the format.
bool parse_num(std::string_view s, std::size_t& i, int& num) {
  bool isnum = false;
  num = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (num > kTooLarge) {
      num = 0;
      i = s.size();
      return false;
    }
    num = num * 10 + (s[i] - '0');
    isnum = true;
    ++i;
  }
  return isnum;
}

}  // namespace

// ---- public entry points ----------------------------------------------------------------------

std::string format_action_value(const Value& v) {
  if (!v.is_valid()) return "<no value>";
  Printer p;
  if (v.kind() == Value::Kind::Struct && v.type() && v.type()->is_pointer) {
    // printableValue dereferences pointers before fmt sees them; the String method (if any)
    // belongs to the pointer type, so keep it.
    if (p.handle_methods(v, 'v')) return p.buf;
    const auto& s = v.as_struct();
    p.buf += '{';
    for (std::size_t i = 0; i < s.fields.size(); ++i) {
      if (i > 0) p.buf += ' ';
      p.print_value(s.values[i], 'v', 1);
    }
    p.buf += '}';
    return p.buf;
  }
  p.print_arg(v, 'v');
  return p.buf;
}

std::string sprint(std::span<const Value> args) {
  Printer p;
  bool prev_string = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].kind() == Value::Kind::String;
    if (i > 0 && !is_string && !prev_string) p.buf += ' ';
    p.print_arg(args[i], 'v');
    prev_string = is_string;
  }
  return p.buf;
}

std::string sprintln(std::span<const Value> args) {
  Printer p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf += ' ';
    p.print_arg(args[i], 'v');
  }
  p.buf += '\n';
  return p.buf;
}

std::string sprintf(std::string_view format, std::span<const Value> args) {
  Printer p;
  std::size_t end = format.size();
  std::size_t arg_num = 0;
  bool reordered = false;
  std::size_t i = 0;
  // argNumber: an optional [n] index before a width, precision or verb.
  auto arg_number = [&](std::size_t& pos, bool& good) -> bool {
    if (pos >= end || format[pos] != '[') return false;
    reordered = true;
    std::size_t close = format.find(']', pos + 1);
    if (close == std::string_view::npos) {
      ++pos;
      good = false;
      return false;
    }
    std::size_t j = pos + 1;
    int n = 0;
    bool ok = parse_num(format, j, n) && j == close;
    pos = close + 1;
    if (ok && n >= 1 && static_cast<std::size_t>(n - 1) < args.size()) {
      arg_num = static_cast<std::size_t>(n - 1);
      return true;
    }
    good = false;
    return ok;
  };
  auto int_from_arg = [&](int& out) -> bool {
    bool ok = false;
    out = 0;
    if (arg_num < args.size()) {
      const Value& a = args[arg_num];
      if (a.kind() == Value::Kind::Int) {
        int64_t n = a.as_int();
        if (n >= -kTooLarge && n <= kTooLarge) {
          out = static_cast<int>(n);
          ok = true;
        }
      }
      ++arg_num;
    }
    return ok;
  };
  while (i < end) {
    std::size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    if (i > lasti) p.buf.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // skip %
    p.f = Flags{};
    bool good_arg = true;
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') p.f.sharp = true;
      else if (c == '0') p.f.zero = !p.f.minus;
      else if (c == '+') p.f.plus = true;
      else if (c == '-') { p.f.minus = true; p.f.zero = false; }
      else if (c == ' ') p.f.space = true;
      else break;
    }
    bool after_index = arg_number(i, good_arg);
    if (i < end && format[i] == '*') {
      ++i;
      p.f.wid_present = int_from_arg(p.f.wid);
      if (!p.f.wid_present) p.buf += kBadWidth;
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      after_index = false;
    } else {
      p.f.wid_present = parse_num(format, i, p.f.wid);
      if (after_index && p.f.wid_present) good_arg = false;
    }
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg = false;
      after_index = arg_number(i, good_arg);
      if (i < end && format[i] == '*') {
        ++i;
        p.f.prec_present = int_from_arg(p.f.prec);
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.prec_present = false;
        }
        if (!p.f.prec_present) p.buf += kBadPrec;
        after_index = false;
      } else {
        p.f.prec_present = parse_num(format, i, p.f.prec);
        if (!p.f.prec_present) {
          p.f.prec = 0;
          p.f.prec_present = true;
        }
      }
    }
    if (!after_index) after_index = arg_number(i, good_arg);
    if (i >= end) {
      p.buf += kNoVerb;
      break;
    }
    char32_t verb = utf8_decode(format, i);
    if (verb == '%') {
      p.buf += '%';
      continue;
    }
    if (!good_arg) {
      p.buf += "%!";
      utf8_append(p.buf, verb);
      p.buf += kBadIndex;
      continue;
    }
    if (arg_num >= args.size()) {
      p.buf += "%!";
      utf8_append(p.buf, verb);
      p.buf += kMissing;
      continue;
    }
    if (verb == 'v') {
      p.f.sharp_v = p.f.sharp;
      p.f.sharp = false;
      p.f.plus_v = p.f.plus;
      p.f.plus = false;
    }
    p.print_arg(args[arg_num], verb);
    ++arg_num;
  }
  if (!reordered && arg_num < args.size()) {
    p.f = Flags{};
    p.buf += "%!(EXTRA ";
    for (std::size_t k = arg_num; k < args.size(); ++k) {
      if (k > arg_num) p.buf += ", ";
      if (args[k].is_nil_like()) {
        p.buf += kNilAngle;
      } else {
        p.buf += args[k].type_name();
        p.buf += '=';
        p.print_arg(args[k], 'v');
      }
    }
    p.buf += ')';
  }
  return p.buf;
}

}  // namespace hearth::tmpl::gotmpl
