// ModelStore: names → manifests, listing, resolving, copy, delete and pruning.
#include "engine/store/store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <set>

#include "engine/store/sha256.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

// Manifests and config blobs are small; anything larger is not one of ours.
constexpr uint64_t kMaxManifestBytes = 16ull << 20;
// Text layers (template, system, license, params, messages).
constexpr uint64_t kMaxTextBlobBytes = 64ull << 20;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string trim_env(std::string s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && is_space(s.back())) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  s = s.substr(b);
  auto is_quote = [](char c) { return c == '"' || c == '\''; };
  while (!s.empty() && is_quote(s.back())) s.pop_back();
  b = 0;
  while (b < s.size() && is_quote(s[b])) ++b;
  return s.substr(b);
}

std::chrono::system_clock::time_point mtime_of(const fs::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return {};
  auto d = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(d));
}

bool is_temp_name(const std::string& name) { return name.rfind(std::string(kTempPrefix), 0) == 0; }

// Every "sha256:<64 lowercase hex>" mentioned in a text. Used to keep blobs a damaged manifest may
// still reference: pruning must never delete what something might need.
void collect_digest_mentions(std::string_view text, std::set<std::string>& out) {
  std::size_t pos = 0;
  while ((pos = text.find("sha256", pos)) != std::string_view::npos) {
    if (pos + 71 <= text.size()) {
      if (std::optional<Digest> d = Digest::try_parse(text.substr(pos, 71))) out.insert(d->hex());
    }
    pos += 6;
  }
}

// The child of `dir` named `part`, matched exactly first and case-insensitively otherwise.
std::optional<std::string> find_child(const fs::path& dir, const std::string& part, NamePart kind, bool want_dir) {
  std::error_code ec;
  fs::file_status st = fs::status(dir / part, ec);
  if (!ec && (want_dir ? fs::is_directory(st) : fs::is_regular_file(st))) return part;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  std::optional<std::string> found;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!equal_fold(name, part) || !is_valid_name_part(kind, name)) continue;
    std::error_code ec2;
    if (want_dir ? e.is_directory(ec2) : e.is_regular_file(ec2)) {
      // Several spellings on disk: take the smallest for a stable answer.
      if (!found || name < *found) found = name;
    }
  }
  return found;
}

}  // namespace

StoreConfig StoreConfig::from_environment() {
  return from_environment([](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  });
}

StoreConfig StoreConfig::from_environment(const Getenv& getenv) {
  StoreConfig c;
  std::string models = trim_env(getenv("OLLAMA_MODELS").value_or(""));
  if (!models.empty()) {
    c.root = models;
  } else {
    std::string home = getenv("HOME").value_or("");
    if (home.empty()) throw StoreError(ErrorKind::Internal, "$HOME is not defined and OLLAMA_MODELS is not set");
    c.root = fs::path(home) / ".ollama" / "models";
  }
  std::string noprune = trim_env(getenv("OLLAMA_NOPRUNE").value_or(""));
  if (!noprune.empty()) {
    // Go's ParseBool; any value it rejects counts as true.
    c.noprune = !(noprune == "0" || noprune == "f" || noprune == "F" || noprune == "false" || noprune == "FALSE" ||
                  noprune == "False");
  }
  return c;
}

ModelStore::ModelStore(StoreConfig config, StoreHooks hooks) : config_(std::move(config)), hooks_(std::move(hooks)) {
  if (config_.root.empty()) throw StoreError(ErrorKind::Internal, "model store root is empty");
}

fs::path ModelStore::manifest_path(const ModelName& name) const { return manifests_dir() / name.manifest_relpath(); }

std::optional<fs::path> ModelStore::find_manifest_file(const ModelName& name, ModelName* spelled) const {
  if (!name.is_valid()) throw InvalidNameError(name.full());
  ModelName out = name;
  fs::path dir = manifests_dir();
  auto step = [&](std::string& part, NamePart kind, bool want_dir) {
    std::optional<std::string> child = find_child(dir, part, kind, want_dir);
    if (!child) return false;
    part = *child;
    dir /= *child;
    return true;
  };
  if (!step(out.host, NamePart::Host, true) || !step(out.ns, NamePart::Namespace, true) ||
      !step(out.model, NamePart::Model, true) || !step(out.tag, NamePart::Tag, false))
    return std::nullopt;
  if (spelled) *spelled = out;
  return dir;
}

std::optional<ModelName> ModelStore::find_existing(const ModelName& name) const {
  ModelName spelled;
  if (!find_manifest_file(name, &spelled)) return std::nullopt;
  return spelled;
}

