#include "engine/registry/config.h"

#include <cstdlib>

namespace hearth::registry {
namespace {

std::string trim(std::string s) {
  auto not_space = [](char c) { return c != ' ' && c != '\t' && c != '"' && c != '\''; };
  while (!s.empty() && !not_space(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && !not_space(s[i])) ++i;
  return s.substr(i);
}

}  // namespace

std::string default_user_agent() {
#if defined(__x86_64__)
  const char* arch = "amd64";
#elif defined(__aarch64__)
  const char* arch = "arm64";
#else
  const char* arch = "unknown";
#endif
  return std::string("ollama/0.33.0 (") + arch + " linux) Go/go1.24.0 hearth/0.1.0";
}

RegistryConfig RegistryConfig::from_environment() {
  return from_environment([](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
}

RegistryConfig RegistryConfig::from_environment(const Getenv& getenv) {
  RegistryConfig config;
  config.http.user_agent = default_user_agent();
  if (auto home = getenv("HOME"); home && !home->empty())
    config.key_path = std::filesystem::path(*home) / ".ollama" / "id_ed25519";
  if (auto hosts = getenv("HEARTH_REGISTRY_AUTH_HOSTS")) {
    std::string list = trim(*hosts);
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      std::string item = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      for (char& c : item) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!item.empty()) config.auth_realm_hosts.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (auto ca = getenv("HEARTH_REGISTRY_CA_FILE"); ca && !trim(*ca).empty()) config.http.ca_file = trim(*ca);
  return config;
}

}  // namespace hearth::registry
