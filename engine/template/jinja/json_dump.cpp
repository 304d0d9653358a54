// Python's json.dumps for template values.
#include <algorithm>
#include <cmath>

#include "common/utf8.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

void append_hex4(std::string& out, uint32_t v) {
  static const char* hex = "0123456789abcdef";
  out += "\\u";
  for (int i = 3; i >= 0; --i) out += hex[(v >> (4 * i)) & 0xF];
}

void append_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  std::size_t pos = 0;
  while (pos < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c >= 0x80) {
      std::size_t start = pos;
      char32_t cp = utf8_decode(s, pos);
      if (!ensure_ascii) {
        if (cp == 0xFFFD && pos - start == 1) out += "\xEF\xBF\xBD";  // invalid byte: as Python's replacement
        else out.append(s.substr(start, pos - start));
      } else if (cp >= 0x10000) {
        cp -= 0x10000;
        append_hex4(out, 0xD800 + (cp >> 10));
        append_hex4(out, 0xDC00 + (cp & 0x3FF));
      } else {
        append_hex4(out, cp);
      }
      continue;
    }
    ++pos;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c == 0x7F)) append_hex4(out, c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return float_repr(d);
}

[[noreturn]] void not_serializable(const Value& v) {
  type_error(std::string("Object of type ") + v.type_name() + " is not JSON serializable");
}

class Encoder {
 public:
  explicit Encoder(const JsonDumpOptions& o) : o_(o) {
    if (o_.indent_is_string) indent_unit_ = o_.indent_string;
    else if (o_.indent >= 0) indent_unit_ = std::string(static_cast<std::size_t>(o_.indent), ' ');
    pretty_ = o_.indent_is_string || o_.indent >= 0;
  }

  void encode(std::string& out, const Value& v, int level) {
    switch (v.kind()) {
      case Value::Kind::None: out += "null"; return;
      case Value::Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
      case Value::Kind::Int: out += int_str(v.as_int()); return;
      case Value::Kind::Float: out += float_json(v.as_double()); return;
      case Value::Kind::String: append_string(out, v.str(), o_.ensure_ascii); return;
      case Value::Kind::List:
      case Value::Kind::Tuple: {
        const ValueList& items = v.items();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i) out += o_.item_separator;
          newline(out, level + 1);
          encode(out, items[i], level + 1);
        }
        newline(out, level);
        out += ']';
        return;
      }
      case Value::Kind::Dict: {
        const Dict& d = v.dict();
        if (d.empty()) {
          out += "{}";
          return;
        }
        std::vector<std::pair<std::string, const Value*>> entries;
        entries.reserve(d.size());
        for (const auto& [k, val] : d.entries()) entries.emplace_back(key_string(k), &val);
        if (o_.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        out += '{';
        bool first = true;
        for (const auto& [k, val] : entries) {
          if (!first) out += o_.item_separator;
          first = false;
          newline(out, level + 1);
          append_string(out, k, o_.ensure_ascii);
          out += o_.key_separator;
          encode(out, *val, level + 1);
        }
        newline(out, level);
        out += '}';
        return;
      }
      default: not_serializable(v);
    }
  }

 private:
  void newline(std::string& out, int level) {
    std::size_t needed = pretty_ ? 1 + indent_unit_.size() * static_cast<std::size_t>(level) : 0;
    if (out.size() + needed > o_.max_bytes)
      raise("MemoryError", "JSON text larger than the limit of " + std::to_string(o_.max_bytes) + " bytes");
    if (!pretty_) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += indent_unit_;
  }

  static std::string key_string(const Value& k) {
    switch (k.kind()) {
      case Value::Kind::String: return k.str();
      case Value::Kind::Bool: return k.as_bool() ? "true" : "false";
      case Value::Kind::Int: return int_str(k.as_int());
      case Value::Kind::Float: return float_json(k.as_double());
      case Value::Kind::None: return "null";
      default: type_error(std::string("keys must be str, int, float, bool or None, not ") + k.type_name());
    }
  }

  const JsonDumpOptions& o_;
  std::string indent_unit_;
  bool pretty_ = false;
};

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  Encoder(options).encode(out, v, 0);
  if (out.size() > options.max_bytes)
    raise("MemoryError", "JSON text larger than the limit of " + std::to_string(options.max_bytes) + " bytes");
  return out;
}

}  // namespace hearth::tmpl::jinja
