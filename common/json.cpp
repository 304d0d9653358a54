// JSON value: parsing through simdjson's DOM and hand-written serialization.
#include "common/json.h"

// simdjson's header trips GCC 12's dangling-pointer heuristics; the warnings are not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <simdjson.h>
#pragma GCC diagnostic pop

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "common/utf8.h"

namespace hearth {

// ---------------------------------------------------------------------------------------------
// Construction

Json::Json(unsigned long v) {
  if (v <= static_cast<unsigned long>(std::numeric_limits<int64_t>::max()))
    value_ = static_cast<int64_t>(v);
  else
    value_ = static_cast<double>(v);
}

Json::Json(unsigned long long v) {
  if (v <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()))
    value_ = static_cast<int64_t>(v);
  else
    value_ = static_cast<double>(v);
}

Json Json::object(std::initializer_list<std::pair<std::string, Json>> items) {
  Object o;
  for (const auto& [k, v] : items) o.set(k, v);
  return Json(std::move(o));
}

const char* Json::kind_name() const {
  switch (kind()) {
    case Kind::Null: return "null";
    case Kind::Bool: return "boolean";
    case Kind::Int: return "integer";
    case Kind::Double: return "number";
    case Kind::String: return "string";
    case Kind::Array: return "array";
    case Kind::Object: return "object";
  }
  return "?";
}

static JsonError kind_error(const char* expected, const Json& actual) {
  return JsonError(std::string("expected ") + expected + ", got " + actual.kind_name());
}

bool Json::as_bool() const {
  if (!is_bool()) throw kind_error("boolean", *this);
  return std::get<bool>(value_);
}

int64_t Json::as_int() const {
  if (is_int()) return std::get<int64_t>(value_);
  if (is_double()) {
    double d = std::get<double>(value_);
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
    throw JsonError("expected integer, got non-integral number");
  }
  throw kind_error("integer", *this);
}

double Json::as_double() const {
  if (is_double()) return std::get<double>(value_);
  if (is_int()) return static_cast<double>(std::get<int64_t>(value_));
  throw kind_error("number", *this);
}

const std::string& Json::as_string() const {
  if (!is_string()) throw kind_error("string", *this);
  return std::get<std::string>(value_);
}

const Json::Array& Json::as_array() const {
  if (!is_array()) throw kind_error("array", *this);
  return std::get<Array>(value_);
}

Json::Array& Json::as_array() {
  if (!is_array()) throw kind_error("array", *this);
  return std::get<Array>(value_);
}

const Json::Object& Json::as_object() const {
  if (!is_object()) throw kind_error("object", *this);
  return std::get<Object>(value_);
}

Json::Object& Json::as_object() {
  if (!is_object()) throw kind_error("object", *this);
  return std::get<Object>(value_);
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  return std::get<Object>(value_).find(key);
}

Json& Json::operator[](std::string_view key) {
  if (is_null()) value_ = Object();
  return as_object()[key];
}

const Json& Json::at(std::string_view key) const {
  const Json* v = find(key);
  if (!v) throw JsonError("missing key \"" + std::string(key) + "\"");
  return *v;
}

template <typename F>
static auto keyed(std::string_view key, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const JsonError& e) {
    throw JsonError("\"" + std::string(key) + "\": " + e.what());
  }
}

std::string Json::get_string(std::string_view key, std::string_view fallback) const {
  const Json* v = find(key);
  if (!v || v->is_null()) return std::string(fallback);
  return keyed(key, [&] { return v->as_string(); });
}

int64_t Json::get_int(std::string_view key, int64_t fallback) const {
  const Json* v = find(key);
  if (!v || v->is_null()) return fallback;
  return keyed(key, [&] { return v->as_int(); });
}

double Json::get_double(std::string_view key, double fallback) const {
  const Json* v = find(key);
  if (!v || v->is_null()) return fallback;
  return keyed(key, [&] { return v->as_double(); });
}

bool Json::get_bool(std::string_view key, bool fallback) const {
  const Json* v = find(key);
  if (!v || v->is_null()) return fallback;
  return keyed(key, [&] { return v->as_bool(); });
}

void Json::push_back(Json v) {
  if (is_null()) value_ = Array();
  as_array().push_back(std::move(v));
}