ModelName ModelStore::canonical_name(const ModelName& name) const {
  if (!name.is_valid()) throw InvalidNameError(name.full());
  ModelName out = name;
  fs::path dir = manifests_dir();
  struct Level {
    std::string* part;
    NamePart kind;
    bool is_dir;
  } levels[] = {{&out.host, NamePart::Host, true},
                {&out.ns, NamePart::Namespace, true},
                {&out.model, NamePart::Model, true},
                {&out.tag, NamePart::Tag, false}};
  for (const Level& l : levels) {
    std::optional<std::string> child = find_child(dir, *l.part, l.kind, l.is_dir);
    if (!child) break;  // below a new directory every part is new: keep the given spelling
    *l.part = *child;
    dir /= *child;
  }
  return out;
}

std::vector<std::pair<ModelName, fs::path>> ModelStore::manifest_files() const {
  std::vector<std::pair<ModelName, fs::path>> out;
  std::error_code ec;
  fs::path root = manifests_dir();
  if (!fs::is_directory(root, ec)) return out;
  // manifests/<host>/<namespace>/<model>/<tag>, like Ollama's glob of */*/*/*.
  for (const auto& h : fs::directory_iterator(root, ec)) {
    if (!h.is_directory(ec)) continue;
    for (const auto& n : fs::directory_iterator(h.path(), ec)) {
      if (!n.is_directory(ec)) continue;
      for (const auto& m : fs::directory_iterator(n.path(), ec)) {
        if (!m.is_directory(ec)) continue;
        for (const auto& t : fs::directory_iterator(m.path(), ec)) {
          if (!t.is_regular_file(ec)) continue;
          ModelName name{"", h.path().filename().string(), n.path().filename().string(),
                         m.path().filename().string(), t.path().filename().string()};
          if (!name.is_valid()) continue;
          out.emplace_back(std::move(name), t.path());
        }
      }
    }
  }
  return out;
}

