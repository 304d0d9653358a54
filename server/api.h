// server/api.h — Ollama's REST API (and its OpenAI-compatible routes) on top of the store and
// the scheduler.
//
// Api is the RequestHandler the HTTP sessions call. Each route parses its body (api_requests.h),
// checks the model (model_catalog.h), and either answers from the store or hands a Job to the
// scheduler with an InferenceSink that writes the answer. Handlers run on I/O threads and never
// block on inference; blocking store work (create: hashing, importing) runs on its own threads.
// Files: api.cpp (dispatch, version, ps, errors), api_models.cpp (tags, show, create, copy,
// delete, blobs), api_inference.cpp (generate, chat, embed), api_openai.cpp (/v1).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/scheduler/scheduler.h"
#include "engine/store/store.h"
#include "server/api_requests.h"
#include "server/exchange.h"
#include "server/metrics.h"
#include "server/model_catalog.h"
#include "server/response_format.h"

namespace hearth::registry {
class Puller;
class Pusher;
}  // namespace hearth::registry

namespace hearth::server {

// The Ollama release whose API hearth implements; /api/version reports it (clients such as
// Open WebUI compare it against minimum versions).
inline constexpr const char* kOllamaApiVersion = "0.33.0";

struct ApiConfig {
  std::string version = kOllamaApiVersion;
  int num_parallel = 1;         // OLLAMA_NUM_PARALLEL
  int default_num_ctx = 4096;   // OLLAMA_CONTEXT_LENGTH, else 4096
  int default_num_batch = 512;
};

// Runs blocking jobs (model creation) on their own threads; shutdown() waits for them.
class BlockingTasks {
 public:
  void run(std::function<void()> task);
  void shutdown();
  ~BlockingTasks() { shutdown(); }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int running_ = 0;
};

class Api final : public RequestHandler {
 public:
  Api(ApiConfig config, store::ModelStore& store, sched::Scheduler& scheduler);
  ~Api() override;

  void handle(const RouteMatch& route, std::shared_ptr<Exchange> exchange) override;
  std::unique_ptr<UploadSink> begin_upload(const RouteMatch& route, const HttpRequest& request,
                                           std::optional<HttpResponse>& early) override;
  HttpResponse error_response(const RouteMatch& route, int status, const std::string& message) override;

  // Ends every running request (streams get a final error line) and waits for blocking tasks.
  void shutdown();
  // Registry access for /api/pull, /api/push and `FROM <model>` in create (optional: without it
  // those routes answer 501).
  void set_registry(registry::Puller* puller, registry::Pusher* pusher) {
    puller_ = puller;
    pusher_ = pusher;
  }
  // Metrics for GET /metrics and per-generation observations (optional: without them /metrics
  // is a 404).
  void set_metrics(ServerMetrics* metrics) { metrics_ = metrics; }

  const ApiConfig& config() const { return config_; }

 private:
  // api.cpp
  void root(Exchange& ex);
  void version(Exchange& ex);
  void ps(Exchange& ex);
  void pull_or_push(const RouteMatch& route, std::shared_ptr<Exchange> ex);
  void metrics(Exchange& ex);
  // Feeds a finished generation to the metrics (no-op without them).
  std::function<void(const FinalStats&)> generation_observer(const std::string& model_name) const;
  // api_models.cpp
  void tags(Exchange& ex);
  void show(Exchange& ex);
  void copy(Exchange& ex);
  void remove(Exchange& ex);
  void create(std::shared_ptr<Exchange> ex);
  void blob_head(const RouteMatch& route, Exchange& ex);
  // api_inference.cpp
  void generate(std::shared_ptr<Exchange> ex);
  void chat(std::shared_ptr<Exchange> ex);
  void embed(std::shared_ptr<Exchange> ex, bool legacy);
  // api_openai.cpp
  void openai_chat(std::shared_ptr<Exchange> ex);
  void openai_completions(std::shared_ptr<Exchange> ex);
  void openai_embeddings(std::shared_ptr<Exchange> ex);
  void openai_models(Exchange& ex);
  void openai_model(const RouteMatch& route, Exchange& ex);

 public:
  // Shared by the native and OpenAI routes (api_inference.cpp).
  struct ChatRun {
    ChatRequest request;
    std::string model_name;  // as sent
    std::unique_ptr<ResponseFormat> format;
    bool stream = true;
  };
  void run_chat(ChatRun run, std::shared_ptr<Exchange> ex);
  struct GenerateRun {
    GenerateRequest request;
    std::unique_ptr<ResponseFormat> format;
    bool stream = true;
  };
  void run_generate(GenerateRun run, std::shared_ptr<Exchange> ex);
  // Embeddings: vectors (unnormalised) and the token count, or an error status.
  using EmbedDone = std::function<void(std::vector<std::vector<float>> vectors, int prompt_tokens,
                                       std::chrono::nanoseconds total, std::chrono::nanoseconds load)>;
  using EmbedFail = std::function<void(int status, const std::string& message)>;
  void run_embed(const std::string& model_name, std::vector<std::string> inputs, bool truncate,
                 std::optional<std::chrono::nanoseconds> keep_alive, const Json& options,
                 std::shared_ptr<Exchange> ex, EmbedDone done, EmbedFail fail);

 private:
  // The model for an inference request: resolved and checked. Throws ApiError.
  std::shared_ptr<const ModelInfo> model_for_inference(const std::string& name, int missing_status,
                                                       const std::string& missing_message);
  sched::LoadSpec load_spec_for(const ModelInfo& model, const Json* request_options, sched::GenerationParams* params);
  sched::ModelLabel label_for(const ModelInfo& model) const;
  template <class Request>  // GenerateRequest or ChatRequest (defined in api_inference.cpp)
  std::shared_ptr<sched::Job> text_job(const ModelInfo& model, const Request& req, sched::Clock::time_point received,
                                       Exchange& ex);
  void submit(std::shared_ptr<sched::Job> job);  // translates queue-full into ApiError(503)

  ApiConfig config_;
  store::ModelStore& store_;
  sched::Scheduler& scheduler_;
  ModelCatalog catalog_;
  ServerMetrics* metrics_ = nullptr;
  registry::Puller* puller_ = nullptr;
  registry::Pusher* pusher_ = nullptr;
  BlockingTasks tasks_;
};

// HTTP status for a store error (400 bad request, 404 not found, 500 otherwise).
int store_error_status(const std::exception& e);

}  // namespace hearth::server
