// server/http_serialize.h — HTTP/1.1 response bytes, written by hand so they are testable.
//
// The session writes complete responses (status line, headers, Content-Length, body) and chunked
// streams (a header with Transfer-Encoding: chunked, then one chunk per flush, then the last
// chunk). Keeping the byte layout in pure functions lets tests check the framing exactly, and
// lets the session treat every write as a plain string in its bounded write queue.
#pragma once

#include <string>
#include <string_view>

#include "server/http_message.h"

namespace hearth::server {

// A complete response. `head_only` (HEAD requests) keeps Content-Length but omits the body.
std::string serialize_response(const HttpResponse& response, bool keep_alive, bool head_only);
// The header of a chunked response.
std::string serialize_stream_head(int status, std::string_view content_type, const HeaderList& headers,
                                  bool keep_alive);
// One chunk: "<hex size>\r\n<data>\r\n" ("" for empty data, which would end the stream).
std::string http_chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// RFC 7231 IMF-fixdate of the current time ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string http_date_now();

}  // namespace hearth::server
