// engine/registry/registry_session.h — requests to one repository of one registry, authenticated.
//
// A session is made per pull or push: it knows the registry's base URL (`https://host`, or
// `http://host` when the caller said `insecure`), the repository path (`<namespace>/<model>`) and
// the scope it needs (`pull` or `pull,push`). `send` adds the bearer token when it has one; on a
// 401 with a Bearer challenge it fetches a token (auth.h) and repeats the request once. The token
// is bound to the registry origin: HttpClient drops it on redirects to any other host (a CDN or
// blob store), so it is only ever sent to the host that asked for it. Thread-safe: part
// downloads share one session.
#pragma once

#include <mutex>
#include <string>

#include "engine/registry/config.h"
#include "engine/registry/http_client.h"
#include "engine/store/name.h"

namespace hearth::registry {

class RegistrySession {
 public:
  // Throws RegistryError(BadRequest) when the name asks for http:// without `insecure`.
  RegistrySession(const HttpClient& client, const RegistryConfig& config, const store::ModelName& name, bool insecure,
                  std::string actions, Cancelled cancelled);

  const Url& base() const { return base_; }
  bool insecure() const { return insecure_; }
  const Cancelled& cancelled() const { return cancelled_; }
  const RegistryConfig& config() const { return config_; }
  // `<base>/v2/<namespace>/<model>/<rest>`.
  Url repository_url(std::string_view rest) const;

  // Sends with authentication (see above). `options.authorization` is filled in by the session.
  HttpResponse send(const HttpRequest& request, SendOptions options);

  // Throws CancelledError when the caller has given up.
  void check_cancelled() const;

 private:
  const HttpClient& client_;
  const RegistryConfig& config_;
  Url base_;
  std::string repository_;
  bool insecure_;
  std::string actions_;
  Cancelled cancelled_;
  std::mutex mutex_;
  std::string token_;
};

// "<status>: <body>" as Ollama reports registry errors; registry JSON errors
// ({"errors":[{"code":…,"message":…}]}) are shortened to their first message.
std::string describe_http_error(const HttpResponse& response);

}  // namespace hearth::registry
