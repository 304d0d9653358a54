// The inference routes: /api/generate, /api/chat, /api/embed, /api/embeddings, and the shared
// run_* helpers the OpenAI routes reuse.
#include <cmath>

#include "engine/store/errors.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/inference_sink.h"
#include "server/options.h"
#include "server/prompt_builder.h"
#include "server/wire_format.h"

namespace hearth::server {

namespace {

bool format_requested(const Json& format) {
  return !format.is_null() && !(format.is_string() && format.as_string().empty());
}

// JobSink for embedding jobs: hands the vectors (or the error) to callbacks.
class EmbedSink final : public sched::JobSink {
 public:
  EmbedSink(Api::EmbedDone done, Api::EmbedFail fail, sched::Clock::time_point received)
      : done_(std::move(done)), fail_(std::move(fail)), received_(received) {}
  void on_token(const sched::TokenOutput&) override {}
  void on_done(const sched::Completion& c) override {  // load-only
    auto now = sched::Clock::now();
    done_({}, 0, now - received_, c.ready > received_ ? c.ready - received_ : sched::Clock::duration(0));
  }
  void on_embeddings(const sched::EmbedResult& r) override {
    auto now = sched::Clock::now();
    done_(r.embeddings, r.prompt_eval_count, now - received_,
          r.ready > received_ ? r.ready - received_ : sched::Clock::duration(0));
  }
  void on_error(int status, const std::string& message) override { fail_(status, message); }

 private:
  Api::EmbedDone done_;
  Api::EmbedFail fail_;
  sched::Clock::time_point received_;
};

// L2 normalisation, optionally cut to `dimensions` first (spec §2.5).
std::vector<double> normalize(const std::vector<float>& v, int dimensions) {
  std::size_t n = v.size();
  if (dimensions > 0 && static_cast<std::size_t>(dimensions) < n) n = static_cast<std::size_t>(dimensions);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) throw ApiError(400, "embedding contains NaN or Inf values");
    sum += static_cast<double>(v[i]) * v[i];
  }
  double norm = std::sqrt(sum);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = norm > 0 ? v[i] / norm : 0.0;
  return out;
}

Json vector_json(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push_back(Json(x));
  return a;
}

long long ns(std::chrono::nanoseconds d) { return static_cast<long long>(d.count()); }

}  // namespace

std::shared_ptr<const ModelInfo> Api::model_for_inference(const std::string& name, int missing_status,
                                                          const std::string& missing_message) {
  if (name.empty()) throw ApiError(missing_status, missing_message);
  try {
    return catalog_.get(name);
  } catch (const store::ModelNotFoundError&) {
    throw ApiError(404, "model '" + name + "' not found");
  } catch (const store::InvalidNameError&) {
    throw ApiError(404, "model '" + name + "' not found");
  }
}

sched::LoadSpec Api::load_spec_for(const ModelInfo& model, const Json* request_options, sched::GenerationParams* params) {
  ResolvedOptions o = resolve_options(&model.resolved.params, request_options);
  sched::LoadSpec spec;
  spec.model_path = model.resolved.model_path.string();
  spec.n_slots = std::max(config_.num_parallel, 1);
  spec.default_num_ctx = config_.default_num_ctx;
  spec.default_num_batch = config_.default_num_batch;
  apply_load_options(o, spec);
  if (params) *params = o.generation;
  return spec;
}

sched::ModelLabel Api::label_for(const ModelInfo& model) const {
  return sched::ModelLabel{model.display_name, model.resolved.digest_hex, model.details};
}

void Api::submit(std::shared_ptr<sched::Job> job) {
  try {
    scheduler_.submit(std::move(job));
  } catch (const sched::JobError& e) {
    throw ApiError(e.status(), e.what());
  }
}

// ---- /api/generate ----------------------------------------------------------------------------

namespace {

// `_debug_render_only`: the request's status object, not done, with the rendered prompt.
HttpResponse debug_render_response(Json status, const PromptRequest& prompt) {
  status.as_object().erase("done_reason");
  status["done"] = false;
  status["_debug_info"] = Json::object({{"rendered_template", render_prompt(prompt)}, {"image_count", 0}});
  return HttpResponse::json(200, status.dump());
}

}  // namespace

// The scheduler job of a generate or chat request: what to load, the sampling options and the
// flags both requests share. The caller sets the kind and the prompt.
template <class Request>
std::shared_ptr<sched::Job> Api::text_job(const ModelInfo& model, const Request& req, sched::Clock::time_point received,
                                          Exchange& ex) {
  auto job = std::make_shared<sched::Job>();
  job->received = received;
  job->model = load_spec_for(model, req.options.is_object() ? &req.options : nullptr, &job->params);
  job->label = label_for(model);
  job->keep_alive = req.keep_alive;
  job->params.truncate = req.truncate;
  job->params.shift = req.shift;
  job->params.top_logprobs = req.logprobs ? req.top_logprobs : -1;
  job->cancel = ex.cancel();
  return job;
}

