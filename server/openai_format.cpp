#include "server/openai_format.h"

#include <chrono>
#include <random>

#include "server/api_error.h"
#include "server/wire_format.h"

namespace hearth::server {

namespace {

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(WallClock::now().time_since_epoch()).count();
}

// Upstream ids are "<prefix>-" followed by a number below 999.
std::string make_id(const char* prefix) {
  std::random_device rd;
  return std::string(prefix) + "-" + std::to_string(rd() % 999);
}

Json usage_json(const FinalStats& s) {
  return Json::object({{"prompt_tokens", s.prompt_eval_count},
                       {"completion_tokens", s.eval_count},
                       {"total_tokens", s.prompt_eval_count + s.eval_count}});
}

Json openai_logprob(const sched::TokenOutput& t) {
  Json lp = logprob_json(t);
  if (!lp.contains("top_logprobs")) lp["top_logprobs"] = Json::array();
  return lp;
}

class OpenAIBase : public ResponseFormat {
 public:
  explicit OpenAIBase(OpenAIFormatOptions o, const char* id_prefix)
      : o_(std::move(o)), id_(make_id(id_prefix)), created_(unix_now()) {}
  std::string stream_content_type() const override { return std::string(kSseContentType); }
  std::string stream_error(int status, const std::string& message) override {
    return sse_event(openai_error_json(status, message));
  }
  HttpResponse error(int status, const std::string& message) override {
    return HttpResponse::json(status, openai_error_json(status, message).dump());
  }

 protected:
  Json envelope(const char* object) const {
    return Json::object({{"id", id_}, {"object", object}, {"created", created_}, {"model", o_.model},
                         {"system_fingerprint", "fp_ollama"}});
  }
  OpenAIFormatOptions o_;
  std::string id_;
  long long created_;
};

class OpenAIChatFormat final : public OpenAIBase {
 public:
  explicit OpenAIChatFormat(OpenAIFormatOptions o) : OpenAIBase(std::move(o), "chatcmpl") {}

  std::string stream_token(const sched::TokenOutput& t) override {
    if (t.text.empty() && !(o_.logprobs && t.logprob)) return {};
    return delta_event(t.text, o_.logprobs && t.logprob ? &t : nullptr);
  }

  std::string stream_end(const FinalStats& s) override {
    std::string out;
    if (!sent_role_) out += delta_event("", nullptr);  // every stream starts with the role
    Json finish = envelope("chat.completion.chunk");
    finish["choices"] = Json::array({Json::object({{"index", 0},
                                                   {"delta", Json::object()},
                                                   {"finish_reason", openai_finish_reason(s.done_reason)}})});
    out += sse_event(finish);
    if (o_.include_usage) {
      Json usage = envelope("chat.completion.chunk");
      usage["choices"] = Json::array();
      usage["usage"] = usage_json(s);
      out += sse_event(usage);
    }
    out += sse_done();
    return out;
  }

  HttpResponse whole(const std::string& text, const std::vector<sched::TokenOutput>& tokens, const FinalStats& s) override {
    Json out = envelope("chat.completion");
    Json choice = Json::object({{"index", 0},
                                {"message", Json::object({{"role", "assistant"}, {"content", text}})},
                                {"finish_reason", openai_finish_reason(s.done_reason)}});
    if (o_.logprobs) {
      Json content = Json::array();
      for (const auto& t : tokens)
        if (t.logprob) content.push_back(openai_logprob(t));
      choice["logprobs"] = Json::object({{"content", content}});
    }
    out["choices"] = Json::array({choice});
    out["usage"] = usage_json(s);
    return HttpResponse::json(200, out.dump());
  }

 private:
  std::string delta_event(const std::string& text, const sched::TokenOutput* lp) {
    Json delta = Json::object();
    if (!sent_role_) delta["role"] = "assistant";
    delta["content"] = text;
    sent_role_ = true;
    Json choice = Json::object({{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}});
    if (lp) choice["logprobs"] = Json::object({{"content", Json::array({openai_logprob(*lp)})}});
    Json ev = envelope("chat.completion.chunk");
    ev["choices"] = Json::array({choice});
    return sse_event(ev);
  }

  bool sent_role_ = false;
};

class OpenAICompletionFormat final : public OpenAIBase {
 public:
  explicit OpenAICompletionFormat(OpenAIFormatOptions o) : OpenAIBase(std::move(o), "cmpl") {}

  std::string stream_token(const sched::TokenOutput& t) override {
    if (t.text.empty()) return {};
    return sse_event(event(t.text, nullptr));
  }

  std::string stream_end(const FinalStats& s) override {
    std::string finish = openai_finish_reason(s.done_reason);
    std::string out = sse_event(event("", &finish));
    if (o_.include_usage) {
      Json usage = envelope("text_completion");
      usage["choices"] = Json::array();
      usage["usage"] = usage_json(s);
      out += sse_event(usage);
    }
    out += sse_done();
    return out;
  }

  HttpResponse whole(const std::string& text, const std::vector<sched::TokenOutput>&, const FinalStats& s) override {
    Json out = envelope("text_completion");
    out["choices"] = Json::array({Json::object({{"text", text},
                                                {"index", 0},
                                                {"logprobs", nullptr},
                                                {"finish_reason", openai_finish_reason(s.done_reason)}})});
    out["usage"] = usage_json(s);
    return HttpResponse::json(200, out.dump());
  }

 private:
  Json event(const std::string& text, const std::string* finish) {
    Json ev = envelope("text_completion");
    ev["choices"] = Json::array({Json::object({{"text", text},
                                               {"index", 0},
                                               {"logprobs", nullptr},
                                               {"finish_reason", finish ? Json(*finish) : Json(nullptr)}})});
    if (o_.include_usage)
      ev["usage"] = Json::object({{"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}});
    return ev;
  }
};

}  // namespace

std::string openai_finish_reason(const std::string& done_reason) {
  return done_reason == "length" ? "length" : "stop";
}

std::unique_ptr<ResponseFormat> make_openai_chat_format(OpenAIFormatOptions options) {
  return std::make_unique<OpenAIChatFormat>(std::move(options));
}

std::unique_ptr<ResponseFormat> make_openai_completion_format(OpenAIFormatOptions options) {
  return std::make_unique<OpenAICompletionFormat>(std::move(options));
}

}  // namespace hearth::server
