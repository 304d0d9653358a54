#include "engine/registry/puller.h"

#include <condition_variable>
#include <set>
#include <thread>

#include "engine/registry/blob_download.h"
#include "engine/registry/errors.h"
#include "engine/registry/registry_session.h"
#include "engine/store/fs_util.h"

namespace hearth::registry {
namespace fs = std::filesystem;

// One blob being downloaded on its own thread, shared by every pull that needs it.
class DownloadJob {
 public:
  DownloadJob(const HttpClient& client, const RegistryConfig& config, store::ModelName name, bool insecure,
              fs::path blobs_dir, store::Digest digest, uint64_t size)
      : client_(client),
        config_(config),
        name_(std::move(name)),
        insecure_(insecure),
        downloader_(std::move(blobs_dir), std::move(digest), size, config.tuning) {}

  ~DownloadJob() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
  }

  void start() { thread_ = std::thread([this] { run(); }); }

  uint64_t completed() const { return downloader_.completed(); }
  uint64_t total() const { return downloader_.total(); }

  // True once the download phase ended (successfully or not).
  bool wait_finished(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return finished_; });
  }
  void rethrow_if_failed() {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(error_);
  }
  // Reusable by another pull: not failed and not abandoned by all its pulls.
  bool usable() {
    std::lock_guard lock(mutex_);
    return !error_ && !cancel_.load() && !verify_error_;
  }
  bool finished() {
    std::lock_guard lock(mutex_);
    return finished_;
  }

  void add_interest() {
    std::lock_guard lock(mutex_);
    ++interest_;
  }
  void drop_interest() {
    std::lock_guard lock(mutex_);
    if (--interest_ == 0 && !finished_) cancel_ = true;
  }

  // Hashes and commits once; later callers get the first outcome.
  void verify() {
    std::lock_guard lock(verify_mutex_);
    if (verified_) return;
    if (verify_error_) std::rethrow_exception(verify_error_);
    try {
      downloader_.verify_and_commit();
      verified_ = true;
    } catch (...) {
      std::lock_guard state_lock(mutex_);
      verify_error_ = std::current_exception();
      throw;
    }
  }

 private:
  void run() {
    try {
      RegistrySession session(client_, config_, name_, insecure_, "pull", [this] { return cancel_.load(); });
      downloader_.prepare();
      downloader_.download(session);
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    cv_.notify_all();
  }

  const HttpClient& client_;
  const RegistryConfig& config_;
  store::ModelName name_;
  bool insecure_;
  BlobDownloader downloader_;
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool finished_ = false;
  int interest_ = 0;
  std::exception_ptr error_;
  std::mutex verify_mutex_;
  bool verified_ = false;
  std::exception_ptr verify_error_;
};

namespace {

// Holds a pull's interest in a shared download; the last one to leave cancels it.
class JobLease {
 public:
  explicit JobLease(std::shared_ptr<DownloadJob> job) : job_(std::move(job)) { job_->add_interest(); }
  ~JobLease() {
    if (job_) job_->drop_interest();
  }
  JobLease(JobLease&& other) noexcept = default;
  DownloadJob& operator*() const { return *job_; }
  DownloadJob* operator->() const { return job_.get(); }

 private:
  std::shared_ptr<DownloadJob> job_;
};

struct BlobRef {
  store::Digest digest;
  uint64_t size;
};

// Layers in manifest order, then the config; each digest once.
std::vector<BlobRef> blobs_in_pull_order(const store::Manifest& m) {
  std::vector<BlobRef> out;
  std::set<std::string> seen;
  auto add = [&](const store::Layer& l) {
    if (seen.insert(l.digest.hex()).second) out.push_back({l.digest, static_cast<uint64_t>(l.size)});
  };
  for (const store::Layer& l : m.layers) add(l);
  if (m.config) add(*m.config);
  return out;
}

[[noreturn]] void manifest_error(const std::string& what) {
  throw RegistryError(RegistryErrorKind::Protocol, "pull model manifest: " + what);
}

}  // namespace

std::string fetch_manifest(RegistrySession& session, const store::ModelName& name, const TransferTuning& tuning) {
  HttpRequest request{.method = "GET", .url = session.repository_url("manifests/" + name.tag)};
  request.headers.push_back({"Accept", std::string(store::media_type::kManifestV2)});
  SendOptions options;
  options.max_body_bytes = tuning.max_manifest_bytes;
  HttpResponse r;
  try {
    r = session.send(request, options);
  } catch (const TransportError& e) {
    throw TransportError(std::string("pull model manifest: ") + e.what());
  }
  if (r.status == 404) throw RegistryError(RegistryErrorKind::NotFound, "pull model manifest: file does not exist");
  if (r.status == 401 || r.status == 403)
    throw RegistryError(RegistryErrorKind::Auth, "pull model manifest: " + describe_http_error(r));
  if (r.status != 200) manifest_error(describe_http_error(r));
  return r.body;
}

store::Manifest parse_registry_manifest(std::string_view bytes, const std::string& source, const TransferTuning& tuning) {
  store::Manifest m;
  try {
    m = store::Manifest::parse(bytes, source);
  } catch (const store::StoreError& e) {
    manifest_error(std::string("invalid manifest: ") + e.what());
  }
  if (m.layers.size() > tuning.max_layers)
    manifest_error("the manifest lists " + std::to_string(m.layers.size()) + " layers; hearth accepts at most " +
                   std::to_string(tuning.max_layers));
  if (m.layers.empty()) manifest_error("the manifest lists no layers");
  auto check = [&](const store::Layer& l) {
    if (l.size < 0 || static_cast<uint64_t>(l.size) > tuning.max_blob_size)
      manifest_error("blob " + l.digest.str() + " has an impossible size " + std::to_string(l.size));
  };
  for (const store::Layer& l : m.layers) check(l);
  if (m.config) check(*m.config);
  return m;
}

