#include "server/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <unistd.h>

#include "server/api_error.h"
#include "server/http_serialize.h"

namespace hearth::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kUploadChunk = 256 * 1024;
constexpr std::size_t kWatchBuffer = 4096;
constexpr std::size_t kMaxPipelinedBytes = 1u << 20;

class HttpSession;

// The Exchange handed to handlers: every call hops onto the session's strand and carries the
// request id, so answers to a request that is no longer current are dropped.
class SessionExchange final : public Exchange {
 public:
  SessionExchange(std::weak_ptr<HttpSession> session, net::any_io_executor strand, uint64_t id, HttpRequest request)
      : session_(std::move(session)), strand_(std::move(strand)), id_(id), request_(std::move(request)),
        cancel_(std::make_shared<sched::CancelToken>()) {}

  const HttpRequest& request() const override { return request_; }
  void respond(HttpResponse response) override;
  void begin_stream(int status, std::string content_type, HeaderList headers) override;
  void write(std::string bytes) override;
  void end() override;
  const std::shared_ptr<sched::CancelToken>& cancel() const override { return cancel_; }

 private:
  template <typename F>
  void post(F&& f);

  std::weak_ptr<HttpSession> session_;
  net::any_io_executor strand_;
  uint64_t id_;
  HttpRequest request_;
  std::shared_ptr<sched::CancelToken> cancel_;
};

