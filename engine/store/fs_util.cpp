#include "engine/store/fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "engine/store/errors.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail_errno(const std::string& call, const fs::path& path, int err) {
  throw StoreError(ErrorKind::Internal, call + " " + path.string() + ": " + std::strerror(err));
}

std::string random_suffix() {
  // One generator per thread: no shared mutable state, no locking.
  thread_local std::mt19937_64 rng{std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32)};
  static const char* alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  uint64_t v = rng();
  for (int i = 0; i < 12; ++i) {
    s.push_back(alphabet[v % 36]);
    v /= 36;
  }
  return s;
}

// rename(2) that fails with EEXIST instead of replacing. Uses renameat2(RENAME_NOREPLACE) and
// falls back to link+unlink where the file system does not support it.
bool rename_no_replace(const fs::path& from, const fs::path& to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) fail_errno("rename to", to, errno);
#endif
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return true;
  }
  if (errno == EEXIST) return false;
  // Last resort for file systems without hard links: check, then rename (a concurrent writer of
  // the same blob writes identical bytes, so the window is harmless).
  struct stat st{};
  if (::stat(to.c_str(), &st) == 0) return false;
  if (::rename(from.c_str(), to.c_str()) != 0) fail_errno("rename to", to, errno);
  return true;
}

}  // namespace

TempFile::TempFile(const fs::path& dir) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    path_ = dir / (std::string(kTempPrefix) + random_suffix());
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ >= 0) return;
    if (errno != EEXIST) fail_errno("create", path_, errno);
  }
  fail_errno("create", path_, EEXIST);
}

TempFile::TempFile(TempFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), size_(other.size_), done_(other.done_) {
  other.fd_ = -1;
  other.done_ = true;
}

TempFile::~TempFile() { discard(); }

void TempFile::write(std::span<const uint8_t> bytes) {
  if (done_ || fd_ < 0) throw StoreError(ErrorKind::Internal, "write to a closed temporary file " + path_.string());
  const uint8_t* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("write", path_, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
}

void TempFile::sync_and_close() {
  if (::fsync(fd_) != 0) fail_errno("fsync", path_, errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail_errno("close", path_, errno);
}

void TempFile::commit_replace(const fs::path& final_path) {
  sync_and_close();
  if (::rename(path_.c_str(), final_path.c_str()) != 0) fail_errno("rename to", final_path, errno);
  done_ = true;
  fsync_directory(final_path.parent_path());
}

bool TempFile::commit_no_replace(const fs::path& final_path) {
  if (::fchmod(fd_, 0644) != 0) fail_errno("chmod", path_, errno);
  sync_and_close();
  bool created = rename_no_replace(path_, final_path);
  if (!created) {
    ::unlink(path_.c_str());
  } else {
    fsync_directory(final_path.parent_path());
  }
  done_ = true;
  return created;
}

void TempFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!done_ && !path_.empty()) ::unlink(path_.c_str());
  done_ = true;
}

void make_directories(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StoreError(ErrorKind::Internal, "create directory " + dir.string() + ": " + ec.message());
}

void fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS) fail_errno("fsync directory", dir, err);
}

std::string read_file_limited(const fs::path& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno("open", path, errno);
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fail_errno("stat", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw StoreError(ErrorKind::Internal, path.string() + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    throw StoreError(ErrorKind::Internal, path.string() + " is " + std::to_string(st.st_size) +
                                              " bytes, more than the " + std::to_string(max_bytes) +
                                              " this kind of blob may have");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      fail_errno("read", path, err);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

void write_file_atomically(const fs::path& final_path, std::string_view bytes, const fs::path& temp_dir,
                           const FaultHook& hook, std::string_view stage) {
  make_directories(final_path.parent_path());
  TempFile tmp(temp_dir);
  tmp.write(bytes);
  if (hook) hook(stage);  // a throw here leaves only the temp file, which ~TempFile removes
  tmp.commit_replace(final_path);
}

}  // namespace hearth::store
