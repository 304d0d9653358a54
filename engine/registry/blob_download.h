// engine/registry/blob_download.h — one blob fetched into the store: parallel ranged parts,
// resumable, verified before it gets its final name.
//
//   BlobDownloader d(store.blobs_dir(), digest, size, tuning);
//   d.prepare();                 // lock the partial file, load saved parts or plan new ones
//   d.download(session);         // fetch the missing ranges (d.completed() counts bytes on disk)
//   d.verify_and_commit();       // SHA-256 the partial file; rename it to blobs/sha256-<hex>
//
// Parts follow Ollama (part_state.h): up to `max_parallel_parts` ranged GETs at once, each retried
// with exponential backoff on network errors and 5xx answers. A registry or blob store that ignores
// Range (answers 200) or answers 416 makes the download start over as one plain stream. A part
// never accepts more bytes than it asked for, and a write error (disk full) ends everything at
// once. The partial file is locked (flock) so a second process cannot write into it at the same
// time. Only bytes whose SHA-256 matches the digest are ever renamed to the final blob name; a
// mismatch deletes the partial download and throws ("digest mismatch, file must be downloaded
// again: want …, got …", Ollama's text).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "engine/registry/config.h"
#include "engine/registry/part_state.h"
#include "engine/registry/registry_session.h"
#include "engine/store/name.h"

namespace hearth::registry {

class BlobDownloader {
 public:
  BlobDownloader(std::filesystem::path blobs_dir, store::Digest digest, uint64_t total, TransferTuning tuning);
  ~BlobDownloader();
  BlobDownloader(const BlobDownloader&) = delete;
  BlobDownloader& operator=(const BlobDownloader&) = delete;

  // Throws RegistryError(Storage) when another process holds the partial file, the disk lacks
  // space for the missing bytes, or files cannot be created.
  void prepare();
  // Throws RegistryError / TransportError / CancelledError. Part progress is saved either way.
  void download(RegistrySession& session);
  // Throws RegistryError(Integrity) on a digest or size mismatch (the partial files are deleted).
  void verify_and_commit();

  const store::Digest& digest() const { return digest_; }
  uint64_t total() const { return total_; }
  uint64_t completed() const { return completed_.load(); }
  // Bytes that were already on disk when prepare() ran (resumed from an earlier attempt).
  uint64_t resumed_bytes() const { return resumed_; }

 private:
  struct LivePart;
  void start_over(std::vector<PartState> plan);
  void save(LivePart& part);
  void download_part(RegistrySession& session, LivePart& part, bool ranged, const std::atomic<bool>& stop);
  void fetch_range(RegistrySession& session, LivePart& part, bool ranged, const std::atomic<bool>& stop);
  void download_parts(RegistrySession& session);

  std::filesystem::path blobs_dir_;
  store::Digest digest_;
  uint64_t total_;
  TransferTuning tuning_;
  int fd_ = -1;
  std::vector<std::unique_ptr<LivePart>> parts_;
  std::atomic<uint64_t> completed_{0};
  uint64_t resumed_ = 0;
};

}  // namespace hearth::registry
