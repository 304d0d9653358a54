// Hostile and broken registries: every case ends in a clear error, touches nothing outside the
// store, and leaves no unverified bytes under a final blob name.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "engine/registry/puller.h"
#include "registry/fake_registry.h"
#include "registry/registry_test_util.h"

using namespace hearth;
using namespace hearth::registry;
using namespace hearth::registry::test;

namespace {

const std::string kConfig = R"({"model_format":"gguf"})";

// Pulls and returns the error text; checks the invariants every failed pull must keep.
std::string failed_pull(FakeRegistry& reg, TempStore& store, RegistryConfig cfg = fast_registry_config()) {
  std::vector<std::string> before = store.all_files();
  std::string error = "(no error)";
  {
    Puller puller(*store, cfg);
    ProgressLog log;
    try {
      puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  // No manifest was written, and no final blob name holds bytes that do not hash to it.
  CHECK_FALSE(std::filesystem::exists(store->manifests_dir() / reg.host()));
  for (const std::string& name : store.final_blobs())
    CHECK("sha256-" + store::sha256_hex(read_bytes(store->blobs_dir() / name)) == name);
  // Nothing appeared outside the store's two directories.
  for (const std::string& f : store.all_files()) {
    INFO(f);
    CHECK((f.rfind("models/blobs/", 0) == 0 || f.rfind("models/manifests/", 0) == 0));
  }
  (void)before;
  return error;
}

}  // namespace

TEST_CASE("hostile: a blob whose bytes do not match its digest", "[hostile]") {
  FakeRegistry reg;
  std::string weights(10'000, 'w');
  reg.add_blob_as(digest_of(weights), std::string(10'000, 'X'));  // same size, other bytes
  reg.add_blob(kConfig);
  reg.add_manifest("library/tiny:latest", make_manifest(weights, kConfig));
  TempStore store;
  std::string e = failed_pull(reg, store);
  CHECK(e == "digest mismatch, file must be downloaded again: want " + digest_of(weights) + ", got " +
                 digest_of(std::string(10'000, 'X')));
  CHECK(store.final_blobs().empty());
  // The mismatching download is discarded, so the next pull fetches it again.
  for (const std::string& f : store.all_files()) CHECK(f.find(store::sha256_hex(weights)) == std::string::npos);
}

TEST_CASE("hostile: truncated and over-long blob bodies", "[hostile]") {
  std::string weights(20'000, 'w');
  for (bool longer : {false, true}) {
    FakeRegistry reg;
    reg.add_blob(weights);
    reg.add_blob(kConfig);
    reg.add_manifest("library/tiny:latest", make_manifest(weights, kConfig));
    reg.set_override([&](const RecordedRequest& r) -> std::optional<RawReply> {
      if (r.target.find(digest_of(weights)) == std::string::npos) return std::nullopt;
      std::string head = "HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-19999/20000\r\nContent-Length: 20000\r\n\r\n";
      return RawReply{head + (longer ? weights + "EXTRA BYTES" : weights.substr(0, 5000))};
    });
    TempStore store;
    RegistryConfig no_retry = fast_registry_config();
    no_retry.tuning.part_retries = 0;  // the first failure is the one reported
    std::string e = failed_pull(reg, store, no_retry);
    CHECK_THAT(e, Catch::Contains(longer ? "longer than its Content-Length" : "truncated"));
    CHECK(store.final_blobs().empty());
  }
}

TEST_CASE("hostile: a 200 answer claiming more bytes than the blob has", "[hostile]") {
  std::string weights(20'000, 'w');
  FakeRegistry reg;
  reg.add_blob_as(digest_of(weights), weights + std::string(5000, 'p'));
  reg.add_blob(kConfig);
  reg.add_manifest("library/tiny:latest", make_manifest(weights, kConfig));
  reg.set_ignore_range(true);
  TempStore store;
  CHECK_THAT(failed_pull(reg, store), Catch::Contains("sent more than the 20000 bytes requested"));
}

TEST_CASE("hostile: digests with ../ or the wrong length in the manifest", "[hostile]") {
  for (std::string bad : std::vector<std::string>{"sha256:../../../../etc/passwd", "sha256:" + std::string(63, 'a'),
                          "sha256:" + std::string(64, 'A'), "sha256:" + std::string(62, 'a') + "/.",
                          "md5:" + std::string(32, 'a')}) {
    INFO(bad);
    FakeRegistry reg;
    reg.add_manifest("library/tiny:latest",
                     R"({"schemaVersion":2,"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":")" + bad +
                         R"(","size":5}]})");
    TempStore store;
    CHECK_THAT(failed_pull(reg, store), Catch::StartsWith("pull model manifest: invalid manifest"));
    CHECK(reg.count_requests("/blobs/") == 0);
  }
}

TEST_CASE("hostile: 10,000 layers, absurd sizes, no layers", "[hostile]") {
  {
    std::string layers;
    for (int i = 0; i < 10'000; ++i) {
      char hex[65];
      std::snprintf(hex, sizeof hex, "%064x", i);
      layers += std::string(i ? "," : "") + R"({"mediaType":"application/vnd.ollama.image.license","digest":"sha256:)" +
                hex + R"(","size":1})";
    }
    FakeRegistry reg;
    reg.add_manifest("library/tiny:latest", R"({"schemaVersion":2,"layers":[)" + layers + "]}");
    TempStore store;
    CHECK(failed_pull(reg, store) == "pull model manifest: the manifest lists 10000 layers; hearth accepts at most 1024");
  }
  {
    FakeRegistry reg;
    reg.add_manifest("library/tiny:latest", R"({"schemaVersion":2,"layers":[{"mediaType":"m","digest":"sha256:)" +
                                                std::string(64, 'b') + R"(","size":-5}]})");
    TempStore store;
    CHECK_THAT(failed_pull(reg, store), Catch::Contains("negative size"));
  }
  {
    FakeRegistry reg;
    reg.add_manifest("library/tiny:latest", R"({"schemaVersion":2,"layers":[{"mediaType":"m","digest":"sha256:)" +
                                                std::string(64, 'b') + R"(","size":9000000000000000}]})");
    TempStore store;
    CHECK_THAT(failed_pull(reg, store), Catch::Contains("impossible size"));
  }
}

