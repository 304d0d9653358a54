// Against a real registry: Debian's CNCF distribution registry (`docker-registry`). A model made
// from a shared fixture GGUF is pushed, pulled back into an empty store and compared; then a pull
// is killed (SIGKILL) half way through the weights and the next pull resumes it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "engine/registry/cleanup.h"
#include "engine/registry/part_state.h"
#include "engine/registry/puller.h"
#include "engine/registry/pusher.h"
#include "engine/store/sha256.h"
#include "registry/registry_test_util.h"
#include "support/fixtures.h"

using namespace hearth;
using namespace hearth::registry;
using namespace hearth::registry::test;

namespace {

// sha256sum of the fixture (computed with coreutils, not hearth).
constexpr const char* kFixture = "models/llama3-bpe-tiny.q8_0.gguf";
constexpr const char* kFixtureSha = "7c8a1b7ddcdeb042ab3de4278b8d4500ac95bc18a2c21f7e14a5cb128e0895ca";
constexpr uint64_t kFixtureSize = 6408480;

std::string create_model(store::ModelStore& s, const std::string& name) {
  std::filesystem::path fixture = hearth::test::fixture_path(kFixture);
  s.create_from_modelfile("FROM " + fixture.string() + "\nPARAMETER temperature 0.5\nSYSTEM be brief\n",
                          fixture.parent_path(), name, store::CreateOptions{}, [](const store::Progress&) {});
  return read_bytes(s.manifests_dir() / store::ModelName::parse(name).manifest_relpath());
}

}  // namespace

TEST_CASE("real registry: push a model, pull it into an empty store, byte-identical and verified", "[real]") {
  SKIP_WITHOUT_FIXTURES();
  if (!DockerRegistry::available()) {
    WARN("SKIPPED: " << DockerRegistry::kBinary << " not installed (apt-get install docker-registry)");
    return;
  }
  DockerRegistry registry;
  const std::string name = "127.0.0.1:" + std::to_string(registry.port()) + "/library/tiny:latest";
  TempStore source;
  const std::string manifest = create_model(*source, name);

  ProgressLog push_log;
  Pusher pusher(*source, fast_registry_config());
  pusher.push(name, PushOptions{.insecure = true}, push_log.fn());
  auto ps = push_log.statuses();
  CHECK(ps.front() == "retrieving manifest");
  CHECK(ps[ps.size() - 2] == "pushing manifest");
  CHECK(ps.back() == "success");
  CHECK(std::count_if(ps.begin(), ps.end(), [](const std::string& s) { return s.rfind("pushing ", 0) == 0 && s.size() == 20; }) ==
        static_cast<long>(store::Manifest::parse(manifest, "m").referenced_digests().size()));

  // Pushing again uploads nothing: every HEAD says the blob is there.
  ProgressLog again;
  pusher.push(name, PushOptions{.insecure = true}, again.fn());
  CHECK(again.statuses().back() == "success");

  TempStore target;
  ProgressLog pull_log;
  Puller puller(*target, fast_registry_config());
  puller.pull(name, PullOptions{.insecure = true}, pull_log.fn());
  auto st = pull_log.statuses();
  CHECK(st.front() == "pulling manifest");
  CHECK(st[st.size() - 3] == "verifying sha256 digest");
  CHECK(st[st.size() - 2] == "writing manifest");
  CHECK(st.back() == "success");

  auto parsed = store::ModelName::parse(name);
  CHECK(read_bytes(target->manifests_dir() / parsed.manifest_relpath()) == manifest);
  store::Manifest m = store::Manifest::parse(manifest, "m");
  for (const store::Digest& d : m.referenced_digests()) {
    std::string bytes = read_bytes(target->blob_path(d));
    CHECK(bytes == read_bytes(source->blob_path(d)));
    CHECK(store::sha256_hex(bytes) == d.hex());
  }
  auto resolved = target->resolve(parsed);
  CHECK(store::sha256_file_hex(resolved.model_path) == kFixtureSha);
  CHECK(resolved.system == "be brief");

  SECTION("a model the registry does not have") {
    CHECK_THROWS_WITH(puller.pull("127.0.0.1:" + std::to_string(registry.port()) + "/library/absent", PullOptions{.insecure = true},
                                  [](const Json&) {}),
                      "pull model manifest: file does not exist");
  }
}

TEST_CASE("real registry: a pull killed half way resumes and transfers less than 60% again", "[real][resume]") {
  SKIP_WITHOUT_FIXTURES();
  if (!DockerRegistry::available()) {
    WARN("SKIPPED: " << DockerRegistry::kBinary << " not installed");
    return;
  }
  DockerRegistry registry;
  const std::string direct = "127.0.0.1:" + std::to_string(registry.port()) + "/library/tiny:latest";
  TempStore source;
  create_model(*source, direct);
  Pusher(*source, fast_registry_config()).push(direct, PushOptions{.insecure = true}, [](const Json&) {});

  CountingProxy proxy(registry.port(), 4'000'000);  // ~1.6 s for the weights
  const std::string via_proxy = "127.0.0.1:" + std::to_string(proxy.port()) + "/library/tiny:latest";
  TempStore target;
  pid_t pid = ::fork();
  if (pid == 0) {
    try {
      Puller puller(*target, fast_registry_config());
      puller.pull(via_proxy, PullOptions{.insecure = true}, [](const Json&) {});
    } catch (...) {
    }
    ::_exit(0);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (proxy.downstream_bytes() < kFixtureSize / 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);  // a crash: no cleanup, no final save
  ::waitpid(pid, nullptr, 0);
  uint64_t first_run = proxy.downstream_bytes();
  INFO("bytes before the kill: " << first_run);
  REQUIRE(first_run >= kFixtureSize / 2);
  REQUIRE(first_run < kFixtureSize);

  auto weights = store::Digest::from_hex(kFixtureSha);
  CHECK_FALSE(target->blob_exists(weights));
  auto parts = load_part_states(target->blobs_dir(), weights, kFixtureSize);
  REQUIRE(parts);
  CHECK((*parts)[0].completed > 0);
  // What `hearth serve` does when it starts again (pruning on, as by default).
  auto restart = registry::startup_cleanup(*target);
  CHECK(restart.partials.resumable_kept == 1);

  proxy.reset_count();
  Puller puller(*target, fast_registry_config());
  ProgressLog log;
  puller.pull(via_proxy, PullOptions{.insecure = true}, log.fn());
  uint64_t second_run = proxy.downstream_bytes();
  INFO("bytes after resuming: " << second_run);
  CHECK(second_run < kFixtureSize * 6 / 10);
  CHECK(store::sha256_file_hex(target->blob_path(weights)) == kFixtureSha);
  CHECK(log.statuses().back() == "success");
}
