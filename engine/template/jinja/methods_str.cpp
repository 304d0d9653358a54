// Python str methods available to templates (and markupsafe's Markup variants).
#include <algorithm>
#include <functional>

#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/objects.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/py_format.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/str_ops.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

using Method = Value (*)(Interpreter&, const Value& self, CallArgs&);

// Markup methods escape their string arguments and return Markup (markupsafe wraps these).
Value wrap(const Value& self, std::string s) { return Value(std::move(s), self.is_markup()); }

std::string arg_text(const Value& self, const Value& arg) {
  if (self.is_markup() && arg.is_string() && !arg.is_markup()) return html_escape(arg.str());
  return arg.str();
}

std::optional<std::string> chars_arg(const ArgBinder& a, std::size_t i, const Value& self, const char* fn) {
  const Value* v = a.get(i);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) type_error(std::string(fn) + " arg must be None or str");
  return arg_text(self, *v);
}

std::optional<int64_t> index_arg(const ArgBinder& a, std::size_t i) {
  const Value* v = a.get(i);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_integral()) type_error("slice indices must be integers or None or have an __index__ method");
  return v->as_int();
}

char32_t fill_arg(const ArgBinder& a, std::size_t i) {
  const Value* v = a.get(i);
  if (!v) return U' ';
  if (!v->is_string() || unicode::length(v->str()) != 1)
    type_error("The fill character must be exactly one character long");
  return unicode::decode_utf8(v->str())[0];
}

Value string_list(const Value& self, std::vector<std::string> parts) {
  ValueList items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(wrap(self, std::move(p)));
  return Value::list(std::move(items));
}

Value m_strip_side(const Value& self, CallArgs& args, const char* fn, str_ops::StripSide side) {
  ArgBinder a(fn, args, {"chars"});
  return wrap(self, str_ops::strip(self.str(), chars_arg(a, 0, self, fn), side));
}
Value m_strip(Interpreter&, const Value& self, CallArgs& args) { return m_strip_side(self, args, "strip", str_ops::StripSide::Both); }
Value m_lstrip(Interpreter&, const Value& self, CallArgs& args) { return m_strip_side(self, args, "lstrip", str_ops::StripSide::Left); }
Value m_rstrip(Interpreter&, const Value& self, CallArgs& args) { return m_strip_side(self, args, "rstrip", str_ops::StripSide::Right); }

Value m_split(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("split", args, {"sep", "maxsplit"});
  return string_list(self, str_ops::split(self.str(), chars_arg(a, 0, self, "split"), a.int_or(1, -1)));
}
Value m_rsplit(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("rsplit", args, {"sep", "maxsplit"});
  return string_list(self, str_ops::rsplit(self.str(), chars_arg(a, 0, self, "rsplit"), a.int_or(1, -1)));
}
Value m_splitlines(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("splitlines", args, {"keepends"});
  return string_list(self, str_ops::splitlines(self.str(), a.bool_or(0, false)));
}

Value m_affix(const Value& self, CallArgs& args, const char* fn, bool at_end) {
  ArgBinder a(fn, args, {"prefix", "start", "end"});
  const Value& prefix = a.required(0);
  auto start = index_arg(a, 1), end = index_arg(a, 2);
  if (prefix.is_string()) return Value(str_ops::starts_with(self.str(), prefix.str(), start, end, at_end));
  if (prefix.is_tuple()) {
    for (const Value& p : prefix.items()) {
      if (!p.is_string())
        type_error(std::string("tuple for ") + fn + " must only contain str, not " + p.type_name());
      if (str_ops::starts_with(self.str(), p.str(), start, end, at_end)) return Value(true);
    }
    return Value(false);
  }
  type_error(std::string(fn) + " first arg must be str or a tuple of str, not " + prefix.type_name());
}
Value m_startswith(Interpreter&, const Value& self, CallArgs& args) { return m_affix(self, args, "startswith", false); }
Value m_endswith(Interpreter&, const Value& self, CallArgs& args) { return m_affix(self, args, "endswith", true); }

