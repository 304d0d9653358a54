// A store laid out by hand exactly as Ollama writes one (manifest bytes, blob names, config
// blob), then listed, resolved, shown, copied and deleted through ModelStore. Every expected
// digest and size below was computed outside hearth (Python hashlib / sha256sum).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <utime.h>

#include "engine/store/sha256.h"
#include "engine/store/show.h"
#include "engine/store/store.h"
#include "store_test_util.h"

using namespace hearth::store;
using namespace hearth::store::test;
using hearth::Json;

namespace {

const std::string kTemplate =
    "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Tools "
    "}}tools: {{ .Tools }}{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>";
const std::string kSystem = "You are a helpful assistant.";
const std::string kParams =
    "{\"num_ctx\":4096,\"stop\":[\"<|start_header_id|>\",\"<|end_header_id|>\",\"<|eot_id|>\"],\"temperature\":0.6}\n";
const std::string kLicense1 = "LLAMA LICENSE\nline two";
const std::string kLicense2 = "second license";
const std::string kMessages =
    "[{\"role\":\"user\",\"content\":\"Is Toronto in Canada?\"},{\"role\":\"assistant\",\"content\":\"yes\"}]\n";
const std::string kConfig =
    "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"5.25M\","
    "\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
    "\"diff_ids\":[\"sha256:37d41d4eda669365cd660e88483f5024ca2d7dca03cf7d522cdda9ce92d03aed\"]}}\n";

const char* kTemplateHex = "d0923ffe5942c6ec1851904c1eabcaef7e231c4f08c5d0ac482ed34bd5e43e5e";
const char* kSystemHex = "75357d685f238b6afd7738be9786fdafde641eb6ca9a3be7471939715a68a4de";
const char* kParamsHex = "319fe0486090a14e30db458d01e64587b1275764f88831dc5bd2d532c71f0d41";
const char* kLicense1Hex = "ea8a269aad31f847643ab0ba47be94452cab490a9d3c329f19275415a5f959cf";
const char* kLicense2Hex = "86175a1a7335dbbfeb366fe0adf67dd4bb4db2c673a1f69d29b10cec7d0981a3";
const char* kMessagesHex = "b78966163464a5704f7f9dad9bf3c88820aaba6bee993d8b347036f27077e90f";
const char* kConfigHex = "16e41d1ecb1ebfcc2d06673420f30814b72e66db442143ec14dc713613f73618";

// As Ollama writes a locally created manifest: compact JSON + "\n".
const std::string kManifest1 =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{"
    "\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:"
    "16e41d1ecb1ebfcc2d06673420f30814b72e66db442143ec14dc713613f73618\",\"size\":266},\"layers\":[{\"mediaType\":"
    "\"application/vnd.ollama.image.model\",\"digest\":\"sha256:"
    "37d41d4eda669365cd660e88483f5024ca2d7dca03cf7d522cdda9ce92d03aed\",\"size\":3436864},{\"mediaType\":"
    "\"application/vnd.ollama.image.template\",\"digest\":\"sha256:"
    "d0923ffe5942c6ec1851904c1eabcaef7e231c4f08c5d0ac482ed34bd5e43e5e\",\"size\":207},{\"mediaType\":"
    "\"application/vnd.ollama.image.system\",\"digest\":\"sha256:"
    "75357d685f238b6afd7738be9786fdafde641eb6ca9a3be7471939715a68a4de\",\"size\":28},{\"mediaType\":"
    "\"application/vnd.ollama.image.license\",\"digest\":\"sha256:"
    "ea8a269aad31f847643ab0ba47be94452cab490a9d3c329f19275415a5f959cf\",\"size\":22},{\"mediaType\":"
    "\"application/vnd.ollama.image.license\",\"digest\":\"sha256:"
    "86175a1a7335dbbfeb366fe0adf67dd4bb4db2c673a1f69d29b10cec7d0981a3\",\"size\":14},{\"mediaType\":"
    "\"application/vnd.ollama.image.params\",\"digest\":\"sha256:"
    "319fe0486090a14e30db458d01e64587b1275764f88831dc5bd2d532c71f0d41\",\"size\":99},{\"mediaType\":"
    "\"application/vnd.ollama.image.messages\",\"digest\":\"sha256:"
    "b78966163464a5704f7f9dad9bf3c88820aaba6bee993d8b347036f27077e90f\",\"size\":89}]}\n";
const char* kManifest1Hex = "7cad38a80cf4ba9a6a1802b5d8ba1968d496ea2107cd1aaacc28a4224fb2dd3a";
constexpr int64_t kManifest1Size = 3437589;

// As a registry serves it (pretty-printed, no trailing newline), with a media type this version
// does not know; it shares the model, config and one license blob with the first model.
const std::string kManifest2 =
    "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n   "
    "\"config\": {\n      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n      \"digest\": "
    "\"sha256:16e41d1ecb1ebfcc2d06673420f30814b72e66db442143ec14dc713613f73618\",\n      \"size\": 266\n   },\n   "
    "\"layers\": [\n      {\n         \"mediaType\": \"application/vnd.ollama.image.model\",\n         \"digest\": "
    "\"sha256:37d41d4eda669365cd660e88483f5024ca2d7dca03cf7d522cdda9ce92d03aed\",\n         \"size\": 3436864\n      "
    "},\n      {\n         \"mediaType\": \"application/vnd.ollama.image.future\",\n         \"digest\": "
    "\"sha256:86175a1a7335dbbfeb366fe0adf67dd4bb4db2c673a1f69d29b10cec7d0981a3\",\n         \"size\": 14\n      }\n   "
    "]\n}";
const char* kManifest2Hex = "b1d46a208be2db0c0ab470e5be0353458450950d1e7af5c9a3a45314a4e22dde";
constexpr int64_t kManifest2Size = 3437144;

void set_mtime(const std::filesystem::path& p, time_t t) {
  utimbuf b{t, t};
  REQUIRE(::utime(p.c_str(), &b) == 0);
}

// Writes the two-model store. The weights blob is the shared fixture when present, otherwise a
// stand-in file under the same name (enough for tests that do not read GGUF).
void lay_out_ollama_store(const std::filesystem::path& root) {
  auto blob = [&](const std::string& hex, const std::string& bytes) { write_text(root / "blobs" / ("sha256-" + hex), bytes); };
  blob(kTemplateHex, kTemplate);
  blob(kSystemHex, kSystem);
  blob(kParamsHex, kParams);
  blob(kLicense1Hex, kLicense1);
  blob(kLicense2Hex, kLicense2);
  blob(kMessagesHex, kMessages);
  blob(kConfigHex, kConfig);
  std::filesystem::path model = root / "blobs" / (std::string("sha256-") + kTinyModelHex);
  if (hearth::test::have_fixtures()) {
    std::filesystem::copy_file(hearth::test::fixture_path(kTinyModel), model);
  } else {
    write_text(model, "not the real weights");
  }
  std::filesystem::path m1 = root / "manifests/registry.ollama.ai/library/llama-test/latest";
  std::filesystem::path m2 = root / "manifests/registry.ollama.ai/someone/Pulled-Model/q4";
  write_text(m1, kManifest1);
  write_text(m2, kManifest2);
  set_mtime(m1, 1700000000);
  set_mtime(m2, 1700000500);
}

}  // namespace

TEST_CASE("a hand-made Ollama store lists like /api/tags", "[store][layout]") {
  TempDir dir;
  lay_out_ollama_store(dir.path());
  ModelStore store(StoreConfig{dir.path(), false});
  std::vector<std::string> warnings;
  std::vector<ListedModel> models = store.list(&warnings);
  CHECK(warnings.empty());
  REQUIRE(models.size() == 2);
  // Newest manifest first.
  CHECK(models[0].name.display_shortest() == "someone/Pulled-Model:q4");
  CHECK(models[0].digest_hex == kManifest2Hex);
  CHECK(models[0].size == kManifest2Size);
  CHECK(models[1].name.display_shortest() == "llama-test:latest");
  CHECK(models[1].digest_hex == kManifest1Hex);
  CHECK(models[1].size == kManifest1Size);
  CHECK(std::chrono::system_clock::to_time_t(models[1].modified) == 1700000000);
  REQUIRE(models[1].config);
  CHECK(models[1].config->model_type == "5.25M");
  CHECK(models[1].config->file_type == "Q4_K_M");

  Json entry = tags_entry_json(models[1], nullptr, nullptr);
  CHECK(entry.get_string("name") == "llama-test:latest");
  CHECK(entry.get_string("model") == "llama-test:latest");
  CHECK(entry.get_string("digest") == kManifest1Hex);
  CHECK(entry.get_int("size") == kManifest1Size);
  const Json& details = entry.at("details");
  CHECK(details.dump() ==
        "{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"llama\",\"families\":[\"llama\"],"
        "\"parameter_size\":\"5.25M\",\"quantization_level\":\"Q4_K_M\"}");
}

TEST_CASE("resolving a hand-made store finds every layer; names ignore case", "[store][layout]") {
  TempDir dir;
  lay_out_ollama_store(dir.path());
  ModelStore store(StoreConfig{dir.path(), false});
  ResolvedModel r = store.resolve("llama-test");
  CHECK(r.name.full() == "registry.ollama.ai/library/llama-test:latest");
  CHECK(r.digest_hex == kManifest1Hex);
  CHECK(r.model_path == dir.path() / "blobs" / (std::string("sha256-") + kTinyModelHex));
  CHECK(r.template_text == kTemplate);
  CHECK(r.system == kSystem);
  CHECK(r.licenses == std::vector<std::string>{kLicense1, kLicense2});
  CHECK(r.params.dump() == "{\"num_ctx\":4096,\"stop\":[\"<|start_header_id|>\",\"<|end_header_id|>\",\"<|eot_id|>\"],"
                           "\"temperature\":0.6}");
  CHECK(r.messages.size() == 2);
  CHECK(r.config.model_family == "llama");
  CHECK(r.parent_model.empty());

  // Case-insensitive lookup keeps the spelling on disk.
  ResolvedModel p = store.resolve("SOMEONE/pulled-model:Q4");
  CHECK(p.name.display_shortest() == "someone/Pulled-Model:q4");
  CHECK(p.digest_hex == kManifest2Hex);
  CHECK_FALSE(p.template_text);  // no template layer: "{{ .Prompt }}" is in effect
  CHECK(effective_template(p) == "{{ .Prompt }}");
  CHECK(p.manifest.layers.at(1).media_type == "application/vnd.ollama.image.future");  // kept, ignored

  try {
    store.resolve("nope:7b");
    FAIL("resolved a missing model");
  } catch (const ModelNotFoundError& e) {
    CHECK(std::string(e.what()) == "model 'nope:7b' not found");
    CHECK(e.kind() == ErrorKind::NotFound);
  }
  CHECK_THROWS_AS(store.resolve("../../etc/passwd"), InvalidNameError);
}

TEST_CASE("show pieces of a hand-made store match Ollama's formats", "[store][layout][show]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  lay_out_ollama_store(dir.path());
  ModelStore store(StoreConfig{dir.path(), false});
  ResolvedModel r = store.resolve("llama-test:latest");
  auto weights = hearth::gguf::GgufFile::open(r.model_path);

  // `%-30s %#v` per value, stop once per element (spec §2.8), in the blob's key order.
  CHECK(parameters_text(r.params) ==
        "num_ctx                        4096\n"
        "stop                           \"<|start_header_id|>\"\n"
        "stop                           \"<|end_header_id|>\"\n"
        "stop                           \"<|eot_id|>\"\n"
        "temperature                    0.6");

  const std::string blob = (dir.path() / "blobs" / (std::string("sha256-") + kTinyModelHex)).string();
  CHECK(modelfile_text(r) ==
        "# Modelfile generated by \"ollama show\"\n"
        "# To build a new Modelfile based on this, replace FROM with:\n"
        "# FROM llama-test:latest\n\n"
        "FROM " + blob + "\n"
        "TEMPLATE \"" + kTemplate + "\"\n"
        "SYSTEM You are a helpful assistant.\n"
        "PARAMETER num_ctx 4096\n"
        "PARAMETER stop <|start_header_id|>\n"
        "PARAMETER stop <|end_header_id|>\n"
        "PARAMETER stop <|eot_id|>\n"
        "PARAMETER temperature 0.6\n"
        "LICENSE \"LLAMA LICENSE\nline two\"\n"
        "LICENSE second license\n"
        "MESSAGE user Is Toronto in Canada?\n"
        "MESSAGE assistant yes\n");

  Json show = show_response(r, &weights);
  std::vector<std::string> keys;
  for (const auto& [k, v] : show.as_object()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"license", "modelfile", "parameters", "template", "system", "details",
                                         "messages", "model_info", "tensors", "capabilities", "modified_at"});
  CHECK(show.get_string("license") == kLicense1 + "\n" + kLicense2);
  CHECK(show.get_string("template") == kTemplate);
  CHECK(show.at("details").dump() ==
        "{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"llama\",\"families\":[\"llama\"],"
        "\"parameter_size\":\"5.25M\",\"quantization_level\":\"Q4_K_M\"}");
  CHECK(show.at("capabilities").dump() == "[\"completion\",\"tools\"]");  // the template uses .Tools
  CHECK(show.at("messages").dump() ==
        "[{\"role\":\"user\",\"content\":\"Is Toronto in Canada?\"},{\"role\":\"assistant\",\"content\":\"yes\"}]");