std::vector<ListedModel> ModelStore::list(std::vector<std::string>* warnings) const {
  std::vector<ListedModel> out;
  for (auto& [name, path] : manifest_files()) {
    try {
      std::string bytes = read_file_limited(path, kMaxManifestBytes);
      Manifest m = Manifest::parse(bytes, path.string());
      ListedModel lm{name, sha256_hex(bytes), m.total_size(), mtime_of(path), m, std::nullopt};
      if (m.config) {
        try {
          lm.config = ModelConfig::parse(read_file_limited(blob_path(m.config->digest), kMaxManifestBytes),
                                         blob_path(m.config->digest).string());
        } catch (const StoreError& e) {
          if (warnings) warnings->push_back(e.what());
        }
      }
      out.push_back(std::move(lm));
    } catch (const StoreError& e) {
      if (warnings) warnings->push_back(e.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const ListedModel& a, const ListedModel& b) {
    if (a.modified != b.modified) return a.modified > b.modified;
    return a.name.full() < b.name.full();
  });
  return out;
}

Manifest ModelStore::read_manifest(const ModelName& name, std::string* digest_hex) const {
  std::optional<fs::path> path = find_manifest_file(name, nullptr);
  if (!path) throw ModelNotFoundError(name.display_shortest());
  std::string bytes = read_file_limited(*path, kMaxManifestBytes);
  if (digest_hex) *digest_hex = sha256_hex(bytes);
  return Manifest::parse(bytes, path->string());
}

ResolvedModel ModelStore::resolve(std::string_view name) const {
  std::optional<ModelName> n = ModelName::try_parse(name);
  if (!n) throw InvalidNameError(std::string(name));
  std::optional<fs::path> path = find_manifest_file(*n, nullptr);
  if (!path) throw ModelNotFoundError(std::string(name));
  return resolve(*n);
}

ResolvedModel ModelStore::resolve(const ModelName& name) const {
  ResolvedModel r;
  std::optional<fs::path> path = find_manifest_file(name, &r.name);
  if (!path) throw ModelNotFoundError(name.display_shortest());
  r.manifest_path = *path;
  std::string bytes = read_file_limited(*path, kMaxManifestBytes);
  r.digest_hex = sha256_hex(bytes);
  r.modified = mtime_of(*path);
  r.manifest = Manifest::parse(bytes, path->string());
  if (r.manifest.config) {
    fs::path cp = blob_path(r.manifest.config->digest);
    if (!fs::exists(cp))
      throw BlobNotFoundError(r.manifest.config->digest.str(),
                              "config blob " + r.manifest.config->digest.str() + " of " + r.name.full() + " is missing");
    r.config = ModelConfig::parse(read_file_limited(cp, kMaxManifestBytes), cp.string());
  }
  auto text_of = [&](const Layer& l) {
    fs::path p = blob_path(l.digest);
    if (!fs::exists(p))
      throw BlobNotFoundError(l.digest.str(), "blob " + l.digest.str() + " (" + l.media_type + ") of " + r.name.full() +
                                                  " is missing");
    return read_file_limited(p, kMaxTextBlobBytes);
  };
  for (const Layer& l : r.manifest.layers) {
    const std::string& t = l.media_type;
    if (t == media_type::kModel) {
      r.model_path = blob_path(l.digest);
      r.parent_model = l.from;
      if (!fs::exists(r.model_path))
        throw BlobNotFoundError(l.digest.str(), "model blob " + l.digest.str() + " of " + r.name.full() + " is missing");
    } else if (t == media_type::kProjector) {
      r.projector_paths.push_back(blob_path(l.digest));
    } else if (t == media_type::kAdapter) {
      r.adapter_paths.push_back(blob_path(l.digest));
    } else if (t == media_type::kDraft) {
      r.draft_paths.push_back(blob_path(l.digest));
    } else if (t == media_type::kTemplate || t == media_type::kPrompt) {
      r.template_text = text_of(l);
    } else if (t == media_type::kSystem) {
      r.system = text_of(l);
    } else if (t == media_type::kLicense) {
      r.licenses.push_back(text_of(l));
    } else if (t == media_type::kParams || t == media_type::kMessages) {
      std::string text = text_of(l);
      Json v;
      try {
        v = Json::parse(text);
      } catch (const JsonError& e) {
        throw ManifestError(blob_path(l.digest).string() + ": " + e.what());
      }
      if (t == media_type::kParams) {
        if (!v.is_object() && !v.is_null())
          throw ManifestError(blob_path(l.digest).string() + ": params blob is not a JSON object");
        r.params = v.is_null() ? Json::object() : v;
      } else {
        if (!v.is_array() && !v.is_null())
          throw ManifestError(blob_path(l.digest).string() + ": messages blob is not a JSON array");
        r.messages = v.is_null() ? Json::array() : v;
      }
    }
    // Other media types (embed, tensor, json, future ones) are kept in the manifest and ignored.
  }
  return r;
}

bool ModelStore::blob_exists(const Digest& digest) const {
  std::error_code ec;
  return fs::is_regular_file(blob_path(digest), ec);
}

std::string ModelStore::write_manifest_locked(const ModelName& name, const Manifest& manifest) {
  for (const Digest& d : manifest.referenced_digests())
    if (!blob_exists(d))
      throw BlobNotFoundError(d.str(), "cannot write manifest for " + name.full() + ": blob " + d.str() + " is missing");
  make_directories(manifests_dir());
  std::string bytes = manifest.serialize();
  write_file_atomically(manifests_dir() / canonical_name(name).manifest_relpath(), bytes, manifests_dir(),
                        hooks_.before_commit, "manifest");
  return sha256_hex(bytes);
}

std::string ModelStore::write_manifest(const ModelName& name, const Manifest& manifest) {
  std::lock_guard lock(write_mutex_);
  return write_manifest_locked(name, manifest);
}

void ModelStore::copy(const ModelName& source, const ModelName& destination) {
  std::lock_guard lock(write_mutex_);
  std::optional<fs::path> src = find_manifest_file(source, nullptr);
  if (!src) throw ModelNotFoundError(source.display_shortest());
  ModelName dst = canonical_name(destination);
  fs::path dst_path = manifests_dir() / dst.manifest_relpath();
  std::error_code ec;
  if (fs::exists(dst_path, ec) && fs::equivalent(*src, dst_path, ec)) return;  // same manifest
  std::string bytes = read_file_limited(*src, kMaxManifestBytes);
  Manifest::parse(bytes, src->string());  // refuse to spread a damaged manifest
  write_file_atomically(dst_path, bytes, manifests_dir(), hooks_.before_commit, "manifest");
}

std::vector<Digest> ModelStore::prune_blobs_locked(const std::vector<Digest>& candidates) {
  std::vector<Digest> removed;
  if (config_.noprune || candidates.empty()) return removed;
  std::set<std::string> in_use;
  for (auto& [name, path] : manifest_files()) {
    try {
      collect_digest_mentions(read_file_limited(path, kMaxManifestBytes), in_use);
    } catch (const StoreError&) {
      // An unreadable manifest could reference anything: delete nothing.
      return removed;
    }
  }
  for (const Digest& d : candidates) {
    if (in_use.count(d.hex())) continue;
    if (::unlink(blob_path(d).c_str()) == 0) removed.push_back(d);
  }
  return removed;
}

std::vector<Digest> ModelStore::prune_blobs(const std::vector<Digest>& candidates) {
  std::lock_guard lock(write_mutex_);
  return prune_blobs_locked(candidates);
}

void ModelStore::prune_empty_manifest_dirs() {
  // Depth-first: remove directories that are empty once their children are pruned. The
  // manifests/ root itself stays.
  std::function<bool(const fs::path&)> prune = [&](const fs::path& dir) -> bool {
    std::error_code ec;
    bool empty = true;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_symlink(ec)) {
        empty = false;
      } else if (e.is_directory(ec)) {
        if (!prune(e.path())) empty = false;
      } else {
        empty = false;
      }
    }
    if (ec) return false;
    if (empty && dir != manifests_dir()) return ::rmdir(dir.c_str()) == 0;
    return false;
  };
  std::error_code ec;
  if (fs::is_directory(manifests_dir(), ec)) prune(manifests_dir());
}

