// server/env.h — reading Ollama's environment variables with Ollama's rules.
//
// Every variable is read through an `EnvLookup` (a function from name to optional value) so the
// rules can be tested with a map instead of the process environment. Values are trimmed of spaces
// and surrounding quotes (`OLLAMA_HOST=" 0.0.0.0 "` works); booleans follow Go's ParseBool and
// any other non-empty value counts as true; integers that fail to parse fall back to the default.
// `HEARTH_*` spellings are accepted as aliases and win over the `OLLAMA_*` ones.
//
//   EnvLookup env = process_environment();
//   bool noprune = env_bool(env, "OLLAMA_NOPRUNE", false);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::server {

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The real environment (getenv). Safe to call from any thread while nobody calls setenv.
EnvLookup process_environment();
// A fixed map, for tests and for composing overrides.
EnvLookup map_environment(std::map<std::string, std::string> values);

// The value of OLLAMA_X, or HEARTH_X when that is set; trimmed of spaces and quotes. "" if unset.
std::string env_string(const EnvLookup& env, std::string_view ollama_name);
bool env_bool(const EnvLookup& env, std::string_view ollama_name, bool fallback);
int64_t env_int(const EnvLookup& env, std::string_view ollama_name, int64_t fallback);

// Go's strconv.ParseBool: nullopt for text it does not accept.
std::optional<bool> parse_go_bool(std::string_view text);
// strings.Trim(strings.TrimSpace(s), "\"'") as envconfig.Var does it.
std::string trim_env_value(std::string_view raw);

}  // namespace hearth::server
