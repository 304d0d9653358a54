// server/openai_format.h — OpenAI-compatible output: chat.completion(.chunk) and text_completion,
// as Ollama's OpenAI middleware writes them (spec §5).
//
// Streams are Server-Sent Events: one `data: <json>\n\n` per token (the assistant role only in
// the first chat delta, every event sharing the first one's `created`), then a finish event with
// an empty delta and finish_reason, an optional usage event (stream_options.include_usage) and
// `data: [DONE]`. A failure after the stream started is sent as `data: {"error":{…}}` (upstream
// loses it). Errors before any output use OpenAI's error object with the real status.
#pragma once

#include <memory>
#include <string>

#include "server/response_format.h"

namespace hearth::server {

struct OpenAIFormatOptions {
  std::string model;
  bool include_usage = false;  // stream_options.include_usage
  bool logprobs = false;
};

std::unique_ptr<ResponseFormat> make_openai_chat_format(OpenAIFormatOptions options);
std::unique_ptr<ResponseFormat> make_openai_completion_format(OpenAIFormatOptions options);

// OpenAI's finish_reason for an Ollama done_reason ("stop", "length").
std::string openai_finish_reason(const std::string& done_reason);

}  // namespace hearth::server
