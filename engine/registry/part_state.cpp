#include "engine/registry/part_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/json.h"
#include "engine/registry/errors.h"
#include "engine/store/fs_util.h"

namespace hearth::registry {
namespace fs = std::filesystem;

fs::path partial_data_path(const fs::path& blobs_dir, const store::Digest& digest) {
  return blobs_dir / (digest.file_name() + "-partial");
}

fs::path part_state_path(const fs::path& blobs_dir, const store::Digest& digest, int n) {
  return blobs_dir / (digest.file_name() + "-partial-" + std::to_string(n));
}

std::vector<PartState> plan_parts(uint64_t total, const TransferTuning& tuning) {
  uint64_t size = std::clamp<uint64_t>(total / 16, tuning.min_part_size, std::max(tuning.min_part_size, tuning.max_part_size));
  if (size == 0) size = 1;
  std::vector<PartState> parts;
  for (uint64_t offset = 0; offset < total; offset += size)
    parts.push_back(PartState{static_cast<int>(parts.size()), offset, std::min(size, total - offset), 0});
  return parts;
}

std::optional<std::vector<PartState>> load_part_states(const fs::path& blobs_dir, const store::Digest& digest,
                                                       uint64_t total) {
  std::vector<PartState> parts;
  for (int n = 0;; ++n) {
    fs::path p = part_state_path(blobs_dir, digest, n);
    std::error_code ec;
    if (!fs::exists(p, ec)) break;
    if (n > 100000) return std::nullopt;
    try {
      Json j = Json::parse(store::read_file_limited(p, 4096));
      PartState s;
      int64_t number = j.get_int("N", -1), offset = j.get_int("Offset", -1), size = j.get_int("Size", -1),
              completed = j.get_int("Completed", -1);
      if (number != n || offset < 0 || size <= 0 || completed < 0 || completed > size) return std::nullopt;
      s.n = n;
      s.offset = static_cast<uint64_t>(offset);
      s.size = static_cast<uint64_t>(size);
      s.completed = static_cast<uint64_t>(completed);
      parts.push_back(s);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (parts.empty()) return std::nullopt;
  uint64_t expected_offset = 0;
  for (const PartState& s : parts) {
    if (s.offset != expected_offset) return std::nullopt;
    expected_offset += s.size;
  }
  if (expected_offset != total) return std::nullopt;
  // A stray state file numbered after a gap would be left behind by the loop above; none expected.
  return parts;
}

void save_part_state(const fs::path& blobs_dir, const store::Digest& digest, const PartState& part) {
  std::string text = Json::object({{"N", part.n},
                                   {"Offset", static_cast<int64_t>(part.offset)},
                                   {"Size", static_cast<int64_t>(part.size)},
                                   {"Completed", static_cast<int64_t>(part.completed)}})
                         .dump();
  fs::path final_path = part_state_path(blobs_dir, digest, part.n);
  // The store's temp prefix: its startup cleanup removes a leftover from a crash mid-save.
  fs::path temp = blobs_dir / (std::string(store::kTempPrefix) + final_path.filename().string());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RegistryError(RegistryErrorKind::Storage, "cannot write " + temp.string() + ": " + std::strerror(errno));
  ssize_t n = ::write(fd, text.data(), text.size());
  int saved_errno = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()) || ::rename(temp.c_str(), final_path.c_str()) != 0) {
    if (n == static_cast<ssize_t>(text.size())) saved_errno = errno;
    ::unlink(temp.c_str());
    throw RegistryError(RegistryErrorKind::Storage, "cannot write " + final_path.string() + ": " + std::strerror(saved_errno));
  }
}

void remove_part_states(const fs::path& blobs_dir, const store::Digest& digest) {
  std::string prefix = digest.file_name() + "-partial-";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(blobs_dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) fs::remove(e.path(), ec);
  }
}

bool is_partial_name(const std::string& name, std::string* digest_hex) {
  // sha256-<64>-partial[-N]
  if (name.size() < 7 + 64 + 8 || name.compare(0, 7, "sha256-") != 0) return false;
  std::string hex = name.substr(7, 64);
  if (!store::Digest::try_parse("sha256:" + hex)) return false;
  std::string rest = name.substr(71);
  if (rest != "-partial") {
    if (rest.rfind("-partial-", 0) != 0 || rest.size() == 9) return false;
    for (std::size_t i = 9; i < rest.size(); ++i)
      if (rest[i] < '0' || rest[i] > '9') return false;
  }
  if (digest_hex) *digest_hex = hex;
  return true;
}

}  // namespace hearth::registry
