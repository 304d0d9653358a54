#include "support/fixtures.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hearth::test {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("HEARTH_SHARED_DIR")) return env;
  return HEARTH_SHARED_DIR;
}

bool have_fixtures() { return std::filesystem::is_directory(shared_dir() / "fixtures"); }

std::filesystem::path fixture_path(const std::string& relative) { return shared_dir() / "fixtures" / relative; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir, const std::string& extension) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == extension) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hearth::test
