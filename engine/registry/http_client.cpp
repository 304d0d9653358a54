#include "engine/registry/http_client.h"

#include "engine/registry/errors.h"
#include "engine/registry/http_connection.h"
#include "engine/registry/tls_context.h"

namespace hearth::registry {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const Header& h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::string HttpResponse::header(std::string_view name) const {
  const std::string* v = find_header(headers, name);
  return v ? *v : std::string();
}

bool is_redirect_status(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

HttpClient::HttpClient(HttpClientConfig config) : config_(std::move(config)), tls_(std::make_unique<Tls>(config_.ca_file)) {}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(HttpRequest request, const SendOptions& options) const {
  if (find_header(request.headers, "Authorization"))
    throw std::invalid_argument("HttpClient: pass credentials through SendOptions::authorization");
  const std::string auth_origin =
      options.authorization_origin.empty() ? request.url.origin() : options.authorization_origin;
  for (int hop = 0;; ++hop) {
    if (!request.url.is_https() && !options.allow_plain_http)
      throw TransportError("refusing plain HTTP to " + request.url.str_without_query() +
                           " (only registries marked insecure are reached without TLS)");
    const bool may_authorize = !options.authorization.empty() && request.url.origin() == auth_origin;
    HttpResponse response = detail::perform_exchange(config_, tls_.get(), request, options,
                                                     may_authorize ? options.authorization : std::string());
    if (!is_redirect_status(response.status) || options.max_redirects <= 0) return response;
    const std::string location = response.header("Location");
    if (location.empty()) return response;
    if (hop + 1 > options.max_redirects)
      throw TransportError(request.method + " " + request.url.str_without_query() + ": stopped after " +
                           std::to_string(options.max_redirects) + " redirects");
    Url next = request.url.resolve(location);
    if (request.url.is_https() && !next.is_https())
      throw TransportError("refusing redirect from " + request.url.str_without_query() + " to plain HTTP " +
                           next.str_without_query());
    if (response.status == 303 ||
        ((response.status == 301 || response.status == 302) && request.method == "POST")) {
      if (request.method != "HEAD") request.method = "GET";
      request.body.clear();
      request.file_body.reset();
      request.send_content_length = false;
      std::erase_if(request.headers, [](const Header& h) { return iequals(h.name, "Content-Type"); });
    }
    request.url = std::move(next);
  }
}

}  // namespace hearth::registry
