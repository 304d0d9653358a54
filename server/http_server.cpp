#include "server/http_server.h"

#include <unistd.h>

#include <atomic>
#include <optional>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <stdexcept>
#include <thread>

namespace hearth::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  HttpServerOptions options;
  RequestHandler& handler;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc};
  net::steady_timer drain_timer{ioc};
  std::shared_ptr<SessionRegistry> registry = std::make_shared<SessionRegistry>();
  std::shared_ptr<SessionContext> context = std::make_shared<SessionContext>();
  std::unique_ptr<AccessPolicy> access;
  std::function<void()> on_shutdown;
  std::atomic<bool> stopping{false};
  std::thread shutdown_thread;
  // Keeps run() going from the start of a shutdown until poll_drained() stops the context: with
  // the acceptor and signal wait gone and no connection open, the context would otherwise run
  // out of work while the shutdown thread still has to post the drain back to it.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> shutdown_work;
  tcp::endpoint bound;

  Impl(HttpServerOptions o, RequestHandler& h) : options(std::move(o)), handler(h) {}

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        // Transient (EMFILE, ECONNABORTED): keep accepting.
        return do_accept();
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      start_http_session(std::move(socket), context, registry);
      do_accept();
    });
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    shutdown_work.emplace(ioc.get_executor());
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    // Ending requests happens off the I/O threads: it waits for engine threads, which post
    // final lines back to sessions on these very threads. run() joins this thread before it
    // returns, so the handler outlives it.
    shutdown_thread = std::thread([this] {
      if (on_shutdown) on_shutdown();
      net::post(ioc, [this] {
        registry->close_all();
        drain_timer.expires_after(options.drain_timeout);
        drain_timer.async_wait([this](boost::system::error_code e) {
          if (!e) ioc.stop();
        });
        poll_drained();
      });
    });
  }

  // Stops the context as soon as every connection is gone (or the drain timer fires).
  void poll_drained() {
    if (registry->live() == 0) {
      drain_timer.cancel();
      ioc.stop();
      return;
    }
    auto t = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(20));
    t->async_wait([this, t](boost::system::error_code) { poll_drained(); });
  }
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen() {
  Impl& m = *impl_;
  const HostAddress& b = m.options.bind;
  std::string where = b.host_port();
  try {
    std::vector<tcp::endpoint> candidates;
    if (b.host.empty()) {
      candidates.emplace_back(net::ip::address_v6::any(), b.port);
      candidates.emplace_back(net::ip::address_v4::any(), b.port);
    } else {
      tcp::resolver resolver(m.ioc);
      for (const auto& entry : resolver.resolve(b.host, std::to_string(b.port), tcp::resolver::passive))
        candidates.push_back(entry.endpoint());
    }
    boost::system::error_code ec;
    for (const auto& ep : candidates) {
      m.acceptor.open(ep.protocol(), ec);
      if (ec) continue;
      m.acceptor.set_option(net::socket_base::reuse_address(true), ec);
      if (ep.address().is_v6() && b.host.empty()) m.acceptor.set_option(net::ip::v6_only(false), ec);
      m.acceptor.bind(ep, ec);
      if (!ec) m.acceptor.listen(net::socket_base::max_listen_connections, ec);
      if (!ec) break;
      boost::system::error_code ignored;
      m.acceptor.close(ignored);
    }
    if (ec || !m.acceptor.is_open()) throw std::runtime_error(ec ? ec.message() : "no usable address");
    m.bound = m.acceptor.local_endpoint();
  } catch (const std::exception& e) {
    throw std::runtime_error("listen tcp " + where + ": " + e.what());
  }
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  bool loopback = m.bound.address().is_loopback();
  m.access = std::make_unique<AccessPolicy>(m.options.extra_origins, loopback, hostname);
  m.context->handler = &m.handler;
  m.context->access = m.access.get();
  m.context->auth = m.options.auth;
  m.context->metrics = m.options.metrics;
  m.context->access_log = m.options.access_log;
  m.context->limits = m.options.limits;
}

uint16_t HttpServer::port() const { return impl_->bound.port(); }

std::string HttpServer::address() const {
  const auto& a = impl_->bound.address();
  std::string host = a.to_string();
  if (a.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(impl_->bound.port());
}

void HttpServer::run(std::function<void()> on_shutdown) {
  Impl& m = *impl_;
  if (!m.acceptor.is_open()) listen();
  m.on_shutdown = std::move(on_shutdown);
  if (m.options.handle_signals) {
    m.signals.add(SIGINT);
    m.signals.add(SIGTERM);
    m.signals.async_wait([&m](boost::system::error_code ec, int) {
      if (!ec) m.begin_shutdown();
    });
  }
  m.do_accept();
  int n = std::max(m.options.io_threads, 1);
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back([&m] { m.ioc.run(); });
  m.ioc.run();
  for (auto& t : threads) t.join();
  if (m.shutdown_thread.joinable()) m.shutdown_thread.join();
}

void HttpServer::stop() {
  net::post(impl_->ioc, [m = impl_.get()] { m->begin_shutdown(); });
}

}  // namespace hearth::server
