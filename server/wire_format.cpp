#include "server/wire_format.h"

#include <ctime>

#include "server/api_error.h"

namespace hearth::server {

std::string ndjson_line(const Json& value) {
  std::string s = value.dump();
  s.push_back('\n');
  return s;
}

std::string sse_event(const Json& value) { return "data: " + value.dump() + "\n\n"; }

std::string sse_done() { return "data: [DONE]\n\n"; }

namespace {

std::string format_time(WallClock::time_point t, bool local) {
  auto ns_since = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns_since / 1000000000LL;
  int64_t frac = ns_since % 1000000000LL;
  if (frac < 0) {
    frac += 1000000000LL;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (local) localtime_r(&tt, &tm);
  else gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    char fb[16];
    std::snprintf(fb, sizeof fb, "%09lld", static_cast<long long>(frac));
    std::string f = fb;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  long offset = local ? tm.tm_gmtoff : 0;
  if (offset == 0) {
    out += "Z";
  } else {
    char ob[48];
    long a = offset < 0 ? -offset : offset;
    std::snprintf(ob, sizeof ob, "%c%02ld:%02ld", offset < 0 ? '-' : '+', a / 3600, (a % 3600) / 60);
    out += ob;
  }
  return out;
}

}  // namespace

std::string format_time_utc(WallClock::time_point t) { return format_time(t, false); }
std::string format_time_local(WallClock::time_point t) { return format_time(t, true); }

std::string error_body(std::string_view message) {
  return Json::object({{"error", std::string(message)}}).dump();
}

Json openai_error_json(int status, std::string_view message) {
  const char* type = status == 400 ? "invalid_request_error" : status == 404 ? "not_found_error" : "api_error";
  return Json::object({{"error", Json::object({{"message", std::string(message)},
                                               {"type", type},
                                               {"param", nullptr},
                                               {"code", nullptr}})}});
}

}  // namespace hearth::server
