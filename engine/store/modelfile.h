// engine/store/modelfile.h — the Modelfile language: parsing, PARAMETER typing, generation.
//
// A Modelfile is a list of commands, one per line (case-insensitive command words):
//
//   # comment
//   FROM llama3.2                       (a model name, a local .gguf path/dir, or sha256:<hex>)
//   PARAMETER temperature 0.7           (typed per spec §3.2; repeated `stop` accumulates)
//   TEMPLATE """{{ .System }} ..."""     (values may be "quoted" or """multi-line""")
//   SYSTEM You are helpful.
//   LICENSE """..."""                   (repeatable)
//   MESSAGE user Is Toronto in Canada?  (roles: system, user, assistant)
//   ADAPTER ./lora.gguf                 (parsed; creating with it fails: not supported)
//   RENDERER / PARSER / REQUIRES <text>
//
// `Modelfile::parse` is a port of Ollama's parser state machine, so the same texts are accepted
// and rejected with the same messages: "(line N): command must be one of ...", "(line N):
// message role must be one of ...", "unexpected EOF", "no FROM line". Command names come back
// normalised: FROM → "model", other commands lower-cased, a PARAMETER keeps its parameter name,
// MESSAGE args are "role: content".
//
// `modelfile_to_request` turns a parsed Modelfile into the /api/create request (create.h) the way
// the Ollama CLI does: FROM paths that exist become `files` (digested by the given function — the
// CLI hashes for upload, the store imports), other FROM values become `from`, PARAMETERs are typed
// (`parse_parameter`), deprecated parameters produce warnings. `format_command` / `quote_value`
// write commands back out exactly as `ollama show --modelfile` does.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "engine/store/create.h"
#include "engine/store/name.h"

namespace hearth::store {

struct ModelfileCommand {
  std::string name;  // "model", "adapter", "template", "system", "license", "renderer", "parser",
                     // "requires", "message", or a parameter name
  std::string args;
  bool operator==(const ModelfileCommand&) const = default;
};

struct Modelfile {
  std::vector<ModelfileCommand> commands;

  // Throws ModelfileError. Accepts UTF-8 (a BOM is skipped) and UTF-16 with a BOM.
  static Modelfile parse(std::string_view text);
  // The commands written back, one per line (each line ends with "\n").
  std::string to_string() const;
};

// Ollama's quote(): values with a newline or a leading/trailing space are wrapped in """…""" when
// they contain a double quote and in "…" otherwise; everything else is written bare.
std::string quote_value(std::string_view s);
// "FROM x", "TEMPLATE <quoted>", "MESSAGE role <quoted content>", "PARAMETER name <quoted>".
std::string format_command(const ModelfileCommand& command);

// Result of typing one PARAMETER value.
struct TypedParameter {
  Json value;            // number, bool, string or (for stop) a one-element array
  bool deprecated = false;  // a removed option: skipped with a warning, `value` is null
};
// Types `value` by the option's kind (spec §3.1/§3.2): int (num_ctx, num_predict, seed, top_k, …),
// float (temperature, top_p, …), bool (use_mmap), string array (stop). Throws
// StoreError(BadRequest): "unknown parameter 'X'", "invalid int value [v]", "invalid float value
// [v]", "invalid bool value [v]".
TypedParameter parse_parameter(const std::string& name, const std::string& value);
// Whether `name` is an option hearth knows (for request option validation by other modules).
bool is_known_parameter(std::string_view name);

// A local file a Modelfile FROM points at, as it goes into CreateRequest::files.
struct LocalModelFile {
  std::string key;                  // the file's base name, the key in `files`
  std::filesystem::path path;       // resolved absolute path
  std::string digest;               // "sha256:<hex>"
};

struct ModelfileRequest {
  CreateRequest request;
  std::vector<LocalModelFile> local_files;  // files the caller must make available as blobs
  std::vector<std::string> warnings;        // e.g. "parameter mirostat is deprecated"
};

// Digests a local file ("sha256:<hex>"); the CLI uses a plain hash, the store imports the file.
using FileDigestFn = std::function<std::string(const std::filesystem::path&)>;

// Builds the create request for `model_name`. FROM resolution: `~`/`~user` expand to home
// directories, relative paths are relative to `relative_dir`; an existing file is one GGUF, an
// existing directory contributes its *.gguf files; `sha256:<hex>`/`sha256-<hex>` names a blob
// already in the store; anything else is a model name for `from`. ADAPTER fails with "LoRA adapters
// are no longer supported". Throws StoreError / ModelfileError.
ModelfileRequest modelfile_to_request(const Modelfile& modelfile, const std::filesystem::path& relative_dir,
                                      const std::string& model_name, const FileDigestFn& digest_file);

}  // namespace hearth::store
