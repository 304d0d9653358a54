// One HTTP exchange over Asio/Beast with deadlines. Every asynchronous operation is started on a
// private io_context and waited for in short slices; between slices the deadline and the caller's
// `cancelled` callback are checked, and the socket is closed to abort the operation.
#include "engine/registry/http_connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <optional>

#include "engine/registry/errors.h"
#include "engine/registry/tls_context.h"

namespace hearth::registry::detail {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kErrorBodyKeep = 64 * 1024;  // error bodies are kept for messages only
constexpr std::size_t kChunk = 64 * 1024;

struct OpState {
  bool done = false;
  beast::error_code ec;
  std::size_t bytes = 0;
};

auto completion(OpState& st) {
  return [&st](beast::error_code ec, std::size_t n = 0) {
    st.done = true;
    st.ec = ec;
    st.bytes = n;
  };
}

bool header_value_ok(std::string_view v) { return v.find_first_of("\r\n") == std::string_view::npos; }

class Exchange {
 public:
  Exchange(const HttpClientConfig& config, HttpClient::Tls* tls, const HttpRequest& request, const SendOptions& options)
      : config_(config), tls_(tls), request_(request), options_(options), url_text_(request.url.str_without_query()) {}

  HttpResponse run(const std::string& authorization) {
    connect();
    write_request(authorization);
    return read_response();
  }

 private:
  enum class Outcome { Done, TimedOut };

  tcp::socket& lowest() { return stream_ ? stream_->next_layer() : *socket_; }

  template <class F>
  void with_stream(F&& f) {
    if (stream_)
      f(*stream_);
    else
      f(*socket_);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw TransportError(request_.method + " " + url_text_ + ": " + what);
  }
  [[noreturn]] void violation(const std::string& what) const {
    throw ProtocolViolation(request_.method + " " + url_text_ + ": " + what);
  }

  // Waits for `st` with a deadline. A timeout either throws (default) or is reported.
  Outcome wait(OpState& st, std::chrono::milliseconds timeout, std::string_view what, bool timeout_throws = true) {
    // Checked before every operation too: a steady stream of small reads never lets the slice
    // below expire, and cancellation must still be seen.
    if (options_.cancelled && options_.cancelled()) {
      close_quietly();
      throw CancelledError();
    }
    auto deadline = Clock::now() + timeout;
    bool aborted = false, cancelled = false;
    ioc_.restart();
    while (!st.done) {
      ioc_.run_for(std::chrono::milliseconds(20));
      if (st.done || aborted) continue;
      if (options_.cancelled && options_.cancelled()) {
        cancelled = aborted = true;
      } else if (Clock::now() >= deadline) {
        aborted = true;
      }
      if (aborted) {
        beast::error_code ignored;
        resolver_.cancel();
        if (socket_ || stream_) {
          lowest().cancel(ignored);
          lowest().close(ignored);
        }
      }
    }
    if (cancelled) throw CancelledError();
    if (aborted) {
      if (!timeout_throws) return Outcome::TimedOut;
      fail("timed out after " + std::to_string(timeout.count() / 1000.0).substr(0, 4) + " s " + std::string(what));
    }
    return Outcome::Done;
  }

  void connect() {
    const Url& u = request_.url;
    OpState st;
    tcp::resolver::results_type results;
    resolver_.async_resolve(u.host, std::to_string(u.port),
                            [&](beast::error_code ec, tcp::resolver::results_type r) {
                              st.done = true;
                              st.ec = ec;
                              results = std::move(r);
                            });
    wait(st, config_.connect_timeout, "resolving the host");
    if (st.ec) fail("cannot resolve host: " + st.ec.message());

    socket_.emplace(ioc_);
    OpState cst;
    net::async_connect(*socket_, results, [&](beast::error_code ec, const tcp::endpoint&) {
      cst.done = true;
      cst.ec = ec;
    });
    wait(cst, config_.connect_timeout, "connecting");
    if (cst.ec) fail("cannot connect: " + cst.ec.message());
    beast::error_code ignored;
    socket_->set_option(tcp::no_delay(true), ignored);

    if (!u.is_https()) return;
    stream_.emplace(std::move(*socket_), tls_->context());
    socket_.reset();
    if (!is_ip_literal(u.host) && !SSL_set_tlsext_host_name(stream_->native_handle(), u.host.c_str()))
      fail("cannot set TLS server name");
    stream_->set_verify_mode(net::ssl::verify_peer);
    stream_->set_verify_callback(net::ssl::host_name_verification(u.host));
    OpState hst;
    stream_->async_handshake(net::ssl::stream_base::client, completion(hst));
    wait(hst, config_.connect_timeout, "in the TLS handshake");
    if (hst.ec) fail("TLS handshake failed: " + hst.ec.message());
  }

