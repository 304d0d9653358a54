// engine/store/manifest.h — Ollama image manifests and config blobs, read and written byte-exactly.
//
// A model in the store is a manifest file (`<root>/manifests/<host>/<ns>/<model>/<tag>`) naming a
// config blob and an ordered list of layer blobs by digest (spec §6.2):
//
//   {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
//    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:…","size":561},
//    "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:…","size":2019377376},…]}
//
// `Manifest::parse` reads any manifest Ollama reads (pulled ones keep registry formatting; unknown
// keys are ignored, unknown layer media types are kept). Every digest is validated with
// `Digest::parse` while parsing, so a manifest can never make the store build a path from
// unchecked text. `Manifest::serialize` writes what Ollama's `json.NewEncoder(f).Encode(m)`
// writes for a locally created model: compact JSON, Go escaping, keys in Go struct order, `from`
// and `name` only when non-empty, and a trailing "\n".
//
// `ModelConfig` is the config blob (Ollama's model.ConfigV2): model_format, model_family,
// model_families, model_type (the parameter size, "3.2B"), file_type (the quantization, "Q4_K_M"),
// optional renderer/parser/requires/remote/capabilities/context_length/embedding_length/base_name,
// then architecture, os and rootfs. It serialises in that field order with omitempty rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/store/name.h"

namespace hearth::store {

namespace media_type {
inline constexpr std::string_view kManifestV2 = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kModel = "application/vnd.ollama.image.model";
inline constexpr std::string_view kTemplate = "application/vnd.ollama.image.template";
inline constexpr std::string_view kPrompt = "application/vnd.ollama.image.prompt";  // legacy template
inline constexpr std::string_view kSystem = "application/vnd.ollama.image.system";
inline constexpr std::string_view kParams = "application/vnd.ollama.image.params";
inline constexpr std::string_view kLicense = "application/vnd.ollama.image.license";
inline constexpr std::string_view kMessages = "application/vnd.ollama.image.messages";
inline constexpr std::string_view kAdapter = "application/vnd.ollama.image.adapter";
inline constexpr std::string_view kProjector = "application/vnd.ollama.image.projector";
inline constexpr std::string_view kDraft = "application/vnd.ollama.image.draft";
inline constexpr std::string_view kEmbed = "application/vnd.ollama.image.embed";  // deprecated, ignored
}  // namespace media_type

struct Layer {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::string from;  // source model or file name (optional)
  std::string name;  // tensor name for safetensors layers (optional, preserved)
};

struct Manifest {
  int64_t schema_version = 2;
  std::string media_type = std::string(media_type::kManifestV2);
  std::optional<Layer> config;
  std::vector<Layer> layers;

  // Parses manifest bytes. `source` names the file in error messages. Throws ManifestError.
  static Manifest parse(std::string_view bytes, const std::string& source);
  // The exact bytes Ollama writes for this manifest (ends with "\n").
  std::string serialize() const;

  // Sum of every layer's size plus the config's (what /api/tags reports as `size`).
  int64_t total_size() const;
  // First layer of a media type, or nullptr.
  const Layer* find_layer(std::string_view media_type) const;
  // Digests of the config and every layer (with repetitions removed), for reference counting.
  std::vector<Digest> referenced_digests() const;
};

struct RootFs {
  std::string type;
  std::optional<std::vector<std::string>> diff_ids;  // nullopt serialises as null
};

struct ModelConfig {
  std::string model_format;
  std::string model_family;
  std::optional<std::vector<std::string>> model_families;  // nullopt serialises as null
  std::string model_type;  // parameter size, e.g. "3.2B"
  std::string file_type;   // quantization level, e.g. "Q4_K_M"
  std::string renderer;
  std::string parser;
  std::string requires_version;  // JSON key "requires"
  std::string remote_host;
  std::string remote_model;
  std::vector<std::string> capabilities;
  int64_t context_length = 0;
  int64_t embedding_length = 0;
  std::string base_name;
  std::string architecture;
  std::string os;
  RootFs rootfs;

  // What Ollama's create starts from: architecture amd64, os linux, rootfs type "layers".
  static ModelConfig for_new_model();
  // Parses a config blob; throws ManifestError naming `source`.
  static ModelConfig parse(std::string_view bytes, const std::string& source);
  // json.NewEncoder(..).Encode(config) bytes (ends with "\n").
  std::string serialize() const;
};

}  // namespace hearth::store