std::size_t Json::size() const {
  if (is_array()) return std::get<Array>(value_).size();
  if (is_object()) return std::get<Object>(value_).size();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Parsing

static Json from_element(simdjson::dom::element el) {
  using simdjson::dom::element_type;
  switch (el.type()) {
    case element_type::ARRAY: {
      Json::Array arr;
      simdjson::dom::array source = el.get_array().value_unsafe();
      arr.reserve(source.size());
      for (simdjson::dom::element child : source) arr.push_back(from_element(child));
      return Json(std::move(arr));
    }
    case element_type::OBJECT: {
      Json::Object obj;
      simdjson::dom::object source = el.get_object().value_unsafe();
      std::size_t n = source.size();
      obj.reserve(n);
      if (n <= 16) {
        for (auto field : source) obj.set(std::string(field.key), from_element(field.value));
      } else {
        // Large objects (vocabularies): index keys so a repeated key (last one wins, first
        // position kept) costs a hash lookup instead of a linear scan.
        std::unordered_map<std::string_view, std::size_t> index;
        index.reserve(n);
        std::vector<std::pair<std::string_view, Json>> items;
        items.reserve(n);
        for (auto field : source) {
          auto [it, inserted] = index.emplace(field.key, items.size());
          if (inserted) items.emplace_back(field.key, from_element(field.value));
          else items[it->second].second = from_element(field.value);
        }
        for (auto& [k, v] : items) obj.append_new(std::string(k), std::move(v));
      }
      return Json(std::move(obj));
    }
    case element_type::INT64: return Json(static_cast<long long>(el.get_int64().value_unsafe()));
    case element_type::UINT64: return Json(static_cast<unsigned long long>(el.get_uint64().value_unsafe()));
    case element_type::DOUBLE: return Json(el.get_double().value_unsafe());
    case element_type::STRING: return Json(std::string(el.get_string().value_unsafe()));
    case element_type::BOOL: return Json(el.get_bool().value_unsafe());
    case element_type::NULL_VALUE: return Json();
  }
  return Json();
}

Json Json::parse(std::string_view text) {
  // A parser per call keeps this thread-safe; its buffers are sized to the input.
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  auto error = parser.parse(padded).get(root);
  if (error) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw JsonError("unexpected end of JSON input");
    throw JsonError(std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  return from_element(root);
}

// ---------------------------------------------------------------------------------------------
// Serialization

void append_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    std::size_t len = utf8_valid_sequence_length(s.substr(i));
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for an invalid byte
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out.push_back('"');
}

static void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, res.ptr);
}

static void dump_to(const Json& v, std::string& out, int indent, int depth) {
  auto newline = [&](int level) {
    if (indent <= 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent * level), ' ');
  };
  switch (v.kind()) {
    case Json::Kind::Null: out += "null"; break;
    case Json::Kind::Bool: out += v.as_bool() ? "true" : "false"; break;
    case Json::Kind::Int: out += std::to_string(v.as_int()); break;
    case Json::Kind::Double: append_double(out, v.as_double()); break;
    case Json::Kind::String: append_json_string(out, v.as_string()); break;
    case Json::Kind::Array: {
      const auto& arr = v.as_array();
      out.push_back('[');
      for (std::size_t i = 0; i < arr.size(); ++i) {
        if (i) out.push_back(',');
        newline(depth + 1);
        dump_to(arr[i], out, indent, depth + 1);
      }
      if (!arr.empty()) newline(depth);
      out.push_back(']');
      break;
    }
    case Json::Kind::Object: {
      const auto& obj = v.as_object();
      out.push_back('{');
      bool first = true;
      for (const auto& [k, child] : obj) {
        if (!first) out.push_back(',');
        first = false;
        newline(depth + 1);
        append_json_string(out, k);
        out.push_back(':');
        if (indent > 0) out.push_back(' ');
        dump_to(child, out, indent, depth + 1);
      }
      if (!obj.empty()) newline(depth);
      out.push_back('}');
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(*this, out, 0, 0);
  return out;
}

std::string Json::dump_pretty(int indent) const {
  std::string out;
  dump_to(*this, out, indent, 0);
  return out;
}

}  // namespace hearth