Puller::Puller(store::ModelStore& store, RegistryConfig config)
    : store_(store), config_(std::move(config)), client_(config_.http) {}

Puller::~Puller() {
  std::map<std::string, std::shared_ptr<DownloadJob>> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(jobs_);
  }
  jobs.clear();  // each job's destructor cancels and joins its thread
}

std::shared_ptr<DownloadJob> Puller::acquire(const store::ModelName& name, bool insecure, const store::Digest& digest,
                                             uint64_t size) {
  while (true) {
    std::shared_ptr<DownloadJob> stale;
    {
      std::lock_guard lock(mutex_);
      auto it = jobs_.find(digest.hex());
      if (it != jobs_.end() && it->second->usable() && it->second->total() == size) return it->second;
      if (it == jobs_.end() || it->second->finished()) {
        auto job = std::make_shared<DownloadJob>(client_, config_, name, insecure, store_.blobs_dir(), digest, size);
        jobs_[digest.hex()] = job;
        job->start();
        return job;
      }
      stale = it->second;  // abandoned but still winding down: wait for it to release the files
    }
    while (!stale->wait_finished(std::chrono::milliseconds(100))) {
    }
  }
}

void Puller::pull(std::string_view name_text, const PullOptions& options, const ProgressFn& progress,
                  const Cancelled& cancelled) {
  const store::ModelName name = store::ModelName::parse(name_text);
  auto check_cancelled = [&] {
    if (cancelled && cancelled()) throw CancelledError();
  };
  progress(progress_status("pulling manifest"));
  RegistrySession session(client_, config_, name, options.insecure, "pull", cancelled);
  const std::string manifest_bytes = fetch_manifest(session, name, config_.tuning);
  const store::Manifest manifest =
      parse_registry_manifest(manifest_bytes, "manifest of " + name.display_shortest(), config_.tuning);

  std::vector<JobLease> downloads;
  for (const BlobRef& blob : blobs_in_pull_order(manifest)) {
    check_cancelled();
    const std::string status = "pulling " + short_digest(blob.digest);
    if (store_.blob_exists(blob.digest)) {
      std::error_code ec;
      uint64_t on_disk = fs::file_size(store_.blob_path(blob.digest), ec);
      if (!ec && on_disk != blob.size)
        throw RegistryError(RegistryErrorKind::Integrity,
                            "blob " + blob.digest.str() + " in the store has " + std::to_string(on_disk) +
                                " bytes but the manifest says " + std::to_string(blob.size));
      progress(progress_blob(status, blob.digest, blob.size, blob.size));
      continue;
    }
    JobLease job(acquire(name, options.insecure, blob.digest, blob.size));
    progress(progress_blob(status, blob.digest, blob.size, job->completed()));
    while (!job->wait_finished(config_.tuning.progress_interval)) {
      check_cancelled();
      progress(progress_blob(status, blob.digest, blob.size, job->completed()));
    }
    job->rethrow_if_failed();
    progress(progress_blob(status, blob.digest, blob.size, job->completed()));
    downloads.push_back(std::move(job));
  }

  progress(progress_status("verifying sha256 digest"));
  for (JobLease& job : downloads) job->verify();
  check_cancelled();

  progress(progress_status("writing manifest"));
  std::vector<store::Digest> previous;
  try {
    previous = store_.read_manifest(name).referenced_digests();
  } catch (const store::StoreError&) {
    // no previous version, or an unreadable one: nothing to prune
  }
  for (const store::Digest& d : manifest.referenced_digests())
    if (!store_.blob_exists(d))
      throw store::BlobNotFoundError(d.str(), "cannot write manifest for " + name.full() + ": blob " + d.str() + " is missing");
  const fs::path path = store_.manifests_dir() / store_.canonical_name(name).manifest_relpath();
  store::make_directories(path.parent_path());
  // Stored verbatim: the model's ID (`ollama list`) is the SHA-256 of these bytes.
  store::write_file_atomically(path, manifest_bytes, store_.manifests_dir(), {}, "manifest");

  std::vector<store::Digest> unused;
  const std::vector<store::Digest> current = manifest.referenced_digests();
  for (const store::Digest& d : previous)
    if (std::find(current.begin(), current.end(), d) == current.end()) unused.push_back(d);
  if (!unused.empty() && !store_.noprune()) {
    progress(progress_status("removing unused layers"));
    store_.prune_blobs(unused);
  }
  progress(progress_status("success"));
}

std::function<void(const store::ModelName&, const store::ProgressFn&)> create_pull_hook(Puller& puller,
                                                                                        Cancelled cancelled) {
  return [&puller, cancelled](const store::ModelName& name, const store::ProgressFn& progress) {
    puller.pull(name.full(), PullOptions{}, [&](const Json& p) {
      progress(store::Progress{p.get_string("status"), p.get_string("digest"), p.get_int("total"), p.get_int("completed")});
    }, cancelled);
  };
}

}  // namespace hearth::registry
