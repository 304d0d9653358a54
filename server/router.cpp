#include "server/router.h"

namespace hearth::server {
namespace {

struct RouteEntry {
  Method method;
  std::string_view pattern;  // a trailing "/:" segment captures one path segment
  Route route;
  BodyPolicy body;
  std::size_t limit;
};

constexpr std::size_t kInf = kInferenceBodyLimit;
constexpr std::size_t kSmall = kSmallBodyLimit;

// GET routes Ollama also registers for HEAD are listed twice, as upstream does.
constexpr RouteEntry kRoutes[] = {
    {Method::Get, "/", Route::Root, BodyPolicy::None, 0},
    {Method::Head, "/", Route::Root, BodyPolicy::None, 0},
    {Method::Get, "/api/version", Route::Version, BodyPolicy::None, 0},
    {Method::Head, "/api/version", Route::Version, BodyPolicy::None, 0},
    {Method::Post, "/api/generate", Route::Generate, BodyPolicy::Buffered, kInf},
    {Method::Post, "/api/chat", Route::Chat, BodyPolicy::Buffered, kInf},
    {Method::Post, "/api/embed", Route::Embed, BodyPolicy::Buffered, kInf},
    {Method::Post, "/api/embeddings", Route::Embeddings, BodyPolicy::Buffered, kInf},
    {Method::Get, "/api/tags", Route::Tags, BodyPolicy::None, 0},
    {Method::Head, "/api/tags", Route::Tags, BodyPolicy::None, 0},
    {Method::Post, "/api/show", Route::Show, BodyPolicy::Buffered, kSmall},
    {Method::Get, "/api/ps", Route::Ps, BodyPolicy::None, 0},
    {Method::Post, "/api/create", Route::Create, BodyPolicy::Buffered, kCreateBodyLimit},
    {Method::Head, "/api/blobs/:", Route::BlobHead, BodyPolicy::None, 0},
    {Method::Post, "/api/blobs/:", Route::BlobPost, BodyPolicy::Stream, 0},
    {Method::Post, "/api/copy", Route::Copy, BodyPolicy::Buffered, kSmall},
    {Method::Delete, "/api/delete", Route::Delete, BodyPolicy::Buffered, kSmall},
    {Method::Post, "/api/pull", Route::Pull, BodyPolicy::Buffered, kSmall},
    {Method::Post, "/api/push", Route::Push, BodyPolicy::Buffered, kSmall},
    {Method::Post, "/v1/chat/completions", Route::OpenAIChat, BodyPolicy::Buffered, kInf},
    {Method::Post, "/v1/completions", Route::OpenAICompletions, BodyPolicy::Buffered, kInf},
    {Method::Post, "/v1/embeddings", Route::OpenAIEmbeddings, BodyPolicy::Buffered, kInf},
    {Method::Get, "/v1/models", Route::OpenAIModels, BodyPolicy::None, 0},
    {Method::Get, "/v1/models/:", Route::OpenAIModel, BodyPolicy::None, 0},
    {Method::Get, "/metrics", Route::Metrics, BodyPolicy::None, 0},
};

// Matches `pattern` against `path`; a trailing ":" captures the last segment (non-empty, no '/').
bool path_matches(std::string_view pattern, std::string_view path, std::string& param) {
  if (pattern.size() >= 1 && pattern.back() == ':') {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    if (path.substr(0, prefix.size()) != prefix) return false;
    std::string_view rest = path.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string_view::npos) return false;
    param.assign(rest);
    return true;
  }
  return pattern == path;
}

}  // namespace

RouteMatch match_route(Method method, std::string_view path) {
  RouteMatch m;
  bool path_known = false;
  for (const RouteEntry& e : kRoutes) {
    std::string param;
    if (!path_matches(e.pattern, path, param)) continue;
    path_known = true;
    if (e.method != method) continue;
    m.result = RouteMatch::Result::Found;
    m.route = e.route;
    m.param = std::move(param);
    m.body = e.body;
    m.body_limit = e.limit;
    return m;
  }
  m.result = path_known ? RouteMatch::Result::MethodNotAllowed : RouteMatch::Result::NotFound;
  return m;
}

std::string_view route_name(Route r) {
  switch (r) {
    case Route::Root: return "root";
    case Route::Version: return "version";
    case Route::Generate: return "generate";
    case Route::Chat: return "chat";
    case Route::Embed: return "embed";
    case Route::Embeddings: return "embeddings";
    case Route::Tags: return "tags";
    case Route::Show: return "show";
    case Route::Ps: return "ps";
    case Route::Create: return "create";
    case Route::BlobHead: return "blob-head";
    case Route::BlobPost: return "blob-post";
    case Route::Copy: return "copy";
    case Route::Delete: return "delete";
    case Route::Pull: return "pull";
    case Route::Push: return "push";
    case Route::OpenAIChat: return "openai-chat";
    case Route::OpenAICompletions: return "openai-completions";
    case Route::OpenAIEmbeddings: return "openai-embeddings";
    case Route::OpenAIModels: return "openai-models";
    case Route::OpenAIModel: return "openai-model";
    case Route::Metrics: return "metrics";
  }
  return "?";
}

}  // namespace hearth::server
