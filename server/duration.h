// server/duration.h — Go-style durations: keep_alive values, OLLAMA_KEEP_ALIVE, load timeouts.
//
// Ollama reads durations with Go's time.ParseDuration ("5m", "1h30m", "1.5s", "-1s", "0") and,
// in JSON, also as plain numbers of seconds. A negative duration means "forever" and is stored
// as `kForever`. Formatting follows Go's Duration.String ("5m0s", "1.5ms", "0s").
//
//   auto d = parse_go_duration("1h30m");                 // throws DurationError
//   auto k = parse_keep_alive_json(request.at("keep_alive"));
//   format_go_duration(std::chrono::minutes(5)) == "5m0s"
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/json.h"

namespace hearth::server {

using Nanos = std::chrono::nanoseconds;
inline constexpr Nanos kForever = Nanos::max();

class DurationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// time.ParseDuration. Errors carry Go's message, e.g. `time: missing unit in duration "3600"`.
Nanos parse_go_duration(std::string_view text);
// Duration.String.
std::string format_go_duration(Nanos d);

// keep_alive as the API accepts it: number → seconds (fractional allowed), string → Go duration;
// any negative value → kForever. Other JSON kinds throw DurationError.
Nanos parse_keep_alive_json(const Json& value);
// OLLAMA_KEEP_ALIVE / OLLAMA_LOAD_TIMEOUT: a Go duration, else integer seconds; negative →
// kForever; unparsable → nullopt (the caller keeps its default).
std::optional<Nanos> parse_env_duration(std::string_view text);

}  // namespace hearth::server
