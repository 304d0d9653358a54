// engine/registry/cleanup.h — startup hygiene for interrupted downloads.
//
// The store's own `ModelStore::startup_cleanup` removes hearth temp files and, when pruning is on
// and every manifest parses, every file in blobs/ that is not a digest. Ollama deletes download
// partials there too; hearth keeps them (StartupOptions::keep_non_digest) so that a pull cut by a
// crash or SIGKILL of the server resumes after the restart, and sorts them with
// cleanup_partial_downloads, with or without pruning: a download that can still resume (data
// file plus a consistent set of part states of the right size) is kept; anything else is garbage
// and removed — state files without data, data without states, inconsistent parts, and partials of
// blobs that already exist. Files of a download running in this or another process (the data file
// is locked) are never touched.
//
//   StartupCleanup r = registry::startup_cleanup(store);   // instead of store.startup_cleanup()
#pragma once

#include <string>
#include <vector>

#include "engine/store/store.h"

namespace hearth::registry {

struct PartialCleanupReport {
  int files_removed = 0;
  int resumable_kept = 0;  // downloads left in place to resume
  std::vector<std::string> warnings;
};

PartialCleanupReport cleanup_partial_downloads(const store::ModelStore& store);

struct StartupCleanup {
  store::StartupReport store;
  PartialCleanupReport partials;
};

// `store.startup_cleanup(options)` followed by `cleanup_partial_downloads(store)`.
StartupCleanup startup_cleanup(store::ModelStore& store, const store::StartupOptions& options = {});

}  // namespace hearth::registry
