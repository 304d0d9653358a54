// engine/registry/auth.h — registry bearer-token authentication (Docker token protocol, Ollama's
// signed variant).
//
// A registry that wants credentials answers 401 with
//   WWW-Authenticate: Bearer realm="https://host/token",service="host",scope="repository:ns/m:pull"
// The client fetches a token from the realm and repeats the request with
// `Authorization: Bearer <token>`. Because the realm URL comes from the server, hearth only asks a
// realm on the registry's own host (or a host the operator allowed, config.h), never downgrades to
// http, and sends Ollama's signed key header (ollama_key.h) only to that realm. Tokens themselves
// are only ever sent to the registry origin (registry_session.h).
//
//   std::optional<AuthChallenge> c = parse_bearer_challenge(response.header("WWW-Authenticate"));
//   std::string token = fetch_token(client, config, registry_base_url, *c, insecure, cancelled);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/registry/config.h"
#include "engine/registry/http_client.h"
#include "engine/registry/url.h"

namespace hearth::registry {

struct AuthChallenge {
  std::string realm;
  std::string service;
  std::string scope;  // may hold several scopes separated by spaces
};

// Parses a `Bearer` challenge (parameters in any order, quoted or bare values, commas inside quoted
// values). nullopt for other schemes (Basic) or a header without a realm.
std::optional<AuthChallenge> parse_bearer_challenge(std::string_view header);

// The token request URL as Ollama builds it: the realm's own query plus service, each scope, ts and
// nonce, encoded like Go's url.Values.Encode (keys sorted, QueryEscape).
std::string token_request_url(const AuthChallenge& challenge, int64_t unix_time, const std::string& nonce);

// Requests a token. Throws RegistryError(Auth) when the realm is not allowed or the token server
// refuses, TransportError on network failures.
std::string fetch_token(const HttpClient& client, const RegistryConfig& config, const Url& registry,
                        const AuthChallenge& challenge, bool insecure, const Cancelled& cancelled);

}  // namespace hearth::registry
