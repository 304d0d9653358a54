// ModelStore::create — POST /api/create and `ollama create` (spec §2.12), following Ollama's
// create flow: base layers (FROM model or GGUF files) → optional quantization → config fields
// from the GGUF → template/system/license/params/messages layers → config blob → manifest.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <system_error>

#include "engine/store/gguf_facts.h"
#include "engine/store/go_format.h"
#include "engine/store/modelfile.h"
#include "engine/store/sha256.h"
#include "engine/store/show.h"
#include "engine/store/store.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxSmallBlob = 64ull << 20;

[[noreturn]] void bad_request(const std::string& message) { throw StoreError(ErrorKind::BadRequest, message); }

// Go's fs.ValidPath plus Ollama's extra refusals ("." itself, backslashes and colons).
bool is_clean_relative_path(const std::string& p) {
  if (p.empty() || p == "." || p.find('\\') != std::string::npos || p.find(':') != std::string::npos) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = p.find('/', start);
    std::string elem = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (elem.empty() || elem == "." || elem == "..") return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// api.Message field order, keeping only what Ollama keeps.
Json normalize_message(const Json& m) {
  if (!m.is_object()) bad_request("messages must be objects with \"role\" and \"content\"");
  JsonObject out;
  out.set("role", m.get_string("role"));
  out.set("content", m.get_string("content"));
  if (std::string t = m.get_string("thinking"); !t.empty()) out.set("thinking", t);
  for (const char* key : {"images", "tool_calls"}) {
    const Json* v = m.find(key);
    if (v && v->is_array() && v->size() > 0) out.set(key, *v);
  }
  for (const char* key : {"tool_name", "tool_call_id"})
    if (std::string t = m.get_string(key); !t.empty()) out.set(key, t);
  return Json(std::move(out));
}

void apply_create_info(ModelConfig& config, const Json& info) {
  if (!info.is_object()) return;
  if (const Json* caps = info.find("capabilities")) {
    if (!caps->is_array()) bad_request("info field \"capabilities\" must be an array of strings");
    config.capabilities.clear();
    std::size_t i = 0;
    for (const Json& c : caps->as_array()) {
      if (!c.is_string())
        bad_request("info field \"capabilities\" element " + std::to_string(i) + " must be a string");
      config.capabilities.push_back(c.as_string());
      ++i;
    }
  }
  auto set_string = [&](const char* key, std::string& dst) {
    const Json* v = info.find(key);
    if (!v) return false;
    if (!v->is_string()) bad_request(std::string("info field \"") + key + "\" must be a string");
    dst = v->as_string();
    return true;
  };
  auto set_int = [&](const char* key, int64_t& dst) {
    const Json* v = info.find(key);
    if (!v) return;
    if (!v->is_number()) bad_request(std::string("info field \"") + key + "\" must be a number");
    double d = v->as_double();
    if (d < 0 || std::trunc(d) != d || d > 9.2e18)
      bad_request(std::string("info field \"") + key + "\" must be a non-negative integer");
    dst = static_cast<int64_t>(d);
  };
  if (set_string("model_family", config.model_family)) {
    config.model_families.reset();
    if (!config.model_family.empty()) config.model_families = std::vector<std::string>{config.model_family};
  }
  set_string("base_name", config.base_name);
  set_string("quantization_level", config.file_type);
  set_string("parameter_size", config.model_type);
  set_int("context_length", config.context_length);
  set_int("embedding_length", config.embedding_length);
}

// GGUF facts of a blob; a damaged or unreadable file is a StoreError naming it.
GgufFacts facts_of(const fs::path& p, ErrorKind kind) {
  try {
    return read_gguf_facts(gguf::GgufFile::open(p));
  } catch (const gguf::GgufError& e) {
    throw StoreError(kind, e.what());
  } catch (const std::system_error& e) {
    throw StoreError(ErrorKind::Internal, p.string() + ": " + e.what());
  }
}

bool has_gguf_magic(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && ((magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F') ||
                              (magic[0] == 'F' && magic[1] == 'U' && magic[2] == 'G' && magic[3] == 'G'));
}

}  // namespace

Json Progress::to_json() const {
  Json j = Json::object({{"status", status}});
  if (!digest.empty()) j["digest"] = digest;
  if (total != 0) j["total"] = Json(static_cast<long long>(total));
  if (completed != 0) j["completed"] = Json(static_cast<long long>(completed));
  return j;
}

std::string canonical_quantization_type(const std::string& name) {
  std::string l = lower(name);
  if (l == "q4_k_m" || l == "q4_k") return "Q4_K_M";
  if (l == "q4_k_s") return "Q4_K_S";
  if (l == "q8_0") return "Q8_0";
  if (l == "f16") return "F16";
  if (l == "f32") return "F32";
  if (l == "bf16") return "BF16";
  bad_request("unsupported quantization type " + name + " - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0");
}

CreateRequest CreateRequest::from_json(const Json& body) {
  CreateRequest r;
  if (body.is_null()) return r;
  if (!body.is_object()) bad_request("request body must be a JSON object");
  try {
    r.model = body.get_string("model");
    if (r.model.empty()) r.model = body.get_string("name");
    r.from = body.get_string("from");
    for (const char* key : {"files", "adapters"}) {
      const Json* files = body.find(key);
      if (!files || files->is_null()) continue;
      if (!files->is_object()) bad_request(std::string("\"") + key + "\" must be an object of file name to digest");
      auto& dst = std::string(key) == "files" ? r.files : r.adapters;
      for (const auto& [path, digest] : files->as_object()) {
        if (!is_clean_relative_path(path)) bad_request("file path must be relative");
        if (!digest.is_string() || digest.as_string().empty()) bad_request("invalid digest format");
        dst[path] = Digest::parse_request(digest.as_string()).digest.str();
      }
    }
    if (!r.adapters.empty()) bad_request("LoRA adapters are no longer supported");
    if (std::string t = body.get_string("template"); !t.empty()) r.tmpl = t;
    if (std::string s = body.get_string("system"); !s.empty()) r.system = s;
    if (const Json* lic = body.find("license"); lic && !lic->is_null()) {
      if (lic->is_string()) {
        if (!lic->as_string().empty()) r.licenses.push_back(lic->as_string());
      } else if (lic->is_array()) {
        for (const Json& l : lic->as_array()) {
          if (!l.is_string()) bad_request("license must be a string or an array of strings");
          r.licenses.push_back(l.as_string());
        }
      } else {
        bad_request("license must be a string or an array of strings");
      }
    }
    if (const Json* p = body.find("parameters"); p && !p->is_null()) {
      if (!p->is_object()) bad_request("\"parameters\" must be an object");
      r.parameters = *p;
    }
    if (const Json* m = body.find("messages"); m && !m->is_null()) {
      if (!m->is_array()) bad_request("\"messages\" must be an array");
      Json msgs = Json::array();
      for (const Json& e : m->as_array()) msgs.push_back(normalize_message(e));
      r.messages = msgs;
    }
    r.quantize = body.get_string("quantize");
    if (r.quantize.empty()) r.quantize = body.get_string("quantization");
    r.renderer = body.get_string("renderer");
    r.parser = body.get_string("parser");
    r.requires_version = body.get_string("requires");
    if (const Json* info = body.find("info"); info && !info->is_null()) {
      if (!info->is_object()) bad_request("\"info\" must be an object");
      r.info = *info;
    }
    if (const Json* s = body.find("stream"); s && s->is_bool()) r.stream = s->as_bool();
  } catch (const JsonError& e) {
    bad_request(e.what());
  }
  if (!r.model.empty() && !ModelName::try_parse(r.model)) throw InvalidNameError(r.model);
  return r;
}

// One create operation: the ordered layer list with the status each reports.
class CreateJob {
 public:
  CreateJob(ModelStore& store, const CreateRequest& req, const CreateOptions& options, const ProgressFn& progress)
      : store_(store), req_(req), options_(options), progress_(progress) {}

  CreateResult run();

 private:
  struct PendingLayer {
    Layer layer;
    std::string status;
    std::optional<GgufFacts> facts;
  };

  void report(const std::string& status) {
    if (progress_) progress_(Progress{status});
  }
  Layer existing_blob_layer(const Digest& d, std::string media_type, std::string from) const;
  void add_from_model();
  void add_from_files();
  void quantize();
  void fill_config_from_gguf();
  PendingLayer new_text_layer(std::string_view bytes, std::string media_type);
  void remove_layers(std::string_view media_type);
  void apply_modelfile_layers();

  ModelStore& store_;
  const CreateRequest& req_;
  const CreateOptions& options_;
  const ProgressFn& progress_;
  ModelConfig config_ = ModelConfig::for_new_model();
  std::vector<PendingLayer> layers_;
  std::vector<Digest> dropped_;  // blobs of layers replaced during this create (prune candidates)
};

Layer CreateJob::existing_blob_layer(const Digest& d, std::string media_type, std::string from) const {
  std::error_code ec;
  uintmax_t size = fs::file_size(store_.blob_path(d), ec);
  if (ec) throw BlobNotFoundError(d.str(), "blob " + d.str() + " not found: " + ec.message());
  return Layer{std::move(media_type), d, static_cast<int64_t>(size), std::move(from), ""};
}

void CreateJob::add_from_model() {
  std::optional<ModelName> from = ModelName::try_parse(req_.from);
  if (!from) throw InvalidNameError(req_.from);
  std::optional<ModelName> existing = store_.find_existing(*from);
  if (!existing && options_.pull) {
    options_.pull(*from, progress_);
    existing = store_.find_existing(*from);
  }
  if (!existing) throw ModelNotFoundError(req_.from);
  Manifest base = store_.read_manifest(*existing);
  if (!base.config) throw StoreError(ErrorKind::Internal, "model " + existing->display_shortest() + " is missing its config");
  fs::path cp = store_.blob_path(base.config->digest);
  ModelConfig base_config = ModelConfig::parse(read_file_limited(cp, kMaxSmallBlob), cp.string());
  ModelConfig requested = config_;
  config_ = base_config;
  if (!requested.renderer.empty()) config_.renderer = requested.renderer;
  if (!requested.parser.empty()) config_.parser = requested.parser;
  if (!requested.requires_version.empty()) config_.requires_version = requested.requires_version;
  for (const Layer& l : base.layers) {
    PendingLayer p{existing_blob_layer(l.digest, l.media_type, existing->display_shortest()),
                   "using existing layer " + l.digest.str(), std::nullopt};
    p.layer.name = l.name;
    if (l.media_type == media_type::kModel || l.media_type == media_type::kProjector ||
        l.media_type == media_type::kAdapter) {
      p.facts = facts_of(store_.blob_path(l.digest), ErrorKind::Internal);
    }
    layers_.push_back(std::move(p));
  }
}

void CreateJob::add_from_files() {
  std::vector<PendingLayer> file_layers;
  for (const auto& [file_name, digest_text] : req_.files) {  // std::map: sorted by name, as Ollama does
    report("parsing GGUF");
    Digest d = Digest::parse_request(digest_text).digest;
    fs::path p = store_.blob_path(d);
    if (!store_.blob_exists(d)) bad_request("blob not found for " + file_name + " (digest " + d.str() + ")");
    if (!has_gguf_magic(p)) bad_request("supplied file was not in GGUF format");
    std::optional<GgufFacts> facts = facts_of(p, ErrorKind::BadRequest);
    if (facts->kind == "adapter") bad_request("LoRA adapters are no longer supported: " + file_name + " is a LoRA adapter");
    if (facts->split_count > 1)
      bad_request("split GGUF files are not supported yet: merge " + file_name + " with llama-gguf-split --merge");
    std::string media(is_projector_gguf(*facts) ? media_type::kProjector : media_type::kModel);
    file_layers.push_back(PendingLayer{existing_blob_layer(d, media, file_name), "using existing layer " + d.str(), facts});
  }
  // Autodetected chat template, as Ollama maps a GGUF Jinja template to a built-in Go template.
  std::vector<PendingLayer> detected;
  if (options_.detect_template) {
    for (const PendingLayer& l : file_layers) {
      if (!l.facts || l.facts->chat_template.empty()) continue;
      std::optional<DetectedTemplate> t = options_.detect_template(l.facts->chat_template);
      if (!t) continue;
      PendingLayer tl = new_text_layer(t->text, std::string(media_type::kTemplate));
      tl.status = "using autodetected template " + t->name;
      detected.push_back(std::move(tl));
      if (t->parameters.is_object()) {
        detected.push_back(new_text_layer(go_json(sorted_object(t->parameters)) + "\n", std::string(media_type::kParams)));
      }
    }
  }
  for (PendingLayer& l : file_layers) layers_.push_back(std::move(l));
  for (PendingLayer& l : detected) layers_.push_back(std::move(l));
}

void CreateJob::quantize() {
  std::string target = canonical_quantization_type(req_.quantize);
  auto it = std::find_if(layers_.begin(), layers_.end(),
                         [](const PendingLayer& l) { return l.layer.media_type == media_type::kModel; });
  if (it == layers_.end() || !it->facts) bad_request("no model layer to quantize");
  uint32_t ft = it->facts->file_type.value_or(UINT32_MAX);
  if (ft != 0 && ft != 1 && ft != 32) bad_request("quantization is only supported for F16, BF16 and F32 models");
  std::string source_type = file_type_name(ft);
  std::string status = "quantizing " + source_type + " model to " + target;
  report(status);
  TempFile out(store_.blobs_dir());
  options_.quantize(store_.blob_path(it->layer.digest), target, out.path(), [&](int64_t done, int64_t total) {
    if (progress_) progress_(Progress{status, "0000000000000000000", total, done});
  });
  report("verifying conversion");
  GgufFacts facts = facts_of(out.path(), ErrorKind::Internal);
  Digest d = Digest::from_hex(sha256_file_hex(out.path()));
  bool created = out.commit_no_replace(store_.blob_path(d));
  dropped_.push_back(it->layer.digest);  // the unquantized upload is no longer needed
  it->layer = existing_blob_layer(d, std::string(media_type::kModel), it->layer.from);
  it->status = (created ? "creating new layer " : "using existing layer ") + d.str();
  it->facts = facts;
  config_.file_type = file_type_name(facts.file_type.value_or(UINT32_MAX));
}

void CreateJob::fill_config_from_gguf() {
  for (const PendingLayer& l : layers_) {
    if (!l.facts || l.layer.media_type != media_type::kModel) continue;
    const GgufFacts& f = *l.facts;
    if (config_.model_format.empty()) config_.model_format = "gguf";
    if (config_.model_family.empty()) config_.model_family = f.architecture;
    if (config_.model_type.empty()) config_.model_type = human_number(f.parameter_count);
    if (config_.file_type.empty()) config_.file_type = f.file_type ? file_type_name(*f.file_type) : "unknown";
    if (!config_.model_families) config_.model_families = std::vector<std::string>{};
    if (std::find(config_.model_families->begin(), config_.model_families->end(), f.architecture) ==
        config_.model_families->end())
      config_.model_families->push_back(f.architecture);
  }
}

CreateJob::PendingLayer CreateJob::new_text_layer(std::string_view bytes, std::string media_type) {
  BlobCommit c = store_.write_blob(bytes);
  return PendingLayer{Layer{std::move(media_type), c.digest, static_cast<int64_t>(c.size), "", ""},
                      (c.created ? "creating new layer " : "using existing layer ") + c.digest.str(), std::nullopt};
}

void CreateJob::remove_layers(std::string_view type) {
  for (auto it = layers_.begin(); it != layers_.end();) {
    if (it->layer.media_type == type) {
      dropped_.push_back(it->layer.digest);
      it = layers_.erase(it);
    } else {
      ++it;
    }
  }
}

void CreateJob::apply_modelfile_layers() {
  if (req_.tmpl) {
    if (options_.validate_template) {
      if (std::optional<std::string> err = options_.validate_template(*req_.tmpl)) bad_request("template error: " + *err);
    }
    remove_layers(media_type::kTemplate);
    layers_.push_back(new_text_layer(*req_.tmpl, std::string(media_type::kTemplate)));
  }
  if (req_.system) {
    remove_layers(media_type::kSystem);
    layers_.push_back(new_text_layer(*req_.system, std::string(media_type::kSystem)));
  }
  for (const std::string& l : req_.licenses) layers_.push_back(new_text_layer(l, std::string(media_type::kLicense)));

  // Parameters merge over the inherited ones: request keys win, inherited keys are kept.
  Json merged = req_.parameters.is_object() ? req_.parameters : Json::object();
  for (const PendingLayer& l : layers_) {
    if (l.layer.media_type != media_type::kParams) continue;
    fs::path p = store_.blob_path(l.layer.digest);
    Json existing;
    try {
      existing = Json::parse(read_file_limited(p, kMaxSmallBlob));
    } catch (const JsonError& e) {
      throw ManifestError(p.string() + ": " + e.what());
    }
    if (!existing.is_object()) continue;
    for (const auto& [k, v] : existing.as_object())
      if (!merged.contains(k)) merged.as_object().set(k, v);
  }
  if (merged.size() > 0) {
    remove_layers(media_type::kParams);
    layers_.push_back(new_text_layer(go_json(sorted_object(merged)) + "\n", std::string(media_type::kParams)));
  }
  if (req_.messages.is_array() && req_.messages.size() > 0) {
    remove_layers(media_type::kMessages);
    Json msgs = Json::array();
    for (const Json& m : req_.messages.as_array()) msgs.push_back(normalize_message(m));
    layers_.push_back(new_text_layer(go_json(msgs) + "\n", std::string(media_type::kMessages)));
  }
}

CreateResult CreateJob::run() {
  ModelName name = store_.canonical_name(ModelName::parse(req_.model));
  if (!req_.adapters.empty()) bad_request("LoRA adapters are no longer supported");
  if (!req_.quantize.empty()) {
    if (!options_.quantize) bad_request("quantization not available");
    canonical_quantization_type(req_.quantize);  // reject unknown types before any work
  }
  std::optional<Manifest> old;
  try {
    old = store_.read_manifest(name);
  } catch (const StoreError&) {
    // No previous version (or an unreadable one): nothing to prune afterwards.
  }
  config_.renderer = req_.renderer;
  config_.parser = req_.parser;
  config_.requires_version = req_.requires_version;

  if (!req_.from.empty()) {
    add_from_model();
  } else if (!req_.files.empty()) {
    add_from_files();
  } else {
    bad_request("neither 'from' or 'files' was specified");
  }
  if (!req_.quantize.empty()) quantize();
  apply_create_info(config_, req_.info);
  fill_config_from_gguf();
  apply_modelfile_layers();

  BlobCommit config_blob = store_.write_blob(config_.serialize());
  Manifest manifest;
  manifest.config = Layer{std::string(media_type::kConfig), config_blob.digest, static_cast<int64_t>(config_blob.size), "", ""};
  for (const PendingLayer& l : layers_) {
    manifest.layers.push_back(l.layer);
    if (!l.status.empty()) report(l.status);
  }
  report("writing manifest");
  CreateResult result{name, ""};
  {
    std::lock_guard lock(store_.write_mutex_);
    result.digest_hex = store_.write_manifest_locked(name, manifest);
    std::vector<Digest> candidates = dropped_;
    if (old)
      for (const Digest& d : old->referenced_digests()) candidates.push_back(d);
    store_.prune_blobs_locked(candidates);
  }
  report("success");
  return result;
}

CreateResult ModelStore::create(const CreateRequest& request, const CreateOptions& options, const ProgressFn& progress) {
  return CreateJob(*this, request, options, progress).run();
}

CreateResult ModelStore::create_from_modelfile(std::string_view modelfile_text, const fs::path& relative_dir,
                                               const std::string& model_name, const CreateOptions& options,
                                               const ProgressFn& progress) {
  Modelfile mf = Modelfile::parse(modelfile_text);
  ModelfileRequest mr = modelfile_to_request(mf, relative_dir, model_name, [&](const fs::path& p) {
    return import_file(p).digest.str();
  });
  for (const std::string& w : mr.warnings)
    if (progress) progress(Progress{"warning: " + w});
  for (const auto& [key, digest] : mr.request.files) {
    // A FROM sha256:<hex> names a blob that must already be in the store.
    if (!blob_exists(Digest::parse(digest))) bad_request("blob " + digest + " named by FROM is not in the store");
  }
  return create(mr.request, options, progress);
}

}  // namespace hearth::store
