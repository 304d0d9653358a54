// server/api_client.h — a small synchronous HTTP client for hearth's own CLI.
//
// The CLI talks to the server over HTTP like any other client (design guide): one connection per
// call, plain HTTP/1.1 to the OLLAMA_HOST address (with its optional path prefix). Non-2xx
// answers throw ClientError carrying the server's `{"error": …}` message; NDJSON streams are
// delivered object by object, and a line with an `error` key ends the stream with a ClientError,
// as the Go and JS clients do.
//
//   ApiClient client(parse_ollama_host(env_string(env, "OLLAMA_HOST")));
//   client.heartbeat();                                   // HEAD /, friendly error if down
//   Json tags = client.get_json("/api/tags");
//   client.stream("/api/generate", body, [](const Json& chunk) { print(chunk["response"]); });
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/json.h"
#include "server/host.h"

namespace hearth::server {

class ClientError : public std::runtime_error {
 public:
  ClientError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }  // 0: no HTTP answer (connection failure)

 private:
  int status_;
};

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class ApiClient {
 public:
  explicit ApiClient(HostAddress host);

  // HEAD /; throws ClientError(0, "could not connect to ollama server, run 'ollama serve' to start it").
  void heartbeat();

  // One request; the raw response whatever its status.
  ClientResponse request(std::string_view method, std::string_view path, std::string_view body = {});
  // As request(), but throws ClientError for non-2xx, and parses the body as JSON ("" → null).
  Json call(std::string_view method, std::string_view path, const Json* body = nullptr);
  Json get_json(std::string_view path) { return call("GET", path); }
  Json post_json(std::string_view path, const Json& body) { return call("POST", path, &body); }

  // POST with an NDJSON (or single JSON) answer; each object goes to on_object.
  void stream(std::string_view path, const Json& body, const std::function<void(const Json&)>& on_object);

  // POST a file as the raw body (blob upload), streamed from disk.
  ClientResponse upload(std::string_view path, const std::filesystem::path& file);

  const HostAddress& host() const { return host_; }

 private:
  std::string full_path(std::string_view path) const;
  HostAddress host_;
};

// The message of a `{"error": "..."}` body, or the body itself.
std::string error_message_of(const std::string& body, int status);

}  // namespace hearth::server
