// Bearer-token authentication: which requests pass, what a refusal looks like, where keys come
// from, and the startup warning for an exposed server without keys.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/json.h"
#include "server/auth.h"
#include "server/router.h"

using namespace hearth::server;
namespace fs = std::filesystem;

namespace {

constexpr const char* kKey = "hk_3f9a1c0d2b7e4f6a8c5d9e0b1a2f3c4d";

// Every route of the Ollama/OpenAI surface (spec §2, §5) plus paths that do not exist.
struct Probe {
  Method method;
  const char* path;
};
const Probe kProtected[] = {
    {Method::Post, "/api/generate"}, {Method::Post, "/api/chat"}, {Method::Post, "/api/embed"},
    {Method::Post, "/api/embeddings"}, {Method::Get, "/api/tags"}, {Method::Head, "/api/tags"},
    {Method::Post, "/api/show"}, {Method::Get, "/api/ps"}, {Method::Post, "/api/create"},
    {Method::Head, "/api/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000"},
    {Method::Post, "/api/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000"},
    {Method::Post, "/api/copy"}, {Method::Delete, "/api/delete"}, {Method::Post, "/api/pull"},
    {Method::Post, "/api/push"}, {Method::Post, "/v1/chat/completions"}, {Method::Post, "/v1/completions"},
    {Method::Post, "/v1/embeddings"}, {Method::Get, "/v1/models"}, {Method::Get, "/v1/models/llama3.2"},
};
const Probe kOpen[] = {
    {Method::Get, "/"}, {Method::Head, "/"}, {Method::Get, "/api/version"}, {Method::Head, "/api/version"}};
// Not routes, or routes with another method: refused before routing, so nothing is revealed.
const Probe kUnrouted[] = {
    {Method::Get, "/metrics"}, {Method::Get, "/nope"}, {Method::Post, "/"}, {Method::Post, "/api/version"},
    {Method::Delete, "/api/version"}, {Method::Get, "/api/version/"}, {Method::Get, "//"}, {Method::Get, ""}};

fs::path temp_file(const std::string& name, const std::string& text, fs::perms perms) {
  fs::path p = fs::temp_directory_path() / ("hearth-auth-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << text;
  fs::permissions(p, perms);
  return p;
}

}  // namespace

TEST_CASE("auth: the probe list matches the router") {
  for (const auto& p : kProtected) CHECK(match_route(p.method, p.path).result == RouteMatch::Result::Found);
  for (const auto& p : kOpen) CHECK(match_route(p.method, p.path).result == RouteMatch::Result::Found);
}

TEST_CASE("auth: without keys every request passes") {
  ApiKeyAuth off;
  CHECK_FALSE(off.enabled());
  for (const auto& p : kProtected) CHECK_FALSE(off.check(p.method, p.path, "").has_value());
  for (const auto& p : kUnrouted) CHECK_FALSE(off.check(p.method, p.path, "Bearer wrong").has_value());
}

TEST_CASE("auth: protected routes need the key, open routes stay open") {
  ApiKeyAuth auth({kKey});
  REQUIRE(auth.enabled());
  std::string good = std::string("Bearer ") + kKey;
  for (const auto& p : kProtected) {
    INFO(p.path);
    auto refusal = auth.check(p.method, p.path, "");
    REQUIRE(refusal.has_value());
    CHECK(refusal->status == 401);
    CHECK(auth.check(p.method, p.path, "Bearer not-the-key").has_value());
    CHECK_FALSE(auth.check(p.method, p.path, good).has_value());
  }
  for (const auto& p : kOpen) {
    INFO(p.path);
    CHECK_FALSE(auth.check(p.method, p.path, "").has_value());
    CHECK_FALSE(auth.check(p.method, p.path, "Bearer wrong").has_value());
  }
  for (const auto& p : kUnrouted) {
    INFO(p.path);
    CHECK(auth.check(p.method, p.path, "").has_value());
    CHECK_FALSE(auth.check(p.method, p.path, good).has_value());
  }
}

TEST_CASE("auth: near misses are refused") {
  std::string key = kKey;
  ApiKeyAuth auth({key});
  CHECK(auth.accepts("Bearer " + key));
  CHECK(auth.accepts("bearer " + key));
  CHECK(auth.accepts("BEARER   " + key + "  "));
  CHECK_FALSE(auth.accepts(key));                                        // no scheme
  CHECK_FALSE(auth.accepts("Basic " + key));
  CHECK_FALSE(auth.accepts("Bearer" + key));                             // no separator
  CHECK_FALSE(auth.accepts("Bearer " + key.substr(0, key.size() - 1)));  // prefix
  CHECK_FALSE(auth.accepts("Bearer " + key + "x"));                      // extension
  CHECK_FALSE(auth.accepts("Bearer " + key.substr(0, 5) + "X" + key.substr(6)));
  CHECK_FALSE(auth.accepts("Bearer "));
  CHECK_FALSE(auth.accepts(""));
}

TEST_CASE("auth: several keys, each accepted") {
  ApiKeyAuth auth({"alpha-key-0123456789", "beta-key-0123456789"});
  CHECK(auth.key_count() == 2);
  CHECK(auth.accepts("Bearer alpha-key-0123456789"));
  CHECK(auth.accepts("Bearer beta-key-0123456789"));
  CHECK_FALSE(auth.accepts("Bearer gamma-key-0123456789"));
  CHECK_THROWS_AS(ApiKeyAuth({"has space"}), AuthConfigError);
  CHECK_THROWS_AS(ApiKeyAuth({""}), AuthConfigError);
}

TEST_CASE("auth: the refusal is 401 {\"error\":\"unauthorized\"} with WWW-Authenticate: Bearer") {
  HttpResponse r = unauthorized_response();
  CHECK(r.status == 401);
  CHECK(r.content_type.rfind("application/json", 0) == 0);
  hearth::Json body = hearth::Json::parse(r.body);
  CHECK(body.get_string("error") == "unauthorized");
  CHECK(body.size() == 1);
  CHECK(find_header(r.headers, "www-authenticate").substr(0, 6) == "Bearer");
}

TEST_CASE("auth: bearer token extraction") {
  CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
  CHECK(bearer_token(" bearer\tabc ") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(bearer_token("Bearer").has_value());
  CHECK_FALSE(bearer_token("Bearer   ").has_value());
  CHECK_FALSE(bearer_token("Token abc").has_value());
  CHECK_FALSE(bearer_token("").has_value());
}

TEST_CASE("auth: constant-time comparison is plain equality") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("ab", "abc"));
  CHECK_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  CHECK_FALSE(constant_time_equal("abc", std::string_view("abc\0", 4)));  // a zero byte past the end still differs
}

