// server/exchange.h — the boundary between the HTTP session and the API handlers.
//
// A handler receives a shared `Exchange` for one request and answers it exactly once, from any
// thread: either `respond()` with a complete response, or `begin_stream()`, any number of
// `write()` calls and `end()`. Every call is posted to the connection's strand, so engine threads
// never touch the socket. `cancel()` is triggered when the client disconnects (or the server
// shuts down); handlers give it to the scheduler so the request stops within one decode step.
//
// Uploads (POST /api/blobs/:digest) are streamed: the handler returns an UploadSink that receives
// the body chunk by chunk as the session reads it, then produces the response.
//
// Tests implement Exchange with a recorder (tests/server/recording_exchange.h) and drive
// handlers without sockets.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/scheduler/job.h"
#include "server/http_message.h"
#include "server/router.h"

namespace hearth::server {

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;

  virtual void respond(HttpResponse response) = 0;
  // A chunked response whose body is produced over time (NDJSON or SSE).
  virtual void begin_stream(int status, std::string content_type, HeaderList headers = {}) = 0;
  virtual void write(std::string bytes) = 0;
  virtual void end() = 0;

  // Set when the client goes away or the server shuts down.
  virtual const std::shared_ptr<sched::CancelToken>& cancel() const = 0;
};

class UploadSink {
 public:
  virtual ~UploadSink() = default;
  virtual void data(std::string_view bytes) = 0;  // may throw ApiError
  virtual HttpResponse finish() = 0;              // body complete; may throw ApiError
  virtual void abort() noexcept = 0;              // connection lost or error: clean up
};

// What the session asks of the API layer.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void handle(const RouteMatch& route, std::shared_ptr<Exchange> exchange) = 0;
  // For BodyPolicy::Stream routes, after the header: returns the sink for the body, or throws
  // ApiError. `early` may be filled instead to answer without reading the body (the connection
  // is then closed).
  virtual std::unique_ptr<UploadSink> begin_upload(const RouteMatch& route, const HttpRequest& request,
                                                   std::optional<HttpResponse>& early) = 0;
  // Used to shape errors raised by the session itself (413, 400) on /v1 routes.
  virtual HttpResponse error_response(const RouteMatch& route, int status, const std::string& message) = 0;
};

}  // namespace hearth::server
