// server/prompt_builder.h — from a chat or generate request to prompt tokens.
//
// The handler assembles a PromptRequest (messages with the model's stored system prompt and
// MESSAGE history, or a raw/fill-in-the-middle prompt) and turns it into the scheduler's
// PrepareFn, which runs once the model is loaded because it needs the tokenizer and the context
// size: render the template, drop the oldest messages while the prompt is longer than num_ctx
// (system messages and the last message are always kept — spec §3.5, Ollama's chatPrompt), then
// tokenize with special tokens parsed and BOS added as the vocabulary says (a template that
// already wrote BOS does not get a second one).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "engine/scheduler/job.h"
#include "server/api_requests.h"
#include "server/model_catalog.h"

namespace hearth::server {

struct PromptRequest {
  enum class Kind { Chat, Generate, Raw, FillInMiddle };
  Kind kind = Kind::Chat;
  std::shared_ptr<const ModelInfo> model;
  Json messages = Json::array();   // Chat / Generate
  std::string prompt;              // Raw text, or the FIM prefix
  std::string suffix;              // FIM
  Json tools;
  ThinkValue think;
  std::optional<tmpl::ChatTemplate> template_override;  // generate's `template`
  std::vector<int32_t> context;    // generate's deprecated `context`, prepended as text
  bool truncate = true;
};

// Generate's implicit history: [system (request, else model), stored messages (unless the
// request carries `context`), user prompt].
Json generate_messages(const ModelInfo& model, const GenerateRequest& request);
// Chat history: stored messages first; the model's SYSTEM prepended when the conversation does
// not start with a system message.
Json chat_messages(const ModelInfo& model, const Json& request_messages);

// The prompt text for `messages` (no truncation). Throws ApiError(500) on template errors.
std::string render_prompt(const PromptRequest& request, const Json& messages);
// Kind::Raw/FillInMiddle ignore `messages`.
std::string render_prompt(const PromptRequest& request);

sched::PrepareFn make_prepare(PromptRequest request);

// Tokenizes a rendered prompt: special tokens parsed, BOS per the vocabulary, never two BOS.
std::vector<int32_t> tokenize_prompt(const tok::Tokenizer& tokenizer, const std::string& text);

}  // namespace hearth::server