TEST_CASE("auth: key files — comments, blank lines, CRLF, indentation") {
  auto keys = parse_api_keys("# team keys\n\nkey-one-0123456789\r\n   key-two-0123456789  \n\t# old\nkey-three-0123456789");
  REQUIRE(keys.size() == 3);
  CHECK(keys[0] == "key-one-0123456789");
  CHECK(keys[1] == "key-two-0123456789");
  CHECK(keys[2] == "key-three-0123456789");
  CHECK(parse_api_keys("").empty());
  CHECK(parse_api_keys("# only\n#comments\n").empty());
  try {
    parse_api_keys("good-key-0123456789\nbad key\n", "keys.txt");
    FAIL("a key with a space was accepted");
  } catch (const AuthConfigError& e) {
    CHECK(std::string(e.what()).find("keys.txt:2") != std::string::npos);
  }
}

TEST_CASE("auth: keys from the environment") {
  SECTION("none set: off") {
    auto auth = ApiKeyAuth::from_env(map_environment({}));
    CHECK_FALSE(auth.enabled());
  }
  SECTION("HEARTH_API_KEY, trimmed of quotes like every variable") {
    std::vector<std::string> warnings;
    auto auth = ApiKeyAuth::from_env(map_environment({{"HEARTH_API_KEY", std::string("\"") + kKey + "\""}}), &warnings);
    CHECK(auth.key_count() == 1);
    CHECK(auth.accepts(std::string("Bearer ") + kKey));
    CHECK(warnings.empty());
  }
  SECTION("a short key is accepted with a warning") {
    std::vector<std::string> warnings;
    auto auth = ApiKeyAuth::from_env(map_environment({{"HEARTH_API_KEY", "short"}}), &warnings);
    CHECK(auth.accepts("Bearer short"));
    CHECK(warnings.size() == 1);
  }
  SECTION("a key file and a key add up") {
    fs::path p = temp_file("keys", "# ops\nfile-key-0123456789abcdef\n", fs::perms::owner_read | fs::perms::owner_write);
    std::vector<std::string> warnings;
    auto auth = ApiKeyAuth::from_env(
        map_environment({{"HEARTH_API_KEY", kKey}, {"HEARTH_API_KEYS_FILE", p.string()}}), &warnings);
    CHECK(auth.key_count() == 2);
    CHECK(auth.accepts("Bearer file-key-0123456789abcdef"));
    CHECK(auth.accepts(std::string("Bearer ") + kKey));
    CHECK(warnings.empty());
    fs::remove(p);
  }
  SECTION("a key file readable by everyone is used, with a warning") {
    fs::path p = temp_file("open", "file-key-0123456789abcdef\n", fs::perms::owner_all | fs::perms::others_read);
    std::vector<std::string> warnings;
    auto auth = ApiKeyAuth::from_env(map_environment({{"HEARTH_API_KEYS_FILE", p.string()}}), &warnings);
    CHECK(auth.enabled());
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("readable") != std::string::npos);
    fs::remove(p);
  }
  SECTION("a missing or empty key file refuses to start") {
    CHECK_THROWS_AS(ApiKeyAuth::from_env(map_environment({{"HEARTH_API_KEYS_FILE", "/nonexistent/hearth-keys"}})),
                    AuthConfigError);
    fs::path p = temp_file("empty", "# nothing yet\n", fs::perms::owner_read | fs::perms::owner_write);
    CHECK_THROWS_AS(ApiKeyAuth::from_env(map_environment({{"HEARTH_API_KEYS_FILE", p.string()}})), AuthConfigError);
    fs::remove(p);
  }
  SECTION("a key with a space in the variable is an error") {
    CHECK_THROWS_AS(ApiKeyAuth::from_env(map_environment({{"HEARTH_API_KEY", "two words"}})), AuthConfigError);
  }
}

TEST_CASE("auth: warning when listening beyond loopback without a key") {
  for (const char* host : {"127.0.0.1", "127.3.2.1", "::1", "localhost"}) {
    INFO(host);
    CHECK_FALSE(exposure_warning(host, 11434, false).has_value());
  }
  for (const char* host : {"", "0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "example.com", "127.0.0.1.nip.io"}) {
    INFO(host);
    auto w = exposure_warning(host, 11434, false);
    REQUIRE(w.has_value());
    CHECK(w->find("HEARTH_API_KEY") != std::string::npos);
    CHECK_FALSE(exposure_warning(host, 11434, true).has_value());
  }
}
