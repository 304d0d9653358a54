// The store-backed routes: /api/tags, /api/show, /api/copy, /api/delete, /api/create,
// HEAD/POST /api/blobs/:digest.
#include <optional>

#include "engine/quantize/quantize_model.h"
#include "engine/registry/puller.h"
#include "engine/store/show.h"
#include "engine/template/chat_template.h"
#include "gguf/reader.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/wire_format.h"

namespace hearth::server {

namespace {

std::string go_quote(const std::string& s) { return Json(s).dump(); }

// Streams bytes into a blob while hashing; the response comes from commit().
class BlobUploadSink final : public UploadSink {
 public:
  explicit BlobUploadSink(store::BlobWriter writer) : writer_(std::move(writer)) {}
  void data(std::string_view bytes) override {
    try {
      writer_.write(bytes);
    } catch (const store::StoreError& e) {
      throw ApiError(store_error_status(e), e.what());
    } catch (const std::exception& e) {
      throw ApiError(500, e.what());
    }
  }
  HttpResponse finish() override {
    try {
      store::BlobCommit c = writer_.commit();
      return HttpResponse::empty(c.created ? 201 : 200);
    } catch (const store::StoreError& e) {
      throw ApiError(store_error_status(e), e.what());
    }
  }
  void abort() noexcept override { writer_.abort(); }