  // model_info: sorted keys, no general.name / tokenizer.chat_template, computed parameter count,
  // float32 values at their shortest, large arrays null unless verbose.
  const Json& info = show.at("model_info");
  CHECK_FALSE(info.contains("general.name"));
  CHECK(info.get_string("general.architecture") == "llama");
  CHECK(info.get_int("general.parameter_count") == 5245184);
  CHECK(info.get_int("general.file_type") == 15);
  CHECK(info.get_int("llama.context_length") == 4096);
  CHECK(info.at("llama.attention.layer_norm_rms_epsilon").as_double() == 1e-05);
  CHECK(info.at("tokenizer.ggml.tokens").is_null());
  std::string previous;
  for (const auto& [k, v] : info.as_object()) {
    CHECK(previous < k);
    previous = k;
  }
  Json verbose = model_info_json(weights, true);
  CHECK(verbose.at("tokenizer.ggml.tokens").size() == 4096);
  CHECK(verbose.at("tokenizer.ggml.tokens").as_array()[1].as_string() == "<s>");
  CHECK(show.at("tensors").size() == 39);

  // Request overrides: system replaces, options join the Modelfile text only.
  ShowOptions opts;
  opts.system = "Be brief.";
  opts.options = Json::object({{"temperature", 0.2}, {"top_k", 20}});
  std::string mf = modelfile_text(r, opts);
  CHECK(mf.find("SYSTEM Be brief.\n") != std::string::npos);
  CHECK(mf.find("PARAMETER temperature 0.2\n") != std::string::npos);
  CHECK(mf.find("PARAMETER top_k 20\n") != std::string::npos);
}

