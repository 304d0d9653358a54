// server/access_policy.h — CORS and the DNS-rebinding Host check (spec §2.17), as pure functions.
//
// Ollama runs two middlewares before every route: CORS (gin-contrib/cors with wildcards) and,
// when the listener is on a loopback address, a Host header check. `AccessPolicy` decides both
// from the request's method, Origin and Host; the session applies the verdict.
//
//   AccessPolicy policy(extra_origins_from_env, /*loopback_listener=*/true, hostname);
//   AccessDecision d = policy.check("POST", origin, host);
//   if (d.reject_status) respond(d.reject_status);  // 403, or 204 for a preflight
//   add d.headers to the response
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::server {

struct AccessDecision {
  // 0: go on to the route. 403: forbidden. 204: answered preflight (OPTIONS) with no body.
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // CORS headers to add
};

class AccessPolicy {
 public:
  // `extra_origins`: OLLAMA_ORIGINS split on commas (entries are trimmed). `loopback_listener`
  // enables the Host check. `machine_hostname` is also an allowed Host.
  AccessPolicy(std::vector<std::string> extra_origins, bool loopback_listener, std::string machine_hostname);

  // Parses OLLAMA_ORIGINS' value.
  static std::vector<std::string> split_origins(std::string_view value);

  AccessDecision check(std::string_view method, std::string_view origin, std::string_view host) const;

  bool origin_allowed(std::string_view origin) const;
  bool host_allowed(std::string_view host_header) const;
  const std::vector<std::string>& allowed_origins() const { return origins_; }

 private:
  std::vector<std::string> origins_;
  bool allow_all_ = false;
  bool loopback_listener_;
  std::string hostname_;
};

// One-star glob used by the CORS origin list ("http://localhost:*", "app://*").
bool wildcard_match(std::string_view pattern, std::string_view text);
// Whether an IP literal (v4 or v6) is loopback, private (RFC 1918 / fc00::/7), unspecified or
// link-local; false for non-IP text.
bool is_local_ip_literal(std::string_view text);

}  // namespace hearth::server
