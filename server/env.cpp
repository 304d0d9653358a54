#include "server/env.h"

#include <charconv>
#include <cstdlib>

namespace hearth::server {
namespace {

std::string_view trim_space(std::string_view s) {
  const char* ws = " \t\n\r\v\f";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string hearth_alias(std::string_view ollama_name) {
  constexpr std::string_view prefix = "OLLAMA_";
  if (ollama_name.substr(0, prefix.size()) != prefix) return {};
  return "HEARTH_" + std::string(ollama_name.substr(prefix.size()));
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup map_environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string trim_env_value(std::string_view raw) {
  std::string_view s = trim_space(raw);
  std::size_t b = s.find_first_not_of("\"'");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of("\"'");
  return std::string(s.substr(b, e - b + 1));
}

std::string env_string(const EnvLookup& env, std::string_view ollama_name) {
  std::string alias = hearth_alias(ollama_name);
  if (!alias.empty()) {
    if (auto v = env(alias); v && !trim_env_value(*v).empty()) return trim_env_value(*v);
  }
  if (auto v = env(ollama_name)) return trim_env_value(*v);
  return {};
}

std::optional<bool> parse_go_bool(std::string_view t) {
  if (t == "1" || t == "t" || t == "T" || t == "true" || t == "TRUE" || t == "True") return true;
  if (t == "0" || t == "f" || t == "F" || t == "false" || t == "FALSE" || t == "False") return false;
  return std::nullopt;
}

bool env_bool(const EnvLookup& env, std::string_view name, bool fallback) {
  std::string v = env_string(env, name);
  if (v.empty()) return fallback;
  // envconfig.Bool: a value ParseBool rejects still means "set", i.e. true.
  return parse_go_bool(v).value_or(true);
}

int64_t env_int(const EnvLookup& env, std::string_view name, int64_t fallback) {
  std::string v = env_string(env, name);
  if (v.empty()) return fallback;
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) return fallback;
  return out;
}

}  // namespace hearth::server
