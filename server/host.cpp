#include "server/host.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

#include "server/env.h"

namespace hearth::server {
namespace {

bool is_ipv6_literal(std::string_view text) {
  in6_addr a6{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &a6) == 1;
}

bool is_ipv4_literal(std::string_view text) {
  in_addr a4{};
  return inet_pton(AF_INET, std::string(text).c_str(), &a4) == 1;
}

}  // namespace

bool is_ip_literal(std::string_view text) { return is_ipv4_literal(text) || is_ipv6_literal(text); }

bool split_host_port(std::string_view hp, std::string& host, std::string& port) {
  std::size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return false;  // missing port
  std::string_view h = hp.substr(0, colon);
  std::string_view p = hp.substr(colon + 1);
  if (!h.empty() && h.front() == '[') {
    if (h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
    if (h.find_first_of("[]") != std::string_view::npos) return false;
  } else {
    if (h.find(':') != std::string_view::npos) return false;  // too many colons
    if (h.find_first_of("[]") != std::string_view::npos) return false;
  }
  if (p.find_first_of("[]") != std::string_view::npos) return false;
  host.assign(h);
  port.assign(p);
  return true;
}

HostAddress parse_ollama_host(std::string_view value) {
  // envconfig.Var trims spaces then quotes; Host() trims spaces once more.
  std::string s = trim_env_value(value);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  HostAddress out;
  uint16_t default_port = 11434;
  std::string hostport;
  std::size_t sep = s.find("://");
  if (sep == std::string::npos) {
    out.scheme = "http";
    hostport = s;
    if (s == "ollama.com") {
      out.scheme = "https";
      hostport = "ollama.com:443";
    }
  } else {
    out.scheme = s.substr(0, sep);
    hostport = s.substr(sep + 3);
    if (out.scheme == "http") default_port = 80;
    else if (out.scheme == "https") default_port = 443;
  }
  if (std::size_t slash = hostport.find('/'); slash != std::string::npos) {
    out.path = hostport.substr(slash + 1);
    hostport.resize(slash);
  }
  std::string host, port;
  if (!split_host_port(hostport, host, port)) {
    host = "127.0.0.1";
    port = std::to_string(default_port);
    std::string bare = hostport;
    while (!bare.empty() && bare.front() == '[') bare.erase(bare.begin());
    while (!bare.empty() && bare.back() == ']') bare.pop_back();
    if (is_ip_literal(bare)) host = bare;
    else if (!hostport.empty()) host = hostport;
  }
  int64_t n = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  bool ok = ec == std::errc() && ptr == port.data() + port.size() && !port.empty() && n >= 0 && n <= 65535;
  out.port = ok ? static_cast<uint16_t>(n) : default_port;
  out.host = host;
  return out;
}

std::string HostAddress::host_port() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string HostAddress::url() const {
  std::string u = scheme + "://" + host_port();
  if (!path.empty()) u += "/" + path;
  return u;
}

std::string HostAddress::dial_host() const {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

}  // namespace hearth::server
