// Create from a fixture GGUF (files, Modelfile, FROM model) and read the result back two ways:
// through show (compared with what spec §2.7/§2.8/§6.2 say Ollama reports for the file) and with
// plain JSON and file checks that know nothing of ModelStore.
#include <catch2/catch.hpp>

#include "engine/store/sha256.h"
#include "engine/store/show.h"
#include "engine/store/store.h"
#include "store_test_util.h"

using namespace hearth::store;
using namespace hearth::store::test;
using hearth::Json;

namespace {

struct Recorder {
  std::vector<std::string> statuses;
  ProgressFn fn() {
    return [this](const Progress& p) { statuses.push_back(p.status); };
  }
};

// Imports the fixture like `POST /api/blobs` would and returns its digest text.
std::string upload_fixture(ModelStore& store, const char* fixture) {
  return store.import_file(hearth::test::fixture_path(fixture)).digest.str();
}

// Reads a store with nothing but the layout rules of spec §6: the manifest path, JSON, blob names,
// sizes and digests. Returns the parsed manifest.
Json check_layout_independently(const std::filesystem::path& root, const std::string& rel_manifest) {
  std::filesystem::path mpath = root / "manifests" / rel_manifest;
  REQUIRE(std::filesystem::is_regular_file(mpath));
  const std::string text = read_text(mpath);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  Json m = Json::parse(text);
  CHECK(m.dump() + "\n" == text);  // compact JSON, nothing else
  CHECK(m.get_int("schemaVersion") == 2);
  CHECK(m.get_string("mediaType") == "application/vnd.docker.distribution.manifest.v2+json");
  std::vector<Json> blobs = {m.at("config")};
  for (const Json& l : m.at("layers").as_array()) blobs.push_back(l);
  CHECK(m.at("config").get_string("mediaType") == "application/vnd.docker.container.image.v1+json");
  for (const Json& b : blobs) {
    std::string digest = b.get_string("digest");
    INFO(digest);
    REQUIRE(digest.size() == 71);
    CHECK(digest.substr(0, 7) == "sha256:");
    std::filesystem::path file = root / "blobs" / ("sha256-" + digest.substr(7));
    REQUIRE(std::filesystem::is_regular_file(file));
    CHECK(static_cast<int64_t>(std::filesystem::file_size(file)) == b.get_int("size"));
    CHECK(sha256_file_hex(file) == digest.substr(7));
  }
  return m;
}

std::vector<std::string> media_types(const Json& manifest) {
  std::vector<std::string> out;
  for (const Json& l : manifest.at("layers").as_array()) out.push_back(l.get_string("mediaType"));
  return out;
}

}  // namespace

