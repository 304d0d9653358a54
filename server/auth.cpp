#include "server/auth.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "engine/store/sha256.h"

namespace hearth::server {
namespace {

constexpr std::size_t kShortKey = 16;

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// A key must travel as a header token: printable, no whitespace.
bool sendable_key(std::string_view key) {
  if (key.empty()) return false;
  for (char ch : key) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::array<uint8_t, 32> digest_of(std::string_view text) {
  store::Sha256 h;
  h.update(text);
  return h.digest();
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

}  // namespace

std::vector<std::string> parse_api_keys(std::string_view text, std::string_view source) {
  std::vector<std::string> keys;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (!sendable_key(line))
      throw AuthConfigError(std::string(source) + ":" + std::to_string(line_no) +
                            ": a key may not contain spaces or control characters");
    keys.emplace_back(line);
  }
  return keys;
}

bool is_open_route(Method method, std::string_view path) {
  if (method != Method::Get && method != Method::Head) return false;
  return path == "/" || path == "/api/version";
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  std::string_view v = trim(authorization);
  constexpr std::string_view scheme = "bearer";
  if (v.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(v[i])) != scheme[i]) return std::nullopt;
  if (v[scheme.size()] != ' ' && v[scheme.size()] != '\t') return std::nullopt;
  std::string_view token = trim(v.substr(scheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walk the longer string entirely so the time depends on the lengths only; the length
  // difference is folded into the result.
  std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  // Keep the compiler from turning the loop into an early-exit comparison.
  volatile unsigned sink = diff;
  return sink == 0;
}

HttpResponse unauthorized_response() {
  HttpResponse r = HttpResponse::json(401, R"({"error":"unauthorized"})");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

ApiKeyAuth::ApiKeyAuth(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (!sendable_key(k)) throw AuthConfigError("an API key may not be empty or contain spaces or control characters");
    digests_.push_back(digest_of(k));
  }
}

ApiKeyAuth ApiKeyAuth::from_env(const EnvLookup& env, std::vector<std::string>* warnings) {
  auto warn = [&](std::string w) {
    if (warnings) warnings->push_back(std::move(w));
  };
  std::vector<std::string> keys;
  if (auto v = env("HEARTH_API_KEY")) {
    std::string key = trim_env_value(*v);
    if (!key.empty()) {
      if (!sendable_key(key)) throw AuthConfigError("HEARTH_API_KEY may not contain spaces or control characters");
      keys.push_back(std::move(key));
    }
  }
  if (auto v = env("HEARTH_API_KEYS_FILE")) {
    std::string path = trim_env_value(*v);
    if (!path.empty()) {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw AuthConfigError("HEARTH_API_KEYS_FILE: cannot read " + path);
      std::ostringstream text;
      text << in.rdbuf();
      if (in.bad()) throw AuthConfigError("HEARTH_API_KEYS_FILE: error reading " + path);
      std::vector<std::string> from_file = parse_api_keys(text.str(), path);
      if (from_file.empty()) throw AuthConfigError("HEARTH_API_KEYS_FILE: " + path + " contains no key");
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
        warn("HEARTH_API_KEYS_FILE " + path + " is readable by every user (chmod 600 it)");
      keys.insert(keys.end(), from_file.begin(), from_file.end());
    }
  }
  for (const auto& k : keys)
    if (k.size() < kShortKey) {
      warn("an API key is shorter than " + std::to_string(kShortKey) + " characters; use a long random key");
      break;
    }
  return ApiKeyAuth(keys);
}

bool ApiKeyAuth::accepts(std::string_view authorization) const {
  auto token = bearer_token(authorization);
  // Hash even when there is no token, so a missing header costs what a wrong one does.
  std::array<uint8_t, 32> presented = digest_of(token ? *token : std::string_view{});
  bool match = false;
  for (const auto& d : digests_) {
    bool same = constant_time_equal(
        std::string_view(reinterpret_cast<const char*>(d.data()), d.size()),
        std::string_view(reinterpret_cast<const char*>(presented.data()), presented.size()));
    match = match | same;  // no early exit on the first matching key
  }
  return token.has_value() && match;
}

std::optional<HttpResponse> ApiKeyAuth::check(Method method, std::string_view path, std::string_view authorization) const {
  if (!enabled() || is_open_route(method, path)) return std::nullopt;
  if (accepts(authorization)) return std::nullopt;
  return unauthorized_response();
}

std::optional<std::string> exposure_warning(std::string_view bound_host, uint16_t port, bool auth_enabled) {
  if (auth_enabled || is_loopback_host(bound_host)) return std::nullopt;
  std::string where = bound_host.empty() ? "all interfaces" : std::string(bound_host);
  return "listening on " + where + " port " + std::to_string(port) +
         " without an API key: anyone who can reach this port can run, create and delete models. "
         "Set HEARTH_API_KEY or HEARTH_API_KEYS_FILE, put an authenticating proxy in front, or bind "
         "OLLAMA_HOST to 127.0.0.1.";
}

}  // namespace hearth::server
