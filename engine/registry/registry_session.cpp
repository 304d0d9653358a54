#include "engine/registry/registry_session.h"

#include "common/json.h"
#include "engine/registry/auth.h"
#include "engine/registry/errors.h"

namespace hearth::registry {

RegistrySession::RegistrySession(const HttpClient& client, const RegistryConfig& config, const store::ModelName& name,
                                 bool insecure, std::string actions, Cancelled cancelled)
    : client_(client), config_(config), insecure_(insecure), actions_(std::move(actions)), cancelled_(std::move(cancelled)) {
  if (name.scheme == "http" && !insecure)
    throw RegistryError(RegistryErrorKind::BadRequest, "plain HTTP registries need insecure (--insecure)");
  if (!name.scheme.empty() && name.scheme != "http" && name.scheme != "https")
    throw RegistryError(RegistryErrorKind::BadRequest, "unsupported registry scheme \"" + name.scheme + "\"");
  std::string base_text = insecure ? "http://" : "https://";
  base_text += name.host;
  base_ = Url::parse(base_text);
  repository_ = name.ns + "/" + name.model;
}

Url RegistrySession::repository_url(std::string_view rest) const {
  Url u = base_;
  u.target = "/v2/" + repository_ + "/" + std::string(rest);
  return u;
}

void RegistrySession::check_cancelled() const {
  if (cancelled_ && cancelled_()) throw CancelledError();
}

HttpResponse RegistrySession::send(const HttpRequest& request, SendOptions options) {
  check_cancelled();
  options.allow_plain_http = insecure_;
  if (options.cancelled) {
    options.cancelled = [outer = cancelled_, inner = options.cancelled] { return (outer && outer()) || inner(); };
  } else {
    options.cancelled = cancelled_;
  }
  options.authorization_origin = base_.origin();
  std::string token;
  {
    std::lock_guard lock(mutex_);
    token = token_;
  }
  options.authorization = token.empty() ? std::string() : "Bearer " + token;
  HttpResponse response = client_.send(request, options);
  if (response.status != 401 || response.url.origin() != base_.origin()) return response;

  std::optional<AuthChallenge> challenge = parse_bearer_challenge(response.header("WWW-Authenticate"));
  if (!challenge) return response;  // the caller reports the 401
  if (challenge->scope.empty()) challenge->scope = "repository:" + repository_ + ":" + actions_;
  std::string fresh = fetch_token(client_, config_, base_, *challenge, insecure_, cancelled_);
  {
    std::lock_guard lock(mutex_);
    token_ = fresh;
  }
  options.authorization = "Bearer " + fresh;
  return client_.send(request, options);
}

std::string describe_http_error(const HttpResponse& response) {
  std::string body = response.body;
  try {
    Json j = Json::parse(body);
    if (const Json* errors = j.find("errors"); errors && errors->is_array() && errors->size() > 0) {
      const Json& first = errors->as_array().front();
      std::string message = first.get_string("message");
      if (!message.empty()) body = message;
    } else if (std::string e = j.get_string("error"); !e.empty()) {
      body = e;
    }
  } catch (const JsonError&) {
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.pop_back();
  if (body.size() > 512) body = body.substr(0, 512) + "…";
  return std::to_string(response.status) + ": " + body;
}

}  // namespace hearth::registry