TEST_CASE("create from an uploaded GGUF with template, system and parameters, then show", "[store][create]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  std::string model_digest = upload_fixture(store, kTinyModel);
  CHECK(model_digest == std::string("sha256:") + kTinyModelHex);

  CreateRequest req = CreateRequest::from_json(Json::parse(R"({
    "model": "tiny", "files": {"llama-spm-tiny.q4_k_m.gguf": ")" + model_digest + R"("},
    "template": "{{ if .System }}{{ .System }}\n{{ end }}{{ .Prompt }}{{ if .Suffix }}{{ .Suffix }}{{ end }}",
    "system": "You are tiny.",
    "parameters": {"temperature": 0.7, "stop": ["<|eot_id|>", "</s>"], "num_ctx": 2048},
    "stream": false})"));
  Recorder rec;
  CreateResult result = store.create(req, {}, rec.fn());
  CHECK(result.name.full() == "registry.ollama.ai/library/tiny:latest");

  // Independent read of what was written.
  Json m = check_layout_independently(dir.path(), "registry.ollama.ai/library/tiny/latest");
  CHECK(sha256_file_hex(dir.path() / "manifests/registry.ollama.ai/library/tiny/latest") == result.digest_hex);
  CHECK(media_types(m) == std::vector<std::string>{"application/vnd.ollama.image.model",
                                                   "application/vnd.ollama.image.template",
                                                   "application/vnd.ollama.image.system",
                                                   "application/vnd.ollama.image.params"});
  const Json& model_layer = m.at("layers").as_array()[0];
  CHECK(model_layer.get_string("digest") == model_digest);
  CHECK(model_layer.get_int("size") == static_cast<int64_t>(kTinyModelSize));
  CHECK(model_layer.get_string("from") == "llama-spm-tiny.q4_k_m.gguf");
  // Config blob: spec §6.2 fields in Ollama's order; 5245184 parameters → "5.25M" (spec §2.7).
  std::string config_hex = m.at("config").get_string("digest").substr(7);
  CHECK(read_text(dir.path() / "blobs" / ("sha256-" + config_hex)) ==
        "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"5.25M\","
        "\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\","
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}\n");
  // Params blob as Go writes a map: sorted keys, HTML-escaped strings, trailing newline.
  std::string params_hex = m.at("layers").as_array()[3].get_string("digest").substr(7);
  CHECK(read_text(dir.path() / "blobs" / ("sha256-" + params_hex)) ==
        "{\"num_ctx\":2048,\"stop\":[\"\\u003c|eot_id|\\u003e\",\"\\u003c/s\\u003e\"],\"temperature\":0.7}\n");
  std::string system_hex = m.at("layers").as_array()[2].get_string("digest").substr(7);
  CHECK(read_text(dir.path() / "blobs" / ("sha256-" + system_hex)) == "You are tiny.");

  // Progress in Ollama's words and order.
  const std::string tmpl_digest = m.at("layers").as_array()[1].get_string("digest");
  CHECK(rec.statuses == std::vector<std::string>{"parsing GGUF", "using existing layer " + model_digest,
                                                 "creating new layer " + tmpl_digest,
                                                 "creating new layer sha256:" + system_hex,
                                                 "creating new layer sha256:" + params_hex, "writing manifest",
                                                 "success"});

  // Show: details as Ollama reports this file.
  ResolvedModel r = store.resolve("tiny");
  auto weights = hearth::gguf::GgufFile::open(r.model_path);
  Json show = show_response(r, &weights);
  CHECK(show.at("details").dump() ==
        "{\"parent_model\":\"llama-spm-tiny.q4_k_m.gguf\",\"format\":\"gguf\",\"family\":\"llama\","
        "\"families\":[\"llama\"],\"parameter_size\":\"5.25M\",\"quantization_level\":\"Q4_K_M\"}");
  CHECK(show.get_string("system") == "You are tiny.");
  CHECK(show.get_string("parameters") ==
        "num_ctx                        2048\n"
        "stop                           \"<|eot_id|>\"\n"
        "stop                           \"</s>\"\n"
        "temperature                    0.7");
  CHECK(show.at("capabilities").dump() == "[\"completion\",\"insert\"]");  // the template uses .Suffix
  CHECK(show.at("model_info").get_int("general.parameter_count") == 5245184);

  // Listing shows it with the manifest digest and total size.
  std::vector<ListedModel> listed = store.list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].digest_hex == result.digest_hex);
  int64_t total = 0;
  for (const Json& b : m.at("layers").as_array()) total += b.get_int("size");
  total += m.at("config").get_int("size");
  CHECK(listed[0].size == total);
  Json tags = tags_entry_json(listed[0], &r, &weights);
  CHECK(tags.get_string("name") == "tiny:latest");
  CHECK(tags.at("details").get_int("context_length") == 4096);
  CHECK(tags.at("details").get_int("embedding_length") == 256);

  // Creating the same model again reuses every layer and changes nothing.
  Recorder again;
  CreateResult second = store.create(req, {}, again.fn());
  CHECK(second.digest_hex == result.digest_hex);
  for (const std::string& s : again.statuses) CHECK(s.rfind("creating new layer", 0) == std::string::npos);
}

