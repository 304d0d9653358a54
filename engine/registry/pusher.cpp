#include "engine/registry/pusher.h"

#include <set>

#include "engine/registry/errors.h"
#include "engine/registry/registry_session.h"
#include "engine/store/fs_util.h"

namespace hearth::registry {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void push_error(const std::string& what, const HttpResponse& r) {
  RegistryErrorKind kind = (r.status == 401 || r.status == 403) ? RegistryErrorKind::Auth : RegistryErrorKind::Protocol;
  throw RegistryError(kind, what + ": " + describe_http_error(r));
}

// Streams one blob's upload progress, at most one line per interval plus the final one.
class UploadProgress {
 public:
  UploadProgress(const ProgressFn& fn, const store::Digest& digest, uint64_t total, std::chrono::milliseconds interval)
      : fn_(fn), digest_(digest), total_(total), interval_(interval), status_("pushing " + short_digest(digest)) {}
  void report(uint64_t completed, bool force = false) {
    auto now = Clock::now();
    if (!force && now - last_ < interval_) return;
    last_ = now;
    fn_(progress_blob(status_, digest_, total_, completed));
  }

 private:
  const ProgressFn& fn_;
  const store::Digest& digest_;
  uint64_t total_;
  std::chrono::milliseconds interval_;
  std::string status_;
  Clock::time_point last_{};
};

Url upload_location(const HttpResponse& r, const std::string& what) {
  std::string location = r.header("Docker-Upload-Location");
  if (location.empty()) location = r.header("Location");
  if (location.empty())
    throw RegistryError(RegistryErrorKind::Protocol, what + ": the registry did not say where to upload (no Location)");
  return r.url.resolve(location);
}

void upload_blob(RegistrySession& session, const fs::path& path, const store::Digest& digest, uint64_t size,
                 const TransferTuning& tuning, UploadProgress& progress) {
  const std::string what = "upload " + digest.str();
  HttpRequest start{.method = "POST", .url = session.repository_url("blobs/uploads/")};
  start.send_content_length = true;
  HttpResponse r = session.send(start, SendOptions{});
  if (r.status == 201) {  // cross-repository mount: nothing to send
    progress.report(size, true);
    return;
  }
  if (r.status != 202) push_error(what, r);
  Url location = upload_location(r, what);

  SendOptions options;
  uint64_t base = 0;
  options.on_body_sent = [&](uint64_t sent) { progress.report(base + sent); };
  const Header octets{"Content-Type", "application/octet-stream"};
  if (size <= tuning.upload_chunk_size) {
    HttpRequest put{.method = "PUT", .url = location.with_query("digest", digest.str())};
    put.headers.push_back(octets);
    put.file_body = FileSlice{path, 0, size};
    put.send_content_length = true;
    HttpResponse done = session.send(put, options);
    if (done.status != 201 && done.status != 200 && done.status != 204) push_error(what, done);
    progress.report(size, true);
    return;
  }
  for (base = 0; base < size;) {
    uint64_t n = std::min(tuning.upload_chunk_size, size - base);
    HttpRequest patch{.method = "PATCH", .url = location};
    patch.headers.push_back(octets);
    patch.headers.push_back({"Content-Range", std::to_string(base) + "-" + std::to_string(base + n - 1)});
    patch.file_body = FileSlice{path, base, n};
    HttpResponse part = session.send(patch, options);
    if (part.status != 202 && part.status != 204) push_error(what, part);
    std::string next = part.header("Location");
    if (!next.empty()) location = part.url.resolve(next);
    base += n;
  }
  HttpRequest finish{.method = "PUT", .url = location.with_query("digest", digest.str())};
  finish.send_content_length = true;
  HttpResponse done = session.send(finish, SendOptions{});
  if (done.status != 201 && done.status != 200 && done.status != 204) push_error(what, done);
  progress.report(size, true);
}

}  // namespace

Pusher::Pusher(store::ModelStore& store, RegistryConfig config)
    : store_(store), config_(std::move(config)), client_(config_.http) {}

void Pusher::push(std::string_view name_text, const PushOptions& options, const ProgressFn& progress,
                  const Cancelled& cancelled) {
  const store::ModelName name = store::ModelName::parse(name_text);
  std::optional<store::ModelName> spelled = store_.find_existing(name);
  if (!spelled) throw store::ModelNotFoundError(std::string(name_text));
  progress(progress_status("retrieving manifest"));
  const fs::path manifest_path = store_.manifests_dir() / spelled->manifest_relpath();
  const std::string manifest_bytes = store::read_file_limited(manifest_path, config_.tuning.max_manifest_bytes);
  const store::Manifest manifest = store::Manifest::parse(manifest_bytes, manifest_path.string());

  RegistrySession session(client_, config_, name, options.insecure, "pull,push", cancelled);
  std::vector<const store::Layer*> blobs;
  std::set<std::string> seen;
  for (const store::Layer& l : manifest.layers)
    if (seen.insert(l.digest.hex()).second) blobs.push_back(&l);
  if (manifest.config && seen.insert(manifest.config->digest.hex()).second) blobs.push_back(&*manifest.config);

  for (const store::Layer* layer : blobs) {
    session.check_cancelled();
    const fs::path path = store_.blob_path(layer->digest);
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (ec) throw store::BlobNotFoundError(layer->digest.str(), "blob " + layer->digest.str() + " is missing from the store");
    UploadProgress reporter(progress, layer->digest, size, config_.tuning.progress_interval);
    HttpResponse head = session.send({.method = "HEAD", .url = session.repository_url("blobs/" + layer->digest.str())},
                                     SendOptions{});
    if (head.status == 200) {
      reporter.report(size, true);
      continue;
    }
    if (head.status != 404) push_error("check blob " + layer->digest.str(), head);
    reporter.report(0, true);
    upload_blob(session, path, layer->digest, size, config_.tuning, reporter);
  }

  progress(progress_status("pushing manifest"));
  HttpRequest put{.method = "PUT", .url = session.repository_url("manifests/" + name.tag)};
  put.headers.push_back({"Content-Type", manifest.media_type.empty() ? std::string(store::media_type::kManifestV2)
                                                                     : manifest.media_type});
  put.body = manifest_bytes;
  put.send_content_length = true;
  HttpResponse r = session.send(put, SendOptions{});
  if (r.status != 201 && r.status != 200 && r.status != 202) push_error("push manifest", r);
  progress(progress_status("success"));
}

}  // namespace hearth::registry
