// encoding/json's Marshal for template values: map keys sorted, struct fields by their json tags
// (omitempty honoured), HTML-safe string escaping, and Go's float format (shortest digits, 'e'
// form below 1e-6 and from 1e21 on, "e-07" cleaned to "e-7").
#include <cmath>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/gofmt_internal.h"

namespace hearth::tmpl::gotmpl {

void append_go_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t pos = 0;
  while (pos < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[pos]);
    if (b < 0x80) {
      ++pos;
      if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') {
        out.push_back(static_cast<char>(b));
        continue;
      }
      switch (b) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out.push_back(hex[b >> 4]);
          out.push_back(hex[b & 0xF]);
      }
      continue;
    }
    std::size_t len = utf8_valid_sequence_length(s.substr(pos));
    if (len == 0) {
      out += "\\ufffd";
      ++pos;
      continue;
    }
    std::size_t start = pos;
    char32_t r = utf8_decode(s, pos);
    if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
      continue;
    }
    out.append(s.substr(start, len));
  }
  out.push_back('"');
}

namespace {

bool is_empty_value(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Invalid:
    case Value::Kind::Nil: return true;
    case Value::Kind::Bool: return !v.as_bool();
    case Value::Kind::Int: return v.as_int() == 0;
    case Value::Kind::Float: return v.as_float() == 0.0;
    case Value::Kind::String:
    case Value::Kind::List:
    case Value::Kind::Map: return v.length() == 0;
    case Value::Kind::Struct: return false;
  }
  return false;
}

bool append_float(std::string& out, double f) {
  if (std::isnan(f) || std::isinf(f)) return false;
  double a = std::fabs(f);
  char fmt = 'f';
  if (a != 0 && (a < 1e-6 || a >= 1e21)) fmt = 'e';
  std::string s = format_float(f, fmt, -1);
  if (fmt == 'e') {
    std::size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
      s[n - 2] = s[n - 1];
      s.pop_back();
    }
  }
  out += s;
  return true;
}

}  // namespace

bool marshal_json(const Value& v, std::string& out) {
  if (v.type() && v.type()->marshal_json) {
    v.type()->marshal_json(v, out);
    return true;
  }
  switch (v.kind()) {
    case Value::Kind::Invalid:
    case Value::Kind::Nil: out += "null"; return true;
    case Value::Kind::Bool: out += v.as_bool() ? "true" : "false"; return true;
    case Value::Kind::Int: out += std::to_string(v.as_int()); return true;
    case Value::Kind::Float: return append_float(out, v.as_float());
    case Value::Kind::String: append_go_json_string(out, v.as_string()); return true;
    case Value::Kind::List: {
      if (v.is_nil_container()) {
        out += "null";
        return true;
      }
      out.push_back('[');
      bool first = true;
      for (const Value& e : v.as_list()) {
        if (!first) out.push_back(',');
        first = false;
        if (!marshal_json(e, out)) return false;
      }
      out.push_back(']');
      return true;
    }
    case Value::Kind::Map: {
      if (v.is_nil_container()) {
        out += "null";
        return true;
      }
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {
        if (!first) out.push_back(',');
        first = false;
        append_go_json_string(out, k);
        out.push_back(':');
        if (!marshal_json(e, out)) return false;
      }
      out.push_back('}');
      return true;
    }
    case Value::Kind::Struct: {
      const auto& s = v.as_struct();
      out.push_back('{');
      bool first = true;
      for (std::size_t i = 0; i < s.fields.size(); ++i) {
        const StructField& f = s.fields[i];
        if (!f.exported || f.json_name == "-") continue;
        if (f.omitempty && is_empty_value(s.values[i])) continue;
        if (!first) out.push_back(',');
        first = false;
        append_go_json_string(out, f.json_name.empty() ? f.name : f.json_name);
        out.push_back(':');
        if (!marshal_json(s.values[i], out)) return false;
      }
      out.push_back('}');
      return true;
    }
  }
  return false;
}

}  // namespace hearth::tmpl::gotmpl