Value no_args(const Value& self, CallArgs& args, const char* fn, std::string (*op)(std::string_view)) {
  ArgBinder a(fn, args, {});
  return wrap(self, op(self.str()));
}
Value m_upper(Interpreter&, const Value& self, CallArgs& args) { return no_args(self, args, "upper", unicode::to_upper); }
Value m_lower(Interpreter&, const Value& self, CallArgs& args) { return no_args(self, args, "lower", unicode::to_lower); }
Value m_casefold(Interpreter&, const Value& self, CallArgs& args) { return no_args(self, args, "casefold", unicode::to_lower); }
Value m_title(Interpreter&, const Value& self, CallArgs& args) { return no_args(self, args, "title", str_ops::title); }
Value m_capitalize(Interpreter&, const Value& self, CallArgs& args) { return no_args(self, args, "capitalize", str_ops::capitalize); }
Value m_swapcase(Interpreter&, const Value& self, CallArgs& args) { return no_args(self, args, "swapcase", str_ops::swapcase); }

Value m_replace(Interpreter& interp, const Value& self, CallArgs& args) {
  ArgBinder a("replace", args, {"old", "new", "count"});
  const Value& old = a.required(0);
  const Value& rep = a.required(1);
  if (!old.is_string() || !rep.is_string()) type_error("replace() argument must be str");
  std::string r = str_ops::replace(self.str(), arg_text(self, old), arg_text(self, rep), a.int_or(2, -1), interp.max_bytes());
  return wrap(self, std::move(r));
}

Value m_find_common(const Value& self, CallArgs& args, const char* fn, bool reverse, bool raise_missing) {
  ArgBinder a(fn, args, {"sub", "start", "end"});
  const Value& sub = a.required(0);
  if (!sub.is_string()) type_error(std::string("must be str, not ") + sub.type_name());
  int64_t at = str_ops::find(self.str(), sub.str(), index_arg(a, 1), index_arg(a, 2), reverse);
  if (at < 0 && raise_missing) value_error("substring not found");
  return Value(at);
}
Value m_find(Interpreter&, const Value& self, CallArgs& args) { return m_find_common(self, args, "find", false, false); }
Value m_rfind(Interpreter&, const Value& self, CallArgs& args) { return m_find_common(self, args, "rfind", true, false); }
Value m_index(Interpreter&, const Value& self, CallArgs& args) { return m_find_common(self, args, "index", false, true); }
Value m_rindex(Interpreter&, const Value& self, CallArgs& args) { return m_find_common(self, args, "rindex", true, true); }

Value m_count(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("count", args, {"sub", "start", "end"});
  const Value& sub = a.required(0);
  if (!sub.is_string()) type_error(std::string("must be str, not ") + sub.type_name());
  return Value(str_ops::count(self.str(), sub.str(), index_arg(a, 1), index_arg(a, 2)));
}

Value m_join(Interpreter& interp, const Value& self, CallArgs& args) {
  ArgBinder a("join", args, {"iterable"});
  ValueList items = interp.iterate(a.required(0));
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Value& item = items[i];
    if (!item.is_string())
      type_error("sequence item " + std::to_string(i) + ": expected str instance, " + item.type_name() + " found");
    if (i) out += self.str();
    out += arg_text(self, item);
    interp.check_size(out.size());
  }
  return wrap(self, std::move(out));
}

Value m_format(Interpreter& interp, const Value& self, CallArgs& args) { return str_format(interp, self, args); }

Value m_format_map(Interpreter& interp, const Value& self, CallArgs& args) {
  ArgBinder a("format_map", args, {"mapping"});
  const Value& m = a.required(0);
  if (!m.is_dict()) type_error(std::string("format_map() argument must be a mapping, not ") + m.type_name());
  CallArgs kw;
  for (const auto& [k, v] : m.dict().entries())
    if (k.is_string()) kw.keywords.emplace_back(k.str(), v);
  return str_format(interp, self, kw);
}