TEST_CASE("copy duplicates the manifest bytes; delete prunes only unshared blobs", "[store][layout]") {
  TempDir dir;
  lay_out_ollama_store(dir.path());
  ModelStore store(StoreConfig{dir.path(), false});
  store.copy(ModelName::parse("llama-test"), ModelName::parse("backup/llama-copy:v1"));
  std::filesystem::path copy = dir.path() / "manifests/registry.ollama.ai/backup/llama-copy/v1";
  CHECK(read_text(copy) == kManifest1);
  CHECK(store.resolve("backup/llama-copy:v1").digest_hex == kManifest1Hex);
  CHECK_THROWS_AS(store.copy(ModelName::parse("missing"), ModelName::parse("x")), ModelNotFoundError);

  // The copy still references every blob: deleting the original removes nothing.
  std::vector<std::string> before = entries(dir.path() / "blobs");
  store.remove(ModelName::parse("llama-test"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "manifests/registry.ollama.ai/library"));  // empty dirs pruned
  CHECK(entries(dir.path() / "blobs") == before);

  // Deleting the copy removes the blobs only it used; the pulled model's blobs stay.
  store.remove(ModelName::parse("BACKUP/llama-copy:V1"));
  std::vector<std::string> after = entries(dir.path() / "blobs");
  std::vector<std::string> expected = {std::string("sha256-") + kConfigHex, std::string("sha256-") + kTinyModelHex,
                                       std::string("sha256-") + kLicense2Hex};
  std::sort(expected.begin(), expected.end());
  CHECK(after == expected);
  CHECK_THROWS_AS(store.remove(ModelName::parse("llama-test")), ModelNotFoundError);
  CHECK(std::filesystem::is_directory(dir.path() / "manifests"));
}

