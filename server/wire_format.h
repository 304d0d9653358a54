// server/wire_format.h — how bytes look on the wire: NDJSON lines, SSE events, timestamps.
//
// Ollama streams one compact JSON object per line ("application/x-ndjson"); the OpenAI routes
// stream Server-Sent Events ("data: <json>\n\n", ending with "data: [DONE]\n\n"). Timestamps are
// RFC 3339 with nanoseconds, trailing zeros trimmed, as Go's time.RFC3339Nano formats them:
// `created_at` in UTC ("…Z"), `modified_at`/`expires_at` in local time with an offset.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/json.h"

namespace hearth::server {

inline constexpr std::string_view kNdjsonContentType = "application/x-ndjson";
inline constexpr std::string_view kSseContentType = "text/event-stream";
inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

std::string ndjson_line(const Json& value);            // dump() + "\n"
std::string sse_event(const Json& value);              // "data: " + dump() + "\n\n"
std::string sse_done();                                // "data: [DONE]\n\n"

using WallClock = std::chrono::system_clock;

// "2025-10-17T23:14:07.414671Z"
std::string format_time_utc(WallClock::time_point t);
// "2025-05-10T08:06:48.639712648-07:00" (the machine's zone; "Z" when the offset is zero)
std::string format_time_local(WallClock::time_point t);

// Splits an NDJSON stream into lines as a client would (for tests and the CLI): feed bytes,
// get back complete lines without their "\n".
class LineSplitter {
 public:
  template <typename F>
  void feed(std::string_view bytes, F&& on_line) {
    buffer_.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1)
      on_line(std::string_view(buffer_).substr(start, nl - start));
    buffer_.erase(0, start);
  }
  const std::string& rest() const { return buffer_; }

 private:
  std::string buffer_;
};

}  // namespace hearth::server