class HttpSession : public std::enable_shared_from_this<HttpSession>, public SessionRegistry::Closable {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<const SessionContext> ctx)
      : stream_(std::move(socket)), ctx_(std::move(ctx)), idle_timer_(stream_.get_executor()) {
    beast::error_code ec;
    tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      std::string ip = peer.address().to_string();
      remote_ = (peer.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(peer.port());
    }
  }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read_header, shared_from_this())); }

  void close_when_idle() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->close_requested_ = true;
      if (self->phase_ == Phase::Idle || self->phase_ == Phase::ReadingHeader) self->do_close();
    });
  }

  // ---- called on the strand by SessionExchange ----
  void deliver_response(uint64_t id, HttpResponse r) {
    if (!current(id) || phase_ != Phase::Handling) return;
    for (auto& h : cors_headers_) r.headers.push_back(h);
    phase_ = Phase::Responding;
    response_status_ = r.status;
    response_bytes_ = head_only_ ? 0 : r.body.size();
    enqueue(serialize_response(r, keep_alive_, head_only_), /*last=*/true);
  }
  void deliver_begin(uint64_t id, int status, std::string content_type, HeaderList headers) {
    if (!current(id) || phase_ != Phase::Handling) return;
    for (auto& h : cors_headers_) headers.push_back(h);
    phase_ = Phase::Streaming;
    response_status_ = status;
    enqueue(serialize_stream_head(status, content_type, headers, keep_alive_), false);
  }
  void deliver_write(uint64_t id, std::string bytes) {
    if (!current(id) || phase_ != Phase::Streaming || bytes.empty()) return;
    response_bytes_ += bytes.size();
    enqueue(http_chunk(bytes), false);
  }
  void deliver_end(uint64_t id) {
    if (!current(id) || phase_ != Phase::Streaming) return;
    phase_ = Phase::Responding;
    enqueue(std::string(kLastChunk), true);
  }

 private:
  enum class Phase { ReadingHeader, ReadingBody, Handling, Streaming, Responding, Idle, Closed };

  bool current(uint64_t id) const { return id == request_id_ && !peer_gone_ && phase_ != Phase::Closed; }

  // ---- reading a request ----
  void do_read_header() {
    if (phase_ == Phase::Closed) return;
    if (close_requested_) return do_close();
    phase_ = Phase::ReadingHeader;
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<std::uint32_t>(ctx_->limits.max_header_bytes));
    header_parser_->body_limit(boost::none);  // limits are per route, applied after the header
    stream_.expires_after(buffer_.size() > 0 ? ctx_->limits.read_timeout : ctx_->limits.idle_timeout);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            beast::bind_front_handler(&HttpSession::on_read_header, shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t) {
    if (phase_ == Phase::Closed) return;
    if (ec == http::error::header_limit) return fail_request(431, "request header too large");
    if (ec) {
      // end_of_stream, timeout, reset: the client is done with this connection.
      if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != net::error::operation_aborted &&
          buffer_.size() > 0)
        return fail_request(400, "malformed HTTP request: " + ec.message());
      return do_close();
    }
    auto& h = header_parser_->get();
    request_ = HttpRequest{};
    request_.method_text = std::string(h.method_string());
    request_.method = parse_method(request_.method_text);
    request_.target = std::string(h.target());
    split_target(request_.target, request_.path, request_.query);
    for (const auto& field : h) request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    keep_alive_ = h.keep_alive();
    head_only_ = request_.method == Method::Head;
    bool has_body = header_parser_->content_length().value_or(0) > 0 || header_parser_->chunked();
    cors_headers_.clear();
    begin_observation(header_parser_->content_length().value_or(0));

    route_ = match_route(request_.method, request_.path);
    AccessDecision access = ctx_->access->check(request_.method_text, request_.header("Origin"), request_.header("Host"));
    cors_headers_ = access.headers;
    if (access.status != 0) {
      if (has_body) keep_alive_ = false, unread_body_ = true;  // do not read a body we will not use
      return respond_now(HttpResponse::empty(access.status));
    }
    if (ctx_->auth != nullptr) {
      if (auto refusal = ctx_->auth->check(request_.method, request_.path, request_.header("Authorization"))) {
        if (has_body) keep_alive_ = false, unread_body_ = true;
        return respond_now(std::move(*refusal));
      }
    }
    if (route_.result == RouteMatch::Result::NotFound || route_.result == RouteMatch::Result::MethodNotAllowed) {
      if (has_body) keep_alive_ = false, unread_body_ = true;
      bool nf = route_.result == RouteMatch::Result::NotFound;
      return respond_now(HttpResponse::text(nf ? 404 : 405, nf ? "404 page not found" : "405 method not allowed"));
    }
    if (route_.body == BodyPolicy::Stream) return start_upload();

    std::size_t limit = route_.body == BodyPolicy::Buffered ? route_.body_limit : kSmallBodyLimit;
    if (header_parser_->content_length() && *header_parser_->content_length() > limit) {
      keep_alive_ = false;
      unread_body_ = true;
      return respond_now(ctx_->handler->error_response(route_, 413, body_too_large(limit)));
    }
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    body_parser_->body_limit(limit);
    body_limit_ = limit;
    phase_ = Phase::ReadingBody;
    if (body_parser_->is_done()) return on_read_body({}, 0);  // no body at all
    send_continue_if_expected([self = shared_from_this()] { self->do_read_body(); });
  }

  static std::string body_too_large(std::size_t limit) {
    return "request body too large (limit " + std::to_string(limit >> 20) + " MiB)";
  }

  template <typename Next>
  void send_continue_if_expected(Next next) {
    if (!beast::iequals(request_.header("Expect"), "100-continue")) return next();
    stream_.expires_after(ctx_->limits.write_timeout);
    net::async_write(stream_, net::buffer(kContinue),
                     [self = shared_from_this(), next](beast::error_code ec, std::size_t) {
                       if (ec) return self->do_close();
                       next();
                     });
  }

  void do_read_body() {
    stream_.expires_after(ctx_->limits.read_timeout);
    http::async_read_some(stream_, buffer_, *body_parser_,
                          beast::bind_front_handler(&HttpSession::on_read_body, shared_from_this()));
  }

  void on_read_body(beast::error_code ec, std::size_t) {
    if (phase_ == Phase::Closed) return;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      unread_body_ = true;
      return respond_now(ctx_->handler->error_response(route_, 413, body_too_large(body_limit_)));
    }
    if (ec) return do_close();
    if (!body_parser_->is_done()) return do_read_body();
    request_.body = std::move(body_parser_->get().body());
    body_parser_.reset();
    dispatch();
  }

  // ---- streamed uploads ----
  void start_upload() {
    std::optional<HttpResponse> early;
    try {
      upload_sink_ = ctx_->handler->begin_upload(route_, request_, early);
    } catch (const ApiError& e) {
      keep_alive_ = false;
      unread_body_ = true;
      return respond_now(ctx_->handler->error_response(route_, e.status(), e.what()));
    }
    if (early || !upload_sink_) {
      keep_alive_ = false;  // the body is not read
      unread_body_ = true;
      return respond_now(early ? std::move(*early) : HttpResponse::empty(200));
    }
    upload_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    upload_parser_->body_limit(boost::none);
    upload_buffer_.resize(kUploadChunk);
    phase_ = Phase::ReadingBody;
    if (upload_parser_->is_done()) {  // empty body
      auto& body = upload_parser_->get().body();
      body.data = upload_buffer_.data();
      body.size = upload_buffer_.size();
      return on_read_upload({}, 0);
    }
    send_continue_if_expected([self = shared_from_this()] { self->do_read_upload(); });
  }

  void do_read_upload() {
    auto& body = upload_parser_->get().body();
    body.data = upload_buffer_.data();
    body.size = upload_buffer_.size();
    stream_.expires_after(ctx_->limits.read_timeout);
    http::async_read_some(stream_, buffer_, *upload_parser_,
                          beast::bind_front_handler(&HttpSession::on_read_upload, shared_from_this()));
  }

  void on_read_upload(beast::error_code ec, std::size_t) {
    if (phase_ == Phase::Closed) return;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return do_close();  // do_close aborts the sink (removes the partial file)
    std::size_t got = upload_buffer_.size() - upload_parser_->get().body().size;
    try {
      if (got > 0) upload_sink_->data(std::string_view(upload_buffer_.data(), got));
      if (!upload_parser_->is_done()) return do_read_upload();
      HttpResponse r = upload_sink_->finish();
      upload_sink_.reset();
      upload_parser_.reset();
      respond_now(std::move(r));
    } catch (const ApiError& e) {
      upload_sink_->abort();
      upload_sink_.reset();
      keep_alive_ = false;
      unread_body_ = !upload_parser_->is_done();
      respond_now(ctx_->handler->error_response(route_, e.status(), e.what()));
    } catch (const std::exception& e) {
      upload_sink_->abort();
      upload_sink_.reset();
      keep_alive_ = false;
      unread_body_ = !upload_parser_->is_done();
      respond_now(ctx_->handler->error_response(route_, 500, e.what()));
    }
  }

  // ---- handling ----
  void dispatch() {
    phase_ = Phase::Handling;
    ++request_id_;
    exchange_ = std::make_shared<SessionExchange>(weak_from_this(), stream_.get_executor(), request_id_, std::move(request_));
    start_watch();
    auto exchange = exchange_;
    try {
      ctx_->handler->handle(route_, exchange);
    } catch (const ApiError& e) {
      exchange->respond(ctx_->handler->error_response(route_, e.status(), e.what()));
    } catch (const std::exception& e) {
      exchange->respond(ctx_->handler->error_response(route_, 500, e.what()));
    }
  }

  // A response produced by the session itself (errors, preflight, uploads).
  void respond_now(HttpResponse r) {
    ++request_id_;
    phase_ = Phase::Handling;
    deliver_response(request_id_, std::move(r));
  }

  void fail_request(int status, const std::string& message) {
    keep_alive_ = false;
    head_only_ = false;
    respond_now(HttpResponse::json(status, error_body(message)));
  }

  // ---- watching the socket while a request is served (disconnect → cancel) ----
  void start_watch() {
    if (watching_ || peer_gone_ || phase_ == Phase::Closed) return;
    if (buffer_.size() >= kMaxPipelinedBytes) return;
    watching_ = true;
    stream_.expires_never();
    stream_.async_read_some(buffer_.prepare(kWatchBuffer),
                            beast::bind_front_handler(&HttpSession::on_watch, shared_from_this()));
  }

  void on_watch(beast::error_code ec, std::size_t n) {
    watching_ = false;
    if (phase_ == Phase::Closed) return;
    if (!ec) {
      buffer_.commit(n);
      if (phase_ == Phase::Idle) {
        idle_timer_.cancel();
        return do_read_header();
      }
      return start_watch();
    }
    if (ec == net::error::operation_aborted && resume_after_cancel_) {
      resume_after_cancel_ = false;
      if (phase_ == Phase::Idle) return do_read_header();
      return;
    }
    // EOF, reset or timeout: the client is gone.
    peer_gone_ = true;
    if (exchange_) exchange_->cancel()->cancel();
    if (phase_ == Phase::Idle || (!writing_ && phase_ != Phase::Responding)) do_close();
  }

  // ---- writing ----
  void enqueue(std::string bytes, bool last) {
    if (phase_ == Phase::Closed) return;
    queued_bytes_ += bytes.size();
    out_.push_back(std::move(bytes));
    if (last) response_complete_ = true;
    if (queued_bytes_ > ctx_->limits.max_pending_stream_bytes) {
      // The client reads slower than we produce: drop it rather than buffer without bound.
      peer_gone_ = true;
      if (exchange_) exchange_->cancel()->cancel();
      return do_close();
    }
    if (!writing_) do_write();
  }

  void do_write() {
    writing_buffer_.clear();
    while (!out_.empty()) {
      writing_buffer_ += out_.front();
      out_.pop_front();
    }
    queued_bytes_ = 0;
    writing_ = true;
    bool finishing = response_complete_;
    stream_.expires_after(ctx_->limits.write_timeout);
    net::async_write(stream_, net::buffer(writing_buffer_),
                     [self = shared_from_this(), finishing](beast::error_code ec, std::size_t) {
                       self->on_write(ec, finishing);
                     });
  }

  void on_write(beast::error_code ec, bool finished_response) {
    writing_ = false;
    if (phase_ == Phase::Closed) return;
    if (ec) {
      peer_gone_ = true;
      if (exchange_) exchange_->cancel()->cancel();
      return do_close();
    }
    if (!out_.empty()) return do_write();
    if (finished_response) finish_response();
  }

  void finish_response() {
    end_observation();
    response_complete_ = false;
    exchange_.reset();
    writing_buffer_.clear();
    writing_buffer_.shrink_to_fit();
    if (unread_body_ && !peer_gone_) return do_linger_close();
    if (!keep_alive_ || close_requested_ || peer_gone_) return do_close();
    phase_ = Phase::Idle;
    if (!watching_) return do_read_header();
    if (buffer_.size() > 0) {
      // A pipelined request is already buffered: stop watching and parse it.
      resume_after_cancel_ = true;
      beast::error_code ignored;
      stream_.socket().cancel(ignored);
      return;
    }
    // The watch read now doubles as the keep-alive wait; the idle timer bounds it.
    idle_timer_.expires_after(ctx_->limits.idle_timeout);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && self->phase_ == Phase::Idle) self->do_close();
    });
  }

  // ---- metrics and access log ----
  void begin_observation(uint64_t request_bytes) {
    observing_ = true;
    started_wall_ = std::chrono::system_clock::now();
    started_ = std::chrono::steady_clock::now();
    response_status_ = 0;
    response_bytes_ = 0;
    request_bytes_ = request_bytes;
    // Copies: the request itself moves into the Exchange when it is dispatched.
    obs_method_ = request_.method_text;
    obs_path_ = request_.path;
    obs_user_agent_ = std::string(request_.header("User-Agent"));
    if (ctx_->metrics) ctx_->metrics->request_started();
  }

  void end_observation() {
    if (!observing_) return;
    observing_ = false;
    auto duration = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started_);
    std::string_view route = route_.result == RouteMatch::Result::Found ? route_name(route_.route) : "unmatched";
    if (ctx_->metrics)
      ctx_->metrics->request_finished(RequestObservation{route, obs_method_, response_status_, duration, response_bytes_});
    if (ctx_->access_log.format == AccessLogFormat::Off) return;
    AccessLogEntry e;
    e.time = started_wall_;
    e.remote = remote_;
    e.method = obs_method_;
    e.path = obs_path_;
    e.status = response_status_;
    e.bytes = response_bytes_;
    e.duration = duration;
    e.route = route_.result == RouteMatch::Result::Found ? route : "";
    e.user_agent = obs_user_agent_;
    e.request_bytes = request_bytes_;
    if (!should_log_access(ctx_->access_log, e)) return;
    std::string line = format_access_log(e, ctx_->access_log.format, ctx_->access_log.level);
    line.push_back('\n');
    // One write per line keeps lines whole when several sessions log at once.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
  }

  // After answering without reading the request body: stop sending, then drain what the client
  // is still sending for a moment so the kernel does not reset the connection (which could
  // destroy our response before the client reads it), as Go's server does.
  void do_linger_close() {
    phase_ = Phase::Idle;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    idle_timer_.expires_after(std::chrono::seconds(1));
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->do_close(); });
    if (!watching_) drain();
  }

  void drain() {
    if (phase_ == Phase::Closed) return;
    watching_ = true;
    buffer_.clear();
    stream_.expires_never();
    stream_.async_read_some(buffer_.prepare(kUploadChunk), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->watching_ = false;
      if (ec) return self->do_close();
      self->drain();
    });
  }

  void do_close() {
    if (phase_ == Phase::Closed) return;
    // A request cut short (client gone, write failure, shutdown) still counts, as 499 when no
    // response was started.
    if (observing_ && response_status_ == 0) response_status_ = 499;
    end_observation();
    phase_ = Phase::Closed;
    idle_timer_.cancel();
    if (upload_sink_) {
      upload_sink_->abort();
      upload_sink_.reset();
    }
    if (exchange_) exchange_->cancel()->cancel();
    exchange_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<const SessionContext> ctx_;
  net::steady_timer idle_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  std::optional<http::request_parser<http::buffer_body>> upload_parser_;
  std::unique_ptr<UploadSink> upload_sink_;
  std::vector<char> upload_buffer_;
  std::size_t body_limit_ = 0;

  Phase phase_ = Phase::ReadingHeader;
  HttpRequest request_;
  RouteMatch route_;
  HeaderList cors_headers_;
  bool keep_alive_ = true;
  bool head_only_ = false;
  uint64_t request_id_ = 0;
  std::shared_ptr<SessionExchange> exchange_;

  bool watching_ = false;
  bool resume_after_cancel_ = false;
  bool peer_gone_ = false;
  bool close_requested_ = false;
  bool unread_body_ = false;

  std::string remote_;
  bool observing_ = false;
  std::chrono::system_clock::time_point started_wall_;
  std::chrono::steady_clock::time_point started_;
  std::string obs_method_, obs_path_, obs_user_agent_;
  int response_status_ = 0;
  uint64_t response_bytes_ = 0;
  uint64_t request_bytes_ = 0;

  std::deque<std::string> out_;
  std::string writing_buffer_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool response_complete_ = false;
};