TEST_CASE("delete honours OLLAMA_NOPRUNE", "[store][layout]") {
  TempDir dir;
  lay_out_ollama_store(dir.path());
  std::vector<std::string> before = entries(dir.path() / "blobs");
  ModelStore store(StoreConfig{dir.path(), true});
  store.remove(ModelName::parse("llama-test"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "manifests/registry.ollama.ai/library/llama-test/latest"));
  CHECK(entries(dir.path() / "blobs") == before);
  CHECK(store.prune_blobs({Digest::from_hex(kSystemHex)}).empty());
}

TEST_CASE("a damaged manifest blocks pruning instead of losing blobs", "[store][layout]") {
  TempDir dir;
  lay_out_ollama_store(dir.path());
  // A third manifest that only names the system blob, then gets truncated.
  write_text(dir.path() / "manifests/registry.ollama.ai/library/broken/latest",
             std::string("{\"layers\":[{\"digest\":\"sha256:") + kSystemHex + "\"");
  ModelStore store(StoreConfig{dir.path(), false});
  std::vector<std::string> warnings;
  CHECK(store.list(&warnings).size() == 2);
  CHECK(warnings.size() == 1);
  store.remove(ModelName::parse("llama-test"));
  // The system blob is still mentioned by the damaged manifest, so it stays.
  CHECK(std::filesystem::exists(dir.path() / "blobs" / (std::string("sha256-") + kSystemHex)));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "blobs" / (std::string("sha256-") + kTemplateHex)));
  StartupReport report = store.startup_cleanup();
  CHECK_FALSE(report.pruned);
  CHECK(std::filesystem::exists(dir.path() / "blobs" / (std::string("sha256-") + kSystemHex)));
}

