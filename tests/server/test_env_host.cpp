// OLLAMA_HOST parsing and environment value rules, checked against upstream's own tables
// (envconfig/config_test.go: TestHost, TestBool) and spec §8.
#include <catch2/catch.hpp>

#include "server/env.h"
#include "server/host.h"

using namespace hearth::server;

TEST_CASE("OLLAMA_HOST parses like envconfig.Host", "[server][host]") {
  // {input, expected host:port} — upstream TestHost cases.
  const std::pair<const char*, const char*> cases[] = {
      {"", "127.0.0.1:11434"},
      {"1.2.3.4", "1.2.3.4:11434"},
      {":1234", ":1234"},
      {"1.2.3.4:1234", "1.2.3.4:1234"},
      {"example.com", "example.com:11434"},
      {"example.com:1234", "example.com:1234"},
      {":0", ":0"},
      {":66000", ":11434"},
      {":-1", ":11434"},
      {"[::1]", "[::1]:11434"},
      {"[::]", "[::]:11434"},
      {"::1", "[::1]:11434"},
      {"[::1]:1337", "[::1]:1337"},
      {" 1.2.3.4 ", "1.2.3.4:11434"},
      {"\"1.2.3.4\"", "1.2.3.4:11434"},
      {" \" 1.2.3.4 \" ", "1.2.3.4:11434"},
      {"'1.2.3.4'", "1.2.3.4:11434"},
      {"http://1.2.3.4", "1.2.3.4:80"},
      {"http://1.2.3.4:4321", "1.2.3.4:4321"},
      {"https://1.2.3.4", "1.2.3.4:443"},
      {"https://1.2.3.4:4321", "1.2.3.4:4321"},
      {"https://example.com/ollama", "example.com:443"},
      {"ollama.com", "ollama.com:443"},
  };
  for (const auto& [input, expected] : cases) {
    INFO("OLLAMA_HOST=" << input);
    CHECK(parse_ollama_host(input).host_port() == expected);
  }
}

TEST_CASE("OLLAMA_HOST keeps scheme and proxy path", "[server][host]") {
  HostAddress a = parse_ollama_host("https://example.com/ollama");
  CHECK(a.scheme == "https");
  CHECK(a.path == "ollama");
  CHECK(a.url() == "https://example.com:443/ollama");
  CHECK(parse_ollama_host("0.0.0.0").url() == "http://0.0.0.0:11434");
  CHECK(parse_ollama_host("https://1.2.3.4").url() == "https://1.2.3.4:443");
  CHECK(parse_ollama_host("ollama.com").scheme == "https");
}

TEST_CASE("clients dial loopback for an unspecified bind address", "[server][host]") {
  CHECK(parse_ollama_host("0.0.0.0").dial_host() == "127.0.0.1");
  CHECK(parse_ollama_host(":8080").dial_host() == "127.0.0.1");
  CHECK(parse_ollama_host("[::]").dial_host() == "::1");
  CHECK(parse_ollama_host("10.1.2.3").dial_host() == "10.1.2.3");
}

TEST_CASE("split_host_port follows net.SplitHostPort", "[server][host]") {
  std::string h, p;
  CHECK(split_host_port("a:1", h, p));
  CHECK((h == "a" && p == "1"));
  CHECK(split_host_port("[::1]:80", h, p));
  CHECK((h == "::1" && p == "80"));
  CHECK(split_host_port(":5", h, p));
  CHECK((h.empty() && p == "5"));
  CHECK_FALSE(split_host_port("::1", h, p));      // too many colons
  CHECK_FALSE(split_host_port("host", h, p));     // missing port
  CHECK_FALSE(split_host_port("[::1]", h, p));    // missing port
}

TEST_CASE("environment booleans follow Go ParseBool, anything else set is true", "[server][env]") {
  auto env = map_environment({{"OLLAMA_A", "1"}, {"OLLAMA_B", "false"}, {"OLLAMA_C", "yes"}, {"OLLAMA_D", " \"0\" "},
                              {"OLLAMA_E", ""}, {"OLLAMA_F", "T"}});
  CHECK(env_bool(env, "OLLAMA_A", false));
  CHECK_FALSE(env_bool(env, "OLLAMA_B", true));
  CHECK(env_bool(env, "OLLAMA_C", false));   // not a ParseBool value, but set
  CHECK_FALSE(env_bool(env, "OLLAMA_D", true));
  CHECK(env_bool(env, "OLLAMA_E", true));    // empty: default
  CHECK(env_bool(env, "OLLAMA_F", false));
  CHECK_FALSE(env_bool(env, "OLLAMA_UNSET", false));
}

TEST_CASE("environment integers fall back to the default when malformed", "[server][env]") {
  auto env = map_environment({{"OLLAMA_NUM_PARALLEL", "4"}, {"OLLAMA_MAX_QUEUE", "many"}, {"OLLAMA_X", "'12'"}});
  CHECK(env_int(env, "OLLAMA_NUM_PARALLEL", 1) == 4);
  CHECK(env_int(env, "OLLAMA_MAX_QUEUE", 512) == 512);
  CHECK(env_int(env, "OLLAMA_X", 0) == 12);
  CHECK(env_int(env, "OLLAMA_MISSING", 7) == 7);
}

TEST_CASE("HEARTH_ aliases win over OLLAMA_ names", "[server][env]") {
  auto env = map_environment({{"OLLAMA_HOST", "1.1.1.1"}, {"HEARTH_HOST", "2.2.2.2:9"}});
  CHECK(env_string(env, "OLLAMA_HOST") == "2.2.2.2:9");
  auto only = map_environment({{"OLLAMA_HOST", "1.1.1.1"}});
  CHECK(env_string(only, "OLLAMA_HOST") == "1.1.1.1");
}
