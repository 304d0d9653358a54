// server/api_error.h — an error that already knows its HTTP status and client-facing message.
//
// Handlers throw ApiError (or let a typed library error be translated into one); the dispatcher
// turns it into `{"error":"<message>"}` with that status — or, on /v1 routes, into OpenAI's
// `{"error":{"message":…,"type":…,"param":null,"code":null}}`. Inside a stream that has already
// started, the same message becomes the final `{"error":…}` line.
#pragma once

#include <stdexcept>
#include <string>

#include "common/json.h"

namespace hearth::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// {"error":"<message>"}
std::string error_body(std::string_view message);
// OpenAI's error object; type is invalid_request_error (400), not_found_error (404), api_error.
Json openai_error_json(int status, std::string_view message);

}  // namespace hearth::server
