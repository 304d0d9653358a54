// engine/registry/url.h — absolute http(s) URLs as the registry client needs them.
//
// Registries hand out URLs in three places — `Location` headers of redirects and upload sessions,
// and the `realm` of an auth challenge — and each is attacker-controlled text. `Url::parse` accepts
// only `http://` and `https://` URLs with a host, rejects user-info (`user:pass@`), control
// characters and spaces, and normalises the host to lower case, so that "is this the same host?"
// is a plain comparison of `origin()` strings (scheme, host and port, as browsers and Go compare).
//
//   Url u = Url::parse("https://registry.ollama.ai/v2/library/llama3/manifests/latest");
//   u.host == "registry.ollama.ai"; u.port == 443; u.target == "/v2/library/llama3/manifests/latest"
//   Url next = u.resolve("/v2/library/llama3/blobs/sha256:...");   // Location headers may be relative
//   u.with_query("digest", "sha256:...")                            // appends, percent-encoding
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::registry {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case; IPv6 literals without brackets
  uint16_t port = 0;
  std::string target;  // path and query, always starting with '/'

  // Throws TransportError("invalid URL ...") for anything that is not an absolute http(s) URL.
  static Url parse(std::string_view text);
  // A `Location`-style reference relative to this URL: absolute URLs, scheme-relative `//host/p`,
  // absolute paths `/p`, and relative paths are accepted.
  Url resolve(std::string_view reference) const;

  bool is_https() const { return scheme == "https"; }
  uint16_t default_port() const { return is_https() ? 443 : 80; }
  // "host" or "host:port" when the port is not the scheme's default (the Host header's value).
  std::string authority() const;
  // "scheme://host:port": two URLs belong to the same host exactly when their origins are equal.
  std::string origin() const;
  std::string str() const;
  // The URL without its query (for error messages: signed CDN URLs carry secrets in the query).
  std::string str_without_query() const;
  // The path part of `target` (before '?').
  std::string path() const;
  // Appends `key=value` to the query, percent-encoding both.
  Url with_query(std::string_view key, std::string_view value) const;
};

// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
std::string url_encode(std::string_view text);

// Hosts compare as registries do: "host:port" with the default port omitted (`registry.ollama.ai`,
// `127.0.0.1:5000`), lower case.
std::string host_key(std::string_view scheme, std::string_view host_with_port);

}  // namespace hearth::registry
