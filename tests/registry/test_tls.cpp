// HTTPS through OpenSSL against `openssl s_server`: a certificate chain the client trusts works,
// an untrusted one or one for another host name is refused. Certificates are made by the openssl
// command-line tool for each run.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "engine/registry/errors.h"
#include "engine/registry/http_client.h"
#include "registry/test_server.h"

using namespace hearth::registry;
using namespace hearth::registry::test;

namespace {

bool have_openssl_cli() { return std::system("command -v openssl >/dev/null 2>&1") == 0; }

void make_cert(const std::filesystem::path& dir, const std::string& name, const std::string& san) {
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=" +
                    name + " -addext subjectAltName=" + san + " -keyout " + (dir / (name + ".key")).string() +
                    " -out " + (dir / (name + ".pem")).string() + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// `openssl s_server -www` on a free loopback port, answering GETs with a status page.
class TlsServer {
 public:
  TlsServer(const std::filesystem::path& cert, const std::filesystem::path& key) : port_(free_port()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      std::string accept = "127.0.0.1:" + std::to_string(port_);
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert", cert.c_str(),
               "-key", key.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    HttpClient probe;
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      try {  // plain TCP connect is enough to know it listens; the TLS error is expected
        SendOptions o;
        o.allow_plain_http = true;
        probe.send(HttpRequest{.method = "GET", .url = Url::parse("http://127.0.0.1:" + std::to_string(port_) + "/")}, o);
        return;
      } catch (const TransportError& e) {
        if (std::string(e.what()).find("cannot connect") == std::string::npos) return;
      }
    }
  }
  ~TlsServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  uint16_t port() const { return port_; }

 private:
  uint16_t port_;
  pid_t pid_ = -1;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("https: trusted certificate works; untrusted or wrong-name certificates are refused", "[tls]") {
  if (!have_openssl_cli()) {
    WARN("SKIPPED: the openssl command is not installed");
    return;
  }
  auto dir = make_temp_dir("hearth-tls");
  make_cert(dir, "localhost", "DNS:localhost");
  make_cert(dir, "other.example", "DNS:other.example");

  {
    TlsServer server(dir / "localhost.pem", dir / "localhost.key");
    std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
    HttpClientConfig trusting;
    trusting.ca_file = dir / "localhost.pem";
    HttpClient client(trusting);
    HttpResponse r = client.send(HttpRequest{.method = "GET", .url = Url::parse(url)}, SendOptions{});
    CHECK(r.status == 200);
    CHECK_THAT(r.body, Catch::Contains("s_server"));

    HttpClient system_roots_only;  // the self-signed certificate is not in the system store
    CHECK_THAT(error_of([&] { system_roots_only.send(HttpRequest{.method = "GET", .url = Url::parse(url)}, SendOptions{}); }),
               Catch::Contains("TLS handshake failed"));
  }
  {
    TlsServer server(dir / "other.example.pem", dir / "other.example.key");
    HttpClientConfig trusting;
    trusting.ca_file = dir / "other.example.pem";  // trusted, but issued for another name
    HttpClient client(trusting);
    std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
    CHECK_THAT(error_of([&] { client.send(HttpRequest{.method = "GET", .url = Url::parse(url)}, SendOptions{}); }),
               Catch::Contains("TLS handshake failed"));
  }
  std::filesystem::remove_all(dir);
}
