// The HTTP client against a scripted server: framing strictness, caps, encodings, redirects,
// credentials policy, cancellation and timeouts.
#include <catch2/catch.hpp>
#include <chrono>

#include "engine/registry/errors.h"
#include "engine/registry/http_client.h"
#include "registry/test_server.h"

using namespace hearth::registry;
using namespace hearth::registry::test;

namespace {

HttpClientConfig fast_config() {
  HttpClientConfig c;
  c.connect_timeout = std::chrono::milliseconds(2000);
  c.stall_timeout = std::chrono::milliseconds(2000);
  c.close_grace = std::chrono::milliseconds(300);
  return c;
}

SendOptions plain() {
  SendOptions o;
  o.allow_plain_http = true;
  return o;
}

HttpResponse get(const HttpClient& c, const std::string& url, SendOptions o = plain()) {
  return c.send(HttpRequest{.method = "GET", .url = Url::parse(url)}, o);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("Content-Length and chunked bodies are read exactly", "[http]") {
  ScriptedServer s([](const RecordedRequest& r) -> RawReply {
    if (r.target == "/chunked")
      return {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"};
    return {http_reply(200, {{"X-Echo", r.header("user-agent")}}, "payload")};
  });
  HttpClientConfig cfg = fast_config();
  cfg.user_agent = "ua-test/1";
  HttpClient c(cfg);
  HttpResponse r = get(c, "http://" + s.authority() + "/x");
  CHECK(r.status == 200);
  CHECK(r.body == "payload");
  CHECK(r.header("x-echo") == "ua-test/1");
  CHECK(get(c, "http://" + s.authority() + "/chunked").body == "hello world");
  auto req = s.requests().front();
  CHECK(req.header("accept-encoding") == "identity");
  CHECK(req.header("host") == s.authority());
}

TEST_CASE("A truncated body or bytes beyond Content-Length are errors", "[http][hostile]") {
  ScriptedServer s([](const RecordedRequest& r) -> RawReply {
    if (r.target == "/short") return {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a few bytes"};
    if (r.target == "/long") return {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfour and more"};
    if (r.target == "/chunk-short") return {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc"};
    return {http_reply(404, {}, "")};
  });
  HttpClient c(fast_config());
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/short"); }), Catch::Contains("truncated"));
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/long"); }),
             Catch::Contains("longer than its Content-Length"));
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/chunk-short"); }), Catch::Contains("truncated"));
  // Streaming into a sink is held to the same rules.
  std::string got;
  BodySink sink = [&](std::span<const uint8_t> b) { got.append(reinterpret_cast<const char*>(b.data()), b.size()); };
  SendOptions o = plain();
  o.sink = &sink;
  CHECK_THROWS_AS(get(c, "http://" + s.authority() + "/short", o), TransportError);
}

TEST_CASE("Unrequested Content-Encoding and oversized bodies are refused", "[http][hostile]") {
  std::string big(5u << 20, 'x');
  ScriptedServer s([&](const RecordedRequest& r) -> RawReply {
    if (r.target == "/gzip") return {http_reply(200, {{"Content-Encoding", "gzip"}}, std::string("\x1f\x8b\x08\x00", 4))};
    if (r.target == "/big") return {http_reply(200, {}, big)};
    if (r.target == "/big-chunked") {
      std::string body;
      for (int i = 0; i < 80; ++i) body += "10000\r\n" + std::string(0x10000, 'y') + "\r\n";
      return {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "0\r\n\r\n"};
    }
    return {http_reply(404, {}, "")};
  });
  HttpClient c(fast_config());
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/gzip"); }), Catch::Contains("Content-Encoding \"gzip\""));
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/big"); }), Catch::Contains("larger than the 4194304 bytes"));
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/big-chunked"); }),
             Catch::Contains("larger than the 4194304 bytes"));
}

TEST_CASE("Redirects: bounded, relative Locations resolved, loops end in an error", "[http][hostile]") {
  ScriptedServer s([](const RecordedRequest& r) -> RawReply {
    if (r.target == "/a") return {http_reply(302, {{"Location", "/b"}}, "")};
    if (r.target == "/b") return {http_reply(307, {{"Location", "c"}}, "")};
    if (r.target == "/c") return {http_reply(200, {}, "arrived")};
    if (r.target == "/loop") return {http_reply(302, {{"Location", "/loop"}}, "")};
    return {http_reply(404, {}, "")};
  });
  HttpClient c(fast_config());
  HttpResponse r = get(c, "http://" + s.authority() + "/a");
  CHECK(r.body == "arrived");
  CHECK(r.url.target == "/c");
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/loop"); }), Catch::Contains("stopped after 10 redirects"));
  CHECK(s.requests().size() == 3 + 11);
}

TEST_CASE("Authorization goes only to its origin; redirects to another host drop it", "[http][hostile]") {
  ScriptedServer blob_store([](const RecordedRequest&) -> RawReply { return {http_reply(200, {}, "blob bytes")}; },
                            "127.0.0.2");
  ScriptedServer registry([&](const RecordedRequest& r) -> RawReply {
    if (r.target == "/same") return {http_reply(307, {{"Location", "/final"}}, "")};
    if (r.target == "/final") return {http_reply(200, {}, "ok")};
    return {http_reply(307, {{"Location", "http://" + blob_store.authority() + "/blob?sig=1"}}, "")};
  });
  HttpClient c(fast_config());
  SendOptions o = plain();
  o.authorization = "Bearer secret-token";
  CHECK(get(c, "http://" + registry.authority() + "/cross", o).body == "blob bytes");
  CHECK(get(c, "http://" + registry.authority() + "/same", o).body == "ok");
  for (const auto& r : registry.requests()) CHECK(r.header("authorization") == "Bearer secret-token");
  REQUIRE(blob_store.requests().size() == 1);
  CHECK(blob_store.requests()[0].header("authorization").empty());
  // Another port on the same address is another origin too.
  ScriptedServer other_port([](const RecordedRequest&) -> RawReply { return {http_reply(200, {}, "x")}; });
  SendOptions o2 = plain();
  o2.authorization = "Bearer t2";
  o2.authorization_origin = registry.authority();  // not even a valid origin string: never matches
  get(c, "http://" + other_port.authority() + "/", o2);
  CHECK(other_port.requests()[0].header("authorization").empty());
  CHECK_THROWS_AS(c.send(HttpRequest{.url = Url::parse("http://h/"), .headers = {{"Authorization", "x"}}}, plain()),
                  std::invalid_argument);
}

TEST_CASE("Plain HTTP needs insecure; https never redirects to http", "[http]") {
  HttpClient c(fast_config());
  CHECK_THAT(error_of([&] { get(c, "http://127.0.0.1:9/", SendOptions{}); }), Catch::Contains("refusing plain HTTP"));
}

TEST_CASE("A stalled server times out and a cancelled request stops promptly", "[http]") {
  ScriptedServer s([](const RecordedRequest& r) -> RawReply {
    RawReply reply{http_reply(200, {}, std::string(1000, 'z'))};
    reply.delay_before = std::chrono::milliseconds(r.target == "/slow" ? 2500 : 0);
    return reply;
  });
  HttpClientConfig cfg = fast_config();
  cfg.stall_timeout = std::chrono::milliseconds(400);
  HttpClient c(cfg);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THAT(error_of([&] { get(c, "http://" + s.authority() + "/slow"); }), Catch::Contains("timed out"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2000));

  HttpClient patient(fast_config());
  SendOptions o = plain();
  auto start = std::chrono::steady_clock::now();
  o.cancelled = [&] { return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(200); };
  CHECK_THROWS_AS(get(patient, "http://" + s.authority() + "/slow", o), CancelledError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
}
