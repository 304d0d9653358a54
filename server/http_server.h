// server/http_server.h — the listening socket, the I/O threads and graceful shutdown.
//
// HttpServer binds the address parsed from OLLAMA_HOST, accepts connections (one strand per
// connection, TCP_NODELAY so each streamed line leaves at once) and runs the Asio io_context on a
// few threads. Request handling is the RequestHandler's business; inference never happens on
// these threads. On SIGINT/SIGTERM (or stop()): stop accepting, let the caller end every running
// request (streams get a final line), close idle keep-alive connections, wait for busy ones to
// finish their responses (bounded), and return from run().
//
//   HttpServer server(options, api);
//   server.listen();                       // throws std::runtime_error when the port is taken
//   server.run([&] { api.shutdown(); });   // blocks until a signal or stop()
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/exchange.h"
#include "server/host.h"
#include "server/http_session.h"

namespace hearth::server {

struct HttpServerOptions {
  HostAddress bind;
  int io_threads = 4;
  SessionLimits limits;
  std::vector<std::string> extra_origins;      // OLLAMA_ORIGINS
  std::chrono::seconds drain_timeout{10};      // how long shutdown waits for busy connections
  bool handle_signals = true;
  const ApiKeyAuth* auth = nullptr;            // optional API keys (server/auth.h)
  ServerMetrics* metrics = nullptr;            // optional request metrics (server/metrics.h)
  AccessLogConfig access_log{AccessLogFormat::Off, LogLevel::Info};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Resolves and binds. Throws std::runtime_error ("listen tcp HOST:PORT: <reason>").
  void listen();
  uint16_t port() const;
  std::string address() const;  // "host:port" actually bound

  // Serves until SIGINT/SIGTERM or stop(). `on_shutdown` runs once, after accepting has stopped
  // and before connections are drained: it should end running requests.
  void run(std::function<void()> on_shutdown = {});
  void stop();  // thread-safe; makes run() begin the shutdown sequence

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server
