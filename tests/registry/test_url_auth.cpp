// URL parsing, auth challenge parsing, the token URL encoding and Ollama's key signature.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine/registry/auth.h"
#include "engine/registry/errors.h"
#include "engine/registry/ollama_key.h"
#include "engine/registry/url.h"
#include "registry/test_server.h"

using namespace hearth::registry;

TEST_CASE("Url parses absolute http(s) URLs and normalises hosts", "[url]") {
  Url u = Url::parse("HTTPS://Registry.Ollama.AI/v2/library/llama3/manifests/latest?x=1#frag");
  CHECK(u.scheme == "https");
  CHECK(u.host == "registry.ollama.ai");
  CHECK(u.port == 443);
  CHECK(u.target == "/v2/library/llama3/manifests/latest?x=1");
  CHECK(u.path() == "/v2/library/llama3/manifests/latest");
  CHECK(u.authority() == "registry.ollama.ai");
  CHECK(u.origin() == "https://registry.ollama.ai:443");
  CHECK(Url::parse("http://127.0.0.1:5000").target == "/");
  CHECK(Url::parse("http://127.0.0.1:5000").authority() == "127.0.0.1:5000");
  CHECK(Url::parse("http://[::1]:8080/x").host == "::1");
  CHECK(Url::parse("http://[::1]:8080/x").authority() == "[::1]:8080");
}

TEST_CASE("Url refuses what a hostile Location could smuggle", "[url]") {
  for (const char* bad : {"ftp://h/x", "file:///etc/passwd", "http://user:pw@h/x", "http:///x", "http://h:0/",
                          "http://h:99999/", "http://h x/", "http://h/\r\nX: y", "/relative", "http://h:12ab/"}) {
    INFO(bad);
    CHECK_THROWS_AS(Url::parse(bad), TransportError);
  }
}

TEST_CASE("Url::resolve handles the Location forms registries send", "[url]") {
  Url base = Url::parse("https://r.example/v2/ns/m/blobs/uploads/abc?state=1");
  CHECK(base.resolve("/v2/ns/m/blobs/uploads/def").str() == "https://r.example/v2/ns/m/blobs/uploads/def");
  CHECK(base.resolve("https://cdn.example/b?sig=z").str() == "https://cdn.example/b?sig=z");
  CHECK(base.resolve("//other.example/p").str() == "https://other.example/p");
  CHECK(base.resolve("xyz").str() == "https://r.example/v2/ns/m/blobs/uploads/xyz");
  CHECK(base.resolve("?q=2").str() == "https://r.example/v2/ns/m/blobs/uploads/abc?q=2");
  CHECK(base.with_query("digest", "sha256:ab").str() == "https://r.example/v2/ns/m/blobs/uploads/abc?state=1&digest=sha256%3Aab");
  CHECK(Url::parse("http://h/p").with_query("a b", "c/d").target == "/p?a%20b=c%2Fd");
}

TEST_CASE("Bearer challenges parse in any order, with commas inside quoted values", "[auth]") {
  auto c = parse_bearer_challenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
  REQUIRE(c);
  CHECK(c->realm == "https://auth.docker.io/token");
  CHECK(c->service == "registry.docker.io");
  CHECK(c->scope == "repository:samalba/my-app:pull,push");
  auto d = parse_bearer_challenge(R"(bearer scope="a:b:pull" , realm=https://h/t,service=s)");
  REQUIRE(d);
  CHECK(d->realm == "https://h/t");
  CHECK(d->scope == "a:b:pull");
  CHECK_FALSE(parse_bearer_challenge(R"(Basic realm="registry")"));
  CHECK_FALSE(parse_bearer_challenge(R"(Bearer service="x")"));
}

TEST_CASE("Token URLs are encoded like Go's url.Values.Encode (keys sorted, QueryEscape)", "[auth]") {
  AuthChallenge c{"https://ollama.com/token?extra=a+b", "ollama.com", "repository:library/llama3:pull other:x"};
  // Expected string written by hand from Go's rules: keys sorted, values of one key in order,
  // ':' → %3A, '/' → %2F, ' ' → '+'.
  CHECK(token_request_url(c, 1700000000, "bm9uY2U") ==
        "https://ollama.com/token?extra=a+b&nonce=bm9uY2U&scope=repository%3Alibrary%2Fllama3%3Apull&scope=other%3Ax"
        "&service=ollama.com&ts=1700000000");
}

TEST_CASE("base64 matches RFC 4648 test vectors", "[auth]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("\xfb\xff", true) == "-_8");
  CHECK(base64_decode("Zm9vYmFy") == "foobar");
}

TEST_CASE("Ollama key: reads ssh-keygen's ed25519 key and signs verifiably", "[auth]") {
  if (std::system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
    WARN("SKIPPED: ssh-keygen not installed");
    return;
  }
  auto dir = test::make_temp_dir("hearth-key");
  auto key_path = dir / "id_ed25519";
  REQUIRE(std::system(("ssh-keygen -q -t ed25519 -N '' -C test -f " + key_path.string()).c_str()) == 0);
  std::ifstream pub_in(key_path.string() + ".pub");
  std::string type, pub_b64;
  pub_in >> type >> pub_b64;
  REQUIRE(type == "ssh-ed25519");

  auto key = OllamaKey::load(key_path);
  REQUIRE(key);
  CHECK(key->public_key_base64() == pub_b64);  // the reference is ssh-keygen's .pub file
  std::string data = "GET,https://ollama.com/token?nonce=x&scope=s&service=ollama.com&ts=1,YWJj";
  std::string header = key->authorization(data);
  REQUIRE(header.rfind(pub_b64 + ":", 0) == 0);
  std::string sig = base64_decode(header.substr(pub_b64.size() + 1));
  REQUIRE(sig.size() == 64);

  // Verify with OpenSSL using the raw public key from ssh-keygen's wire blob (last 32 bytes).
  std::string wire = base64_decode(pub_b64);
  std::string raw_pub = wire.substr(wire.size() - 32);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pk(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw_pub.data()), 32),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pk.get()) == 1);
  CHECK(EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1);
  std::string tampered = data + "x";
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pk.get()) == 1);
  CHECK(EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(tampered.data()), tampered.size()) != 1);
  CHECK_FALSE(OllamaKey::load(dir / "absent"));
  CHECK_THROWS_AS(OllamaKey::parse("garbage", "x"), RegistryError);
  std::filesystem::remove_all(dir);
}