  static bool is_ip_literal(const std::string& host) {
    beast::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
  }

  void write_all(const void* data, std::size_t size, std::string_view what) {
    OpState st;
    with_stream([&](auto& s) { net::async_write(s, net::buffer(data, size), completion(st)); });
    wait(st, config_.stall_timeout, what);
    if (st.ec) fail(std::string("cannot send ") + std::string(what) + ": " + st.ec.message());
  }

  void write_request(const std::string& authorization) {
    const Url& u = request_.url;
    uint64_t body_size = request_.file_body ? request_.file_body->length : request_.body.size();
    std::string head = request_.method + " " + u.target + " HTTP/1.1\r\n";
    head += "Host: " + u.authority() + "\r\n";
    head += "User-Agent: " + config_.user_agent + "\r\n";
    head += "Accept-Encoding: identity\r\nConnection: close\r\n";
    if (!authorization.empty()) head += "Authorization: " + authorization + "\r\n";
    for (const Header& h : request_.headers) {
      if (!header_value_ok(h.name) || !header_value_ok(h.value) || h.name.find(':') != std::string::npos)
        fail("invalid request header " + h.name);
      head += h.name + ": " + h.value + "\r\n";
    }
    if (body_size > 0 || request_.send_content_length) head += "Content-Length: " + std::to_string(body_size) + "\r\n";
    head += "\r\n";
    if (!request_.file_body && !request_.body.empty() && request_.body.size() < 64 * 1024) {
      head += request_.body;  // small bodies go out with the header in one write
      write_all(head.data(), head.size(), "the request");
      if (options_.on_body_sent) options_.on_body_sent(body_size);
      return;
    }
    write_all(head.data(), head.size(), "the request header");
    if (!request_.file_body) {
      if (!request_.body.empty()) write_all(request_.body.data(), request_.body.size(), "the request body");
      if (options_.on_body_sent && body_size) options_.on_body_sent(body_size);
      return;
    }
    const FileSlice& slice = *request_.file_body;
    int fd = ::open(slice.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw RegistryError(RegistryErrorKind::Storage, "cannot open " + slice.path.string());
    std::vector<char> chunk(256 * 1024);
    uint64_t sent = 0;
    try {
      while (sent < slice.length) {
        std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), slice.length - sent));
        ssize_t n = ::pread(fd, chunk.data(), want, static_cast<off_t>(slice.offset + sent));
        if (n <= 0)
          throw RegistryError(RegistryErrorKind::Storage, "cannot read " + slice.path.string() + " while uploading");
        write_all(chunk.data(), static_cast<std::size_t>(n), "the request body");
        sent += static_cast<uint64_t>(n);
        if (options_.on_body_sent) options_.on_body_sent(sent);
      }
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  }

  HttpResponse read_response() {
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (request_.method == "HEAD") parser.skip(true);

    OpState hst;
    with_stream([&](auto& s) { http::async_read_header(s, buffer_, parser, completion(hst)); });
    wait(hst, config_.stall_timeout, "waiting for the response");
    if (hst.ec) fail("cannot read the response header: " + hst.ec.message());

    HttpResponse response;
    response.url = request_.url;
    const auto& msg = parser.get();
    response.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    if (const std::string* enc = find_header(response.headers, "Content-Encoding")) {
      std::string e = *enc;
      for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!e.empty() && e != "identity")
        violation("the server answered with Content-Encoding \"" + *enc + "\", which was not requested");
    }

