// Wire framing: NDJSON lines, SSE events, HTTP chunked encoding (RFC 9112 §7.1), response
// serialisation, and Go's RFC3339Nano timestamps.
#include <catch2/catch.hpp>

#include "server/http_message.h"
#include "server/http_serialize.h"
#include "server/wire_format.h"

using namespace hearth::server;
using hearth::Json;

TEST_CASE("NDJSON and SSE framing", "[server][wire]") {
  Json j = Json::object({{"model", "m"}, {"done", false}});
  CHECK(ndjson_line(j) == "{\"model\":\"m\",\"done\":false}\n");
  CHECK(sse_event(j) == "data: {\"model\":\"m\",\"done\":false}\n\n");
  CHECK(sse_done() == "data: [DONE]\n\n");
}

TEST_CASE("LineSplitter reassembles lines split across chunks", "[server][wire]") {
  LineSplitter s;
  std::vector<std::string> lines;
  auto add = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("{\"a\":1}\n{\"b\"", add);
  s.feed(":2}\n\n{\"c\":3", add);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "{\"a\":1}");
  CHECK(lines[1] == "{\"b\":2}");
  CHECK(lines[2].empty());
  CHECK(s.rest() == "{\"c\":3");
}

TEST_CASE("HTTP chunked encoding", "[server][wire]") {
  CHECK(http_chunk("hello") == "5\r\nhello\r\n");
  CHECK(http_chunk(std::string(26, 'x')) == "1a\r\n" + std::string(26, 'x') + "\r\n");
  CHECK(http_chunk("").empty());
  CHECK(kLastChunk == "0\r\n\r\n");
}

TEST_CASE("complete responses carry Content-Length; HEAD omits the body", "[server][wire]") {
  HttpResponse r = HttpResponse::text(200, "Ollama is running");
  std::string bytes = serialize_response(r, true, false);
  CHECK(bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(bytes.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
  CHECK(bytes.find("Content-Length: 17\r\n") != std::string::npos);
  CHECK(bytes.find("Connection: close") == std::string::npos);
  CHECK(bytes.substr(bytes.size() - 21) == "\r\n\r\nOllama is running");
  std::string head = serialize_response(r, false, true);
  CHECK(head.find("Content-Length: 17\r\n") != std::string::npos);
  CHECK(head.find("Connection: close\r\n") != std::string::npos);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  std::string nc = serialize_response(HttpResponse::empty(204), true, false);
  CHECK(nc.find("Content-Length") == std::string::npos);
  CHECK(serialize_response(HttpResponse::json(499, "{}"), true, false).rfind("HTTP/1.1 499 Client Closed Request\r\n", 0) == 0);
}

TEST_CASE("stream heads are chunked", "[server][wire]") {
  std::string h = serialize_stream_head(200, kNdjsonContentType, {{"X-A", "b\r\nInjected: 1"}}, true);
  CHECK(h.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(h.find("Content-Type: application/x-ndjson\r\n") != std::string::npos);
  CHECK(h.find("\r\nInjected") == std::string::npos);  // header injection neutralised
  CHECK(h.substr(h.size() - 4) == "\r\n\r\n");
}

TEST_CASE("targets split into decoded path and raw query", "[server][wire]") {
  std::string path, query;
  split_target("/v1/models/llama3.2%3Alatest?x=1&y=%20", path, query);
  CHECK(path == "/v1/models/llama3.2:latest");
  CHECK(query == "x=1&y=%20");
  split_target("/api/tags", path, query);
  CHECK(path == "/api/tags");
  CHECK(query.empty());
}

TEST_CASE("timestamps are RFC3339Nano with trailing zeros trimmed", "[server][wire]") {
  using namespace std::chrono;
  // 2025-10-17T23:14:07.414671Z
  WallClock::time_point t{seconds(1760742847) + nanoseconds(414671000)};
  CHECK(format_time_utc(t) == "2025-10-17T23:14:07.414671Z");
  CHECK(format_time_utc(WallClock::time_point{seconds(1760742847)}) == "2025-10-17T23:14:07Z");
  CHECK(format_time_utc(WallClock::time_point{seconds(1760742847) + nanoseconds(1)}) == "2025-10-17T23:14:07.000000001Z");
  std::string local = format_time_local(t);
  CHECK(local.size() >= 20);
  CHECK((local.back() == 'Z' || local[local.size() - 3] == ':'));
}

TEST_CASE("case-insensitive header lookup", "[server][wire]") {
  HeaderList h = {{"Content-Type", "a"}, {"origin", "b"}};
  CHECK(find_header(h, "content-type") == "a");
  CHECK(find_header(h, "Origin") == "b");
  CHECK(find_header(h, "Host").empty());
}
