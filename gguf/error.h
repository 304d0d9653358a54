// gguf/error.h — the one exception type the GGUF reader throws.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace hearth::gguf {

// A file that breaks a rule of the format. what() reads "<file>: at offset <N>: <rule>", so the
// message alone tells a user which file, where, and what is wrong.
class GgufError : public std::runtime_error {
 public:
  GgufError(std::string file, uint64_t offset, std::string rule);
  const std::string& file() const { return file_; }
  uint64_t offset() const { return offset_; }
  const std::string& rule() const { return rule_; }

 private:
  std::string file_;
  uint64_t offset_;
  std::string rule_;
};

}  // namespace hearth::gguf
