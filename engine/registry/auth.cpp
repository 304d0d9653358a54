#include "engine/registry/auth.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "common/json.h"
#include "engine/registry/errors.h"
#include "engine/registry/ollama_key.h"
#include "engine/store/sha256.h"

namespace hearth::registry {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Go's url.QueryEscape.
std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string query_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

[[noreturn]] void auth_error(const std::string& message) { throw RegistryError(RegistryErrorKind::Auth, message); }

}  // namespace

std::optional<AuthChallenge> parse_bearer_challenge(std::string_view header) {
  std::size_t i = 0;
  while (i < header.size() && is_space(header[i])) ++i;
  std::size_t scheme_end = i;
  while (scheme_end < header.size() && !is_space(header[scheme_end])) ++scheme_end;
  if (lower(header.substr(i, scheme_end - i)) != "bearer") return std::nullopt;
  AuthChallenge c;
  i = scheme_end;
  while (i < header.size()) {
    while (i < header.size() && (is_space(header[i]) || header[i] == ',')) ++i;
    std::size_t key_start = i;
    while (i < header.size() && header[i] != '=' && header[i] != ',' && !is_space(header[i])) ++i;
    std::string key = lower(header.substr(key_start, i - key_start));
    while (i < header.size() && is_space(header[i])) ++i;
    if (i >= header.size() || header[i] != '=') continue;
    ++i;
    while (i < header.size() && is_space(header[i])) ++i;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < header.size() && header[i] != ',' && !is_space(header[i])) value += header[i++];
    }
    if (key == "realm") c.realm = value;
    else if (key == "service") c.service = value;
    else if (key == "scope") c.scope = value;
  }
  if (c.realm.empty()) return std::nullopt;
  return c;
}

std::string token_request_url(const AuthChallenge& challenge, int64_t unix_time, const std::string& nonce) {
  std::string base = challenge.realm;
  std::vector<std::pair<std::string, std::string>> values;
  if (auto q = base.find('?'); q != std::string::npos) {
    std::string_view query = std::string_view(base).substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      auto eq = pair.find('=');
      if (!pair.empty())
        values.emplace_back(query_unescape(pair.substr(0, eq)),
                            eq == std::string_view::npos ? "" : query_unescape(pair.substr(eq + 1)));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    base.resize(q);
  }
  values.emplace_back("service", challenge.service);
  std::string_view scopes = challenge.scope;
  while (true) {
    auto sp = scopes.find(' ');
    values.emplace_back("scope", std::string(scopes.substr(0, sp)));
    if (sp == std::string_view::npos) break;
    scopes.remove_prefix(sp + 1);
  }
  values.emplace_back("ts", std::to_string(unix_time));
  values.emplace_back("nonce", nonce);
  std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string query;
  for (const auto& [k, v] : values) {
    if (!query.empty()) query += '&';
    query += query_escape(k) + "=" + query_escape(v);
  }
  return base + "?" + query;
}

std::string fetch_token(const HttpClient& client, const RegistryConfig& config, const Url& registry,
                        const AuthChallenge& challenge, bool insecure, const Cancelled& cancelled) {
  Url realm;
  try {
    realm = Url::parse(challenge.realm);
  } catch (const TransportError&) {
    auth_error("the registry's auth realm \"" + challenge.realm.substr(0, 200) + "\" is not a valid URL");
  }
  if (registry.is_https() && !realm.is_https())
    auth_error("refusing to request a token over plain HTTP from " + realm.str_without_query());
  bool allowed = realm.authority() == registry.authority() ||
                 std::find(config.auth_realm_hosts.begin(), config.auth_realm_hosts.end(), realm.authority()) !=
                     config.auth_realm_hosts.end();
  if (!allowed)
    auth_error("refusing to request a token from " + realm.authority() + ": it is not the registry host " +
               registry.authority() + " (allow it with HEARTH_REGISTRY_AUTH_HOSTS)");

  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) auth_error("no randomness for the token request nonce");
  std::string nonce = base64_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof random), true);
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  Url url = Url::parse(token_request_url(challenge, now, nonce));

  SendOptions options;
  options.allow_plain_http = insecure;
  options.max_body_bytes = 64 * 1024;
  options.cancelled = cancelled;
  if (auto key = OllamaKey::load(config.key_path)) {
    std::string empty_hash = base64_encode(store::sha256_hex(""));
    options.authorization = key->authorization("GET," + url.str() + "," + empty_hash);
    options.authorization_origin = url.origin();
  }
  HttpResponse r = client.send(HttpRequest{.method = "GET", .url = url}, options);
  if (r.status != 200) auth_error("token request failed: " + std::to_string(r.status) + ": " + r.body.substr(0, 512));
  try {
    Json j = Json::parse(r.body);
    std::string token = j.get_string("token");
    if (token.empty()) token = j.get_string("access_token");
    if (token.empty()) auth_error("the token server answered without a token");
    for (char c : token)
      if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) auth_error("the token server answered a malformed token");
    return token;
  } catch (const JsonError& e) {
    auth_error(std::string("the token server answered invalid JSON: ") + e.what());
  }
}

}  // namespace hearth::registry