TEST_CASE("parameter sizes and quantization levels of the fixture family", "[store][create]") {
  SKIP_WITHOUT_FIXTURES();
  // Tensor element counts and general.file_type read with an independent GGUF dump; the expected
  // strings follow spec §2.7's formatting rules by hand.
  struct Row {
    const char* file;
    const char* family;
    const char* size;
    const char* quant;
  };
  const Row rows[] = {
      {"models/llama-spm-tiny.q8_0.gguf", "llama", "5.25M", "Q8_0"},
      {"models/llama-spm-tiny.bf16.gguf", "llama", "5.25M", "BF16"},
      {"models/llama-spm-tiny.q5_k_m.gguf", "llama", "5.25M", "Q5_K_M"},
      {"models/llama-spm-tiny.iq4_nl.gguf", "llama", "5.25M", "IQ4_NL"},
      {"models/llama3-bpe-tiny.q4_k_m.gguf", "llama", "5.90M", "Q4_K_M"},
      {"models/qwen2-bpe-tiny.f16.gguf", "qwen2", "3.41M", "F16"},
      {"models/qwen3-bpe-tiny.q8_0.gguf", "qwen3", "4.46M", "Q8_0"},
      {"models/llama-2-tiny-random.gguf", "llama", "513K", "F16"},
  };
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  int i = 0;
  for (const Row& row : rows) {
    INFO(row.file);
    CreateRequest req;
    req.model = std::string("m").append(std::to_string(i++));
    req.files["w.gguf"] = upload_fixture(store, row.file);
    store.create(req, {}, {});
    ResolvedModel r = store.resolve(req.model);
    CHECK(r.config.model_family == row.family);
    CHECK(r.config.model_type == row.size);
    CHECK(r.config.file_type == row.quant);
  }
}

TEST_CASE("create FROM an existing model inherits and merges layers", "[store][create]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  CreateRequest base;
  base.model = "base:1";
  base.files["w.gguf"] = upload_fixture(store, kTinyModel);
  base.tmpl = "{{ .Prompt }}";
  base.system = "base system";
  base.parameters = Json::object({{"temperature", 0.5}, {"stop", Json::array({"A"})}});
  base.messages = Json::array({Json::object({{"role", "user"}, {"content", "q"}})});
  store.create(base, {}, {});

  CreateRequest derived = CreateRequest::from_json(Json::parse(
      R"({"model":"derived","from":"BASE:1","system":"new system","parameters":{"top_k":20,"stop":["B"]},
          "license":["L1"]})"));
  Recorder rec;
  store.create(derived, {}, rec.fn());
  ResolvedModel r = store.resolve("derived");
  CHECK(r.template_text == "{{ .Prompt }}");  // inherited
  CHECK(r.system == "new system");            // replaced
  CHECK(r.params.dump() == "{\"stop\":[\"B\"],\"temperature\":0.5,\"top_k\":20}");  // merged, request wins
  CHECK(r.messages.size() == 1);              // inherited
  CHECK(r.licenses == std::vector<std::string>{"L1"});
  CHECK(r.parent_model == "base:1");          // the model layer's `from`
  CHECK(r.config.model_type == "5.25M");
  CHECK(rec.statuses.front().rfind("using existing layer sha256:", 0) == 0);
  CHECK(rec.statuses.back() == "success");
  // Base blobs that the derived model dropped are still used by base: nothing was pruned.
  CHECK(store.resolve("base:1").system == "base system");

  CreateRequest missing;
  missing.model = "x";
  missing.from = "not-here";
  CHECK_THROWS_AS(store.create(missing, {}, {}), ModelNotFoundError);
  // A pull hook is asked for a missing base.
  CreateOptions opts;
  std::vector<std::string> pulled;
  opts.pull = [&](const ModelName& n, const ProgressFn&) { pulled.push_back(n.full()); };
  CHECK_THROWS_AS(store.create(missing, opts, {}), ModelNotFoundError);
  CHECK(pulled == std::vector<std::string>{"registry.ollama.ai/library/not-here:latest"});
}

TEST_CASE("re-creating a model prunes the blobs its old version alone used", "[store][create]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  for (bool noprune : {false, true}) {
    INFO("noprune " << noprune);
    std::filesystem::remove_all(dir.path() / "blobs");
    std::filesystem::remove_all(dir.path() / "manifests");
    ModelStore store(StoreConfig{dir.path(), noprune});
    CreateRequest req;
    req.model = "m";
    req.files["w.gguf"] = upload_fixture(store, kTinyModel);
    req.system = "first";
    store.create(req, {}, {});
    Digest first_system = store.read_manifest(ModelName::parse("m")).find_layer(media_type::kSystem)->digest;
    req.system = "second";
    store.create(req, {}, {});
    CHECK(store.blob_exists(first_system) == noprune);
    CHECK(store.resolve("m").system == "second");
  }
}