Value m_justify(Interpreter& interp, const Value& self, CallArgs& args, const char* fn, int mode) {
  ArgBinder a(fn, args, {"width", "fillchar"});
  int64_t width = a.required(0).is_integral() ? a.required(0).as_int() : a.int_or(0, 0);
  interp.check_size(static_cast<std::size_t>(std::max<int64_t>(width, 0)));
  char32_t fill = fill_arg(a, 1);
  if (mode == 0) return wrap(self, str_ops::center(self.str(), width, fill));
  if (mode == 1) return wrap(self, str_ops::ljust(self.str(), width, fill));
  return wrap(self, str_ops::rjust(self.str(), width, fill));
}
Value m_center(Interpreter& i, const Value& self, CallArgs& args) { return m_justify(i, self, args, "center", 0); }
Value m_ljust(Interpreter& i, const Value& self, CallArgs& args) { return m_justify(i, self, args, "ljust", 1); }
Value m_rjust(Interpreter& i, const Value& self, CallArgs& args) { return m_justify(i, self, args, "rjust", 2); }

Value m_zfill(Interpreter& interp, const Value& self, CallArgs& args) {
  ArgBinder a("zfill", args, {"width"});
  int64_t width = a.int_or(0, 0);
  interp.check_size(static_cast<std::size_t>(std::max<int64_t>(width, 0)));
  const std::string& s = self.str();
  int64_t n = static_cast<int64_t>(unicode::length(s));
  if (width <= n) return wrap(self, s);
  std::string zeros(static_cast<std::size_t>(width - n), '0');
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) return wrap(self, s.substr(0, 1) + zeros + s.substr(1));
  return wrap(self, zeros + s);
}

Value m_partition_common(const Value& self, CallArgs& args, const char* fn, bool reverse) {
  ArgBinder a(fn, args, {"sep"});
  const Value& sep = a.required(0);
  if (!sep.is_string()) type_error(std::string("must be str, not ") + sep.type_name());
  if (sep.str().empty()) value_error("empty separator");
  const std::string& s = self.str();
  std::size_t at = reverse ? s.rfind(sep.str()) : s.find(sep.str());
  if (at == std::string::npos) {
    if (reverse) return Value::tuple({wrap(self, ""), wrap(self, ""), wrap(self, s)});
    return Value::tuple({wrap(self, s), wrap(self, ""), wrap(self, "")});
  }
  return Value::tuple({wrap(self, s.substr(0, at)), wrap(self, sep.str()), wrap(self, s.substr(at + sep.str().size()))});
}
Value m_partition(Interpreter&, const Value& self, CallArgs& args) { return m_partition_common(self, args, "partition", false); }
Value m_rpartition(Interpreter&, const Value& self, CallArgs& args) { return m_partition_common(self, args, "rpartition", true); }

Value m_removeprefix(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("removeprefix", args, {"prefix"});
  const Value& p = a.required(0);
  if (!p.is_string()) type_error(std::string("removeprefix() argument must be str, not ") + p.type_name());
  const std::string& s = self.str();
  return wrap(self, s.compare(0, p.str().size(), p.str()) == 0 ? s.substr(p.str().size()) : s);
}

Value m_removesuffix(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("removesuffix", args, {"suffix"});
  const Value& p = a.required(0);
  if (!p.is_string()) type_error(std::string("removesuffix() argument must be str, not ") + p.type_name());
  const std::string& s = self.str();
  bool ends = !p.str().empty() && s.size() >= p.str().size() && s.compare(s.size() - p.str().size(), p.str().size(), p.str()) == 0;
  return wrap(self, ends ? s.substr(0, s.size() - p.str().size()) : s);
}

