// engine/store/store.h — hearth's Ollama-compatible model store (`$OLLAMA_MODELS`).
//
// The store is the directory Ollama uses (spec §6): manifests under
// `<root>/manifests/<host>/<namespace>/<model>/<tag>` and content-addressed blobs under
// `<root>/blobs/sha256-<hex>`. hearth reads stores Ollama wrote and writes files Ollama reads,
// byte for byte. `ModelStore` is the one object the server and CLI use:
//
//   ModelStore store(StoreConfig::from_environment());      // OLLAMA_MODELS, OLLAMA_NOPRUNE
//   store.startup_cleanup();                                  // once, when the server starts
//   for (const ListedModel& m : store.list()) ...             // GET /api/tags
//   ResolvedModel r = store.resolve("llama3.2");              // model GGUF path, template, params…
//   store.copy(src, dst);  store.remove(name);                // /api/copy, /api/delete
//   if (!store.blob_exists(d)) { BlobWriter w = store.begin_blob_upload(text);   // POST /api/blobs
//                                w.write(chunk)...; w.commit(); }
//   store.create(request, options, progress);                 // POST /api/create (create.h)
//
// Safety rules the implementation keeps:
//   * paths are only built from validated names (name.h) and validated digests;
//   * manifests are replaced atomically (temp file, fsync, rename, fsync of the directory);
//   * blobs are written to a temp file while hashed, verified, then renamed into place; an
//     existing blob is never rewritten;
//   * a blob is deleted only when no manifest references it, and never with `noprune`.
// Name lookups ignore ASCII case; the spelling already on disk wins (an existing `Llama3/latest`
// is found and reused for `llama3`).
//
// Thread safety: a ModelStore may be shared by server threads. Operations that write manifests or
// delete blobs take an internal lock; reads do not (they see either the old or the new manifest).
// Configuration is passed in (no environment reads except in `StoreConfig::from_environment`).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "engine/store/create.h"
#include "engine/store/errors.h"
#include "engine/store/fs_util.h"
#include "engine/store/manifest.h"
#include "engine/store/name.h"

namespace hearth::store {

struct StoreConfig {
  std::filesystem::path root;  // the models directory
  bool noprune = false;        // never delete blobs (OLLAMA_NOPRUNE)

