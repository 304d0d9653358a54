// str()/repr() with CPython's exact spelling.
#include "engine/template/jinja/repr.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

constexpr std::size_t kMaxPrintDepth = kMaxValueDepth + 100;

void append_hex(std::string& out, char prefix, uint32_t v, int digits) {
  static const char* hex = "0123456789abcdef";
  out += '\\';
  out += prefix;
  for (int i = digits - 1; i >= 0; --i) out += hex[(v >> (4 * i)) & 0xF];
}

}  // namespace

std::string int_str(int64_t v) { return std::to_string(v); }

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form, then CPython's repr layout: positional
  // notation when the decimal exponent is in [-4, 16), scientific otherwise.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exponent = std::stoi(std::string(sci.substr(e + 1)));
  int decpt = exponent + 1;
  std::string out = negative ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    int n = static_cast<int>(digits.size());
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt < n) {
      out += digits.substr(0, static_cast<std::size_t>(decpt));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(decpt));
    } else {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - n), '0');
      out += ".0";
    }
  } else {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += exponent < 0 ? '-' : '+';
    int a = std::abs(exponent);
    if (a < 10) out += '0';
    out += std::to_string(a);
  }
  return out;
}

std::string string_repr(std::string_view s) {
  // CPython: single quotes unless the text has a ' and no ".
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out += quote;
  for (char32_t c : unicode::decode_utf8(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      append_hex(out, 'x', c, 2);
    } else if (c < 0x7F) {
      out += static_cast<char>(c);
    } else if (unicode::is_printable(c)) {
      out += unicode::encode_utf8(std::u32string_view(&c, 1));
    } else if (c <= 0xFF) {
      append_hex(out, 'x', c, 2);
    } else if (c <= 0xFFFF) {
      append_hex(out, 'u', c, 4);
    } else {
      append_hex(out, 'U', c, 8);
    }
  }
  out += quote;
  return out;
}

bool Printer::enter(const void* p) {
  if (std::find(active_.begin(), active_.end(), p) != active_.end()) return false;
  if (active_.size() >= kMaxPrintDepth) raise("RecursionError", "maximum recursion depth exceeded while getting the repr of an object");
  active_.push_back(p);
  return true;
}

void Printer::check(const std::string& out) const {
  if (out.size() > limit_) raise("MemoryError", "printed value larger than the limit of " + std::to_string(limit_) + " bytes");
}

void Printer::leave(const void* p) {
  if (!active_.empty() && active_.back() == p) active_.pop_back();
}

void Printer::append_str(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return;
    case Value::Kind::String: out += v.str(); return;
    default: append_repr(out, v); return;
  }
}

void Printer::append_repr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: out += "Undefined"; return;
    case Value::Kind::None: out += "None"; return;
    case Value::Kind::Bool: out += v.as_bool() ? "True" : "False"; return;
    case Value::Kind::Int: out += int_str(v.as_int()); return;
    case Value::Kind::Float: out += float_repr(v.as_double()); return;
    case Value::Kind::String:
      if (v.is_markup()) {
        out += "Markup(" + string_repr(v.str()) + ")";
      } else {
        out += string_repr(v.str());
      }
      return;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      bool tuple = v.is_tuple();
      if (!enter(v.payload())) {
        out += tuple ? "(...)" : "[...]";
        return;
      }
      out += tuple ? '(' : '[';
      const ValueList& items = v.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        append_repr(out, items[i]);
        check(out);
      }
      if (tuple && items.size() == 1) out += ',';
      out += tuple ? ')' : ']';
      leave(v.payload());
      return;
    }
    case Value::Kind::Dict: {
      if (!enter(v.payload())) {
        out += "{...}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [k, val] : v.dict().entries()) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, k);
        out += ": ";
        append_repr(out, val);
        check(out);
      }
      out += '}';
      leave(v.payload());
      return;
    }
    case Value::Kind::Iterable: {
      const Iterable& it = v.iterable();
      if (!it.repr.empty()) {
        out += it.repr;
        return;
      }
      // Dict views print their items: dict_items([('a', 1)]).
      if (!enter(v.payload())) {
        out += "...";
        return;
      }
      out += it.type_name + "([";
      for (std::size_t i = 0; i < it.items.size(); ++i) {
        if (i) out += ", ";
        append_repr(out, it.items[i]);
        check(out);
      }
      out += "])";
      leave(v.payload());
      return;
    }
    case Value::Kind::Callable: out += v.callable().repr(); return;
    case Value::Kind::Object:
      // Objects guard their own contents (a namespace holding itself prints
      // `<Namespace {...}>` at the point of recursion, as CPython's dict repr does).
      v.object().append_repr(*this, out);
      return;
  }
}

std::string to_str(const Value& v) {
  if (v.is_string()) return v.str();
  std::string out;
  Printer p;
  p.append_str(out, v);
  return out;
}

std::string to_repr(const Value& v) {
  std::string out;
  Printer p;
  p.append_repr(out, v);
  return out;
}

}  // namespace hearth::tmpl::jinja
