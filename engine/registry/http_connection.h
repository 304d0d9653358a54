// engine/registry/http_connection.h — one HTTP/1.1 exchange on one connection (internal).
//
// `perform_exchange` connects (TCP, then TLS for https), writes one request and reads one
// response with the strict framing rules of http_client.h. Redirect handling and policy live in
// HttpClient::send; this layer only moves bytes, enforcing timeouts and cancellation with an
// io_context owned by the exchange (so each call is self-contained and thread-safe).
#pragma once

#include "engine/registry/http_client.h"

namespace hearth::registry::detail {

// `authorization` is the header to send ("" for none): the caller has already decided whether this
// URL may receive it.
HttpResponse perform_exchange(const HttpClientConfig& config, HttpClient::Tls* tls, const HttpRequest& request,
                              const SendOptions& options, const std::string& authorization);

}  // namespace hearth::registry::detail