TEST_CASE("hostile: gzip-bomb and oversized manifests", "[hostile]") {
  {
    FakeRegistry reg;
    reg.set_override([](const RecordedRequest& r) -> std::optional<RawReply> {
      if (r.target.find("/manifests/") == std::string::npos) return std::nullopt;
      return RawReply{http_reply(200, {{"Content-Encoding", "gzip"}}, std::string("\x1f\x8b\x08\x00\x00\x00", 6))};
    });
    TempStore store;
    CHECK_THAT(failed_pull(reg, store), Catch::Contains("Content-Encoding \"gzip\", which was not requested"));
  }
  {
    FakeRegistry reg;
    reg.set_override([](const RecordedRequest& r) -> std::optional<RawReply> {
      if (r.target.find("/manifests/") == std::string::npos) return std::nullopt;
      return RawReply{http_reply(200, {}, "{\"schemaVersion\":2,\"pad\":\"" + std::string(6u << 20, ' ') + "\"}")};
    });
    TempStore store;
    CHECK_THAT(failed_pull(reg, store), Catch::Contains("larger than the 4194304 bytes allowed"));
  }
}

TEST_CASE("hostile: redirect loops on manifests and blobs", "[hostile]") {
  FakeRegistry reg;
  std::string weights(1000, 'w');
  reg.add_blob(weights);
  reg.add_blob(kConfig);
  reg.add_manifest("library/tiny:latest", make_manifest(weights, kConfig));
  reg.set_override([](const RecordedRequest& r) -> std::optional<RawReply> {
    if (r.target.find("/blobs/") == std::string::npos) return std::nullopt;
    return RawReply{http_reply(302, {{"Location", r.target}}, "")};
  });
  TempStore store;
  CHECK_THAT(failed_pull(reg, store), Catch::Contains("stopped after 10 redirects"));
}

TEST_CASE("hostile: a redirect to another host never carries the registry's token", "[hostile][auth]") {
  std::string weights(3000, 'w');
  ScriptedServer other([&](const RecordedRequest&) -> RawReply { return {http_reply(200, {}, weights)}; }, "127.0.0.2");
  FakeRegistry reg;
  reg.add_blob(weights);
  reg.add_blob(kConfig);
  reg.add_manifest("library/tiny:latest", make_manifest(weights, kConfig));
  reg.set_override([&](const RecordedRequest& r) -> std::optional<RawReply> {
    if (r.target.rfind("/token", 0) == 0) return RawReply{http_reply(200, {}, R"({"token":"registry-secret"})")};
    if (r.header("authorization").empty())
      return RawReply{http_reply(401, {{"WWW-Authenticate", "Bearer realm=\"http://" + reg.host() + "/token\""}}, "")};
    if (r.target.find(digest_of(weights)) != std::string::npos)  // bounce through the other host and back
      return RawReply{http_reply(302, {{"Location", "http://" + other.authority() + "/steal"}}, "")};
    return std::nullopt;
  });
  TempStore store;
  Puller puller(*store, fast_registry_config());
  ProgressLog log;
  puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, log.fn());
  REQUIRE_FALSE(other.requests().empty());
  for (const auto& r : other.requests()) CHECK(r.header("authorization").empty());
  bool registry_saw_token = false;
  for (const auto& r : reg.server().requests())
    if (r.header("authorization") == "Bearer registry-secret") registry_saw_token = true;
  CHECK(registry_saw_token);
}

TEST_CASE("hostile: a failing disk (write error) ends the pull at once with no final file", "[hostile]") {
  // RLIMIT_FSIZE makes writes past 64 KiB fail with EFBIG, as a full disk fails with ENOSPC. It is
  // set in a child process so the test runner's own files are unaffected.
  std::string weights(400'000, 'w');
  FakeRegistry reg;
  reg.add_blob(weights);
  reg.add_blob(kConfig);
  reg.add_manifest("library/tiny:latest", make_manifest(weights, kConfig));
  TempStore store;
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    std::string message = "(no error)";
    try {
      Puller puller(*store, fast_registry_config());
      puller.pull(reg.host() + "/library/tiny", PullOptions{.insecure = true}, [](const Json&) {});
    } catch (const std::exception& e) {
      message = e.what();
    }
    (void)!::write(pipefd[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string message;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK_THAT(message, Catch::Contains("-partial: File too large"));
  CHECK(store.final_blobs().empty());
  CHECK_FALSE(std::filesystem::exists(store->manifests_dir() / reg.host()));
}
