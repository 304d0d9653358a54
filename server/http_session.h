// server/http_session.h — one HTTP/1.1 connection, shaped like Beast's advanced server.
//
// Each connection is a chain of do_*/on_* pairs running on its own strand:
//   do_read_header → on_read_header → (route, CORS/Host check, body policy)
//     → do_read_body → on_read_body → dispatch to the RequestHandler
//     | do_read_upload → on_read_upload (chunks to an UploadSink, hashed and written as they come)
//   → the response: a complete message (do_write_response) or a chunked stream
//     (begin/write/end, coalesced into one chunk per write, bounded) → back to do_read_header.
// Limits are per route and applied after the header is read (413 before reading an oversized
// body). Every read and write re-arms its own timeout. While a request is being served the
// session keeps one read outstanding ("watch"): when it reports EOF or an error the client is
// gone and the request's cancel token fires, so a dropped stream stops within one decode step.
// Bytes of a pipelined next request that arrive meanwhile stay in the buffer for the next parse.
// Around every exchange the session applies the optional API-key check (after CORS/Host, before
// routing), counts the request in ServerMetrics and writes one access-log line when it ends.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "server/access_log.h"
#include "server/access_policy.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/exchange.h"

namespace hearth::server {

struct SessionLimits {
  std::chrono::seconds idle_timeout{300};     // keep-alive wait for the next request
  std::chrono::seconds read_timeout{120};     // per header/body read
  std::chrono::seconds write_timeout{120};    // per write
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_pending_stream_bytes = 16u << 20;  // a client this far behind is dropped
};

struct SessionContext {
  RequestHandler* handler = nullptr;
  const AccessPolicy* access = nullptr;
  const ApiKeyAuth* auth = nullptr;   // null or without keys: no authentication
  ServerMetrics* metrics = nullptr;   // null: no request metrics
  AccessLogConfig access_log{AccessLogFormat::Off, LogLevel::Info};
  SessionLimits limits;
};

class SessionRegistry;

// Starts serving an accepted socket; the session keeps itself alive until the connection ends.
void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const SessionContext> context,
                        std::shared_ptr<SessionRegistry> registry);

// Tracks live sessions so shutdown can close idle keep-alive connections and let busy ones end
// their responses first.
class SessionRegistry {
 public:
  class Closable {
   public:
    virtual ~Closable() = default;
    virtual void close_when_idle() = 0;  // thread-safe
  };
  void add(const std::shared_ptr<Closable>& session);
  void close_all();
  std::size_t live() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<Closable>> sessions_;
  bool closing_ = false;
};

}  // namespace hearth::server
