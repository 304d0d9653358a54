#include "server/access_log.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "common/json.h"

namespace hearth::server {
namespace {

bool is_probe(const AccessLogEntry& e) {
  bool read_only = e.method == "GET" || e.method == "HEAD";
  return read_only && (e.path == "/" || e.path == "/api/version" || e.path == "/metrics");
}

// Milliseconds with microsecond resolution, e.g. 1234.567 (a JSON number and a logfmt value).
std::string millis(std::chrono::nanoseconds d) {
  long long us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 0) us = 0;
  std::string out = std::to_string(us / 1000) + ".";
  std::string frac = std::to_string(us % 1000);
  out.append(3 - frac.size(), '0');
  return out + frac;
}

bool detailed(LogLevel level) { return level == LogLevel::Debug || level == LogLevel::Trace; }

// Client-controlled text (path, user agent) is cut so a line stays well below PIPE_BUF and is
// written to a pipe in one piece.
std::string_view clip(std::string_view s) { return s.substr(0, kMaxLoggedField); }

}  // namespace

LogLevel log_level_from_env(const EnvLookup& env) {
  std::string v = env_string(env, "OLLAMA_DEBUG");
  if (v.empty()) return LogLevel::Info;
  if (auto b = parse_go_bool(v)) {
    if (*b) return LogLevel::Debug;
    // "0" and "false" parse as false: INFO (and "0" is also the integer 0).
    return LogLevel::Info;
  }
  long long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  // Ollama: ParseBool first, then ParseInt; text that is neither leaves the level at INFO.
  if (ec != std::errc() || ptr != v.data() + v.size()) return LogLevel::Info;
  if (n >= 2) return LogLevel::Trace;
  if (n == 1) return LogLevel::Debug;
  if (n == -1) return LogLevel::Warn;
  if (n <= -2) return LogLevel::Error;
  return LogLevel::Info;
}

AccessLogConfig AccessLogConfig::from_env(const EnvLookup& env, std::vector<std::string>* warnings) {
  AccessLogConfig c;
  c.level = log_level_from_env(env);
  std::string f;
  if (auto v = env("HEARTH_ACCESS_LOG")) f = trim_env_value(*v);
  for (char& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (f.empty() || f == "json") c.format = AccessLogFormat::Json;
  else if (f == "logfmt") c.format = AccessLogFormat::Logfmt;
  else if (f == "off" || f == "none" || f == "false" || f == "0") c.format = AccessLogFormat::Off;
  else if (warnings) warnings->push_back("invalid HEARTH_ACCESS_LOG \"" + f + "\" (json, logfmt or off), using json");
  return c;
}

bool should_log_access(const AccessLogConfig& config, const AccessLogEntry& e) {
  if (config.format == AccessLogFormat::Off) return false;
  switch (config.level) {
    case LogLevel::Trace:
    case LogLevel::Debug: return true;
    case LogLevel::Info: return !(is_probe(e) && e.status < 400);
    case LogLevel::Warn: return e.status >= 400;
    case LogLevel::Error: return e.status >= 500;
  }
  return true;
}

std::string format_log_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  long long secs = ms / 1000;
  long long rem = ms % 1000;
  if (rem < 0) rem += 1000, secs -= 1;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];  // room for any int the compiler thinks tm fields could hold
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, rem);
  return buf;
}

std::string logfmt_value(std::string_view v) {
  bool bare = !v.empty();
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '=' || c == '"' || c == '\\') {
      bare = false;
      break;
    }
  }
  if (bare) return std::string(v);
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string format_access_log(const AccessLogEntry& e, AccessLogFormat format, LogLevel level) {
  if (format == AccessLogFormat::Off) return {};
  std::string time = format_log_time(e.time);
  std::string out;
  if (format == AccessLogFormat::Json) {
    auto str = [&](std::string_view key, std::string_view value) {
      out += out.size() == 1 ? "" : ",";
      append_json_string(out, key);
      out += ':';
      append_json_string(out, value);
    };
    auto num = [&](std::string_view key, std::string_view value) {
      out += ',';
      append_json_string(out, key);
      out += ':';
      out += value;
    };
    out = "{";
    str("time", time);
    str("remote", e.remote);
    str("method", e.method);
    str("path", clip(e.path));
    num("status", std::to_string(e.status));
    num("bytes", std::to_string(e.bytes));
    num("duration_ms", millis(e.duration));
    if (detailed(level)) {
      str("route", e.route);
      str("user_agent", clip(e.user_agent));
      num("request_bytes", std::to_string(e.request_bytes));
    }
    out += "}\n";
    return out;
  }
  auto kv = [&](std::string_view key, std::string value) {
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += value;
  };
  kv("time", time);
  kv("remote", logfmt_value(e.remote));
  kv("method", logfmt_value(e.method));
  kv("path", logfmt_value(clip(e.path)));
  kv("status", std::to_string(e.status));
  kv("bytes", std::to_string(e.bytes));
  kv("duration_ms", millis(e.duration));
  if (detailed(level)) {
    kv("route", logfmt_value(e.route));
    kv("user_agent", logfmt_value(clip(e.user_agent)));
    kv("request_bytes", std::to_string(e.request_bytes));
  }
  out += '\n';
  return out;
}

}  // namespace hearth::server