  using Getenv = std::function<std::optional<std::string>(const std::string& name)>;
  // Reads OLLAMA_MODELS (default $HOME/.ollama/models) and OLLAMA_NOPRUNE. Values are trimmed of
  // spaces and surrounding quotes; booleans follow Go's ParseBool, any other non-empty value is
  // true (spec §8). Throws StoreError when neither OLLAMA_MODELS nor HOME is set.
  static StoreConfig from_environment();
  static StoreConfig from_environment(const Getenv& getenv);
};

// Test hook: called between writing a file's bytes and committing it ("manifest", "blob"), so a
// test can throw to simulate a crash at that point.
struct StoreHooks {
  FaultHook before_commit;
};

// One entry of list(): what /api/tags needs.
struct ListedModel {
  ModelName name;                                   // spelled as on disk
  std::string digest_hex;                           // SHA-256 of the manifest file bytes
  int64_t size = 0;                                 // layers + config
  std::chrono::system_clock::time_point modified;   // manifest mtime
  Manifest manifest;
  std::optional<ModelConfig> config;                // nullopt when the config blob is unreadable
};

// A model with everything the server needs to run or show it.
struct ResolvedModel {
  ModelName name;              // spelled as on disk
  std::string digest_hex;      // SHA-256 of the manifest bytes
  std::filesystem::path manifest_path;
  std::chrono::system_clock::time_point modified;
  Manifest manifest;
  ModelConfig config;
  std::filesystem::path model_path;                    // GGUF weights blob; empty when none
  std::string parent_model;                            // `from` of the weights layer
  std::vector<std::filesystem::path> projector_paths;  // vision/audio projectors (mmproj)
  std::vector<std::filesystem::path> adapter_paths;
  std::vector<std::filesystem::path> draft_paths;
  std::optional<std::string> template_text;            // nullopt: no template layer
  std::string system;
  Json params = Json::object();                        // params blob, keys in file order
  Json messages = Json::array();                       // [{"role","content"},…]
  std::vector<std::string> licenses;
};

struct BlobCommit {
  Digest digest;
  uint64_t size = 0;
  bool created = false;  // false: an identical blob was already there
};

class ModelStore;

// Streams bytes into a new blob: written to a temp file in blobs/ while hashed; `commit()`
// verifies the digest (when one was announced), then moves the file into place. Destroying an
// uncommitted writer deletes the temp file, so an interrupted upload leaves nothing behind.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept;
  ~BlobWriter();
  void write(std::span<const uint8_t> bytes);
  void write(std::string_view bytes) {
    write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  uint64_t bytes_written() const;
  // Throws DigestMismatchError (temp file removed, no blob created) when the hash differs.
  BlobCommit commit();
  void abort() noexcept;

 private:
  friend class ModelStore;
  struct State;
  explicit BlobWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

struct StartupOptions {
  // Unreferenced blobs younger than this are kept (an upload for a create may be in flight).
  std::chrono::seconds unreferenced_grace{3600};
  // Files in blobs/ that are not digests are removed when pruning, except those this predicate
  // claims: the registry keeps download partials so a pull interrupted by a crash resumes after
  // the restart (registry::startup_cleanup then removes the ones that cannot resume).
  std::function<bool(const std::string& file_name)> keep_non_digest;
};

struct StartupReport {
  int temp_files_removed = 0;     // hearth temp files left by an interrupted write
  int blobs_renamed = 0;          // blobs named sha256:<hex> renamed to sha256-<hex>
  int invalid_blobs_removed = 0;  // files in blobs/ that are not digests (stale partials)
  int unreferenced_blobs_removed = 0;
  bool pruned = false;            // false with noprune or when some manifest did not parse
  std::vector<std::string> warnings;
};

class ModelStore {
 public:
  explicit ModelStore(StoreConfig config, StoreHooks hooks = {});

  const std::filesystem::path& root() const { return config_.root; }
  bool noprune() const { return config_.noprune; }
  std::filesystem::path manifests_dir() const { return config_.root / "manifests"; }
  std::filesystem::path blobs_dir() const { return config_.root / "blobs"; }
  std::filesystem::path blob_path(const Digest& digest) const { return blobs_dir() / digest.file_name(); }
  // The manifest path for a name as spelled (not looking at the disk).
  std::filesystem::path manifest_path(const ModelName& name) const;

  // The name as spelled on disk (case-insensitive match, part by part), or nullopt.
  std::optional<ModelName> find_existing(const ModelName& name) const;
  // find_existing's spelling where parts exist on disk, the given spelling elsewhere.
  ModelName canonical_name(const ModelName& name) const;

  // Every valid manifest, newest first. Unparsable manifests are skipped (reported in `warnings`
  // when given).
  std::vector<ListedModel> list(std::vector<std::string>* warnings = nullptr) const;

  // Throws ModelNotFoundError (what(): "model '<as given>' not found"), InvalidNameError,
  // ManifestError, BlobNotFoundError (a referenced text/weights blob is missing).
  ResolvedModel resolve(const ModelName& name) const;
  ResolvedModel resolve(std::string_view name) const;
  // The manifest and its file bytes' digest; throws ModelNotFoundError.
  Manifest read_manifest(const ModelName& name, std::string* digest_hex = nullptr) const;

  // Copies the manifest file (blobs are shared); the destination is replaced.
  void copy(const ModelName& source, const ModelName& destination);
  // Removes the manifest and empty directories, then (unless noprune) the blobs no remaining
  // manifest references. Throws ModelNotFoundError.
  void remove(const ModelName& name);

  bool blob_exists(const Digest& digest) const;
  // A writer for a blob whose digest is known in advance (verified at commit) or not.
  BlobWriter begin_blob(std::optional<Digest> expected = std::nullopt);
  // POST /api/blobs/:digest semantics: `requested` must match Ollama's digest pattern
  // (InvalidDigestError otherwise) and the computed "sha256:<hex>" must equal it exactly — an
  // upper-case or `sha256-` spelling ends in DigestMismatchError, as with Ollama.
  BlobWriter begin_blob_upload(std::string_view requested);
  // True when a POST /api/blobs for `requested` needs no body (the blob is already present).
  bool upload_already_present(std::string_view requested) const;
  BlobCommit write_blob(std::string_view bytes);
  BlobCommit import_file(const std::filesystem::path& path);

  // Writes (atomically) a manifest for `name`, creating directories; returns the digest of the
  // bytes written. Refuses manifests whose blobs are missing.
  std::string write_manifest(const ModelName& name, const Manifest& manifest);

  // Deletes, among `candidates`, the blobs no manifest references (unless noprune). Returns the
  // digests deleted.
  std::vector<Digest> prune_blobs(const std::vector<Digest>& candidates);

  // Startup maintenance (spec §6.4): remove hearth temp files, rename `sha256:` blob names, and
  // unless noprune — and only if every manifest parses — delete stale unreferenced blobs and
  // files that are not digests, and empty manifest directories.
  StartupReport startup_cleanup(const StartupOptions& options = {});

  // POST /api/create (create.h). Reports progress through `progress` (ending with "success");
  // throws StoreError. Prunes blobs the replaced manifest no longer shares (unless noprune).
  CreateResult create(const CreateRequest& request, const CreateOptions& options, const ProgressFn& progress);
  // `ollama create NAME -f Modelfile` done in-process: parses the Modelfile, imports FROM files into
  // the store and creates. `relative_dir` resolves relative FROM paths. Warnings go to progress
  // as status lines prefixed "warning: ".
  CreateResult create_from_modelfile(std::string_view modelfile_text, const std::filesystem::path& relative_dir,
                                     const std::string& model_name, const CreateOptions& options,
                                     const ProgressFn& progress);

 private:
  friend class CreateJob;
  std::optional<std::filesystem::path> find_manifest_file(const ModelName& name, ModelName* spelled) const;
  std::vector<std::pair<ModelName, std::filesystem::path>> manifest_files() const;
  void prune_empty_manifest_dirs();
  std::vector<Digest> prune_blobs_locked(const std::vector<Digest>& candidates);
  std::string write_manifest_locked(const ModelName& name, const Manifest& manifest);

  StoreConfig config_;
  StoreHooks hooks_;
  mutable std::mutex write_mutex_;  // serialises manifest writes and blob deletion
};

}  // namespace hearth::store
