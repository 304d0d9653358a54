// Names (spec §6.3 and Ollama's types/model/name_test.go tables), digests (strict validation before
// any path is built), SHA-256 (FIPS 180-2 vectors) and the environment helper (spec §8).
#include <catch2/catch.hpp>

#include <map>

#include "engine/store/errors.h"
#include "engine/store/name.h"
#include "engine/store/sha256.h"
#include "engine/store/store.h"

using namespace hearth::store;

TEST_CASE("sha256 matches the FIPS 180-2 test vectors, in one piece and streamed", "[store][sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256_hex(two_blocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (std::size_t chunk : {1u, 3u, 55u, 63u, 64u, 65u, 1000u}) {
    Sha256 h;
    for (std::size_t i = 0; i < million.size(); i += chunk) h.update(std::string_view(million).substr(i, chunk));
    INFO("chunk " << chunk);
    CHECK(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

TEST_CASE("names normalise like Ollama: defaults, parts, display form, manifest path", "[store][names]") {
  struct Row {
    const char* in;
    const char* full;
    const char* display;
    const char* relpath;
  };
  // Spec §6.3 examples and the shapes of Ollama's TestParseNameParts / TestDisplayShortest.
  const Row rows[] = {
      {"llama3.2", "registry.ollama.ai/library/llama3.2:latest", "llama3.2:latest",
       "registry.ollama.ai/library/llama3.2/latest"},
      {"user/m", "registry.ollama.ai/user/m:latest", "user/m:latest", "registry.ollama.ai/user/m/latest"},
      {"localhost:5000/ns/m:q4", "localhost:5000/ns/m:q4", "localhost:5000/ns/m:q4", "localhost:5000/ns/m/q4"},
      {"registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K",
       "registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K", "dolphin-mistral:7b-v2.6-dpo-laser-q6_K",
       "registry.ollama.ai/library/dolphin-mistral/7b-v2.6-dpo-laser-q6_K"},
      {"scheme://host:port/namespace/model:tag", "host:port/namespace/model:tag", "host:port/namespace/model:tag",
       "host:port/namespace/model/tag"},
      {"host/namespace/model", "host/namespace/model:latest", "host/namespace/model:latest",
       "host/namespace/model/latest"},
      {"namespace/model", "registry.ollama.ai/namespace/model:latest", "namespace/model:latest",
       "registry.ollama.ai/namespace/model/latest"},
      {"h/nn/mm:t", "h/nn/mm:t", "h/nn/mm:t", "h/nn/mm/t"},
      {"registry.ollama.ai/library/model:tag", "registry.ollama.ai/library/model:tag", "model:tag",
       "registry.ollama.ai/library/model/tag"},
      {"host/library/model:tag", "host/library/model:tag", "host/library/model:tag", "host/library/model/tag"},
      {"REGISTRY.OLLAMA.AI/LIBRARY/Model:Tag", "REGISTRY.OLLAMA.AI/LIBRARY/Model:Tag", "Model:Tag",
       "REGISTRY.OLLAMA.AI/LIBRARY/Model/Tag"},
      {"_why/_the/_lucky:_stiff", "_why/_the/_lucky:_stiff", "_why/_the/_lucky:_stiff", "_why/_the/_lucky/_stiff"},
  };
  for (const Row& r : rows) {
    INFO(r.in);
    ModelName n = ModelName::parse(r.in);
    CHECK(n.full() == r.full);
    CHECK(n.display_shortest() == r.display);
    CHECK(n.manifest_relpath() == std::filesystem::path(r.relpath));
  }
  CHECK(ModelName::parse("scheme://host:port/namespace/model:tag").scheme == "scheme");
  CHECK(ModelName::parse("llama3").effective_scheme() == "https");
  CHECK(ModelName::parse("Llama3:Latest").equal_fold(ModelName::parse("llama3")));
  CHECK_FALSE(ModelName::parse("llama3:8b").equal_fold(ModelName::parse("llama3")));
}

TEST_CASE("name validity follows Ollama's table; invalid names are rejected", "[store][names]") {
  const std::string part80(80, '8'), part81(81, '8'), part350(350, '3'), part351(351, '3');
  // name -> valid (after filling defaults). From Ollama's name_test.go testCases where defaults do
  // not change the verdict, plus the length limits of spec §6.3.
  const std::map<std::string, bool> cases = {
      {"", false},
      {"h/n/m:t", true},
      {"host/namespace/model:tag", true},
      {part80 + "/" + part80 + "/" + part80 + ":" + part80, true},
      {part350 + "/" + part80 + "/" + part80 + ":" + part80, true},
      {part351 + "/" + part80 + "/" + part80 + ":" + part80, false},
      {part80 + "/" + part81 + "/" + part80 + ":" + part80, false},
      {part80 + "/" + part80 + "/" + part81 + ":" + part80, false},
      {part80 + "/" + part80 + "/" + part80 + ":" + part81, false},
      {"n/m:", false},
      {"@t", false},
      {"m@d", false},
      {"^", false},
      {"mm:", false},
      {"/nn/mm", false},
      {"//", false},
      {"//mm", false},
      {"hh//", false},
      {"//mm:@", false},
      {"00@", false},
      {"@", false},
      {"-hh/nn/mm:tt", false},
      {"hh/-nn/mm:tt", false},
      {"hh/nn/-mm:tt", false},
      {"hh/nn/mm:-tt", false},
      {"host:https/namespace/model:tag", true},
      {"host/name:space/model:tag", false},
      {"ns.dot/model", false},           // '.' is not allowed in a namespace
      {"a/b/c/d", false},                // four parts: the "host" would contain '/'
      {"../../etc/passwd", false},       // path traversal never parses
      {"model/..", false},
      {"..", false},
      {"model:../x", false},
      {"mo del", false},
      {"model:tag@sha256:abc", false},  // @digest references are not supported
  };
  for (const auto& [in, valid] : cases) {
    INFO("'" << in << "'");
    CHECK(ModelName::try_parse(in).has_value() == valid);
  }
  try {
    ModelName::parse("bad name");
    FAIL("expected InvalidNameError");
  } catch (const InvalidNameError& e) {
    CHECK(std::string(e.what()) == "invalid model name");
    CHECK(e.input() == "bad name");
    CHECK(e.kind() == ErrorKind::BadRequest);
  }
}

TEST_CASE("digests are validated strictly before a blob path exists", "[store][digest]") {
  const std::string hex = "dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff";
  CHECK(Digest::parse("sha256:" + hex).file_name() == "sha256-" + hex);
  CHECK(Digest::parse("sha256-" + hex).str() == "sha256:" + hex);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> rejected = {
      "",
      "sha256:",
      "sha256:" + hex.substr(1),           // 63 hex digits
      "sha256:" + hex + "0",               // 65
      "sha256:" + upper,                   // upper case
      "sha512:" + hex,                     // other algorithms
      "md5:" + hex.substr(0, 32),
      "sha256/" + hex,
      "sha256:../../../../etc/passwd",
      "sha256-../" + hex.substr(3),
      "sha256:" + hex.substr(0, 60) + "/../",
      " sha256:" + hex,
      "sha256:" + hex + "\n",
      "SHA256:" + hex,
  };
  for (const std::string& s : rejected) {
    INFO("'" << s << "'");
    CHECK_FALSE(Digest::try_parse(s).has_value());
    CHECK_THROWS_AS(Digest::parse(s), InvalidDigestError);
  }
  try {
    Digest::parse("sha256:../x");
  } catch (const InvalidDigestError& e) {
    CHECK(std::string(e.what()) == "invalid digest format");
  }
  // The blob routes accept Ollama's looser pattern (either case) and report the canonical form.
  auto r = Digest::parse_request("sha256:" + upper);
  CHECK(r.digest.hex() == hex);
  CHECK_FALSE(r.canonical);
  CHECK(Digest::parse_request("sha256:" + hex).canonical);
  CHECK_FALSE(Digest::parse_request("sha256-" + hex).canonical);
  CHECK_THROWS_AS(Digest::parse_request("sha256:" + hex.substr(2) + "zz"), InvalidDigestError);
  CHECK_THROWS_AS(Digest::parse_request("sha256:../" + hex.substr(3)), InvalidDigestError);
}

TEST_CASE("StoreConfig reads OLLAMA_MODELS and OLLAMA_NOPRUNE like Ollama's envconfig", "[store][env]") {
  std::map<std::string, std::string> env;
  auto getenv = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  env["HOME"] = "/home/u";
  StoreConfig c = StoreConfig::from_environment(getenv);
  CHECK(c.root == std::filesystem::path("/home/u/.ollama/models"));
  CHECK_FALSE(c.noprune);

  env["OLLAMA_MODELS"] = "  \"/data/models\"  ";  // trimmed of spaces and quotes
  CHECK(StoreConfig::from_environment(getenv).root == std::filesystem::path("/data/models"));

  const std::map<std::string, bool> bools = {{"1", true},     {"true", true},   {"TRUE", true}, {"t", true},
                                             {"0", false},    {"false", false}, {"F", false},   {"False", false},
                                             {"yes", true},   {"whatever", true}, {"", false},  {"'0'", false}};
  for (const auto& [value, expected] : bools) {
    INFO("OLLAMA_NOPRUNE='" << value << "'");
    env["OLLAMA_NOPRUNE"] = value;
    CHECK(StoreConfig::from_environment(getenv).noprune == expected);
  }
  env.clear();
  CHECK_THROWS_AS(StoreConfig::from_environment(getenv), StoreError);
}
