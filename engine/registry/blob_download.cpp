#include "engine/registry/blob_download.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>

#include "engine/registry/errors.h"
#include "engine/store/fs_util.h"
#include "engine/store/sha256.h"

namespace hearth::registry {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The server cannot serve ranges (200 for a ranged request, or 416): start over as one stream.
struct RangesUnsupported {};

// A failure worth another attempt (network trouble, 5xx, 429).
struct RetryableFailure {
  std::string message;
};

[[noreturn]] void storage_error(const std::string& what, int err) {
  throw RegistryError(RegistryErrorKind::Storage, what + ": " + std::strerror(err));
}

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// "bytes <first>-<last>/<total or *>"
bool parse_content_range(std::string_view v, uint64_t& first, uint64_t& last) {
  if (v.substr(0, 6) != "bytes ") return false;
  v.remove_prefix(6);
  auto dash = v.find('-'), slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) return false;
  auto num = [](std::string_view s, uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  return num(v.substr(0, dash), first) && num(v.substr(dash + 1, slash - dash - 1), last);
}

}  // namespace

struct BlobDownloader::LivePart {
  PartState plan;
  std::atomic<uint64_t> completed{0};
  Clock::time_point last_save = Clock::now();
  std::mutex save_mutex;
};

BlobDownloader::BlobDownloader(fs::path blobs_dir, store::Digest digest, uint64_t total, TransferTuning tuning)
    : blobs_dir_(std::move(blobs_dir)), digest_(std::move(digest)), total_(total), tuning_(tuning) {}

BlobDownloader::~BlobDownloader() {
  if (fd_ >= 0) ::close(fd_);  // also releases the flock
}

void BlobDownloader::prepare() {
  store::make_directories(blobs_dir_);
  fs::path data = partial_data_path(blobs_dir_, digest_);
  fd_ = ::open(data.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) storage_error("cannot open " + data.string(), errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw RegistryError(RegistryErrorKind::Storage,
                          "blob " + digest_.str() + " is being downloaded by another process (" + data.string() + " is locked)");
    storage_error("cannot lock " + data.string(), err);
  }
  struct stat st {};
  ::fstat(fd_, &st);
  std::optional<std::vector<PartState>> saved = load_part_states(blobs_dir_, digest_, total_);
  if (saved && static_cast<uint64_t>(st.st_size) == total_) {
    for (const PartState& p : *saved) {
      auto live = std::make_unique<LivePart>();
      live->plan = p;
      live->completed = p.completed;
      completed_ += p.completed;
      parts_.push_back(std::move(live));
    }
    resumed_ = completed_.load();
  } else {
    start_over(plan_parts(total_, tuning_));
  }
  uint64_t missing = total_ - completed_.load();
  struct statvfs vfs {};
  if (missing > 0 && ::fstatvfs(fd_, &vfs) == 0 && vfs.f_frsize > 0) {
    uint64_t available = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (available < missing)
      throw RegistryError(RegistryErrorKind::Storage, "not enough disk space for " + digest_.str() + ": " +
                                                          human_bytes(missing) + " needed, " + human_bytes(available) +
                                                          " available in " + blobs_dir_.string());
  }
}

void BlobDownloader::start_over(std::vector<PartState> plan) {
  remove_part_states(blobs_dir_, digest_);
  if (::ftruncate(fd_, 0) != 0 || ::ftruncate(fd_, static_cast<off_t>(total_)) != 0)
    storage_error("cannot size " + partial_data_path(blobs_dir_, digest_).string(), errno);
  parts_.clear();
  completed_ = 0;
  for (const PartState& p : plan) {
    auto live = std::make_unique<LivePart>();
    live->plan = p;
    save(*live);
    parts_.push_back(std::move(live));
  }
}

void BlobDownloader::save(LivePart& part) {
  std::lock_guard lock(part.save_mutex);
  PartState s = part.plan;
  s.completed = part.completed.load();
  save_part_state(blobs_dir_, digest_, s);
  part.last_save = Clock::now();
}

void BlobDownloader::fetch_range(RegistrySession& session, LivePart& part, bool ranged, const std::atomic<bool>& stop) {
  const uint64_t start = part.plan.offset + part.completed.load();
  const uint64_t last = part.plan.offset + part.plan.size - 1;
  if (start > last) return;
  const uint64_t expected = last - start + 1;
  const bool whole_blob = start == 0 && last + 1 == total_;

  HttpRequest request{.method = "GET", .url = session.repository_url("blobs/" + digest_.str())};
  if (ranged) request.headers.push_back({"Range", "bytes=" + std::to_string(start) + "-" + std::to_string(last)});
  uint64_t written = 0;
  BodySink sink = [&](std::span<const uint8_t> bytes) {
    if (written + bytes.size() > expected)
      throw RegistryError(RegistryErrorKind::Protocol, "the registry sent more than the " + std::to_string(expected) +
                                                           " bytes requested for " + digest_.str());
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(start + written + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        storage_error("cannot write " + partial_data_path(blobs_dir_, digest_).string(), errno);
      }
      done += static_cast<std::size_t>(n);
    }
    written += bytes.size();
    part.completed += bytes.size();
    completed_ += bytes.size();
    if (Clock::now() - part.last_save >= tuning_.state_save_interval) save(part);
  };
  SendOptions options;
  options.sink = &sink;
  options.cancelled = [&stop] { return stop.load(); };
  options.on_response_head = [&](const HttpResponse& head) {
    if (!ranged || (head.status == 200 && whole_blob)) {
      if (head.status != 200)
        throw RegistryError(RegistryErrorKind::Protocol, "download " + digest_.str() + ": expected status 200, got " +
                                                             std::to_string(head.status));
      return;
    }
    if (head.status == 200) throw RangesUnsupported{};
    if (head.status != 206)
      throw RegistryError(RegistryErrorKind::Protocol, "download " + digest_.str() + ": expected status 206, got " +
                                                           std::to_string(head.status));
    uint64_t first = 0, end = 0;
    if (!parse_content_range(head.header("Content-Range"), first, end) || first != start || end != last)
      throw RegistryError(RegistryErrorKind::Protocol, "download " + digest_.str() + ": the registry answered Content-Range \"" +
                                                           head.header("Content-Range").substr(0, 100) +
                                                           "\" for bytes " + std::to_string(start) + "-" +
                                                           std::to_string(last));
  };
  HttpResponse r;
  try {
    r = session.send(request, options);
  } catch (const CancelledError&) {
    throw;
  } catch (const ProtocolViolation&) {
    throw;
  } catch (const TransportError& e) {
    throw RetryableFailure{e.what()};
  }
  if (r.status == 416 && ranged) throw RangesUnsupported{};
  if (r.status == 404)
    throw RegistryError(RegistryErrorKind::NotFound, "download " + digest_.str() + ": " + describe_http_error(r));
  if (r.status >= 500 || r.status == 429 || r.status == 408)
    throw RetryableFailure{"download " + digest_.str() + ": " + describe_http_error(r)};
  if (r.status >= 300)
    throw RegistryError(RegistryErrorKind::Protocol, "download " + digest_.str() + ": " + describe_http_error(r));
  if (written != expected)
    throw RetryableFailure{"download " + digest_.str() + ": got " + std::to_string(written) + " of " +
                           std::to_string(expected) + " bytes"};
}