 private:
  store::BlobWriter writer_;
};

// The blob already exists: read and discard the body, then answer 200 (as Ollama does).
class DiscardSink final : public UploadSink {
 public:
  void data(std::string_view) override {}
  HttpResponse finish() override { return HttpResponse::empty(200); }
  void abort() noexcept override {}
};

}  // namespace

void Api::tags(Exchange& ex) {
  Json models = Json::array();
  for (const store::ListedModel& listed : store_.list()) {
    std::optional<store::ResolvedModel> resolved;
    std::optional<gguf::GgufFile> weights;
    try {
      resolved = store_.resolve(listed.name);
      if (!resolved->model_path.empty()) weights = gguf::GgufFile::open(resolved->model_path);
    } catch (const std::exception&) {
      // A model whose blobs are damaged is still listed, with what the manifest says.
    }
    models.push_back(store::tags_entry_json(listed, resolved ? &*resolved : nullptr, weights ? &*weights : nullptr));
  }
  ex.respond(HttpResponse::json(200, Json::object({{"models", models}}).dump()));
}

void Api::show(Exchange& ex) {
  ShowRequest req = parse_show(decode_body(ex.request().body, "ShowRequest"));
  if (req.model.empty()) throw ApiError(400, "model is required");
  auto name = store::ModelName::try_parse(req.model);
  if (!name) throw ApiError(400, "model '" + req.model + "' not found");  // upstream: invalid names are not found
  store::ResolvedModel resolved = [&] {
    try {
      return store_.resolve(req.model);
    } catch (const store::ModelNotFoundError&) {
      throw ApiError(404, "model '" + req.model + "' not found");
    }
  }();
  std::optional<gguf::GgufFile> weights, projector;
  if (!resolved.model_path.empty()) weights = gguf::GgufFile::open(resolved.model_path);
  if (!resolved.projector_paths.empty()) projector = gguf::GgufFile::open(resolved.projector_paths.front());
  store::ShowOptions options;
  options.verbose = req.verbose;
  options.system = req.system;
  if (req.options.is_object()) options.options = req.options;
  // Without a TEMPLATE layer the GGUF's own Jinja chat template is what runs (spec §2.8).
  if (!resolved.template_text && weights) {
    std::string jinja = weights->metadata().get_string_or("tokenizer.chat_template", "");
    if (!jinja.empty()) options.template_override = jinja;
  }
  Json body = store::show_response(resolved, weights ? &*weights : nullptr, options, projector ? &*projector : nullptr);
  ex.respond(HttpResponse::json(200, body.dump()));
}

void Api::copy(Exchange& ex) {
  CopyRequest req = parse_copy(decode_body(ex.request().body, "CopyRequest"));
  auto src = store::ModelName::try_parse(req.source);
  if (!src) throw ApiError(400, "source " + go_quote(req.source) + " is invalid");
  auto dst = store::ModelName::try_parse(req.destination);
  if (!dst) throw ApiError(400, "destination " + go_quote(req.destination) + " is invalid");
  try {
    store_.copy(*src, *dst);
  } catch (const store::ModelNotFoundError&) {
    throw ApiError(404, "model " + go_quote(req.source) + " not found");
  }
  ex.respond(HttpResponse::empty(200));
}

void Api::remove(Exchange& ex) {
  DeleteRequest req = parse_delete(decode_body(ex.request().body, "DeleteRequest"));
  if (req.model.empty()) throw ApiError(400, "model is required");
  auto name = store::ModelName::try_parse(req.model);
  if (!name) throw ApiError(400, "name " + go_quote(req.model) + " is invalid");
  try {
    store_.remove(*name);
  } catch (const store::ModelNotFoundError&) {
    throw ApiError(404, "model '" + req.model + "' not found");
  }
  ex.respond(HttpResponse::empty(200));
}

void Api::create(std::shared_ptr<Exchange> ex) {
  Json body = decode_body(ex->request().body, "CreateRequest");
  store::CreateRequest req = store::CreateRequest::from_json(body);
  if (req.model.empty() || !store::ModelName::try_parse(req.model)) throw ApiError(400, "invalid model name");
  bool stream = req.stream.value_or(true);
  tasks_.run([this, ex, req = std::move(req), stream] {
    bool started = false;
    store::CreateOptions options;
    options.validate_template = [](const std::string& text) -> std::optional<std::string> {
      try {
        tmpl::ChatTemplate::go(text);
        return std::nullopt;
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    };
    options.quantize = [](const std::filesystem::path& in, const std::string& target, const std::filesystem::path& out,
                          const std::function<void(int64_t, int64_t)>& report) {
      auto type = quantize::parse_file_type(target);
      if (!type) throw ApiError(400, "unsupported quantization type " + target);
      quantize::QuantizeOptions qo;
      qo.ftype = *type;
      qo.on_tensor = [&](std::size_t index, std::size_t total, const quantize::TensorResult&) {
        report(static_cast<int64_t>(index + 1), static_cast<int64_t>(total));
      };
      quantize::quantize_model(in, out, qo);
    };
    if (puller_ != nullptr)
      options.pull = registry::create_pull_hook(*puller_, [ex] { return ex->cancel()->cancelled(); });
    auto progress = [&](const store::Progress& p) {
      if (!stream) return;
      if (!started) {
        started = true;
        ex->begin_stream(200, std::string(kNdjsonContentType));
      }
      ex->write(ndjson_line(p.to_json()));
    };
    try {
      if (ex->cancel()->cancelled()) return;
      store_.create(req, options, progress);
      if (!stream) ex->respond(HttpResponse{200, "application/json", Json::object({{"status", "success"}}).dump(), {}});
      else ex->end();
    } catch (const std::exception& e) {
      if (started) {
        ex->write(ndjson_line(Json::object({{"error", std::string(e.what())}})));
        ex->end();
      } else {
        ex->respond(HttpResponse::json(store_error_status(e), error_body(e.what())));
      }
    }
  });
}

void Api::blob_head(const RouteMatch& route, Exchange& ex) {
  store::Digest digest = [&] {
    try {
      return store::Digest::parse_request(route.param).digest;
    } catch (const store::InvalidDigestError&) {
      throw ApiError(400, "invalid digest format");
    }
  }();
  if (store_.blob_exists(digest)) return ex.respond(HttpResponse::empty(200));
  ex.respond(HttpResponse::json(404, error_body("blob \"" + route.param + "\" not found")));
}

std::unique_ptr<UploadSink> Api::begin_upload(const RouteMatch& route, const HttpRequest&, std::optional<HttpResponse>&) {
  try {
    store::Digest::parse_request(route.param);
  } catch (const store::InvalidDigestError&) {
    throw ApiError(400, "invalid digest format");
  }
  if (store_.upload_already_present(route.param)) return std::make_unique<DiscardSink>();
  try {
    return std::make_unique<BlobUploadSink>(store_.begin_blob_upload(route.param));
  } catch (const store::StoreError& e) {
    throw ApiError(store_error_status(e), e.what());
  }
}

}  // namespace hearth::server
