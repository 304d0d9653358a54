// tests/store/store_test_util.h — helpers shared by the store suite: a self-deleting temporary
// directory, small file I/O, and a store laid out by hand the way Ollama writes one.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace hearth::store::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hearth-store-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline std::string read_text(const std::filesystem::path& p) { return hearth::test::read_file(p); }

// Names of the files directly inside a directory (sorted).
inline std::vector<std::string> entries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The fixture every create/show test uses, and facts about it computed outside hearth (sha256sum,
// and a Python GGUF header dump): SHA-256, byte size; it has 5245184 tensor elements,
// general.file_type 15 (Q4_K_M) and architecture llama.
inline const char* kTinyModel = "models/llama-spm-tiny.q4_k_m.gguf";
inline const char* kTinyModelHex = "37d41d4eda669365cd660e88483f5024ca2d7dca03cf7d522cdda9ce92d03aed";
inline constexpr uint64_t kTinyModelSize = 3436864;

}  // namespace hearth::store::test