    bool success = response.status >= 200 && response.status < 300;
    bool to_sink = success && options_.sink != nullptr;
    const bool has_length = parser.content_length().has_value();
    const uint64_t declared = has_length ? *parser.content_length() : 0;
    if (success && !to_sink && has_length && declared > options_.max_body_bytes && request_.method != "HEAD")
      violation("response body of " + std::to_string(declared) + " bytes is larger than the " +
           std::to_string(options_.max_body_bytes) + " bytes allowed");

    if (to_sink && options_.on_response_head) options_.on_response_head(response);

    std::vector<uint8_t> chunk(kChunk);
    uint64_t received = 0;
    bool truncated_error_body = false;
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      OpState st;
      with_stream([&](auto& s) { http::async_read_some(s, buffer_, parser, completion(st)); });
      wait(st, config_.stall_timeout, "waiting for response body bytes");
      if (st.ec == http::error::need_buffer) st.ec = {};
      if (st.ec == net::ssl::error::stream_truncated) {
        beast::error_code eof_ec;
        parser.put_eof(eof_ec);
        st.ec = eof_ec;
      }
      std::size_t n = chunk.size() - parser.get().body().size;
      if (st.ec) {
        if (st.ec == http::error::partial_message || st.ec == net::error::eof || st.ec == http::error::end_of_stream)
          fail("response body truncated after " + std::to_string(received + n) + " bytes" +
               (has_length ? " of " + std::to_string(declared) : std::string()));
        fail("cannot read the response body: " + st.ec.message());
      }
      if (n == 0) continue;
      received += n;
      if (to_sink) {
        (*options_.sink)(std::span<const uint8_t>(chunk.data(), n));
      } else if (success) {
        if (received > options_.max_body_bytes)
          violation("response body is larger than the " + std::to_string(options_.max_body_bytes) + " bytes allowed");
        response.body.append(reinterpret_cast<const char*>(chunk.data()), n);
      } else {
        // Error bodies only feed messages: keep the start, stop reading (the connection is closed).
        std::size_t keep = std::min<std::size_t>(n, kErrorBodyKeep - std::min(kErrorBodyKeep, response.body.size()));
        response.body.append(reinterpret_cast<const char*>(chunk.data()), keep);
        if (response.body.size() >= kErrorBodyKeep) {
          truncated_error_body = true;
          break;
        }
      }
    }
    if (!truncated_error_body) check_nothing_after_body(has_length);
    close_quietly();
    return response;
  }

  // Bytes after the declared end of the body mean the framing lied (or a smuggling attempt).
  void check_nothing_after_body(bool had_length) {
    std::string why = had_length ? "the response body is longer than its Content-Length"
                                 : "unexpected bytes after the end of the response";
    if (buffer_.size() > 0) violation(why);
    char extra[512];
    OpState st;
    with_stream([&](auto& s) { s.async_read_some(net::buffer(extra, sizeof extra), completion(st)); });
    if (wait(st, config_.close_grace, "", false) == Outcome::TimedOut) return;  // kept open, sent nothing more
    if (!st.ec && st.bytes > 0) violation(why);
  }

  void close_quietly() {
    beast::error_code ignored;
    if (socket_ || stream_) lowest().close(ignored);
  }

  const HttpClientConfig& config_;
  HttpClient::Tls* tls_;
  const HttpRequest& request_;
  const SendOptions& options_;
  std::string url_text_;
  net::io_context ioc_;
  tcp::resolver resolver_{ioc_};
  std::optional<tcp::socket> socket_;
  std::optional<net::ssl::stream<tcp::socket>> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace

HttpResponse perform_exchange(const HttpClientConfig& config, HttpClient::Tls* tls, const HttpRequest& request,
                              const SendOptions& options, const std::string& authorization) {
  Exchange exchange(config, tls, request, options);
  return exchange.run(authorization);
}

}  // namespace hearth::registry::detail
