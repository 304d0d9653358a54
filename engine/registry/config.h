// engine/registry/config.h — settings for pulling and pushing, with Ollama's defaults.
//
// `RegistryConfig::from_environment()` is what the server uses; tests build one by hand to shrink
// part sizes and intervals. Tuning defaults follow Ollama's downloader (parts of total/16 clamped
// to 100–1000 MB, at most 16 in parallel, 6 retries with 1, 2, 4… s backoff, a progress line about
// every 60 ms); the rest are hearth's safety limits.
//
// Environment (besides HOME for the key):
//   HEARTH_REGISTRY_AUTH_HOSTS  comma-separated "host[:port]" list of extra hosts allowed to issue
//                               tokens (the registry's own host always is)
//   HEARTH_REGISTRY_CA_FILE     extra PEM CA certificates for private registries (SSL_CERT_FILE
//                               and SSL_CERT_DIR are honoured by OpenSSL as usual)
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/registry/http_client.h"

namespace hearth::registry {

struct TransferTuning {
  int max_parallel_parts = 16;
  uint64_t min_part_size = 100'000'000;
  uint64_t max_part_size = 1'000'000'000;
  int part_retries = 6;                                  // attempts after the first
  std::chrono::milliseconds retry_backoff{1000};         // doubled after each failed attempt
  // How often part progress is persisted: a crash re-downloads at most this much time of transfer.
  std::chrono::milliseconds state_save_interval{250};
  std::chrono::milliseconds progress_interval{60};
  uint64_t upload_chunk_size = 100'000'000;              // push: larger blobs go up in PATCH parts
  std::size_t max_layers = 1024;                         // a manifest with more is refused
  uint64_t max_manifest_bytes = 4u << 20;
  uint64_t max_blob_size = 1ull << 42;                   // 4 TiB: sizes beyond are refused as hostile
};

struct RegistryConfig {
  HttpClientConfig http;
  TransferTuning tuning;
  std::vector<std::string> auth_realm_hosts;  // "host[:port]", lower case
  std::filesystem::path key_path;             // Ollama's ~/.ollama/id_ed25519 (used when present)

  using Getenv = std::function<std::optional<std::string>(const std::string& name)>;
  static RegistryConfig from_environment();
  static RegistryConfig from_environment(const Getenv& getenv);
};

// "ollama/0.33.0 (amd64 linux) Go/go1.24.0 hearth/<version>": registries tailor answers to the
// client's Ollama version (ollama.com refuses models needing a newer one), so hearth names the
// Ollama release whose behaviour it implements.
std::string default_user_agent();

}  // namespace hearth::registry
