// engine/registry/http_client.h — a small, strict HTTP/1.1 client for talking to registries.
//
// Registries and the blob stores they redirect to are remote parties that may be broken or
// hostile, so this client is deliberately strict where general-purpose clients are lenient:
//   * every request has a connect timeout and a stall timeout (no byte for N seconds → error), and
//     a `cancelled` callback that is polled while waiting, so a caller can give up at any time;
//   * bodies are checked against their framing: a body shorter than its Content-Length, or bytes
//     after the declared end, is an error (not silently accepted or truncated);
//   * `Accept-Encoding: identity` is sent and any other Content-Encoding in the answer is refused
//     (a gzip "bomb" is never inflated); buffered bodies are capped (`max_body_bytes`);
//   * redirects are followed up to a bound, never from https to http, and `authorization` is only
//     sent to the origin it belongs to (a redirect to blob storage on another host drops it);
//   * plain http:// is refused unless the caller allows it (`insecure`).
// HTTPS uses OpenSSL with the system trust store (plus an optional extra CA file), SNI and host
// name verification. One request per connection (`Connection: close`): registry traffic is a few
// large transfers, and a fresh connection per request keeps framing errors from leaking between
// requests.
//
//   HttpClient client(HttpClientConfig{.user_agent = "..."});
//   HttpResponse r = client.send({.method = "GET", .url = Url::parse(u)}, SendOptions{});
//   BodySink sink = [&](std::span<const uint8_t> bytes) { file.write(bytes); };
//   client.send(request, SendOptions{.sink = &sink});       // 2xx bodies stream into the sink
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/registry/url.h"

namespace hearth::registry {

// Returns true once the caller has given up (client disconnected, user pressed ^C). Polled.
using Cancelled = std::function<bool()>;

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The value of the first header called `name` (ASCII case-insensitive), or nullptr.
const std::string* find_header(const Headers& headers, std::string_view name);

struct HttpClientConfig {
  std::string user_agent = "hearth";
  std::filesystem::path ca_file;  // extra trusted CA certificates (PEM), e.g. a private registry's
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds stall_timeout{30000};  // no progress for this long ends the request
  // After a complete response the client waits this long for the server to close the connection,
  // so that bytes beyond the declared body are detected.
  std::chrono::milliseconds close_grace{1000};
};

// A byte range of a file sent as a request body (uploads), read in chunks, never held in memory.
struct FileSlice {
  std::filesystem::path path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct HttpRequest {
  std::string method = "GET";
  Url url;
  Headers headers;  // must not contain Authorization (see SendOptions::authorization)
  std::string body;
  std::optional<FileSlice> file_body;  // instead of `body`
  bool send_content_length = false;    // "Content-Length: 0" even without a body (PUT/POST)
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;  // buffered body (no sink, or a non-2xx status: at most 64 KiB kept)
  Url url;           // the URL that produced this response (after redirects)
  std::string header(std::string_view name) const;
};

using BodySink = std::function<void(std::span<const uint8_t> bytes)>;  // may throw to abort

struct SendOptions {
  int max_redirects = 10;           // 0: 3xx responses are returned to the caller
  bool allow_plain_http = false;    // `insecure`
  uint64_t max_body_bytes = 4u << 20;  // buffered 2xx bodies larger than this are an error
  std::string authorization;        // the Authorization header value, or "" for none
  std::string authorization_origin; // where it may go (Url::origin()); default: the request's origin
  const BodySink* sink = nullptr;   // receives 2xx bodies instead of `body`
  Cancelled cancelled;
  std::function<void(uint64_t bytes_sent)> on_body_sent;  // upload progress (request body bytes)
  // Called with the status and headers of a 2xx response bound for `sink`, before its body; may
  // throw to refuse it (e.g. a 200 where a 206 partial response was required).
  std::function<void(const HttpResponse& head)> on_response_head;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientConfig config = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const HttpClientConfig& config() const { return config_; }
  // Sends the request, following redirects per `options`. Throws TransportError (network, TLS,
  // framing, policy) or CancelledError; HTTP error statuses are returned, not thrown.
  HttpResponse send(HttpRequest request, const SendOptions& options) const;

  struct Tls;  // OpenSSL context (implementation detail)

 private:
  HttpClientConfig config_;
  std::unique_ptr<Tls> tls_;
};

bool is_redirect_status(int status);

}  // namespace hearth::registry