void ModelStore::remove(const ModelName& name) {
  std::lock_guard lock(write_mutex_);
  std::optional<fs::path> path = find_manifest_file(name, nullptr);
  if (!path) throw ModelNotFoundError(name.display_shortest());
  std::vector<Digest> candidates;
  try {
    candidates = Manifest::parse(read_file_limited(*path, kMaxManifestBytes), path->string()).referenced_digests();
  } catch (const StoreError&) {
    // A damaged manifest is still removed; its blobs are left for the startup prune.
  }
  if (::unlink(path->c_str()) != 0)
    throw StoreError(ErrorKind::Internal, "remove " + path->string() + ": " + std::strerror(errno));
  fsync_directory(path->parent_path());
  prune_empty_manifest_dirs();
  prune_blobs_locked(candidates);
}

StartupReport ModelStore::startup_cleanup(const StartupOptions& options) {
  std::lock_guard lock(write_mutex_);
  StartupReport report;
  std::error_code ec;
  make_directories(blobs_dir());
  make_directories(manifests_dir());

  // Directory listings are taken before anything is renamed or deleted in them.
  auto snapshot = [&](const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
    return out;
  };
  // 1. Temp files of interrupted hearth writes (blobs/ and the top of manifests/).
  for (const fs::path& dir : {blobs_dir(), manifests_dir()}) {
    for (const fs::path& p : snapshot(dir)) {
      if (is_temp_name(p.filename().string()) && ::unlink(p.c_str()) == 0) ++report.temp_files_removed;
    }
  }
  // 2. Blobs named with ':' (older Ollama on some systems) get the '-' name.
  for (const fs::path& p : snapshot(blobs_dir())) {
    std::string n = p.filename().string();
    if (n.size() != 71 || n.compare(0, 7, "sha256:") != 0) continue;
    std::optional<Digest> d = Digest::try_parse(n);
    if (!d) continue;
    fs::path target = blob_path(*d);
    if (fs::exists(target)) {
      ::unlink(p.c_str());
    } else if (::rename(p.c_str(), target.c_str()) != 0) {
      report.warnings.push_back("could not rename " + p.string());
      continue;
    }
    ++report.blobs_renamed;
  }
  if (config_.noprune) return report;

  // 3. Pruning, only when every manifest parses (otherwise a damaged manifest's blobs would go).
  std::set<std::string> in_use;
  for (auto& [name, path] : manifest_files()) {
    try {
      std::string bytes = read_file_limited(path, kMaxManifestBytes);
      Manifest m = Manifest::parse(bytes, path.string());
      for (const Digest& d : m.referenced_digests()) in_use.insert(d.hex());
    } catch (const StoreError& e) {
      report.warnings.push_back(std::string("not pruning: ") + e.what());
      return report;
    }
  }
  report.pruned = true;
  auto now = std::chrono::system_clock::now();
  for (const fs::path& p : snapshot(blobs_dir())) {
    std::string n = p.filename().string();
    if (!fs::is_regular_file(fs::symlink_status(p, ec))) continue;
    std::optional<Digest> d = Digest::try_parse(n);
    if (!d || n.compare(0, 7, "sha256-") != 0) {
      if (options.keep_non_digest && options.keep_non_digest(n)) continue;
      if (::unlink(p.c_str()) == 0) ++report.invalid_blobs_removed;
      continue;
    }
    if (in_use.count(d->hex())) continue;
    if (now - mtime_of(p) < options.unreferenced_grace) continue;
    if (::unlink(p.c_str()) == 0) ++report.unreferenced_blobs_removed;
  }
  prune_empty_manifest_dirs();
  return report;
}

}  // namespace hearth::store
