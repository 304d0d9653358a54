// engine/registry/progress.h — the progress objects pull and push report, exactly as Ollama sends
// them on /api/pull and /api/push (one NDJSON line each):
//
//   {"status":"pulling manifest"}
//   {"status":"pulling dde5aa3fc5ff","digest":"sha256:dde5…","total":2019377376,"completed":241970}
//
// `total` and `completed` are omitted when zero (Go's omitempty). The callback is always invoked
// on the thread that called pull()/push(), never concurrently, so a route can write each object
// straight to its response stream.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/json.h"
#include "engine/store/name.h"

namespace hearth::registry {

using ProgressFn = std::function<void(const Json& progress)>;

inline Json progress_status(std::string status) { return Json::object({{"status", std::move(status)}}); }

inline Json progress_blob(std::string status, const store::Digest& digest, uint64_t total, uint64_t completed) {
  Json j = Json::object({{"status", std::move(status)}, {"digest", digest.str()}});
  if (total) j["total"] = static_cast<int64_t>(total);
  if (completed) j["completed"] = static_cast<int64_t>(completed);
  return j;
}

// The 12 hex characters Ollama shows for a blob (`digest[7:19]`).
inline std::string short_digest(const store::Digest& digest) { return digest.hex().substr(0, 12); }

}  // namespace hearth::registry