Value m_expandtabs(Interpreter& interp, const Value& self, CallArgs& args) {
  ArgBinder a("expandtabs", args, {"tabsize"});
  int64_t tab = a.int_or(0, 8);
  std::u32string out;
  std::size_t column = 0;
  for (char32_t c : unicode::decode_utf8(self.str())) {
    if (c == '\t') {
      if (tab > 0) {
        std::size_t n = static_cast<std::size_t>(tab) - column % static_cast<std::size_t>(tab);
        interp.check_size(out.size() + n);
        out.append(n, U' ');
        column += n;
      }
    } else {
      out.push_back(c);
      column = (c == '\n' || c == '\r') ? 0 : column + 1;
    }
  }
  return wrap(self, unicode::encode_utf8(out));
}

template <bool (*Pred)(char32_t)>
Value classify(Interpreter&, const Value& self, CallArgs& args) {
  ArgBinder a("is", args, {});
  std::u32string cps = unicode::decode_utf8(self.str());
  if (cps.empty()) return Value(false);
  return Value(std::all_of(cps.begin(), cps.end(), Pred));
}
bool alnum(char32_t c) { return unicode::is_alpha(c) || unicode::is_digit(c); }

Value m_isupper(Interpreter&, const Value& self, CallArgs&) {
  bool cased = false;
  for (char32_t c : unicode::decode_utf8(self.str())) {
    if (unicode::is_lower(c)) return Value(false);
    cased |= unicode::is_upper(c);
  }
  return Value(cased);
}

Value m_islower(Interpreter&, const Value& self, CallArgs&) {
  bool cased = false;
  for (char32_t c : unicode::decode_utf8(self.str())) {
    if (unicode::is_upper(c)) return Value(false);
    cased |= unicode::is_lower(c);
  }
  return Value(cased);
}

Value m_isascii(Interpreter&, const Value& self, CallArgs&) { return Value(unicode::is_ascii(self.str())); }

struct Entry {
  std::string_view name;
  Method fn;
};

const Entry kMethods[] = {
    {"strip", m_strip},         {"lstrip", m_lstrip},         {"rstrip", m_rstrip},
    {"split", m_split},         {"rsplit", m_rsplit},         {"splitlines", m_splitlines},
    {"startswith", m_startswith}, {"endswith", m_endswith},   {"upper", m_upper},
    {"lower", m_lower},         {"casefold", m_casefold},     {"title", m_title},
    {"capitalize", m_capitalize}, {"swapcase", m_swapcase},   {"replace", m_replace},
    {"find", m_find},           {"rfind", m_rfind},           {"index", m_index},
    {"rindex", m_rindex},       {"count", m_count},           {"join", m_join},
    {"format", m_format},       {"format_map", m_format_map}, {"center", m_center},
    {"ljust", m_ljust},         {"rjust", m_rjust},           {"zfill", m_zfill},
    {"partition", m_partition}, {"rpartition", m_rpartition}, {"removeprefix", m_removeprefix},
    {"removesuffix", m_removesuffix}, {"expandtabs", m_expandtabs},
    {"isalpha", classify<unicode::is_alpha>}, {"isdigit", classify<unicode::is_digit>},
    {"isdecimal", classify<unicode::is_digit>}, {"isnumeric", classify<unicode::is_digit>},
    {"isalnum", classify<alnum>}, {"isspace", classify<unicode::is_space>},
    {"isascii", m_isascii},     {"isupper", m_isupper},       {"islower", m_islower},
};

}  // namespace

MethodLookup find_string_method(const Value& receiver, std::string_view name, Value& bound) {
  for (const Entry& e : kMethods) {
    if (e.name != name) continue;
    Method fn = e.fn;
    bound = NativeFunction::bind(receiver, name, [fn](Interpreter& interp, const Value& self, CallArgs& args) {
      interp.charge(self);
      return fn(interp, self, args);
    });
    return MethodLookup::Found;
  }
  return MethodLookup::NotFound;
}

}  // namespace hearth::tmpl::jinja