void Api::generate(std::shared_ptr<Exchange> ex) {
  GenerateRequest req = parse_generate(decode_body(ex->request().body, "GenerateRequest"));
  GenerateRun run;
  run.format = make_generate_format(req.model, !req.raw, req.logprobs);
  run.stream = req.stream;
  run.request = std::move(req);
  run_generate(std::move(run), std::move(ex));
}

void Api::run_generate(GenerateRun run, std::shared_ptr<Exchange> ex) {
  sched::Clock::time_point received = sched::Clock::now();
  const GenerateRequest& req = run.request;
  auto model = model_for_inference(req.model, 404, "model '' not found");
  if (model->resolved.model_path.empty()) throw ApiError(400, "\"" + req.model + "\" does not support generate");

  if (req.prompt.empty() && req.keep_alive && req.keep_alive->count() == 0) {
    scheduler_.unload(model->resolved.model_path.string());
    return ex->respond(HttpResponse::json(200, generate_status_object(req.model, "unload").dump()));
  }
  if (req.raw && (req.template_text || req.system || req.context))
    throw ApiError(400, "raw mode does not support template, system, or context");
  if (req.think.enabled && !model->has_capability("thinking"))
    throw ApiError(400, "\"" + req.model + "\" does not support thinking");
  if (!model->has_capability("completion")) throw ApiError(400, "\"" + req.model + "\" does not support generate");
  if (!req.suffix.empty() && !model->template_uses_suffix) throw ApiError(400, model->full_name + " does not support insert");
  if (req.image_count > 0) {
    if (!model->has_capability("vision")) throw ApiError(400, model->full_name + " does not support vision");
    throw ApiError(400, "images are not supported by hearth yet");
  }
  if (format_requested(req.format)) throw ApiError(400, "structured outputs (\"format\") are not supported by hearth yet");

  PromptRequest prompt;
  prompt.model = model;
  prompt.think = req.think;
  prompt.truncate = req.truncate;
  if (req.raw) {
    prompt.kind = PromptRequest::Kind::Raw;
    prompt.prompt = req.prompt;
  } else if (!req.suffix.empty()) {
    prompt.kind = PromptRequest::Kind::FillInMiddle;
    prompt.prompt = req.prompt;
    prompt.suffix = req.suffix;
  } else {
    prompt.kind = PromptRequest::Kind::Generate;
    prompt.messages = generate_messages(*model, req);
  }
  if (req.template_text) {
    try {
      prompt.template_override = tmpl::ChatTemplate::go(*req.template_text);
    } catch (const std::exception& e) {
      throw ApiError(500, std::string("template error: ") + e.what());
    }
  }
  if (req.context) prompt.context = *req.context;

  if (req.debug_render_only) return ex->respond(debug_render_response(generate_status_object(req.model, ""), prompt));

  auto job = text_job(*model, req, received, *ex);
  auto sink = std::make_shared<InferenceSink>(ex, std::move(run.format), run.stream, received);
  if (req.prompt.empty() && req.suffix.empty()) {
    job->kind = sched::JobKind::Load;
    std::string name = req.model;
    sink->set_load_reply([name] { return HttpResponse::json(200, generate_status_object(name, "load").dump()); });
  } else {
    job->kind = sched::JobKind::Generate;
    job->prepare = make_prepare(std::move(prompt));
    sink->set_observer(generation_observer(model->display_name));
  }
  job->sink = sink;
  submit(std::move(job));
}

// ---- /api/chat --------------------------------------------------------------------------------

void Api::chat(std::shared_ptr<Exchange> ex) {
  ChatRequest req = parse_chat(decode_body(ex->request().body, "ChatRequest"));
  ChatRun run;
  run.model_name = req.model;
  run.format = make_chat_format(req.model, req.logprobs);
  run.stream = req.stream;
  run.request = std::move(req);
  run_chat(std::move(run), std::move(ex));
}

