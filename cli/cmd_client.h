// cli/cmd_client.h — shared pieces of the API client commands (list, ps, show, rm, cp, create,
// stop, run, --version): the client for OLLAMA_HOST and Ollama's human formats.
//
// The formats are upstream's (format/bytes.go, format/time.go): sizes in decimal units
// ("6.4 MB", "2.0 GB"), times as "2 minutes ago" / "4 minutes from now" / "Forever", and tables
// with columns separated by four spaces.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_client.h"

namespace hearth::cli {

// A client for OLLAMA_HOST (HEARTH_HOST wins when set).
server::ApiClient client_from_env();
// The same, after a successful HEAD / (throws "could not connect to ollama server ...").
server::ApiClient connected_client();

std::string human_bytes(int64_t bytes);
std::string human_duration(std::chrono::nanoseconds d);
// "X ago", "X from now", "Forever" (more than 20 years ahead), `zero` for an unparsable time.
std::string human_time(std::string_view rfc3339, std::string_view zero = "Never");
// Parses Go's RFC 3339 (with optional fraction and offset); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// Prints rows (the first is the header) with columns padded to their widest cell plus 4 spaces.
void print_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace hearth::cli
