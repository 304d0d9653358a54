// PARAMETER typing (spec §3.1, §3.2): the option table and Go-compatible value parsing.
#include <cfloat>
#include <charconv>
#include <cmath>
#include <string_view>

#include "engine/store/errors.h"
#include "engine/store/go_format.h"
#include "engine/store/modelfile.h"

namespace hearth::store {

namespace {

enum class OptionKind { Int, Float, Bool, Strings, Deprecated };

struct OptionSpec {
  std::string_view name;
  OptionKind kind;
};

// Ollama's api.Options/Runner fields hearth accepts, and the removed ones a Modelfile may still
// name (skipped with a warning). numa, tfs_z and num_gqa are gone from Ollama's parser list, so
// they are unknown parameters.
constexpr OptionSpec kOptions[] = {
    {"num_ctx", OptionKind::Int},
    {"num_predict", OptionKind::Int},
    {"num_keep", OptionKind::Int},
    {"seed", OptionKind::Int},
    {"top_k", OptionKind::Int},
    {"repeat_last_n", OptionKind::Int},
    {"num_batch", OptionKind::Int},
    {"num_gpu", OptionKind::Int},
    {"main_gpu", OptionKind::Int},
    {"num_thread", OptionKind::Int},
    {"draft_num_predict", OptionKind::Int},
    {"temperature", OptionKind::Float},
    {"top_p", OptionKind::Float},
    {"min_p", OptionKind::Float},
    {"typical_p", OptionKind::Float},
    {"repeat_penalty", OptionKind::Float},
    {"presence_penalty", OptionKind::Float},
    {"frequency_penalty", OptionKind::Float},
    {"use_mmap", OptionKind::Bool},
    {"stop", OptionKind::Strings},
    {"penalize_newline", OptionKind::Deprecated},
    {"low_vram", OptionKind::Deprecated},
    {"f16_kv", OptionKind::Deprecated},
    {"logits_all", OptionKind::Deprecated},
    {"vocab_only", OptionKind::Deprecated},
    {"use_mlock", OptionKind::Deprecated},
    {"mirostat", OptionKind::Deprecated},
    {"mirostat_tau", OptionKind::Deprecated},
    {"mirostat_eta", OptionKind::Deprecated},
};

const OptionSpec* find_option(std::string_view name) {
  for (const OptionSpec& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

[[noreturn]] void invalid(std::string_view kind, const std::string& value) {
  // Ollama formats the []string of values with %s: "invalid int value [abc]".
  throw StoreError(ErrorKind::BadRequest, "invalid " + std::string(kind) + " value [" + value + "]");
}

// strconv.ParseInt(s, 10, 64).
int64_t parse_go_int(const std::string& s) {
  std::string_view v = s;
  bool negative = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    negative = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty()) invalid("int", s);
  for (char c : v)
    if (c < '0' || c > '9') invalid("int", s);
  uint64_t magnitude = 0;
  auto res = std::from_chars(v.data(), v.data() + v.size(), magnitude);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size()) invalid("int", s);
  if (negative) {
    if (magnitude > uint64_t(INT64_MAX) + 1) invalid("int", s);
    return magnitude == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(magnitude);
  }
  if (magnitude > uint64_t(INT64_MAX)) invalid("int", s);
  return static_cast<int64_t>(magnitude);
}

// strconv.ParseFloat(s, 32) for decimal input; non-finite results are refused because Ollama
// cannot store them (its JSON encoder rejects NaN and Inf).
double parse_go_float32(const std::string& s) {
  std::string_view v = s;
  bool negative = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    negative = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty() || !((v[0] >= '0' && v[0] <= '9') || v[0] == '.')) invalid("float", s);
  double d = 0;
  auto res = std::from_chars(v.data(), v.data() + v.size(), d, std::chars_format::general);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size()) invalid("float", s);
  if (!std::isfinite(d) || std::fabs(d) > FLT_MAX) invalid("float", s);
  float f = static_cast<float>(negative ? -d : d);
  return float32_as_shortest_double(f);
}

// strconv.ParseBool.
bool parse_go_bool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  invalid("bool", s);
}

}  // namespace

bool is_known_parameter(std::string_view name) {
  const OptionSpec* o = find_option(name);
  return o && o->kind != OptionKind::Deprecated;
}

TypedParameter parse_parameter(const std::string& name, const std::string& value) {
  const OptionSpec* o = find_option(name);
  if (!o) throw StoreError(ErrorKind::BadRequest, "unknown parameter '" + name + "'");
  TypedParameter out;
  switch (o->kind) {
    case OptionKind::Int: out.value = Json(static_cast<long long>(parse_go_int(value))); break;
    case OptionKind::Float: out.value = Json(parse_go_float32(value)); break;
    case OptionKind::Bool: out.value = Json(parse_go_bool(value)); break;
    case OptionKind::Strings: out.value = Json::array({Json(value)}); break;
    case OptionKind::Deprecated: out.deprecated = true; break;
  }
  return out;
}

}  // namespace hearth::store
