// server/auth.h — optional bearer-token authentication for the whole API.
//
// Ollama has no authentication; hearth adds an opt-in check for servers reachable beyond
// loopback. Keys come from HEARTH_API_KEY (one key) and/or HEARTH_API_KEYS_FILE (one key per
// line; blank lines and lines starting with `#` are ignored; a Docker/Compose secret file works
// as is). With at least one key configured every request must carry `Authorization: Bearer KEY`
// except the liveness routes `GET|HEAD /` and `GET|HEAD /api/version`, which stay open for
// health checks and version probes. A refused request gets `401 {"error":"unauthorized"}` with
// `WWW-Authenticate: Bearer`. With no key configured the check is off and every request passes.
//
// Keys are kept only as SHA-256 digests and a presented token is compared against every one of
// them in constant time (no early exit on the first differing byte or the first matching key),
// so response timing says nothing about how much of a key was right, nor its length.
//
// The check is a pure function of method, path and the Authorization header; the HTTP session
// applies it after the CORS/Host check (so browser preflights are still answered) and before
// routing (so unknown paths do not reveal which routes exist).
//
//   ApiKeyAuth auth = ApiKeyAuth::from_env(process_environment());  // throws AuthConfigError
//   if (auto refusal = auth.check(Method::Post, "/api/chat", request.header("Authorization")))
//     return respond(*refusal);
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "server/env.h"
#include "server/host.h"
#include "server/http_message.h"

namespace hearth::server {

// A key file that cannot be read or holds no key, or a key that cannot be sent in a header.
class AuthConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Keys from a key file's text. Lines are trimmed (spaces, tabs, CR); blank lines and lines whose
// first character is `#` are skipped. Throws AuthConfigError naming `source` and the line number
// for a key containing whitespace or control characters (it could never match a Bearer header).
std::vector<std::string> parse_api_keys(std::string_view text, std::string_view source = "keys file");

// The liveness routes that never need a key: GET or HEAD of "/" and "/api/version".
bool is_open_route(Method method, std::string_view path);

// The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive, spaces around
// the token ignored); nullopt for another scheme, a missing token or an empty header.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// Equality of two byte strings whose running time depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// 401 {"error":"unauthorized"} with WWW-Authenticate: Bearer.
HttpResponse unauthorized_response();

class ApiKeyAuth {
 public:
  ApiKeyAuth() = default;  // no keys: authentication off
  // Throws AuthConfigError for an empty key or one with whitespace/control characters.
  explicit ApiKeyAuth(const std::vector<std::string>& keys);

  // HEARTH_API_KEY and HEARTH_API_KEYS_FILE (both may be set: the keys add up). Throws
  // AuthConfigError when the file is named but unreadable or has no key: a server that was asked
  // to require keys must not start open. Remarks for the startup log (short keys, a key file
  // readable by everyone) go to `warnings`.
  static ApiKeyAuth from_env(const EnvLookup& env, std::vector<std::string>* warnings = nullptr);

  bool enabled() const { return !digests_.empty(); }
  std::size_t key_count() const { return digests_.size(); }

  // Whether `authorization` (the header's value, "" when absent) carries a configured key.
  bool accepts(std::string_view authorization) const;

  // nullopt: let the request through (auth off, an open route, or a valid key); otherwise the
  // 401 response to send.
  std::optional<HttpResponse> check(Method method, std::string_view path, std::string_view authorization) const;

 private:
  std::vector<std::array<uint8_t, 32>> digests_;
};

// The startup warning for a server bound beyond loopback (all interfaces, 0.0.0.0, ::, or any
// non-loopback address or name) with authentication off; nullopt when bound to loopback
// (127.0.0.0/8, ::1, localhost) or when keys are configured. `bound_host` is the host part of
// the address actually bound (HostAddress::host, or the listener's address).
std::optional<std::string> exposure_warning(std::string_view bound_host, uint16_t port, bool auth_enabled);

}  // namespace hearth::server
