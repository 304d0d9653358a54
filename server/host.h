// server/host.h — OLLAMA_HOST parsing, exactly as Ollama's envconfig.Host does it.
//
// The same value names the address `hearth serve` binds and the server the CLI talks to:
//   ""                      → http://127.0.0.1:11434
//   "0.0.0.0"               → http://0.0.0.0:11434
//   ":1234"                 → http://:1234           (empty host: all interfaces)
//   "::1" / "[::1]"         → http://[::1]:11434
//   "https://example.com/x" → https://example.com:443, path "x" (reverse-proxy prefix)
//   "ollama.com"            → https://ollama.com:443
// A port that is not a number in 0..65535 falls back to the scheme's default port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::server {

struct HostAddress {
  std::string scheme = "http";
  std::string host = "127.0.0.1";  // without brackets; "" = all interfaces
  uint16_t port = 11434;
  std::string path;                // after the first '/', without it

  // "host:port" with IPv6 hosts in brackets, like Go's net.JoinHostPort.
  std::string host_port() const;
  // "scheme://host:port[/path]".
  std::string url() const;
  // The host a client should dial: an unspecified bind address (0.0.0.0, ::, "") becomes the
  // loopback address of the same family.
  std::string dial_host() const;
};

// Parses an OLLAMA_HOST value (already trimmed of quotes by the env reader, but trimming again
// is harmless). Never throws: malformed parts fall back to defaults, as upstream does.
HostAddress parse_ollama_host(std::string_view value);

// Go's net.SplitHostPort: "h:p", "[v6]:p". False when the text has no port or is malformed.
bool split_host_port(std::string_view hostport, std::string& host, std::string& port);
// True if `text` is an IPv4 dotted quad or an IPv6 address (what Go's net.ParseIP accepts).
bool is_ip_literal(std::string_view text);

}  // namespace hearth::server
