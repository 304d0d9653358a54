// engine/store/fs_util.h — crash-safe file primitives the model store is built on (internal).
//
// The store never leaves a half-written file under a name another process reads:
//   * `TempFile` creates `<dir>/.hearth-tmp-<random>` exclusively (O_EXCL, mode 0644) and
//     deletes it on destruction unless it was committed;
//   * `commit_replace` fsyncs the temp file, renames it over the final name and fsyncs the
//     directory (manifests: a new version atomically replaces the old one);
//   * `commit_no_replace` does the same but never touches an existing final file (blobs are
//     immutable: an existing blob with the same name already holds the same bytes).
// All errors are StoreError(Internal) naming the path and the failing call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace hearth::store {

// Prefix of every temporary file the store creates (startup cleanup removes leftovers).
inline constexpr std::string_view kTempPrefix = ".hearth-tmp-";

// Called at named points of a write so tests can simulate a crash (by throwing) between the data
// being written and the file being committed. Stages: "manifest", "blob".
using FaultHook = std::function<void(std::string_view stage)>;

class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& dir);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();

  void write(std::span<const uint8_t> bytes);
  void write(std::string_view bytes) {
    write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  const std::filesystem::path& path() const { return path_; }
  uint64_t size() const { return size_; }

  // fsync + rename over `final_path` + fsync of its directory.
  void commit_replace(const std::filesystem::path& final_path);
  // Like commit_replace, but when `final_path` exists it is left untouched and the temp file is
  // discarded. Returns true when this call created the final file.
  bool commit_no_replace(const std::filesystem::path& final_path);
  // Deletes the temp file now (also done by the destructor).
  void discard() noexcept;

 private:
  void sync_and_close();
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  bool done_ = false;
};

// mkdir -p with mode 0755 (before umask). Throws StoreError on failure.
void make_directories(const std::filesystem::path& dir);
// fsync of a directory, so a rename inside it is durable. Errors are ignored on file systems that
// do not support it (EINVAL), reported otherwise.
void fsync_directory(const std::filesystem::path& dir);
// Reads a whole file, refusing files larger than `max_bytes` (StoreError naming the path).
std::string read_file_limited(const std::filesystem::path& path, uint64_t max_bytes);
// Writes `bytes` to `final_path` atomically through a temp file in `temp_dir` (same file system).
void write_file_atomically(const std::filesystem::path& final_path, std::string_view bytes,
                           const std::filesystem::path& temp_dir, const FaultHook& hook, std::string_view stage);

}  // namespace hearth::store
