// engine/registry/part_state.h — the on-disk state of an interrupted download (Ollama's layout).
//
// While `blobs/sha256-<hex>` downloads, its bytes go to `blobs/sha256-<hex>-partial` (pre-sized,
// sparse, each part written at its own offset) and the progress of part N to
// `blobs/sha256-<hex>-partial-<N>` as `{"N":0,"Offset":0,"Size":100000000,"Completed":4096}` —
// the same files and field names Ollama writes, so either program can resume the other's
// download. A part's `Completed` is only ever written after its bytes were written, so a state
// file never claims data that is not in the partial file (a power loss can still lose page-cache
// data: the digest check before the final rename catches that, and the blob is fetched again).
// State files are replaced atomically (temp file + rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/registry/config.h"
#include "engine/store/name.h"

namespace hearth::registry {

struct PartState {
  int n = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t completed = 0;
};

std::filesystem::path partial_data_path(const std::filesystem::path& blobs_dir, const store::Digest& digest);
std::filesystem::path part_state_path(const std::filesystem::path& blobs_dir, const store::Digest& digest, int n);

// Ollama's split: parts of total/16 clamped to [min_part_size, max_part_size], the last one shorter.
std::vector<PartState> plan_parts(uint64_t total, const TransferTuning& tuning);

// The saved parts of a download, or nullopt when there are none or they do not describe `total`
// bytes as consecutive parts 0..N-1 (then the caller starts over).
std::optional<std::vector<PartState>> load_part_states(const std::filesystem::path& blobs_dir,
                                                       const store::Digest& digest, uint64_t total);
// Throws RegistryError(Storage) when the file cannot be written.
void save_part_state(const std::filesystem::path& blobs_dir, const store::Digest& digest, const PartState& part);
// Deletes every `-partial-<N>` state file of the digest (not the data file).
void remove_part_states(const std::filesystem::path& blobs_dir, const store::Digest& digest);

// True for names of download leftovers: `sha256-<64 hex>-partial` and `…-partial-<N>`; `digest_hex`
// receives the hex when given.
bool is_partial_name(const std::string& file_name, std::string* digest_hex = nullptr);

}  // namespace hearth::registry
