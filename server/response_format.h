// server/response_format.h — how a generation is written out, per API flavour.
//
// The scheduler reports tokens, a completion or an error; a ResponseFormat turns each into the
// bytes of its API: Ollama's NDJSON generate/chat chunks, or OpenAI's SSE chat.completion.chunk /
// text_completion events (openai_format.h), and the single JSON object of a non-streamed request.
// InferenceSink (inference_sink.h) decides when to stream, buffer or answer with an error status.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "engine/scheduler/job.h"
#include "server/http_message.h"

namespace hearth::server {

struct FinalStats {
  std::string done_reason = "stop";
  std::chrono::nanoseconds total_duration{0};
  std::chrono::nanoseconds load_duration{0};
  int prompt_eval_count = 0;
  std::chrono::nanoseconds prompt_eval_duration{0};
  int eval_count = 0;
  std::chrono::nanoseconds eval_duration{0};
  std::vector<int32_t> context;
};

class ResponseFormat {
 public:
  virtual ~ResponseFormat() = default;
  virtual std::string stream_content_type() const = 0;
  // Bytes to send for one token (may be empty: nothing to send).
  virtual std::string stream_token(const sched::TokenOutput& token) = 0;
  virtual std::string stream_end(const FinalStats& stats) = 0;
  // The last bytes of a stream that failed after it started.
  virtual std::string stream_error(int status, const std::string& message) = 0;
  // A non-streamed answer: the whole text, every token with logprobs, the statistics.
  virtual HttpResponse whole(const std::string& text, const std::vector<sched::TokenOutput>& tokens,
                             const FinalStats& stats) = 0;
  // An error before anything was sent.
  virtual HttpResponse error(int status, const std::string& message) = 0;
};

// Ollama's /api/generate chunks; `with_context` adds the `context` token list to the final object.
std::unique_ptr<ResponseFormat> make_generate_format(std::string model, bool with_context, bool logprobs);
// Ollama's /api/chat chunks.
std::unique_ptr<ResponseFormat> make_chat_format(std::string model, bool logprobs);

// Shared pieces.
Json logprob_json(const sched::TokenOutput& token);      // {"token","logprob","bytes","top_logprobs"}
void add_metrics(Json& out, const FinalStats& stats);     // Ollama's Metrics, zero fields omitted
// {"model","created_at","response":"","done":true,"done_reason":reason} for load/unload.
Json generate_status_object(const std::string& model, const std::string& reason);
Json chat_status_object(const std::string& model, const std::string& reason);

}  // namespace hearth::server
