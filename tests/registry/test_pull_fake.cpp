// Pulling from a scripted registry: the progress sequence, parts in parallel, resumption,
// shared downloads, pruning, auth, and registries that ignore Range.
#include <catch2/catch.hpp>
#include <thread>

#include "engine/registry/cleanup.h"
#include "engine/registry/part_state.h"
#include "engine/registry/puller.h"
#include "registry/fake_registry.h"
#include "registry/registry_test_util.h"

using namespace hearth;
using namespace hearth::registry;
using namespace hearth::registry::test;

namespace {

std::string pattern_bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

struct Model {
  std::string weights, config, manifest;
};

Model make_model(std::size_t size, unsigned seed) {
  Model m{pattern_bytes(size, seed), R"({"model_format":"gguf","model_family":"llama","architecture":"amd64","os":"linux"})"};
  m.manifest = make_manifest(m.weights, m.config);
  return m;
}

void serve(FakeRegistry& reg, const Model& m, const std::string& repo = "library/tiny:latest") {
  reg.add_blob(m.weights);
  reg.add_blob(m.config);
  reg.add_manifest(repo, m.manifest);
}

}  // namespace

TEST_CASE("pull: progress sequence, verbatim manifest, verified blobs, parallel ranged parts", "[pull]") {
  FakeRegistry reg;
  Model m = make_model(1'000'003, 1);
  serve(reg, m);
  TempStore store;
  RegistryConfig cfg = fast_registry_config();
  cfg.tuning.min_part_size = 100'000;  // 11 parts
  Puller puller(*store, cfg);
  ProgressLog log;
  puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());

  std::string d12 = store::sha256_hex(m.weights).substr(0, 12);
  std::string c12 = store::sha256_hex(m.config).substr(0, 12);
  CHECK(log.statuses() == std::vector<std::string>{"pulling manifest", "pulling " + d12, "pulling " + c12,
                                                   "verifying sha256 digest", "writing manifest", "success"});
  // Layer lines carry digest and total; the last one for the weights reports completion.
  Json last_weights;
  for (const Json& j : log.lines)
    if (j.get_string("status") == "pulling " + d12) last_weights = j;
  CHECK(last_weights.get_string("digest") == digest_of(m.weights));
  CHECK(last_weights.get_int("total") == 1'000'003);
  CHECK(last_weights.get_int("completed") == 1'000'003);
  CHECK(log.lines.front().dump() == R"({"status":"pulling manifest"})");

  auto name = store::ModelName::parse(reg.host() + "/library/tiny");
  CHECK(read_bytes(store->manifests_dir() / name.manifest_relpath()) == m.manifest);
  CHECK(read_bytes(store->blob_path(store::Digest::parse(digest_of(m.weights)))) == m.weights);
  CHECK(read_bytes(store->blob_path(store::Digest::parse(digest_of(m.config)))) == m.config);
  CHECK(store->resolve(name).model_path == store->blob_path(store::Digest::parse(digest_of(m.weights))));
  CHECK(reg.count_requests("/blobs/" + digest_of(m.weights)) == 11);
  for (const auto& r : reg.server().requests())
    if (r.target.find(digest_of(m.weights)) != std::string::npos) CHECK(r.header("range").rfind("bytes=", 0) == 0);
  // Nothing but the manifest and the two blobs remains (no partials, no temp files).
  CHECK(store.all_files().size() == 3);

  SECTION("a second pull finds everything cached: one line per blob with completed = total") {
    ProgressLog again;
    puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, again.fn());
    CHECK(reg.count_requests("/blobs/" + digest_of(m.weights)) == 11);
    int weight_lines = 0;
    for (const Json& j : again.lines)
      if (j.get_string("status") == "pulling " + d12) {
        ++weight_lines;
        CHECK(j.get_int("completed") == j.get_int("total"));
      }
    CHECK(weight_lines == 1);
  }
}

TEST_CASE("pull: unknown model and invalid names fail with Ollama's messages", "[pull]") {
  FakeRegistry reg;
  TempStore store;
  Puller puller(*store, fast_registry_config());
  ProgressLog log;
  try {
    puller.pull(reg.host() + "/library/nothere", PullOptions{.insecure = true}, log.fn());
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(std::string(e.what()) == "pull model manifest: file does not exist");
    CHECK(e.kind() == RegistryErrorKind::NotFound);
  }
  CHECK_THROWS_AS(puller.pull("bad name!", PullOptions{}, log.fn()), store::InvalidNameError);
  CHECK_THROWS_WITH(puller.pull("http://" + reg.host() + "/library/x", PullOptions{}, log.fn()),
                    "plain HTTP registries need insecure (--insecure)");
}

