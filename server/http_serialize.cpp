#include "server/http_serialize.h"

#include <cstdio>
#include <ctime>

namespace hearth::server {

namespace {

void append_status_line(std::string& out, int status) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += status_reason(status);
  out += "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  // Header values never carry line breaks (they would split the response).
  for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  out += "\r\n";
}

void append_common(std::string& out, const HeaderList& headers, bool keep_alive) {
  append_header(out, "Date", http_date_now());
  for (const auto& [k, v] : headers) append_header(out, k, v);
  if (!keep_alive) append_header(out, "Connection", "close");
}

}  // namespace

std::string http_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string serialize_response(const HttpResponse& r, bool keep_alive, bool head_only) {
  std::string out;
  out.reserve(256 + (head_only ? 0 : r.body.size()));
  append_status_line(out, r.status);
  if (!r.content_type.empty()) append_header(out, "Content-Type", r.content_type);
  append_common(out, r.headers, keep_alive);
  // 1xx, 204 and 304 responses carry no body and no Content-Length.
  if (r.status != 204 && r.status != 304 && r.status >= 200) append_header(out, "Content-Length", std::to_string(r.body.size()));
  out += "\r\n";
  if (!head_only && r.status != 204 && r.status != 304) out += r.body;
  return out;
}

std::string serialize_stream_head(int status, std::string_view content_type, const HeaderList& headers, bool keep_alive) {
  std::string out;
  append_status_line(out, status);
  if (!content_type.empty()) append_header(out, "Content-Type", content_type);
  append_common(out, headers, keep_alive);
  append_header(out, "Transfer-Encoding", "chunked");
  out += "\r\n";
  return out;
}

std::string http_chunk(std::string_view data) {
  if (data.empty()) return {};
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out = size;
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace hearth::server
