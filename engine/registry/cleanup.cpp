#include "engine/registry/cleanup.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <map>

#include "engine/registry/part_state.h"

namespace hearth::registry {
namespace fs = std::filesystem;

PartialCleanupReport cleanup_partial_downloads(const store::ModelStore& store) {
  PartialCleanupReport report;
  std::error_code ec;
  std::map<std::string, std::vector<fs::path>> by_digest;  // hex → its partial files
  for (const auto& e : fs::directory_iterator(store.blobs_dir(), ec)) {
    std::string hex;
    if (is_partial_name(e.path().filename().string(), &hex)) by_digest[hex].push_back(e.path());
  }
  auto remove_all = [&](const std::vector<fs::path>& files) {
    for (const fs::path& p : files)
      if (::unlink(p.c_str()) == 0) ++report.files_removed;
  };
  for (const auto& [hex, files] : by_digest) {
    const store::Digest digest = store::Digest::from_hex(hex);
    const fs::path data = partial_data_path(store.blobs_dir(), digest);
    int fd = ::open(data.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a download is running right now
      ::close(fd);
      continue;
    }
    bool keep = false;
    if (fd >= 0 && !store.blob_exists(digest)) {
      uint64_t size = fs::file_size(data, ec);
      std::optional<std::vector<PartState>> parts = load_part_states(store.blobs_dir(), digest, ec ? 0 : size);
      keep = parts.has_value() && !ec && size > 0;
      // Exactly the state files 0..N-1 plus the data file: nothing stray.
      if (keep && files.size() != parts->size() + 1) keep = false;
    }
    if (keep) {
      ++report.resumable_kept;
    } else {
      remove_all(files);
    }
    if (fd >= 0) ::close(fd);  // releases the lock
  }
  return report;
}

StartupCleanup startup_cleanup(store::ModelStore& store, const store::StartupOptions& options) {
  StartupCleanup result;
  store::StartupOptions keep_partials = options;
  keep_partials.keep_non_digest = [](const std::string& name) { return is_partial_name(name); };
  result.store = store.startup_cleanup(keep_partials);
  result.partials = cleanup_partial_downloads(store);
  return result;
}

}  // namespace hearth::registry