TEST_CASE("pull: a new version of a tag prunes the old blobs unless OLLAMA_NOPRUNE", "[pull]") {
  for (bool noprune : {false, true}) {
    FakeRegistry reg;
    Model v1 = make_model(5000, 2), v2 = make_model(6000, 3);
    serve(reg, v1);
    TempStore store(noprune);
    Puller puller(*store, fast_registry_config());
    ProgressLog log1, log2;
    puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log1.fn());
    serve(reg, v2);
    puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log2.fn());
    auto st = log2.statuses();
    bool removing = std::find(st.begin(), st.end(), "removing unused layers") != st.end();
    CHECK(removing == !noprune);
    CHECK(store->blob_exists(store::Digest::parse(digest_of(v1.weights))) == noprune);
    CHECK(store->blob_exists(store::Digest::parse(digest_of(v2.weights))));
  }
}

TEST_CASE("pull: two concurrent pulls of one model share one download", "[pull]") {
  FakeRegistry reg;
  Model m = make_model(400'000, 4);
  serve(reg, m);
  reg.set_blob_rate(1'000'000);  // ~0.4 s, so the pulls overlap
  TempStore store;
  Puller puller(*store, fast_registry_config());
  ProgressLog a, b;
  std::exception_ptr ea, eb;
  std::thread ta([&] {
    try {
      puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, a.fn());
    } catch (...) {
      ea = std::current_exception();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread tb([&] {
    try {
      puller.pull(reg.host() + "/library/tiny:latest", PullOptions{.insecure = true}, b.fn());
    } catch (...) {
      eb = std::current_exception();
    }
  });
  ta.join();
  tb.join();
  CHECK_FALSE(ea);
  CHECK_FALSE(eb);
  CHECK(reg.count_requests("/blobs/" + digest_of(m.weights)) == 1);
  CHECK(a.statuses().back() == "success");
  CHECK(b.statuses().back() == "success");
  CHECK(read_bytes(store->blob_path(store::Digest::parse(digest_of(m.weights)))) == m.weights);
}

TEST_CASE("pull: cancelled half way, the next pull resumes from the saved parts", "[pull][resume]") {
  FakeRegistry reg;
  Model m = make_model(2'000'000, 5);
  serve(reg, m);
  reg.set_blob_rate(4'000'000);
  TempStore store;
  RegistryConfig cfg = fast_registry_config();
  cfg.tuning.min_part_size = 2'000'000;  // one part: resumption happens inside it
  const std::string w12 = store::sha256_hex(m.weights).substr(0, 12);
  {
    Puller puller(*store, cfg);
    std::atomic<bool> cancel{false};
    auto progress = [&](const Json& j) {
      if (j.get_string("status") == "pulling " + w12 && j.get_int("completed") >= 1'000'000) cancel = true;
    };
    CHECK_THROWS_AS(puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, progress,
                                [&] { return cancel.load(); }),
                    CancelledError);
  }
  auto digest = store::Digest::parse(digest_of(m.weights));
  CHECK(store.final_blobs().empty());  // nothing unverified under a final name
  auto parts = load_part_states(store->blobs_dir(), digest, m.weights.size());
  REQUIRE(parts);
  uint64_t saved = (*parts)[0].completed;
  CHECK(saved >= 900'000);
  CHECK(saved < 2'000'000);

  // A server restart's startup hygiene — with pruning on, the default — keeps a resumable
  // download and removes junk (a state file without data); a plain non-digest file goes too.
  store::StoreConfig pruning{store->root(), false};
  store::ModelStore restarted(pruning);
  std::ofstream(store->blobs_dir() / ("sha256-" + std::string(64, 'a') + "-partial-0")) << "{}";
  std::ofstream(store->blobs_dir() / "stray-file") << "x";
  auto report = registry::startup_cleanup(restarted);
  CHECK(report.store.pruned);
  CHECK(report.store.invalid_blobs_removed == 1);
  CHECK(report.partials.resumable_kept == 1);
  CHECK(report.partials.files_removed == 1);

  uint64_t before = reg.server().bytes_sent();
  Puller puller(*store, cfg);
  ProgressLog log;
  puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());
  uint64_t transferred = reg.server().bytes_sent() - before;
  CHECK(transferred < m.weights.size() * 6 / 10);
  CHECK(read_bytes(store->blob_path(digest)) == m.weights);
  auto last_range = reg.server().requests().back();
  bool resumed_with_range = false;
  for (const auto& r : reg.server().requests())
    if (r.header("range") == "bytes=" + std::to_string(saved) + "-" + std::to_string(m.weights.size() - 1))
      resumed_with_range = true;
  CHECK(resumed_with_range);
}

TEST_CASE("pull: a registry that ignores Range (200) or answers 416 is handled by starting over", "[pull]") {
  for (bool use_416 : {false, true}) {
    FakeRegistry reg;
    Model m = make_model(300'000, 6);
    serve(reg, m);
    if (use_416) {
      reg.set_override([&](const RecordedRequest& r) -> std::optional<RawReply> {
        if (r.target.find(digest_of(m.weights)) != std::string::npos && !r.header("range").empty())
          return RawReply{http_reply(416, {}, "")};
        return std::nullopt;
      });
    } else {
      reg.set_ignore_range(true);
    }
    TempStore store;
    RegistryConfig cfg = fast_registry_config();
    cfg.tuning.min_part_size = 100'000;
    Puller puller(*store, cfg);
    ProgressLog log;
    puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());
    CHECK(read_bytes(store->blob_path(store::Digest::parse(digest_of(m.weights)))) == m.weights);
    bool plain_get = false;
    for (const auto& r : reg.server().requests())
      if (r.target.find(digest_of(m.weights)) != std::string::npos && r.header("range").empty()) plain_get = true;
    CHECK(plain_get);
  }
}

TEST_CASE("pull: bearer auth; the token goes only to the registry, never to blob storage", "[pull][auth]") {
  Model m = make_model(50'000, 7);
  ScriptedServer cdn(
      [&](const RecordedRequest& r) -> RawReply {
        if (r.target.find("weights") != std::string::npos) return {http_reply(200, {}, m.weights)};
        return {http_reply(200, {}, m.config)};
      },
      "127.0.0.2");
  FakeRegistry reg;
  serve(reg, m);
  reg.set_override([&](const RecordedRequest& r) -> std::optional<RawReply> {
    if (r.target.rfind("/token", 0) == 0) return RawReply{http_reply(200, {}, R"({"token":"tok-123"})")};
    if (r.header("authorization") != "Bearer tok-123")
      return RawReply{http_reply(401, {{"WWW-Authenticate", "Bearer realm=\"http://" + reg.host() +
                                                                "/token\",service=\"fake\",scope=\"repository:library/tiny:pull\""}},
                                 R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})")};
    if (r.target.find("/blobs/") != std::string::npos)
      return RawReply{http_reply(307, {{"Location", "http://" + cdn.authority() +
                                                        (r.target.find(digest_of(m.weights)) != std::string::npos ? "/weights" : "/config") +
                                                        "?X-Signature=abc"}},
                                 "")};
    return std::nullopt;
  });
  TempStore store;
  RegistryConfig cfg = fast_registry_config();
  cfg.key_path.clear();
  Puller puller(*store, cfg);
  ProgressLog log;
  puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());
  CHECK(read_bytes(store->blob_path(store::Digest::parse(digest_of(m.weights)))) == m.weights);
  REQUIRE(reg.count_requests("/token") >= 1);
  for (const auto& r : reg.server().requests())
    if (r.target.rfind("/token", 0) == 0) {
      CHECK(r.target.find("service=fake") != std::string::npos);
      CHECK(r.target.find("scope=repository%3Alibrary%2Ftiny%3Apull") != std::string::npos);
      CHECK(r.header("authorization").empty());  // no key configured: anonymous token request
    }
  REQUIRE_FALSE(cdn.requests().empty());
  for (const auto& r : cdn.requests()) CHECK(r.header("authorization").empty());
}

TEST_CASE("pull: an auth realm on another host is refused unless allowed", "[pull][auth][hostile]") {
  ScriptedServer evil_realm([](const RecordedRequest&) -> RawReply { return {http_reply(200, {}, R"({"token":"t"})")}; },
                            "127.0.0.2");
  FakeRegistry reg;
  Model m = make_model(1000, 8);
  serve(reg, m);
  reg.set_override([&](const RecordedRequest& r) -> std::optional<RawReply> {
    if (r.header("authorization") == "Bearer t") return std::nullopt;
    return RawReply{http_reply(401, {{"WWW-Authenticate", "Bearer realm=\"http://" + evil_realm.authority() +
                                                              "/token\",service=\"x\",scope=\"repository:library/tiny:pull\""}},
                               "")};
  });
  TempStore store;
  {
    Puller puller(*store, fast_registry_config());
    ProgressLog log;
    CHECK_THROWS_WITH(puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn()),
                      Catch::Contains("refusing to request a token from " + evil_realm.authority()));
    CHECK(evil_realm.requests().empty());
  }
  RegistryConfig allowed = fast_registry_config();
  allowed.auth_realm_hosts.push_back(evil_realm.authority());
  Puller puller(*store, allowed);
  ProgressLog log;
  puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());
  CHECK(evil_realm.requests().size() >= 1);  // one token per session (manifest, each blob)
}