TEST_CASE("startup cleanup removes temp files and stale blobs, renames colon names", "[store][layout]") {
  TempDir dir;
  lay_out_ollama_store(dir.path());
  const std::filesystem::path blobs = dir.path() / "blobs";
  const std::string orphan_old = "0000000000000000000000000000000000000000000000000000000000000001";
  const std::string orphan_new = "0000000000000000000000000000000000000000000000000000000000000002";
  const std::string colon = "0000000000000000000000000000000000000000000000000000000000000003";
  write_text(blobs / ".hearth-tmp-abc123", "interrupted upload");
  write_text(dir.path() / "manifests" / ".hearth-tmp-def456", "interrupted manifest");
  write_text(blobs / ("sha256-" + orphan_old), "old");
  set_mtime(blobs / ("sha256-" + orphan_old), ::time(nullptr) - 7200);
  write_text(blobs / ("sha256-" + orphan_new), "new");
  write_text(blobs / ("sha256:" + colon), "colon");
  write_text(blobs / ("sha256-" + orphan_new + "-partial"), "partial download");

  SECTION("with pruning") {
    ModelStore store(StoreConfig{dir.path(), false});
    StartupReport r = store.startup_cleanup();
    CHECK(r.pruned);
    CHECK(r.temp_files_removed == 2);
    CHECK(r.blobs_renamed == 1);
    CHECK(r.invalid_blobs_removed == 1);
    CHECK(r.unreferenced_blobs_removed == 1);
    CHECK_FALSE(std::filesystem::exists(blobs / ("sha256-" + orphan_old)));
    CHECK(std::filesystem::exists(blobs / ("sha256-" + orphan_new)));  // younger than the grace period
    CHECK(std::filesystem::exists(blobs / ("sha256-" + colon)));       // renamed, young
    CHECK(store.list().size() == 2);
    CHECK(store.resolve("llama-test").system == kSystem);
  }
  SECTION("with OLLAMA_NOPRUNE only temp files go and names are fixed") {
    ModelStore store(StoreConfig{dir.path(), true});
    StartupReport r = store.startup_cleanup();
    CHECK_FALSE(r.pruned);
    CHECK(r.temp_files_removed == 2);
    CHECK(r.blobs_renamed == 1);
    CHECK(std::filesystem::exists(blobs / ("sha256-" + orphan_old)));
    CHECK(std::filesystem::exists(blobs / ("sha256-" + orphan_new + "-partial")));
  }
}
