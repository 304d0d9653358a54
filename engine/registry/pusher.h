// engine/registry/pusher.h — `POST /api/push` and `hearth push`: upload a local model to the
// registry its name points at.
//
//   Pusher pusher(store, RegistryConfig::from_environment());
//   pusher.push("127.0.0.1:5000/library/tiny:latest", PushOptions{.insecure = true}, progress, cancelled);
//
// Progress lines (spec §2.11): "retrieving manifest", per blob (layers, then config)
// {"status":"pushing <12 hex>","digest":…,"total":…,"completed":…}, "pushing manifest", "success".
// Protocol (Docker Registry v2, spec §7): HEAD /v2/<ns>/<model>/blobs/<digest> (200 → already
// there); otherwise POST …/blobs/uploads/ → Location; blobs up to `upload_chunk_size` go in one
// `PUT <location>?digest=…`, larger ones in PATCH chunks with Content-Range followed by a closing
// PUT; finally PUT …/manifests/<tag> with the manifest file's exact bytes, so the model keeps its
// digest. Credentials come from the bearer-token flow (auth.h) with scope `pull,push`.
#pragma once

#include <string_view>

#include "engine/registry/config.h"
#include "engine/registry/http_client.h"
#include "engine/registry/progress.h"
#include "engine/store/store.h"

namespace hearth::registry {

struct PushOptions {
  bool insecure = false;
};

class Pusher {
 public:
  Pusher(store::ModelStore& store, RegistryConfig config);
  // Throws InvalidNameError / ModelNotFoundError (store) before any network traffic, RegistryError /
  // TransportError afterwards.
  void push(std::string_view name, const PushOptions& options, const ProgressFn& progress,
            const Cancelled& cancelled = {});

 private:
  store::ModelStore& store_;
  RegistryConfig config_;
  HttpClient client_;
};

}  // namespace hearth::registry