void BlobDownloader::download_part(RegistrySession& session, LivePart& part, bool ranged, const std::atomic<bool>& stop) {
  auto backoff = tuning_.retry_backoff;
  for (int attempt = 0;; ++attempt) {
    try {
      fetch_range(session, part, ranged, stop);
      save(part);
      return;
    } catch (const RetryableFailure& failure) {
      save(part);
      if (attempt >= tuning_.part_retries) throw TransportError(failure.message);
    } catch (...) {
      try {
        save(part);
      } catch (...) {
      }
      throw;
    }
    auto until = Clock::now() + backoff;
    while (Clock::now() < until) {
      if (stop.load()) throw CancelledError();
      session.check_cancelled();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    backoff *= 2;
  }
}

void BlobDownloader::download_parts(RegistrySession& session) {
  std::vector<LivePart*> todo;
  for (auto& p : parts_)
    if (p->completed.load() < p->plan.size) todo.push_back(p.get());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr first_error;
  bool ranges_unsupported = false;
  auto worker = [&] {
    while (!stop.load()) {
      std::size_t i = next++;
      if (i >= todo.size()) return;
      try {
        download_part(session, *todo[i], true, stop);
      } catch (const RangesUnsupported&) {
        std::lock_guard lock(error_mutex);
        if (!first_error) ranges_unsupported = true;
        stop = true;
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error && !ranges_unsupported) first_error = std::current_exception();
        stop = true;
      }
    }
  };
  std::size_t n_threads = std::min<std::size_t>(todo.size(), static_cast<std::size_t>(std::max(1, tuning_.max_parallel_parts)));
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  if (n_threads > 0) worker();
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
  if (!ranges_unsupported) return;

  // One plain stream from the first byte: the server cannot be trusted with ranges.
  start_over({PartState{0, 0, total_, 0}});
  std::atomic<bool> never{false};
  try {
    download_part(session, *parts_.front(), false, never);
  } catch (const RangesUnsupported&) {
    throw RegistryError(RegistryErrorKind::Protocol, "download " + digest_.str() + ": the registry refused a plain GET");
  }
}

void BlobDownloader::download(RegistrySession& session) {
  if (fd_ < 0) throw std::logic_error("BlobDownloader::download before prepare");
  if (completed_.load() < total_) download_parts(session);
}

void BlobDownloader::verify_and_commit() {
  const fs::path data = partial_data_path(blobs_dir_, digest_);
  auto discard = [&] {
    remove_part_states(blobs_dir_, digest_);
    ::unlink(data.c_str());
  };
  struct stat st {};
  if (::fstat(fd_, &st) != 0) storage_error("cannot stat " + data.string(), errno);
  store::Sha256 hash;
  std::vector<uint8_t> buffer(1 << 20);
  uint64_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      storage_error("cannot read " + data.string(), errno);
    }
    if (n == 0) break;
    hash.update(std::span<const uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
    offset += static_cast<uint64_t>(n);
  }
  std::string got = hash.hex_digest();
  if (got != digest_.hex() || offset != total_) {
    discard();
    throw RegistryError(RegistryErrorKind::Integrity,
                        "digest mismatch, file must be downloaded again: want " + digest_.str() + ", got sha256:" + got);
  }
  if (::fsync(fd_) != 0) storage_error("cannot sync " + data.string(), errno);
  const fs::path final_path = blobs_dir_ / digest_.file_name();
  if (::renameat2(AT_FDCWD, data.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST) {
      ::unlink(data.c_str());  // an identical blob arrived meanwhile (blobs are content-addressed)
    } else if (err == EINVAL || err == ENOSYS) {
      if (::link(data.c_str(), final_path.c_str()) != 0 && errno != EEXIST)
        storage_error("cannot move " + data.string() + " into place", errno);
      ::unlink(data.c_str());
    } else {
      storage_error("cannot move " + data.string() + " into place", err);
    }
  }
  remove_part_states(blobs_dir_, digest_);
  store::fsync_directory(blobs_dir_);
}

}  // namespace hearth::registry
