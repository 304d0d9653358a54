#include "server/access_policy.h"

#include <arpa/inet.h>
#include <ifaddrs.h>

#include <algorithm>
#include <cstring>

#include "server/host.h"

namespace hearth::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, User-Agent, Accept, X-Requested-With, OpenAI-Beta, "
    "x-stainless-arch, x-stainless-async, x-stainless-custom-poll-interval, x-stainless-helper-method, "
    "x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-poll-helper, "
    "x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout";
constexpr std::string_view kAllowMethods = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS";

// Addresses of this machine's interfaces count as local for the Host check.
bool is_interface_address(std::string_view text) {
  in6_addr want6{};
  in_addr want4{};
  std::string t(text);
  bool v4 = inet_pton(AF_INET, t.c_str(), &want4) == 1;
  bool v6 = !v4 && inet_pton(AF_INET6, t.c_str(), &want6) == 1;
  if (!v4 && !v6) return false;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* it = list; it != nullptr && !found; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    if (v4 && it->ifa_addr->sa_family == AF_INET) {
      found = std::memcmp(&reinterpret_cast<sockaddr_in*>(it->ifa_addr)->sin_addr, &want4, sizeof want4) == 0;
    } else if (v6 && it->ifa_addr->sa_family == AF_INET6) {
      found = std::memcmp(&reinterpret_cast<sockaddr_in6*>(it->ifa_addr)->sin6_addr, &want6, sizeof want6) == 0;
    }
  }
  freeifaddrs(list);
  return found;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text) {
  std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  return text.size() >= prefix.size() + suffix.size() && text.substr(0, prefix.size()) == prefix &&
         text.substr(text.size() - suffix.size()) == suffix;
}

bool is_local_ip_literal(std::string_view text) {
  std::string t(text);
  in_addr a4{};
  if (inet_pton(AF_INET, t.c_str(), &a4) == 1) {
    uint32_t ip = ntohl(a4.s_addr);
    uint8_t a = ip >> 24, b = (ip >> 16) & 0xff;
    return a == 127 || a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) || ip == 0 ||
           (a == 169 && b == 254);
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, t.c_str(), &a6) == 1) {
    const uint8_t* p = a6.s6_addr;
    bool all_zero = std::all_of(p, p + 16, [](uint8_t x) { return x == 0; });
    bool loopback = std::all_of(p, p + 15, [](uint8_t x) { return x == 0; }) && p[15] == 1;
    bool unique_local = (p[0] & 0xfe) == 0xfc;
    bool link_local = p[0] == 0xfe && (p[1] & 0xc0) == 0x80;
    bool v4_mapped = std::all_of(p, p + 10, [](uint8_t x) { return x == 0; }) && p[10] == 0xff && p[11] == 0xff;
    if (v4_mapped) {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, p + 12, buf, sizeof buf);
      return is_local_ip_literal(buf);
    }
    return all_zero || loopback || unique_local || link_local;
  }
  return false;
}

AccessPolicy::AccessPolicy(std::vector<std::string> extra, bool loopback_listener, std::string hostname)
    : loopback_listener_(loopback_listener), hostname_(lower(hostname)) {
  for (auto& o : extra) {
    std::string t(trim(o));
    if (t.empty()) continue;
    if (t == "*") allow_all_ = true;
    origins_.push_back(t);
  }
  for (const char* host : {"localhost", "127.0.0.1", "0.0.0.0"}) {
    origins_.push_back(std::string("http://") + host);
    origins_.push_back(std::string("https://") + host);
    origins_.push_back(std::string("http://") + host + ":*");
    origins_.push_back(std::string("https://") + host + ":*");
  }
  for (const char* o : {"app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*"}) origins_.push_back(o);
}

std::vector<std::string> AccessPolicy::split_origins(std::string_view value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = value.find(',', start);
    out.emplace_back(trim(value.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool AccessPolicy::origin_allowed(std::string_view origin) const {
  if (allow_all_) return true;
  return std::any_of(origins_.begin(), origins_.end(), [&](const std::string& p) { return wildcard_match(p, origin); });
}

bool AccessPolicy::host_allowed(std::string_view host_header) const {
  if (!loopback_listener_) return true;
  std::string host, port;
  if (!split_host_port(host_header, host, port)) host = std::string(host_header);
  if (is_ip_literal(host)) {
    if (is_local_ip_literal(host) || is_interface_address(host)) return true;
  }
  std::string h = lower(host);
  if (h.empty() || h == "localhost") return true;
  if (!hostname_.empty() && h == hostname_) return true;
  for (std::string_view tld : {".localhost", ".local", ".internal"}) {
    if (h.size() > tld.size() && h.compare(h.size() - tld.size(), tld.size(), tld) == 0) return true;
  }
  return false;
}

AccessDecision AccessPolicy::check(std::string_view method, std::string_view origin, std::string_view host) const {
  AccessDecision d;
  // CORS runs first (gin-contrib/cors), then the Host check.
  if (!origin.empty()) {
    if (!origin_allowed(origin)) {
      d.status = 403;
      return d;
    }
    d.headers.emplace_back("Access-Control-Allow-Origin", allow_all_ ? "*" : std::string(origin));
    if (!allow_all_) d.headers.emplace_back("Vary", "Origin");
    if (method == "OPTIONS") {
      d.headers.emplace_back("Access-Control-Allow-Methods", std::string(kAllowMethods));
      d.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowHeaders));
      d.headers.emplace_back("Access-Control-Max-Age", "43200");
      d.status = 204;
      return d;
    }
  }
  if (!host_allowed(host)) {
    d.status = 403;
    d.headers.clear();
    return d;
  }
  if (method == "OPTIONS") d.status = 204;
  return d;
}

}  // namespace hearth::server
