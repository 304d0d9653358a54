// tests/registry/fake_registry.h — a scriptable Docker-v2 registry on ScriptedServer.
//
// Serves manifests and blobs the test registers (with Range support like a real registry), and
// lets a test replace any answer through `override_reply` to play a broken or hostile registry.
// Blob digests are computed with sha256sum-equivalent OpenSSL-free code from the store
// (engine/store/sha256.h, tested against NIST vectors in the store suite).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "engine/store/sha256.h"
#include "registry/test_server.h"

namespace hearth::registry::test {

inline std::string digest_of(const std::string& bytes) { return "sha256:" + store::sha256_hex(bytes); }

// A manifest with a model layer and a config blob, in registry formatting (pretty-printed, as
// registries serve it: hearth must store the bytes verbatim).
inline std::string make_manifest(const std::string& model_bytes, const std::string& config_bytes,
                                 const std::string& extra_layers = "") {
  return "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
         "   \"config\": {\"mediaType\": \"application/vnd.docker.container.image.v1+json\", \"digest\": \"" +
         digest_of(config_bytes) + "\", \"size\": " + std::to_string(config_bytes.size()) +
         "},\n   \"layers\": [\n      {\"mediaType\": \"application/vnd.ollama.image.model\", \"digest\": \"" +
         digest_of(model_bytes) + "\", \"size\": " + std::to_string(model_bytes.size()) + "}" + extra_layers +
         "\n   ]\n}";
}

class FakeRegistry {
 public:
  using Override = std::function<std::optional<RawReply>(const RecordedRequest&)>;

  explicit FakeRegistry(const std::string& address = "127.0.0.1")
      : server_([this](const RecordedRequest& r) { return answer(r); }, address) {}

  void add_manifest(const std::string& repo_and_tag, const std::string& bytes) {  // "library/tiny:latest"
    std::lock_guard lock(mutex_);
    auto colon = repo_and_tag.rfind(':');
    manifests_["/v2/" + repo_and_tag.substr(0, colon) + "/manifests/" + repo_and_tag.substr(colon + 1)] = bytes;
  }
  void add_blob(const std::string& bytes) { add_blob_as(digest_of(bytes), bytes); }
  void add_blob_as(const std::string& digest, const std::string& bytes) {
    std::lock_guard lock(mutex_);
    blobs_[digest] = bytes;
  }
  void set_override(Override o) {
    std::lock_guard lock(mutex_);
    override_ = std::move(o);
  }
  void set_blob_rate(uint64_t bytes_per_second) { rate_ = bytes_per_second; }
  void set_ignore_range(bool v) { ignore_range_ = v; }

  ScriptedServer& server() { return server_; }
  std::string host() const { return server_.authority(); }
  // Requests whose target contains `needle`.
  int count_requests(const std::string& needle) const {
    int n = 0;
    for (const auto& r : server_.requests())
      if (r.target.find(needle) != std::string::npos) ++n;
    return n;
  }

 private:
  RawReply answer(const RecordedRequest& r) {
    Override o;
    {
      std::lock_guard lock(mutex_);
      o = override_;
    }
    if (o)
      if (auto reply = o(r)) return *reply;
    std::lock_guard lock(mutex_);
    if (r.target == "/v2/") return {http_reply(200, {}, "{}")};
    if (auto it = manifests_.find(r.target); it != manifests_.end())
      return {http_reply(200, {{"Content-Type", "application/vnd.docker.distribution.manifest.v2+json"}},
                         r.method == "HEAD" ? "" : it->second)};
    auto pos = r.target.find("/blobs/sha256:");
    if (pos != std::string::npos) {
      auto it = blobs_.find(r.target.substr(pos + 7));
      if (it == blobs_.end()) return {http_reply(404, {}, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})")};
      const std::string& b = it->second;
      std::string range = r.header("range");
      if (!range.empty() && !ignore_range_) {
        uint64_t first = std::stoull(range.substr(6)), last = std::stoull(range.substr(range.find('-') + 1));
        if (first >= b.size()) return {http_reply(416, {}, "")};
        last = std::min<uint64_t>(last, b.size() - 1);
        return {http_reply(206, {{"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                                       std::to_string(b.size())}},
                           b.substr(first, last - first + 1)),
                rate_.load()};
      }
      return {http_reply(200, {}, r.method == "HEAD" ? "" : b), rate_.load()};
    }
    return {http_reply(404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})")};
  }

  mutable std::mutex mutex_;
  std::map<std::string, std::string> manifests_;
  std::map<std::string, std::string> blobs_;
  Override override_;
  std::atomic<uint64_t> rate_{0};
  std::atomic<bool> ignore_range_{false};
  ScriptedServer server_;  // last: its threads use the members above
};

}  // namespace hearth::registry::test
