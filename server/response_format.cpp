#include "server/response_format.h"

#include "server/api_error.h"
#include "server/wire_format.h"

namespace hearth::server {

namespace {

std::string now_utc() { return format_time_utc(WallClock::now()); }

Json bytes_json(const std::string& s) {
  Json a = Json::array();
  for (unsigned char c : s) a.push_back(Json(static_cast<int>(c)));
  return a;
}

class GenerateFormat final : public ResponseFormat {
 public:
  GenerateFormat(std::string model, bool with_context, bool logprobs)
      : model_(std::move(model)), with_context_(with_context), logprobs_(logprobs) {}

  std::string stream_content_type() const override { return std::string(kNdjsonContentType); }

  std::string stream_token(const sched::TokenOutput& t) override {
    if (t.text.empty() && !(logprobs_ && t.logprob)) return {};
    Json out = Json::object({{"model", model_}, {"created_at", now_utc()}, {"response", t.text}, {"done", false}});
    if (logprobs_ && t.logprob) out["logprobs"] = Json::array({logprob_json(t)});
    return ndjson_line(out);
  }

  std::string stream_end(const FinalStats& s) override { return ndjson_line(final_object("", s)); }

  std::string stream_error(int, const std::string& message) override {
    return ndjson_line(Json::object({{"error", message}}));
  }

  HttpResponse whole(const std::string& text, const std::vector<sched::TokenOutput>& tokens, const FinalStats& s) override {
    Json out = final_object(text, s);
    if (logprobs_) {
      Json lp = Json::array();
      for (const auto& t : tokens)
        if (t.logprob) lp.push_back(logprob_json(t));
      if (lp.size() > 0) out["logprobs"] = lp;
    }
    return HttpResponse::json(200, out.dump());
  }

  HttpResponse error(int status, const std::string& message) override {
    return HttpResponse::json(status, error_body(message));
  }

 private:
  Json final_object(const std::string& text, const FinalStats& s) {
    Json out = Json::object({{"model", model_},
                             {"created_at", now_utc()},
                             {"response", text},
                             {"done", true},
                             {"done_reason", s.done_reason}});
    if (with_context_ && !s.context.empty()) {
      Json ctx = Json::array();
      for (int32_t t : s.context) ctx.push_back(Json(t));
      out["context"] = ctx;
    }
    add_metrics(out, s);
    return out;
  }

  std::string model_;
  bool with_context_;
  bool logprobs_;
};

class ChatFormat final : public ResponseFormat {
 public:
  ChatFormat(std::string model, bool logprobs) : model_(std::move(model)), logprobs_(logprobs) {}

  std::string stream_content_type() const override { return std::string(kNdjsonContentType); }

  std::string stream_token(const sched::TokenOutput& t) override {
    if (t.text.empty() && !(logprobs_ && t.logprob)) return {};
    Json out = Json::object({{"model", model_},
                             {"created_at", now_utc()},
                             {"message", assistant(t.text)},
                             {"done", false}});
    if (logprobs_ && t.logprob) out["logprobs"] = Json::array({logprob_json(t)});
    return ndjson_line(out);
  }

  std::string stream_end(const FinalStats& s) override { return ndjson_line(final_object("", s)); }

  std::string stream_error(int, const std::string& message) override {
    return ndjson_line(Json::object({{"error", message}}));
  }

  HttpResponse whole(const std::string& text, const std::vector<sched::TokenOutput>& tokens, const FinalStats& s) override {
    Json out = final_object(text, s);
    if (logprobs_) {
      Json lp = Json::array();
      for (const auto& t : tokens)
        if (t.logprob) lp.push_back(logprob_json(t));
      if (lp.size() > 0) out["logprobs"] = lp;
    }
    return HttpResponse::json(200, out.dump());
  }

  HttpResponse error(int status, const std::string& message) override {
    return HttpResponse::json(status, error_body(message));
  }

 private:
  static Json assistant(const std::string& text) { return Json::object({{"role", "assistant"}, {"content", text}}); }

  Json final_object(const std::string& text, const FinalStats& s) {
    Json out = Json::object({{"model", model_},
                             {"created_at", now_utc()},
                             {"message", assistant(text)},
                             {"done", true},
                             {"done_reason", s.done_reason}});
    add_metrics(out, s);
    return out;
  }

  std::string model_;
  bool logprobs_;
};

}  // namespace

Json logprob_json(const sched::TokenOutput& t) {
  Json out = Json::object();
  if (!t.logprob) return out;
  out["token"] = t.logprob->text;
  out["logprob"] = t.logprob->logprob;
  out["bytes"] = bytes_json(t.logprob->text);
  if (!t.top_logprobs.empty()) {
    Json top = Json::array();
    for (const auto& alt : t.top_logprobs)
      top.push_back(Json::object({{"token", alt.text}, {"logprob", alt.logprob}, {"bytes", bytes_json(alt.text)}}));
    out["top_logprobs"] = top;
  }
  return out;
}

void add_metrics(Json& out, const FinalStats& s) {
  auto ns = [](std::chrono::nanoseconds d) { return Json(static_cast<long long>(d.count())); };
  if (s.total_duration.count() > 0) out["total_duration"] = ns(s.total_duration);
  if (s.load_duration.count() > 0) out["load_duration"] = ns(s.load_duration);
  if (s.prompt_eval_count > 0) out["prompt_eval_count"] = s.prompt_eval_count;
  if (s.prompt_eval_duration.count() > 0) out["prompt_eval_duration"] = ns(s.prompt_eval_duration);
  if (s.eval_count > 0) out["eval_count"] = s.eval_count;
  if (s.eval_duration.count() > 0) out["eval_duration"] = ns(s.eval_duration);
}

Json generate_status_object(const std::string& model, const std::string& reason) {
  return Json::object({{"model", model},
                       {"created_at", now_utc()},
                       {"response", ""},
                       {"done", true},
                       {"done_reason", reason}});
}

Json chat_status_object(const std::string& model, const std::string& reason) {
  return Json::object({{"model", model},
                       {"created_at", now_utc()},
                       {"message", Json::object({{"role", "assistant"}, {"content", ""}})},
                       {"done", true},
                       {"done_reason", reason}});
}

std::unique_ptr<ResponseFormat> make_generate_format(std::string model, bool with_context, bool logprobs) {
  return std::make_unique<GenerateFormat>(std::move(model), with_context, logprobs);
}

std::unique_ptr<ResponseFormat> make_chat_format(std::string model, bool logprobs) {
  return std::make_unique<ChatFormat>(std::move(model), logprobs);
}

}  // namespace hearth::server
