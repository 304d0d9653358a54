#include "server/api.h"

#include <algorithm>

#include "engine/registry/errors.h"
#include "engine/registry/puller.h"
#include "engine/registry/pusher.h"
#include "engine/store/errors.h"
#include "server/api_error.h"
#include "server/wire_format.h"

namespace hearth::server {

// ---- BlockingTasks -----------------------------------------------------------------------------

void BlockingTasks::run(std::function<void()> task) {
  {
    std::lock_guard lk(mutex_);
    ++running_;
  }
  std::thread([this, task = std::move(task)] {
    try {
      task();
    } catch (...) {
      // Tasks report their own errors; nothing may escape a detached thread.
    }
    std::lock_guard lk(mutex_);
    --running_;
    done_.notify_all();
  }).detach();
}

void BlockingTasks::shutdown() {
  std::unique_lock lk(mutex_);
  done_.wait(lk, [&] { return running_ == 0; });
}

// ---- Api ------------------------------------------------------------------------------------------

int store_error_status(const std::exception& e) {
  if (auto* s = dynamic_cast<const store::StoreError*>(&e)) {
    switch (s->kind()) {
      case store::ErrorKind::BadRequest: return 400;
      case store::ErrorKind::NotFound: return 404;
      case store::ErrorKind::Internal: return 500;
    }
  }
  if (auto* a = dynamic_cast<const ApiError*>(&e)) return a->status();
  return 500;
}

Api::Api(ApiConfig config, store::ModelStore& store, sched::Scheduler& scheduler)
    : config_(std::move(config)), store_(store), scheduler_(scheduler), catalog_(store) {}

Api::~Api() { tasks_.shutdown(); }

void Api::shutdown() {
  scheduler_.shutdown("server shutting down");
  tasks_.shutdown();
}

static bool is_openai_route(Route r) {
  return r == Route::OpenAIChat || r == Route::OpenAICompletions || r == Route::OpenAIEmbeddings ||
         r == Route::OpenAIModels || r == Route::OpenAIModel;
}

HttpResponse Api::error_response(const RouteMatch& route, int status, const std::string& message) {
  if (is_openai_route(route.route)) return HttpResponse::json(status, openai_error_json(status, message).dump());
  return HttpResponse::json(status, error_body(message));
}

void Api::handle(const RouteMatch& route, std::shared_ptr<Exchange> ex) {
  try {
    switch (route.route) {
      case Route::Root: return root(*ex);
      case Route::Version: return version(*ex);
      case Route::Ps: return ps(*ex);
      case Route::Tags: return tags(*ex);
      case Route::Show: return show(*ex);
      case Route::Copy: return copy(*ex);
      case Route::Delete: return remove(*ex);
      case Route::Create: return create(ex);
      case Route::BlobHead: return blob_head(route, *ex);
      case Route::BlobPost: throw ApiError(500, "blob uploads are streamed");
      case Route::Pull:
      case Route::Push: return pull_or_push(route, ex);
      case Route::Generate: return generate(ex);
      case Route::Chat: return chat(ex);
      case Route::Embed: return embed(ex, false);
      case Route::Embeddings: return embed(ex, true);
      case Route::OpenAIChat: return openai_chat(ex);
      case Route::OpenAICompletions: return openai_completions(ex);
      case Route::OpenAIEmbeddings: return openai_embeddings(ex);
      case Route::OpenAIModels: return openai_models(*ex);
      case Route::OpenAIModel: return openai_model(route, *ex);
      case Route::Metrics: return metrics(*ex);
    }
  } catch (const ApiError& e) {
    ex->respond(error_response(route, e.status(), e.what()));
  } catch (const store::StoreError& e) {
    ex->respond(error_response(route, store_error_status(e), e.what()));
  } catch (const std::exception& e) {
    ex->respond(error_response(route, 500, e.what()));
  }
}

void Api::metrics(Exchange& ex) {
  if (metrics_ == nullptr) return ex.respond(HttpResponse::text(404, "404 page not found"));
  metrics_->set_queue_depth(scheduler_.queued());
  metrics_->set_loaded_models(scheduler_.loaded().size());
  ex.respond(HttpResponse{200, std::string(ServerMetrics::kContentType), metrics_->render(), {}});
}

std::function<void(const FinalStats&)> Api::generation_observer(const std::string& model_name) const {
  if (metrics_ == nullptr) return {};
  ServerMetrics* m = metrics_;
  return [m, model_name](const FinalStats& s) {
    m->observe_generation(GenerationObservation{model_name, s.total_duration, s.eval_duration, s.eval_count, s.prompt_eval_count});
  };
}

void Api::root(Exchange& ex) { ex.respond(HttpResponse::text(200, "Ollama is running")); }

void Api::version(Exchange& ex) {
  ex.respond(HttpResponse::json(200, Json::object({{"version", config_.version}}).dump()));
}

void Api::ps(Exchange& ex) {
  auto loaded = scheduler_.loaded();
  WallClock::time_point now_wall = WallClock::now();
  sched::Clock::time_point now = sched::Clock::now();
  std::vector<std::pair<WallClock::time_point, Json>> rows;
  for (const auto& m : loaded) {
    WallClock::time_point expires;
    if (m.keep_alive == sched::kKeepForever || m.expires_at == sched::Clock::time_point::max()) {
      expires = now_wall + std::chrono::hours(24 * 365 * 292);  // Go's maximum duration from now
    } else {
      expires = now_wall + std::chrono::duration_cast<WallClock::duration>(m.expires_at - now);
    }
    Json details = m.label.details.is_object() ? m.label.details : Json::object();
    Json row = Json::object({{"name", m.label.name},
                             {"model", m.label.name},
                             {"size", static_cast<long long>(m.size)},
                             {"digest", m.label.digest},
                             {"details", details},
                             {"expires_at", format_time_local(expires)},
                             {"size_vram", static_cast<long long>(m.size_vram)},
                             {"context_length", m.context_length}});
    rows.emplace_back(expires, std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  Json models = Json::array();
  for (auto& [_, row] : rows) models.push_back(std::move(row));
  ex.respond(HttpResponse::json(200, Json::object({{"models", models}}).dump()));
}

static int registry_error_status(const std::exception& e) {
  if (auto* r = dynamic_cast<const registry::RegistryError*>(&e)) {
    switch (r->kind()) {
      case registry::RegistryErrorKind::BadRequest: return 400;
      case registry::RegistryErrorKind::NotFound: return 404;
      case registry::RegistryErrorKind::Cancelled: return 499;
      default: return 500;
    }
  }
  return store_error_status(e);
}

void Api::pull_or_push(const RouteMatch& route, std::shared_ptr<Exchange> ex) {
  bool pull = route.route == Route::Pull;
  const char* type = pull ? "PullRequest" : "PushRequest";
  Json body = decode_body(ex->request().body, type);
  RequestFields f(body, type);
  std::string model = f.string("model").value_or("");
  if (model.empty()) model = f.string("name").value_or("");
  bool insecure = f.boolean("insecure").value_or(false);
  bool stream = f.boolean("stream").value_or(true);
  if (pull && !store::ModelName::try_parse(model)) throw ApiError(400, "invalid model name");
  if (!pull && model.empty()) throw ApiError(400, "model is required");
  if ((pull && puller_ == nullptr) || (!pull && pusher_ == nullptr))
    throw ApiError(501, std::string(pull ? "pulling" : "pushing") + " models is not available in this server");

  tasks_.run([this, ex, pull, model, insecure, stream] {
    bool started = false;
    Json last = Json::object({{"status", "success"}});
    auto progress = [&](const Json& p) {
      last = p;
      if (!stream) return;
      if (!started) {
        started = true;
        ex->begin_stream(200, std::string(kNdjsonContentType));
      }
      ex->write(ndjson_line(p));
    };
    auto cancelled = [ex] { return ex->cancel()->cancelled(); };
    try {
      if (pull) puller_->pull(model, registry::PullOptions{insecure}, progress, cancelled);
      else pusher_->push(model, registry::PushOptions{insecure}, progress, cancelled);
      if (stream) ex->end();
      else ex->respond(HttpResponse{200, "application/json", last.dump(), {}});
    } catch (const std::exception& e) {
      if (started) {
        ex->write(ndjson_line(Json::object({{"error", std::string(e.what())}})));
        ex->end();
      } else {
        ex->respond(HttpResponse::json(registry_error_status(e), error_body(e.what())));
      }
    }
  });
}

}  // namespace hearth::server
