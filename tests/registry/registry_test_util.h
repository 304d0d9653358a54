// tests/registry/registry_test_util.h — a temporary store, fast tuning, and progress recording.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/json.h"
#include "engine/registry/config.h"
#include "engine/registry/errors.h"
#include "engine/store/store.h"
#include "registry/test_server.h"

namespace hearth::registry::test {

class TempStore {
 public:
  explicit TempStore(bool noprune = false) : dir_(make_temp_dir("hearth-registry-test")) {
    store::StoreConfig c;
    c.root = dir_ / "models";
    c.noprune = noprune;
    store_ = std::make_unique<store::ModelStore>(c);
    std::filesystem::create_directories(store_->blobs_dir());
    std::filesystem::create_directories(store_->manifests_dir());
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  store::ModelStore& operator*() { return *store_; }
  store::ModelStore* operator->() { return store_.get(); }
  const std::filesystem::path& dir() const { return dir_; }

  // Every file under the temp dir (relative paths), to check nothing appears outside the store.
  std::vector<std::string> all_files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_))
      if (!e.is_directory()) out.push_back(std::filesystem::relative(e.path(), dir_).string());
    std::sort(out.begin(), out.end());
    return out;
  }
  // Names in blobs/ that are final blob names (sha256-<64 hex>).
  std::vector<std::string> final_blobs() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(store_->blobs_dir())) {
      std::string n = e.path().filename().string();
      if (n.size() == 71 && n.rfind("sha256-", 0) == 0) out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::ModelStore> store_;
};

inline RegistryConfig fast_registry_config() {
  RegistryConfig c;
  c.http.connect_timeout = std::chrono::milliseconds(3000);
  c.http.stall_timeout = std::chrono::milliseconds(3000);
  c.http.close_grace = std::chrono::milliseconds(200);
  c.tuning.part_retries = 1;
  c.tuning.retry_backoff = std::chrono::milliseconds(20);
  c.tuning.progress_interval = std::chrono::milliseconds(10);
  c.tuning.state_save_interval = std::chrono::milliseconds(20);
  return c;
}

// Collects progress objects (thread-safe, though pull reports from one thread).
struct ProgressLog {
  std::mutex mutex;
  std::vector<Json> lines;
  std::function<void(const Json&)> fn() {
    return [this](const Json& j) {
      std::lock_guard lock(mutex);
      lines.push_back(j);
    };
  }
  std::vector<std::string> statuses() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const Json& j : lines)
      if (out.empty() || out.back() != j.get_string("status")) out.push_back(j.get_string("status"));
    return out;
  }
};

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace hearth::registry::test
