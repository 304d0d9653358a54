// The OpenAI-compatible routes: /v1/chat/completions, /v1/completions, /v1/embeddings,
// /v1/models, /v1/models/{model}. Requests are mapped onto the native ones (openai_requests.h)
// and answered with OpenAI's shapes (openai_format.h); errors use OpenAI's error object.
#include <chrono>
#include <cmath>

#include "engine/store/errors.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/openai_format.h"
#include "server/openai_requests.h"

namespace hearth::server {

namespace {

long long unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Json model_object(const std::string& id, std::chrono::system_clock::time_point modified, const std::string& owner) {
  return Json::object({{"id", id}, {"object", "model"}, {"created", unix_seconds(modified)}, {"owned_by", owner}});
}

}  // namespace

void Api::openai_chat(std::shared_ptr<Exchange> ex) {
  OpenAIChatMapped mapped = map_openai_chat(decode_body(ex->request().body, "ChatCompletionRequest"));
  ChatRun run;
  run.model_name = mapped.chat.model;
  run.stream = mapped.chat.stream;
  run.format = make_openai_chat_format(
      OpenAIFormatOptions{mapped.chat.model, mapped.include_usage && mapped.chat.stream, mapped.chat.logprobs});
  run.request = std::move(mapped.chat);
  run_chat(std::move(run), std::move(ex));
}

void Api::openai_completions(std::shared_ptr<Exchange> ex) {
  OpenAICompletionMapped mapped = map_openai_completion(decode_body(ex->request().body, "CompletionRequest"));
  if (mapped.generate.model.empty()) throw ApiError(400, "model is required");
  if (mapped.generate.prompt.empty()) throw ApiError(400, "prompt is required");
  GenerateRun run;
  run.stream = mapped.generate.stream;
  run.format = make_openai_completion_format(
      OpenAIFormatOptions{mapped.generate.model, mapped.include_usage && mapped.generate.stream, mapped.generate.logprobs});
  run.request = std::move(mapped.generate);
  run_generate(std::move(run), std::move(ex));
}

void Api::openai_embeddings(std::shared_ptr<Exchange> ex) {
  OpenAIEmbeddingMapped req = map_openai_embedding(decode_body(ex->request().body, "EmbedRequest"));
  if (req.model.empty()) throw ApiError(400, "model is required");
  auto fail = [ex](int status, const std::string& message) {
    ex->respond(HttpResponse::json(status, openai_error_json(status, message).dump()));
  };
  auto done = [ex, req](std::vector<std::vector<float>> vectors, int tokens, std::chrono::nanoseconds,
                        std::chrono::nanoseconds) {
    Json data = Json::array();
    int index = 0;
    for (const auto& v : vectors) {
      std::size_t n = v.size();
      if (req.dimensions > 0 && static_cast<std::size_t>(req.dimensions) < n) n = static_cast<std::size_t>(req.dimensions);
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
      double norm = sum > 0 ? std::sqrt(sum) : 1.0;
      std::vector<double> unit(n);
      for (std::size_t i = 0; i < n; ++i) unit[i] = v[i] / norm;
      Json embedding;
      if (req.base64) {
        embedding = base64_floats(unit);
      } else {
        embedding = Json::array();
        for (double x : unit) embedding.push_back(Json(x));
      }
      data.push_back(Json::object({{"object", "embedding"}, {"embedding", embedding}, {"index", index++}}));
    }
    Json out = Json::object({{"object", "list"},
                             {"data", data},
                             {"model", req.model},
                             {"usage", Json::object({{"prompt_tokens", tokens}, {"total_tokens", tokens}})}});
    ex->respond(HttpResponse::json(200, out.dump()));
  };
  run_embed(req.model, req.inputs, true, std::nullopt, Json(), ex, done, fail);
}

void Api::openai_models(Exchange& ex) {
  Json data = Json::array();
  for (const store::ListedModel& m : store_.list())
    data.push_back(model_object(m.name.display_shortest(), m.modified, m.name.ns));
  ex.respond(HttpResponse::json(200, Json::object({{"object", "list"}, {"data", data}}).dump()));
}

void Api::openai_model(const RouteMatch& route, Exchange& ex) {
  auto name = store::ModelName::try_parse(route.param);
  if (!name) throw ApiError(404, "model '" + route.param + "' not found");
  store::ResolvedModel r = [&] {
    try {
      return store_.resolve(*name);
    } catch (const store::ModelNotFoundError&) {
      throw ApiError(404, "model '" + route.param + "' not found");
    }
  }();
  ex.respond(HttpResponse::json(200, model_object(route.param, r.modified, r.name.ns).dump()));
}

}  // namespace hearth::server