template <typename F>
void SessionExchange::post(F&& f) {
  auto session = session_.lock();
  if (!session) return;
  net::post(strand_, [session, f = std::forward<F>(f)]() mutable { f(*session); });
}

void SessionExchange::respond(HttpResponse response) {
  post([id = id_, r = std::move(response)](HttpSession& s) mutable { s.deliver_response(id, std::move(r)); });
}

void SessionExchange::begin_stream(int status, std::string content_type, HeaderList headers) {
  post([id = id_, status, ct = std::move(content_type), h = std::move(headers)](HttpSession& s) mutable {
    s.deliver_begin(id, status, std::move(ct), std::move(h));
  });
}

void SessionExchange::write(std::string bytes) {
  post([id = id_, b = std::move(bytes)](HttpSession& s) mutable { s.deliver_write(id, std::move(b)); });
}

void SessionExchange::end() {
  post([id = id_](HttpSession& s) { s.deliver_end(id); });
}

}  // namespace

void start_http_session(tcp::socket socket, std::shared_ptr<const SessionContext> context,
                        std::shared_ptr<SessionRegistry> registry) {
  auto session = std::make_shared<HttpSession>(std::move(socket), std::move(context));
  if (registry) registry->add(session);
  session->run();
}

void SessionRegistry::add(const std::shared_ptr<Closable>& session) {
  bool close_now = false;
  {
    std::lock_guard lk(mutex_);
    if (closing_) {
      close_now = true;
    } else {
      if (sessions_.size() > 64 && sessions_.size() % 64 == 0)
        std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
      sessions_.push_back(session);
    }
  }
  if (close_now) session->close_when_idle();
}

void SessionRegistry::close_all() {
  std::vector<std::weak_ptr<Closable>> all;
  {
    std::lock_guard lk(mutex_);
    closing_ = true;
    all = sessions_;  // kept: live() must go on counting them until they are gone
  }
  for (auto& w : all)
    if (auto s = w.lock()) s->close_when_idle();
}

std::size_t SessionRegistry::live() const {
  std::lock_guard lk(mutex_);
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(), [](const auto& w) { return !w.expired(); }));
}

}  // namespace hearth::server
