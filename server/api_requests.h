// server/api_requests.h — decoding Ollama API request bodies into typed values.
//
// Each parse_* function takes the decoded JSON body and returns a plain struct, or throws
// ApiError(400) with the message Ollama's Go decoder would give for a wrong field type
// ("json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string").
// Unknown fields are ignored; `null` values leave defaults. Semantic checks that depend on the
// model (capabilities, context length) happen later, in the handlers.
//
//   Json body = decode_body(exchange.request().body);   // "missing request body", bad JSON → 400
//   GenerateRequest g = parse_generate(body);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "server/duration.h"

namespace hearth::server {

// Empty body → 400 "missing request body"; malformed JSON → 400 with the decoder's message;
// `null` → an empty object; a non-object document → 400 naming the expected type.
Json decode_body(std::string_view body, std::string_view go_type);

// Typed field access with Go's decoder messages.
class RequestFields {
 public:
  RequestFields(const Json& body, std::string_view go_type) : body_(body), type_(go_type) {}
  std::optional<std::string> string(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<int64_t> integer(std::string_view key) const;
  std::optional<double> number(std::string_view key) const;
  const Json* value(std::string_view key) const;  // nullptr when absent or null
  const Json* array(std::string_view key) const;  // checked: array or absent
  const Json* object(std::string_view key) const; // checked: object or absent
  std::optional<Nanos> keep_alive() const;        // "keep_alive"
  [[noreturn]] void type_error(std::string_view key, const Json& value, std::string_view go_kind) const;

 private:
  const Json& body_;
  std::string type_;
};

// `think`: absent, a bool, or a level string.
struct ThinkValue {
  bool present = false;
  bool enabled = false;
  std::string level;  // "low" | "medium" | "high" | "max" when given as a string
  Json raw;           // as sent (for templates)
};
ThinkValue parse_think(const Json* value);

struct GenerateRequest {
  std::string model;
  std::string prompt;
  std::string suffix;
  std::optional<std::string> system;
  std::optional<std::string> template_text;
  std::optional<std::vector<int32_t>> context;
  bool stream = true;
  bool raw = false;
  Json format;  // null when absent
  std::optional<Nanos> keep_alive;
  std::size_t image_count = 0;
  Json options;  // object or null
  ThinkValue think;
  bool truncate = true;
  bool shift = true;
  bool logprobs = false;
  int top_logprobs = 0;
  bool debug_render_only = false;
};
GenerateRequest parse_generate(const Json& body);

struct ChatRequest {
  std::string model;
  Json messages = Json::array();  // validated message objects (role lower-cased)
  Json tools;                     // null when absent
  Json format;
  std::optional<Nanos> keep_alive;
  bool stream = true;
  Json options;
  ThinkValue think;
  bool truncate = true;
  bool shift = true;
  bool logprobs = false;
  int top_logprobs = 0;
  bool debug_render_only = false;
  std::size_t image_count = 0;
};
ChatRequest parse_chat(const Json& body);

struct EmbedRequest {
  std::string model;
  std::vector<std::string> inputs;
  bool truncate = true;
  int dimensions = 0;
  std::optional<Nanos> keep_alive;
  Json options;
};
EmbedRequest parse_embed(const Json& body);           // /api/embed ("invalid input type")

struct EmbeddingsRequest {
  std::string model;
  std::string prompt;
  std::optional<Nanos> keep_alive;
  Json options;
};
EmbeddingsRequest parse_embeddings(const Json& body);  // /api/embeddings (legacy)

struct ShowRequest {
  std::string model;  // `model`, else legacy `name`
  bool verbose = false;
  std::optional<std::string> system;
  Json options;
};
ShowRequest parse_show(const Json& body);

struct CopyRequest {
  std::string source;
  std::string destination;
};
CopyRequest parse_copy(const Json& body);

struct DeleteRequest {
  std::string model;  // `model`, else legacy `name`
};
DeleteRequest parse_delete(const Json& body);

}  // namespace hearth::server
