// engine/store/sha256.h — streaming SHA-256 (FIPS 180-4) for content-addressed blobs.
//
// The model store names every blob by the SHA-256 of its bytes, so digests are computed while
// data streams past (an HTTP upload, a file copy) without ever holding a whole file in memory:
//
//   hearth::store::Sha256 h;
//   h.update(chunk1); h.update(chunk2);
//   std::string hex = h.hex_digest();   // 64 lowercase hex characters
//
// `hex_digest()` finalises the state; `update` after it throws std::logic_error. A file helper
// hashes a path in fixed-size reads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace hearth::store {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  void update(std::string_view text) {
    update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  // Finalises and returns the 32-byte digest (callable once).
  std::array<uint8_t, 32> digest();
  // Finalises and returns the digest as 64 lowercase hex characters (callable once).
  std::string hex_digest();
  uint64_t bytes_hashed() const { return total_bytes_; }

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

// Lowercase hex of the SHA-256 of a byte string / of a file's contents (throws
// std::system_error when the file cannot be read).
std::string sha256_hex(std::string_view bytes);
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace hearth::store