TEST_CASE("create from a Modelfile imports FROM files", "[store][create][modelfile]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  std::filesystem::path fixtures = hearth::test::fixture_path("models");
  Recorder rec;
  store.create_from_modelfile(
      "FROM ./llama-spm-tiny.q4_k_m.gguf\n"
      "TEMPLATE \"\"\"{{- range .Messages }}{{ .Content }}{{ end }}{{ if .Tools }}{{ .Tools }}{{ end }}\"\"\"\n"
      "PARAMETER stop <|eot_id|>\nPARAMETER stop </s>\nPARAMETER num_ctx 1024\nPARAMETER mirostat 1\n"
      "MESSAGE user hello\nLICENSE MIT\n",
      fixtures, "from-modelfile", {}, rec.fn());
  CHECK(rec.statuses.front() == "warning: parameter mirostat is deprecated");
  ResolvedModel r = store.resolve("from-modelfile");
  CHECK(r.params.dump() == "{\"num_ctx\":1024,\"stop\":[\"<|eot_id|>\",\"</s>\"]}");
  CHECK(r.licenses == std::vector<std::string>{"MIT"});
  CHECK(r.messages.dump() == "[{\"role\":\"user\",\"content\":\"hello\"}]");
  auto weights = hearth::gguf::GgufFile::open(r.model_path);
  CHECK(capabilities(r, &weights) == std::vector<std::string>{"completion", "tools"});
  check_layout_independently(dir.path(), "registry.ollama.ai/library/from-modelfile/latest");

  // FROM sha256:<hex> names the blob already in the store.
  store.create_from_modelfile(std::string("FROM sha256:") + kTinyModelHex + "\nSYSTEM s\n", dir.path(), "by-digest", {},
                              {});
  CHECK(store.resolve("by-digest").model_path == r.model_path);
  CHECK_THROWS_AS(store.create_from_modelfile("FROM sha256:" + std::string(64, 'f'), dir.path(), "nope", {}, {}),
                  StoreError);
}

TEST_CASE("create refuses bad requests with Ollama's messages", "[store][create]") {
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  auto message = [&](const std::string& body) {
    try {
      store.create(CreateRequest::from_json(Json::parse(body)), {}, {});
    } catch (const StoreError& e) {
      return std::string(e.what());
    }
    return std::string("(created)");
  };
  const std::string hex(64, 'a');
  CHECK(message(R"({"model":"x"})") == "neither 'from' or 'files' was specified");
  CHECK(message(R"({"model":"bad name!","from":"y"})") == "invalid model name");
  CHECK(message(R"({"from":"y"})") == "invalid model name");
  CHECK(message(R"({"model":"x","files":{"../escape.gguf":"sha256:)" + hex + R"("}})") == "file path must be relative");
  CHECK(message(R"({"model":"x","files":{"/abs.gguf":"sha256:)" + hex + R"("}})") == "file path must be relative");
  CHECK(message(R"({"model":"x","files":{"a.gguf":""}})") == "invalid digest format");
  CHECK(message(R"({"model":"x","files":{"a.gguf":"sha256:../../x"}})") == "invalid digest format");
  CHECK(message(R"({"model":"x","adapters":{"l.gguf":"sha256:)" + hex + R"("}})") == "LoRA adapters are no longer supported");
  CHECK(message(R"({"model":"x","from":"y","quantize":"q4_K_M"})") == "quantization not available");
  CHECK(message(R"({"model":"x","from":"y","license":5})") == "license must be a string or an array of strings");
  CHECK(message(R"({"model":"x","files":{"a.gguf":"sha256:)" + hex + R"("}})") ==
        "blob not found for a.gguf (digest sha256:" + hex + ")");
  // A blob that is not GGUF.
  BlobCommit text = store.write_blob("just text, not a model");
  CHECK(message(R"({"model":"x","files":{"a.gguf":")" + text.digest.str() + R"("}})") ==
        "supplied file was not in GGUF format");
  // A blob with the GGUF magic that is not a valid GGUF: the reader's message, as a bad request.
  BlobCommit truncated = store.write_blob(std::string("GGUF\x03\x00\x00\x00", 8));
  CreateRequest broken;
  broken.model = "x";
  broken.files["a.gguf"] = truncated.digest.str();
  try {
    store.create(broken, {}, {});
    FAIL("created from a truncated GGUF");
  } catch (const StoreError& e) {
    CHECK(e.kind() == ErrorKind::BadRequest);
    CHECK(std::string(e.what()).find(truncated.digest.file_name()) != std::string::npos);
  }
  CHECK(store.list().empty());
  try {
    canonical_quantization_type("q3_k_m");
    FAIL("accepted q3_k_m");
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()) ==
          "unsupported quantization type q3_k_m - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0");
  }
  CHECK(canonical_quantization_type("q4_K") == "Q4_K_M");
  CHECK(canonical_quantization_type("Q8_0") == "Q8_0");
}

