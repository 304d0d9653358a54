// server/http_message.h — the request and response values handlers see, free of Beast.
//
// The session converts Beast's parsed header into an `HttpRequest` (method, path, query, the few
// headers handlers care about, and the body for JSON routes), and turns an `HttpResponse` back
// into a Beast message. Keeping these plain makes routing, CORS and every handler testable
// without sockets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::server {

enum class Method { Get, Head, Post, Put, Patch, Delete, Options, Other };

Method parse_method(std::string_view text);
std::string_view method_name(Method m);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; "" when absent.
std::string_view find_header(const HeaderList& headers, std::string_view name);

struct HttpRequest {
  Method method = Method::Get;
  std::string method_text;  // as sent (for logs and 405s)
  std::string target;       // path + query as sent
  std::string path;         // percent-decoded path without the query
  std::string query;
  HeaderList headers;
  std::string body;         // JSON routes only; empty for streamed uploads

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header (e.g. 200 with empty body)
  std::string body;
  HeaderList headers;        // extra headers (CORS, Location, ...)

  static HttpResponse json(int status, std::string body);   // application/json; charset=utf-8
  static HttpResponse text(int status, std::string body);   // text/plain; charset=utf-8
  static HttpResponse empty(int status);
};

// Reason phrase for a status (including 499 "Client Closed Request").
std::string_view status_reason(int status);

// Splits a request target into a percent-decoded path and the raw query.
void split_target(std::string_view target, std::string& path, std::string& query);

}  // namespace hearth::server
