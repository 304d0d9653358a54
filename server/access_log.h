// server/access_log.h — one structured line per HTTP request.
//
// The session fills an `AccessLogEntry` when a response ends and asks `format_access_log` for
// the line to write to stderr. Two formats: JSON (one compact object per line, for log
// shippers) and logfmt (`key=value` pairs, quoted when needed, for people and Loki):
//
//   {"time":"2026-08-01T12:00:00.123Z","remote":"10.0.0.7:51234","method":"POST",
//    "path":"/api/chat","status":200,"bytes":5120,"duration_ms":1234.567}
//   time=2026-08-01T12:00:00.123Z remote=10.0.0.7:51234 method=POST path=/api/chat status=200 bytes=5120 duration_ms=1234.567
//
// HEARTH_ACCESS_LOG picks the format: `json` (default), `logfmt` or `off`. How much is logged
// follows Ollama's OLLAMA_DEBUG: at INFO (unset, 0, false) every request except successful
// liveness probes (GET/HEAD of `/` and `/api/version`, which health checks send every few
// seconds) and `/metrics` scrapes; at DEBUG (1, true) and TRACE (2) every request, with its route,
// user agent and request body size added; at WARN (-1) only 4xx/5xx answers and at ERROR (-2)
// only 5xx. Paths are logged without the query string, paths and user agents are cut at 1 KiB, and
// every field is escaped, so one request is always exactly one line whatever bytes the client sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/env.h"

namespace hearth::server {

// slog's levels as Ollama uses them (OLLAMA_DEBUG: 2 → TRACE, 1/true → DEBUG, unset/0/false →
// INFO, -1 → WARN, -2 or lower → ERROR; text that is neither a Go bool nor an integer → INFO,
// as Ollama's envconfig.LogLevel does).
enum class LogLevel { Trace, Debug, Info, Warn, Error };
LogLevel log_level_from_env(const EnvLookup& env);

enum class AccessLogFormat { Off, Json, Logfmt };

struct AccessLogConfig {
  AccessLogFormat format = AccessLogFormat::Json;
  LogLevel level = LogLevel::Info;

  // HEARTH_ACCESS_LOG and OLLAMA_DEBUG; an unknown format falls back to json with a warning.
  static AccessLogConfig from_env(const EnvLookup& env, std::vector<std::string>* warnings = nullptr);
};

struct AccessLogEntry {
  std::chrono::system_clock::time_point time;  // when the request's header was read
  std::string_view remote;                     // "ip:port" of the peer ("[v6]:port")
  std::string_view method;                     // as sent
  std::string_view path;                       // without the query string
  int status = 0;
  uint64_t bytes = 0;                          // response body bytes sent
  std::chrono::nanoseconds duration{0};        // header read → response complete
  // Added at DEBUG and TRACE:
  std::string_view route;                      // route_name(...), "" when unmatched
  std::string_view user_agent;
  uint64_t request_bytes = 0;                  // request body bytes read
};

// Paths and user agents longer than this are cut to it in the log line.
inline constexpr std::size_t kMaxLoggedField = 1024;

// Whether this request gets a line under `config`.
bool should_log_access(const AccessLogConfig& config, const AccessLogEntry& entry);

// The line (ending in '\n') for `entry` in `format` with the fields `level` asks for; "" for
// AccessLogFormat::Off.
std::string format_access_log(const AccessLogEntry& entry, AccessLogFormat format, LogLevel level);

// RFC 3339 UTC with milliseconds: "2026-08-01T12:00:00.123Z".
std::string format_log_time(std::chrono::system_clock::time_point t);

// A logfmt value: bare when it is non-empty and has no space, '=', '"', backslash or control
// character; otherwise double-quoted with \" \\ \n \r \t and \u00XX escapes.
std::string logfmt_value(std::string_view value);

}  // namespace hearth::server
