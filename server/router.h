// server/router.h — the route table: which handler answers a method and path, and how its body
// is read.
//
// `match_route` is a pure function. It answers NotFound (404 "404 page not found") for unknown
// paths and MethodNotAllowed (405 "405 method not allowed") when the path exists for other
// methods, like Ollama's gin router. Each route carries its body policy: the session reads the
// header first, then applies the route's size limit (413 when Content-Length or the streamed body
// exceeds it) or hands a streamed upload to the handler chunk by chunk.
//
//   RouteMatch m = match_route(Method::Post, "/api/blobs/sha256:abcd...");
//   // m.route == Route::BlobPost, m.param == "sha256:abcd...", m.body == BodyPolicy::Stream
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/http_message.h"

namespace hearth::server {

enum class Route {
  Root, Version,
  Generate, Chat, Embed, Embeddings,
  Tags, Show, Ps, Create, BlobHead, BlobPost, Copy, Delete, Pull, Push,
  OpenAIChat, OpenAICompletions, OpenAIEmbeddings, OpenAIModels, OpenAIModel,
  Metrics,
};

enum class BodyPolicy { None, Buffered, Stream };

struct RouteMatch {
  enum class Result { Found, NotFound, MethodNotAllowed } result = Result::NotFound;
  Route route = Route::Root;
  std::string param;            // ":digest" / ":model" path segment
  BodyPolicy body = BodyPolicy::None;
  std::size_t body_limit = 0;   // bytes, for Buffered bodies
};

// Body limits. Requests carrying images are the largest JSON bodies clients send.
inline constexpr std::size_t kInferenceBodyLimit = 64u << 20;
inline constexpr std::size_t kSmallBodyLimit = 2u << 20;
inline constexpr std::size_t kCreateBodyLimit = 16u << 20;

RouteMatch match_route(Method method, std::string_view path);
std::string_view route_name(Route r);

}  // namespace hearth::server
