// server/openai_requests.h — OpenAI request bodies mapped onto Ollama's native requests
// (spec §5, upstream openai/openai.go), as pure functions.
//
// Chat: string or multi-part content (each text part becomes its own message with the same
// role), max_tokens → num_predict, temperature/top_p default to 1.0 when absent (overriding the
// model's params, as upstream), stop as a string or list, reasoning_effort → think, logprobs.
// stream defaults to false. Image parts and response_format/tools are recognised and rejected
// by the handlers with clear messages (not supported yet).
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "server/api_requests.h"

namespace hearth::server {

struct OpenAIChatMapped {
  ChatRequest chat;
  bool include_usage = false;
  bool has_images = false;
};
// Throws ApiError(400) with upstream's messages ("[] is too short - 'messages'",
// "invalid message format", "image URLs are not currently supported, please use base64 encoded
// data instead", "invalid tool call arguments", invalid reasoning effort).
OpenAIChatMapped map_openai_chat(const Json& body);

struct OpenAICompletionMapped {
  GenerateRequest generate;
  bool include_usage = false;
};
OpenAICompletionMapped map_openai_completion(const Json& body);

struct OpenAIEmbeddingMapped {
  std::string model;
  std::vector<std::string> inputs;
  int dimensions = 0;
  bool base64 = false;
};
OpenAIEmbeddingMapped map_openai_embedding(const Json& body);

// Little-endian float32 bytes, base64-encoded (encoding_format "base64").
std::string base64_floats(const std::vector<double>& values);

}  // namespace hearth::server
