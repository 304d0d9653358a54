// tests/registry/test_server.h — test doubles for the registry suite.
//
// `ScriptedServer` is a tiny HTTP/1.1 server on plain sockets whose handler returns the raw bytes
// to write, so a test can answer with anything a broken or hostile registry might send (wrong
// lengths, bad framing, gzip, redirect loops, huge bodies). It records every request (method,
// target, headers) so tests can check e.g. that a token never reached a host it was not issued for.
// `CountingProxy` forwards TCP to a real server, counting (and optionally throttling) the bytes
// sent back to the client. `DockerRegistry` runs Debian's CNCF distribution registry
// (/usr/bin/docker-registry) on a free loopback port with temporary storage.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hearth::registry::test {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct RawReply {
  std::string bytes;                 // written verbatim
  uint64_t bytes_per_second = 0;     // throttle (0: as fast as possible)
  std::chrono::milliseconds delay_before{0};
};

// "HTTP/1.1 <status> X\r\n" + headers + Content-Length + body.
std::string http_reply(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body, bool content_length = true);

class ScriptedServer {
 public:
  using Handler = std::function<RawReply(const RecordedRequest&)>;
  // Listens on `address` (e.g. "127.0.0.1" or "127.0.0.2") at a free port.
  explicit ScriptedServer(Handler handler, const std::string& address = "127.0.0.1");
  ~ScriptedServer();
  uint16_t port() const { return port_; }
  std::string authority() const { return address_ + ":" + std::to_string(port_); }
  std::vector<RecordedRequest> requests() const;
  uint64_t bytes_sent() const { return bytes_sent_.load(); }

 private:
  void accept_loop();
  void serve(int fd);
  Handler handler_;
  std::string address_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> bytes_sent_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<RecordedRequest> requests_;
};

class CountingProxy {
 public:
  CountingProxy(uint16_t upstream_port, uint64_t bytes_per_second = 0);
  ~CountingProxy();
  uint16_t port() const { return port_; }
  uint64_t downstream_bytes() const { return down_.load(); }
  void reset_count() { down_ = 0; }

 private:
  void accept_loop();
  void pump(int client);
  uint16_t upstream_port_;
  uint64_t rate_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> down_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
};

class DockerRegistry {
 public:
  static constexpr const char* kBinary = "/usr/bin/docker-registry";
  static bool available();
  DockerRegistry();  // throws std::runtime_error when it does not come up
  ~DockerRegistry();
  uint16_t port() const { return port_; }

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  int pid_ = -1;
};

uint16_t free_port();
std::filesystem::path make_temp_dir(const std::string& prefix);

}  // namespace hearth::registry::test
