// jinja2's string filters: trim, upper, lower, title, capitalize, replace, indent, center,
// wordcount, truncate, format, string, safe, escape.
#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/py_format.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/str_ops.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

// jinja2's soft_str: Markup stays Markup, anything else becomes str().
Value soft_str(const Value& v) { return v.is_string() ? v : Value(to_str(v)); }

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("string", args, {});
  return soft_str(v);
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("trim", args, {"chars"});
  Value s = soft_str(v);
  std::optional<std::string> chars;
  if (a.get(0) && !a.get(0)->is_none()) {
    if (!a.get(0)->is_string()) type_error("strip arg must be None or str");
    chars = a.get(0)->str();
  }
  return Value(str_ops::strip(s.str(), chars, str_ops::StripSide::Both), s.is_markup());
}

Value f_upper(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("upper", args, {});
  Value s = soft_str(v);
  return Value(unicode::to_upper(s.str()), s.is_markup());
}

Value f_lower(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("lower", args, {});
  Value s = soft_str(v);
  return Value(unicode::to_lower(s.str()), s.is_markup());
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("capitalize", args, {});
  Value s = soft_str(v);
  return Value(str_ops::capitalize(s.str()), s.is_markup());
}

// jinja2's title: each chunk split at runs of [-\s({[<] gets its first character uppercased and
// the rest lowercased.
Value f_title(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("title", args, {});
  std::u32string cps = unicode::decode_utf8(soft_str(v).str());
  auto separator = [](char32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || unicode::is_space(c);
  };
  std::u32string out;
  std::size_t i = 0;
  while (i < cps.size()) {
    bool sep = separator(cps[i]);
    std::size_t j = i;
    while (j < cps.size() && separator(cps[j]) == sep) ++j;
    unicode::append_upper(out, cps[i]);
    for (std::size_t k = i + 1; k < j; ++k) unicode::append_lower(out, cps[k]);
    i = j;
  }
  return Value(unicode::encode_utf8(out));
}

Value f_replace(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("replace", args, {"old", "new", "count"});
  int64_t count = a.int_or(2, -1);
  std::string s = to_str(v);
  std::string result = str_ops::replace(s, to_str(a.required(0)), to_str(a.required(1)), count, interp.max_bytes());
  if (interp.autoescape()) {
    // Autoescaping: escape the parts that are not already Markup.
    std::string esc_s = v.is_markup() ? v.str() : html_escape(s);
    std::string esc_old = a.required(0).is_markup() ? a.required(0).str() : html_escape(to_str(a.required(0)));
    std::string esc_new = a.required(1).is_markup() ? a.required(1).str() : html_escape(to_str(a.required(1)));
    return Value(str_ops::replace(esc_s, esc_old, esc_new, count, interp.max_bytes()), true);
  }
  return Value(std::move(result));
}

Value f_indent(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("indent", args, {"width", "first", "blank"});
  std::string indention;
  if (a.get(0) && a.get(0)->is_string()) {
    indention = a.get(0)->str();
  } else {
    int64_t width = a.int_or(0, 4);
    interp.check_size(static_cast<std::size_t>(std::max<int64_t>(width, 0)));
    indention.assign(static_cast<std::size_t>(std::max<int64_t>(width, 0)), ' ');
  }
  bool first = a.bool_or(1, false), blank = a.bool_or(2, false);
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_string()) type_error(std::string("unsupported operand type(s) for +=: '") + v.type_name() + "' and 'str'");
  std::vector<std::string> lines = str_ops::splitlines(v.str() + "\n", false);
  interp.check_size((v.str().size() + 1) + lines.size() * indention.size());
  std::string rv;
  if (blank) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else if (!lines.empty()) {
    rv = lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return Value(std::move(rv), v.is_markup());
}

Value f_center(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("center", args, {"width"});
  int64_t width = a.int_or(0, 80);
  interp.check_size(static_cast<std::size_t>(std::max<int64_t>(width, 0)));
  Value s = soft_str(v);
  return Value(str_ops::center(s.str(), width, U' '), s.is_markup());
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("wordcount", args, {});
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : unicode::decode_utf8(soft_str(v).str())) {
    bool w = unicode::is_word(c);
    if (w && !in_word) ++words;
    in_word = w;
  }
  return Value(words);
}

Value f_truncate(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("truncate", args, {"length", "killwords", "end", "leeway"});
  int64_t length = a.int_or(0, 255);
  bool killwords = a.bool_or(1, false);
  std::string end = a.string_or(2, "...");
  int64_t leeway = a.int_or(3, 5);
  int64_t end_len = static_cast<int64_t>(unicode::length(end));
  if (length < end_len) raise("AssertionError", "expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0) raise("AssertionError", "expected leeway >= 0, got " + std::to_string(leeway));
  std::u32string s = unicode::decode_utf8(to_str(v));
  if (static_cast<int64_t>(s.size()) <= length + leeway) return soft_str(v);
  std::u32string head = s.substr(0, static_cast<std::size_t>(length - end_len));
  if (killwords) return Value(unicode::encode_utf8(head) + end);
  std::size_t space = head.rfind(U' ');
  if (space != std::u32string::npos) head.resize(space);
  return Value(unicode::encode_utf8(head) + end);
}

Value f_format(Interpreter& interp, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keywords.empty())
    raise("FilterArgumentError", "can't handle positional and keyword arguments at the same time");
  Value operand;
  if (!args.keywords.empty()) {
    Dict d;
    for (auto& [k, val] : args.keywords) d.set(Value(k), val);
    operand = Value::dict(std::move(d));
  } else {
    operand = Value::tuple(args.positional);
  }
  return percent_format(interp, soft_str(v), operand);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("safe", args, {});
  return Value(to_str(v), true);
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("escape", args, {});
  if (v.is_markup()) return v;
  return Value(html_escape(to_str(v)), true);
}

Value f_forceescape(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("forceescape", args, {});
  return Value(html_escape(to_str(v)), true);
}

}  // namespace

std::vector<FilterEntry> string_filters() {
  return {
      {"string", f_string},     {"trim", f_trim},         {"upper", f_upper},       {"lower", f_lower},
      {"capitalize", f_capitalize}, {"title", f_title},   {"replace", f_replace},   {"indent", f_indent},
      {"center", f_center},     {"wordcount", f_wordcount}, {"truncate", f_truncate}, {"format", f_format},
      {"safe", f_safe},         {"escape", f_escape},     {"e", f_escape},          {"forceescape", f_forceescape},
  };
}

}  // namespace hearth::tmpl::jinja
