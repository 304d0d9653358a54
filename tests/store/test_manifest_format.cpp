// Byte formats: Go's encoding/json and fmt renderings (documented Go behaviour), manifests and
// config blobs in the exact form of spec §6.2.
#include <catch2/catch.hpp>

#include "engine/store/errors.h"
#include "engine/store/go_format.h"
#include "engine/store/manifest.h"

using namespace hearth::store;
using hearth::Json;

TEST_CASE("go_json escapes and formats numbers like encoding/json", "[store][goformat]") {
  // Go escapes <, > and & (HTML-safe), U+2028/U+2029, uses \b \f \n \r \t short forms (Go ≥ 1.22)
  // and \u00XX for other controls, and replaces invalid UTF-8 with \ufffd.
  CHECK(go_json(Json("<|eot_id|>")) == "\"\\u003c|eot_id|\\u003e\"");
  CHECK(go_json(Json("a&b")) == "\"a\\u0026b\"");
  CHECK(go_json(Json("line\u2028sep\u2029")) == "\"line\\u2028sep\\u2029\"");
  CHECK(go_json(Json("\b\f\n\r\t\x01\x1f")) == "\"\\b\\f\\n\\r\\t\\u0001\\u001f\"");
  CHECK(go_json(Json(std::string("bad\xff"))) == "\"bad\\ufffd\"");
  CHECK(go_json(Json("quote\" back\\ é 👋")) == "\"quote\\\" back\\\\ é 👋\"");
  // Floats: 'f' format unless |v| < 1e-6 or ≥ 1e21, then 'e' with e-07 cleaned to e-7.
  CHECK(go_json_float(0.7) == "0.7");
  CHECK(go_json_float(1.0) == "1");
  CHECK(go_json_float(-0.5) == "-0.5");
  CHECK(go_json_float(1e20) == "100000000000000000000");
  CHECK(go_json_float(1e21) == "1e+21");
  CHECK(go_json_float(1e-6) == "0.000001");
  CHECK(go_json_float(1e-7) == "1e-7");
  CHECK(go_json_float(1.5e-10) == "1.5e-10");
  CHECK(go_json_float(123456789.0) == "123456789");
  CHECK(go_json_float(5e-324) == "5e-324");
  CHECK(go_json_float(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(go_json(Json::object({{"b", 1}, {"a", Json::array({true, nullptr, 2.5})}})) == "{\"b\":1,\"a\":[true,null,2.5]}");
  CHECK(go_json(sorted_object(Json::object({{"temperature", 0.6}, {"stop", Json::array({"x"})}, {"num_ctx", 4096}}))) ==
        "{\"num_ctx\":4096,\"stop\":[\"x\"],\"temperature\":0.6}");
}

TEST_CASE("go_format_v / go_format_sharp_v / go_quote follow fmt and strconv", "[store][goformat]") {
  // %v of a float64 is strconv 'g' shortest: exponent form below 1e-4 and from 1e6 up.
  CHECK(go_format_float_g(4096) == "4096");
  CHECK(go_format_float_g(123456) == "123456");
  CHECK(go_format_float_g(1e6) == "1e+06");
  CHECK(go_format_float_g(1234567) == "1.234567e+06");
  CHECK(go_format_float_g(0.7) == "0.7");
  CHECK(go_format_float_g(0.0001) == "0.0001");
  CHECK(go_format_float_g(0.00001) == "1e-05");
  CHECK(go_format_float_g(-2.5) == "-2.5");
  CHECK(go_format_v(Json(40)) == "40");  // JSON numbers decode to float64 in Go
  CHECK(go_format_v(Json(true)) == "true");
  CHECK(go_format_v(Json("<|eot_id|>")) == "<|eot_id|>");
  CHECK(go_format_v(Json()) == "<nil>");
  CHECK(go_format_sharp_v(Json("<|eot_id|>")) == "\"<|eot_id|>\"");
  CHECK(go_format_sharp_v(Json(0.7)) == "0.7");
  CHECK(go_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(go_quote("\n\t\a\v") == "\"\\n\\t\\a\\v\"");
  CHECK(go_quote("\x01\x7f") == "\"\\x01\\x7f\"");
  CHECK(go_quote("é👋") == "\"é👋\"");
  CHECK(go_quote("\u00a0\u200b") == "\"\\u00a0\\u200b\"");
  CHECK(go_quote(std::string("\xff")) == "\"\\xff\"");
  CHECK(float32_as_shortest_double(1e-5f) == 1e-05);
  CHECK(float32_as_shortest_double(0.7f) == 0.7);
}

namespace {
const std::string kConfigHex = "34bb5ab01051a11372a186f4ad7aacb0dea8ff497dce1c6d0d0a1d7f0a7d7d8b";
const std::string kModelHex = "dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff";
const std::string kTemplateHex = "966de95ca8a62200913e3f8bfbf84c8494536f1b94b49166851e76644e966396";
const std::string kLicenseHex = "fcc5a6bec9daf9b561a68827b67ab6088e1dba9d1fa2a50d7bbcc8384e0a265d";
const std::string kParamsHex = "56bb8bd477a519ffa694fc449c2413c6f0e1d3b1c88fa7e3c9d88d3ae49d4dcb";
}  // namespace

TEST_CASE("a manifest in Ollama's layout parses and re-serialises byte for byte", "[store][manifest]") {
  // Spec §6.2, with full digests: compact JSON plus "\n" is what Ollama writes for local models.
  const std::string text =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
      "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:" + kConfigHex +
      "\",\"size\":561},"
      "\"layers\":["
      "{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:" + kModelHex + "\",\"size\":2019377376},"
      "{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"sha256:" + kTemplateHex + "\",\"size\":1429},"
      "{\"mediaType\":\"application/vnd.ollama.image.license\",\"digest\":\"sha256:" + kLicenseHex + "\",\"size\":7711},"
      "{\"mediaType\":\"application/vnd.ollama.image.params\",\"digest\":\"sha256:" + kParamsHex + "\",\"size\":96}]}\n";
  Manifest m = Manifest::parse(text, "test");
  REQUIRE(m.config);
  CHECK(m.schema_version == 2);
  CHECK(m.config->media_type == media_type::kConfig);
  CHECK(m.config->size == 561);
  REQUIRE(m.layers.size() == 4);
  CHECK(m.layers[0].media_type == media_type::kModel);
  CHECK(m.layers[0].digest.hex() == kModelHex);
  CHECK(m.layers[0].size == 2019377376);
  CHECK(m.total_size() == 561 + 2019377376 + 1429 + 7711 + 96);
  CHECK(m.find_layer(media_type::kParams)->digest.hex() == kParamsHex);
  CHECK(m.serialize() == text);
  CHECK(m.referenced_digests().size() == 5);

  // `from` and `name` are written only when present, after size.
  m.layers[0].from = "llama3.2:latest";
  CHECK(m.serialize().find("\"size\":2019377376,\"from\":\"llama3.2:latest\"}") != std::string::npos);
}

TEST_CASE("manifests with bad digests, types or JSON are refused with the file named", "[store][manifest]") {
  const std::string head = "{\"schemaVersion\":2,\"mediaType\":\"x\",\"config\":{\"mediaType\":\"c\",\"digest\":\"sha256:" +
                           kConfigHex + "\",\"size\":1},\"layers\":[{\"mediaType\":\"m\",\"digest\":\"";
  for (const std::string& bad_digest : {std::string("sha256:../../../etc/passwd"), std::string("sha256:ABC"),
                                        "sha512:" + kModelHex, std::string("")}) {
    INFO(bad_digest);
    try {
      Manifest::parse(head + bad_digest + "\",\"size\":1}]}", "/models/manifests/x");
      FAIL("accepted " << bad_digest);
    } catch (const ManifestError& e) {
      CHECK(std::string(e.what()).find("/models/manifests/x") != std::string::npos);
    }
  }
  CHECK_THROWS_AS(Manifest::parse("{\"layers\":[{\"digest\":\"sha256:" + kModelHex + "\",\"size\":\"big\"}]}", "f"),
                  ManifestError);
  CHECK_THROWS_AS(Manifest::parse("{\"layers\":[{\"digest\":\"sha256:" + kModelHex + "\",\"size\":-1}]}", "f"),
                  ManifestError);
  CHECK_THROWS_AS(Manifest::parse("[1,2]", "f"), ManifestError);
  CHECK_THROWS_AS(Manifest::parse("{\"schemaVersion\":2", "f"), ManifestError);
  // Unknown media types and keys are kept / ignored.
  Manifest m = Manifest::parse("{\"schemaVersion\":2,\"extra\":true,\"layers\":[{\"mediaType\":\"application/x-new\","
                               "\"digest\":\"sha256:" + kModelHex + "\",\"size\":3,\"annotations\":{}}]}",
                               "f");
  CHECK(m.layers.at(0).media_type == "application/x-new");
  CHECK_FALSE(m.config);
}

TEST_CASE("config blobs serialise in ConfigV2 field order", "[store][manifest]") {
  ModelConfig c = ModelConfig::for_new_model();
  c.model_format = "gguf";
  c.model_family = "llama";
  c.model_families = std::vector<std::string>{"llama"};
  c.model_type = "3.2B";
  c.file_type = "Q4_K_M";
  // Spec §6.2's config plus the rootfs Ollama's create writes (type "layers", no diff_ids).
  CHECK(c.serialize() ==
        "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"3.2B\","
        "\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\","
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}\n");
  c.renderer = "r";
  c.requires_version = "0.9.0";
  c.capabilities = {"completion"};
  c.context_length = 8192;
  c.base_name = "base";
  std::string s = c.serialize();
  CHECK(s.find("\"file_type\":\"Q4_K_M\",\"renderer\":\"r\",\"requires\":\"0.9.0\",\"capabilities\":[\"completion\"],"
               "\"context_length\":8192,\"base_name\":\"base\",\"architecture\"") != std::string::npos);
  ModelConfig back = ModelConfig::parse(s, "c");
  CHECK(back.serialize() == s);
  // A registry config with diff_ids and unknown keys.
  ModelConfig pulled = ModelConfig::parse(
      "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":null,\"model_type\":\"8B\","
      "\"file_type\":\"Q4_0\",\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
      "\"diff_ids\":[\"sha256:" + kModelHex + "\"]},\"unknown\":1}",
      "c");
  CHECK_FALSE(pulled.model_families);
  REQUIRE(pulled.rootfs.diff_ids);
  CHECK(pulled.rootfs.diff_ids->size() == 1);
  CHECK(pulled.model_type == "8B");
}