void Api::run_chat(ChatRun run, std::shared_ptr<Exchange> ex) {
  sched::Clock::time_point received = sched::Clock::now();
  const ChatRequest& req = run.request;
  auto model = model_for_inference(req.model, 400, "model is required");
  if (model->resolved.model_path.empty()) throw ApiError(400, "\"" + req.model + "\" does not support chat");

  bool no_messages = req.messages.size() == 0;
  if (no_messages && req.keep_alive && req.keep_alive->count() == 0) {
    scheduler_.unload(model->resolved.model_path.string());
    return ex->respond(HttpResponse::json(200, chat_status_object(req.model, "unload").dump()));
  }
  if (req.think.enabled && !model->has_capability("thinking"))
    throw ApiError(400, "\"" + req.model + "\" does not support thinking");
  if (!model->has_capability("completion")) throw ApiError(400, "\"" + req.model + "\" does not support chat");
  if (req.tools.is_array() && req.tools.size() > 0) {
    if (!model->has_capability("tools")) throw ApiError(400, model->full_name + " does not support tools");
    throw ApiError(400, "tool calling is not supported by hearth yet");
  }
  if (req.image_count > 0) {
    if (!model->has_capability("vision")) throw ApiError(400, model->full_name + " does not support vision");
    throw ApiError(400, "images are not supported by hearth yet");
  }
  if (format_requested(req.format)) throw ApiError(400, "structured outputs (\"format\") are not supported by hearth yet");

  PromptRequest prompt;
  prompt.kind = PromptRequest::Kind::Chat;
  prompt.model = model;
  prompt.think = req.think;
  prompt.truncate = req.truncate;
  prompt.messages = chat_messages(*model, req.messages);

  if (req.debug_render_only) return ex->respond(debug_render_response(chat_status_object(run.model_name, ""), prompt));

  auto job = text_job(*model, req, received, *ex);
  auto sink = std::make_shared<InferenceSink>(ex, std::move(run.format), run.stream, received);
  if (no_messages) {
    job->kind = sched::JobKind::Load;
    std::string name = run.model_name;
    sink->set_load_reply([name] { return HttpResponse::json(200, chat_status_object(name, "load").dump()); });
  } else {
    job->kind = sched::JobKind::Generate;
    job->prepare = make_prepare(std::move(prompt));
    sink->set_observer(generation_observer(model->display_name));
  }
  job->sink = sink;
  submit(std::move(job));
}

// ---- /api/embed, /api/embeddings --------------------------------------------------------------

void Api::run_embed(const std::string& model_name, std::vector<std::string> inputs, bool truncate,
                    std::optional<std::chrono::nanoseconds> keep_alive, const Json& options,
                    std::shared_ptr<Exchange> ex, EmbedDone done, EmbedFail fail) {
  sched::Clock::time_point received = sched::Clock::now();
  std::shared_ptr<const ModelInfo> model;
  try {
    model = catalog_.get(model_name);
  } catch (const store::ModelNotFoundError&) {
    throw ApiError(404, "model \"" + model_name + "\" not found, try pulling it first");
  } catch (const store::InvalidNameError&) {
    throw ApiError(404, "model \"" + model_name + "\" not found, try pulling it first");
  }
  if (model->resolved.model_path.empty()) throw ApiError(400, "\"" + model_name + "\" does not support embeddings");
  auto job = std::make_shared<sched::Job>();
  job->received = received;
  job->kind = inputs.empty() ? sched::JobKind::Load : sched::JobKind::Embed;
  job->model = load_spec_for(*model, options.is_object() ? &options : nullptr, nullptr);
  job->label = label_for(*model);
  job->keep_alive = keep_alive;
  job->inputs = std::move(inputs);
  job->truncate = truncate;
  job->cancel = ex->cancel();
  job->sink = std::make_shared<EmbedSink>(std::move(done), std::move(fail), received);
  submit(std::move(job));
}

void Api::embed(std::shared_ptr<Exchange> ex, bool legacy) {
  auto fail = [ex](int status, const std::string& message) { ex->respond(HttpResponse::json(status, error_body(message))); };
  if (!legacy) {
    EmbedRequest req = parse_embed(decode_body(ex->request().body, "EmbedRequest"));
    if (req.model.empty()) throw ApiError(404, "model '' not found");
    std::string name = req.model;
    int dims = req.dimensions;
    auto done = [ex, name, dims](std::vector<std::vector<float>> vectors, int tokens, std::chrono::nanoseconds total,
                                 std::chrono::nanoseconds load) {
      try {
        Json embeddings = Json::array();
        for (const auto& v : vectors) embeddings.push_back(vector_json(normalize(v, dims)));
        Json out = Json::object({{"model", name}, {"embeddings", embeddings}});
        if (!vectors.empty()) {
          out["total_duration"] = ns(total);
          if (load.count() > 0) out["load_duration"] = ns(load);
          out["prompt_eval_count"] = tokens;
        }
        ex->respond(HttpResponse::json(200, out.dump()));
      } catch (const ApiError& e) {
        ex->respond(HttpResponse::json(e.status(), error_body(e.what())));
      }
    };
    return run_embed(req.model, std::move(req.inputs), req.truncate, req.keep_alive, req.options, ex, done, fail);
  }
  EmbeddingsRequest req = parse_embeddings(decode_body(ex->request().body, "EmbeddingRequest"));
  if (req.model.empty()) throw ApiError(400, "model is required");
  auto done = [ex](std::vector<std::vector<float>> vectors, int, std::chrono::nanoseconds, std::chrono::nanoseconds) {
    Json embedding = Json::array();
    if (!vectors.empty())
      for (float x : vectors.front()) embedding.push_back(Json(static_cast<double>(x)));
    ex->respond(HttpResponse::json(200, Json::object({{"embedding", embedding}}).dump()));
  };
  std::vector<std::string> inputs;
  if (!req.prompt.empty()) inputs.push_back(req.prompt);
  run_embed(req.model, std::move(inputs), true, req.keep_alive, req.options, ex, done, fail);
}

}  // namespace hearth::server
