// engine/registry/puller.h — `POST /api/pull` and `hearth pull`: fetch a model from its registry
// into the store, Ollama's way.
//
//   Puller puller(store, RegistryConfig::from_environment());   // one per server (shares downloads)
//   puller.pull("llama3.2", PullOptions{.insecure = false},
//               [&](const Json& p) { stream.write(p.dump() + "\n"); },
//               [&] { return client_gone(); });
//
// Steps and progress lines (spec §2.10, §7): "pulling manifest" (GET /v2/<ns>/<model>/manifests/
// <tag>, at most 4 MiB and 1024 layers), then for each blob in manifest order (layers, then config)
// "pulling <12 hex>" with digest/total/completed about every 60 ms — one line with
// completed=total when the blob is already in the store — then "verifying sha256 digest" (every
// downloaded blob is hashed before it gets its final name), "writing manifest" (the registry's
// bytes, stored verbatim and atomically), "removing unused layers" when the tag's previous version
// left blobs no manifest uses (not with OLLAMA_NOPRUNE), and "success".
//
// Concurrent pulls in one process that need the same blob share one download; it is cancelled only
// when every pull waiting for it has given up. Interrupted downloads resume from their saved parts
// (blob_download.h). Errors: InvalidNameError (store) before any progress for a bad name; after
// that RegistryError/TransportError/StoreError with Ollama's texts where it has them. `pull`
// returns normally only after "success" was reported.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/registry/config.h"
#include "engine/registry/http_client.h"
#include "engine/registry/progress.h"
#include "engine/store/store.h"

namespace hearth::registry {

struct PullOptions {
  bool insecure = false;  // talk plain HTTP to the registry
};

class DownloadJob;

class Puller {
 public:
  Puller(store::ModelStore& store, RegistryConfig config);
  ~Puller();  // cancels downloads still running and waits for them
  Puller(const Puller&) = delete;
  Puller& operator=(const Puller&) = delete;

  void pull(std::string_view name, const PullOptions& options, const ProgressFn& progress,
            const Cancelled& cancelled = {});

  const RegistryConfig& config() const { return config_; }

 private:
  std::shared_ptr<DownloadJob> acquire(const store::ModelName& name, bool insecure, const store::Digest& digest,
                                       uint64_t size);

  store::ModelStore& store_;
  RegistryConfig config_;
  HttpClient client_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<DownloadJob>> jobs_;  // by digest hex
};

// The `CreateOptions::pull` hook of the store (a Modelfile `FROM` naming a model that is not in the
// store yet): pulls it, forwarding progress as store::Progress.
std::function<void(const store::ModelName&, const store::ProgressFn&)> create_pull_hook(Puller& puller,
                                                                                        Cancelled cancelled = {});

// Fetches and checks a manifest (shared by pull and tests): returns the registry's bytes.
// Throws RegistryError(NotFound, "pull model manifest: file does not exist") on 404.
std::string fetch_manifest(class RegistrySession& session, const store::ModelName& name, const TransferTuning& tuning);
// Parses and bounds-checks manifest bytes from a registry (layer count, sizes, digests).
store::Manifest parse_registry_manifest(std::string_view bytes, const std::string& source, const TransferTuning& tuning);

}  // namespace hearth::registry
