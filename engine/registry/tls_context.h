// engine/registry/tls_context.h — the OpenSSL client context behind HttpClient (internal).
//
// One context per HttpClient: TLS 1.2 or newer, peers verified against the system trust store
// (Debian's ca-certificates) plus an optional extra CA file. Host names are checked per
// connection (http_connection.cpp).
#pragma once

#include <boost/asio/ssl.hpp>

#include "engine/registry/errors.h"
#include "engine/registry/http_client.h"

namespace hearth::registry {

struct HttpClient::Tls {
  explicit Tls(const std::filesystem::path& ca_file) : ctx(boost::asio::ssl::context::tls_client) {
    ctx.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                    boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                    boost::asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ctx.set_default_verify_paths(ec);  // a machine without CA certificates still works with ca_file
    if (!ca_file.empty()) {
      ctx.load_verify_file(ca_file.string(), ec);
      if (ec) throw TransportError("cannot load CA certificates from " + ca_file.string() + ": " + ec.message());
    }
  }
  boost::asio::ssl::context& context() { return ctx; }
  boost::asio::ssl::context ctx;
};

}  // namespace hearth::registry