TEST_CASE("create hooks: template validation, autodetected template, quantization", "[store][create]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  std::string qwen = upload_fixture(store, "models/qwen2-bpe-tiny.f16.gguf");

  CreateOptions opts;
  opts.validate_template = [](const std::string& t) -> std::optional<std::string> {
    if (t.find("{{ end") != std::string::npos && t.find("{{ if") == std::string::npos) return "unexpected {{end}}";
    return std::nullopt;
  };
  std::vector<std::string> seen_jinja;
  opts.detect_template = [&](const std::string& jinja) -> std::optional<DetectedTemplate> {
    seen_jinja.push_back(jinja);
    return DetectedTemplate{"chatml", "{{ .Prompt }}<|im_end|>", Json::object({{"stop", Json::array({"<|im_end|>"})}})};
  };
  CreateRequest bad;
  bad.model = "q";
  bad.files["q.gguf"] = qwen;
  bad.tmpl = "{{ end }}";
  CHECK_THROWS_WITH(store.create(bad, opts, {}), "template error: unexpected {{end}}");

  CreateRequest req;
  req.model = "q";
  req.files["q.gguf"] = qwen;
  seen_jinja.clear();
  Recorder rec;
  store.create(req, opts, rec.fn());
  REQUIRE(seen_jinja.size() == 1);
  CHECK(seen_jinja[0].rfind("{%- if tools %}", 0) == 0);  // the GGUF's tokenizer.chat_template
  CHECK(std::find(rec.statuses.begin(), rec.statuses.end(), "using autodetected template chatml") != rec.statuses.end());
  ResolvedModel r = store.resolve("q");
  CHECK(r.template_text == "{{ .Prompt }}<|im_end|>");
  CHECK(r.params.dump() == "{\"stop\":[\"<|im_end|>\"]}");
  CHECK(r.config.file_type == "F16");

  // Quantization goes through the hook; only F16/BF16/F32 weights qualify.
  std::string seen_target;
  opts.quantize = [&](const std::filesystem::path& in, const std::string& target, const std::filesystem::path& out,
                      const std::function<void(int64_t, int64_t)>& progress) {
    seen_target = target;
    progress(1, 2);
    // Stand-in quantizer: copies a real Q4_K_M file of the same family.
    std::filesystem::copy_file(hearth::test::fixture_path("models/qwen2-bpe-tiny.q4_k_m.gguf"), out,
                               std::filesystem::copy_options::overwrite_existing);
    (void)in;
    progress(2, 2);
  };
  CreateRequest quant;
  quant.model = "q-small";
  quant.from = "q";
  quant.quantize = "q4_k_m";
  Recorder qrec;
  std::vector<Progress> progress_events;
  store.create(quant, opts, [&](const Progress& p) {
    qrec.statuses.push_back(p.status);
    progress_events.push_back(p);
  });
  CHECK(seen_target == "Q4_K_M");
  CHECK(std::find(qrec.statuses.begin(), qrec.statuses.end(), "quantizing F16 model to Q4_K_M") != qrec.statuses.end());
  CHECK(std::find(qrec.statuses.begin(), qrec.statuses.end(), "verifying conversion") != qrec.statuses.end());
  bool saw_counts = false;
  for (const Progress& p : progress_events)
    if (p.total == 2 && p.digest == "0000000000000000000") saw_counts = true;
  CHECK(saw_counts);
  ResolvedModel small = store.resolve("q-small");
  CHECK(small.config.file_type == "Q4_K_M");
  CHECK(sha256_file_hex(small.model_path) == sha256_file_hex(hearth::test::fixture_path("models/qwen2-bpe-tiny.q4_k_m.gguf")));
  CHECK(store.resolve("q").config.file_type == "F16");  // the source model is untouched

  CreateRequest requant;
  requant.model = "q-again";
  requant.from = "q-small";
  requant.quantize = "q8_0";
  CHECK_THROWS_WITH(store.create(requant, opts, {}), "quantization is only supported for F16, BF16 and F32 models");
}
