// Output shapes: Ollama's NDJSON generate/chat chunks and final objects (spec §2.3, §2.4: field
// order, metrics omitted when zero, context only for generate) and OpenAI's SSE streams and
// objects (spec §5.1, §5.2: role only in the first delta, one `created`, finish event, usage
// event, [DONE]).
#include <catch2/catch.hpp>

#include "server/openai_format.h"
#include "server/response_format.h"
#include "server/wire_format.h"

using namespace hearth::server;
using hearth::Json;

namespace {

hearth::sched::TokenOutput token(std::string text) {
  hearth::sched::TokenOutput t;
  t.text = std::move(text);
  return t;
}

std::vector<Json> sse_objects(const std::string& bytes, bool* saw_done) {
  std::vector<Json> out;
  std::size_t pos = 0;
  *saw_done = false;
  while ((pos = bytes.find("data: ", pos)) != std::string::npos) {
    std::size_t end = bytes.find("\n\n", pos);
    std::string payload = bytes.substr(pos + 6, end - pos - 6);
    if (payload == "[DONE]") *saw_done = true;
    else out.push_back(Json::parse(payload));
    pos = end + 2;
  }
  return out;
}

std::vector<std::string> keys(const Json& j) {
  std::vector<std::string> k;
  for (const auto& [key, _] : j.as_object()) k.push_back(key);
  return k;
}

}  // namespace

TEST_CASE("generate chunks and the final object", "[server][formats]") {
  auto f = make_generate_format("llama3.2", true, false);
  CHECK(f->stream_content_type() == "application/x-ndjson");
  std::string line = f->stream_token(token("The"));
  REQUIRE(line.back() == '\n');
  Json chunk = Json::parse(line);
  CHECK(keys(chunk) == std::vector<std::string>{"model", "created_at", "response", "done"});
  CHECK(chunk.get_string("response") == "The");
  CHECK(f->stream_token(token("")).empty());  // nothing to say: no line

  FinalStats s;
  s.done_reason = "length";
  s.total_duration = std::chrono::nanoseconds(5000);
  s.prompt_eval_count = 26;
  s.eval_count = 3;
  s.eval_duration = std::chrono::nanoseconds(100);
  s.context = {1, 2, 3};
  Json fin = Json::parse(f->stream_end(s));
  CHECK(keys(fin) == std::vector<std::string>{"model", "created_at", "response", "done", "done_reason", "context",
                                              "total_duration", "prompt_eval_count", "eval_count", "eval_duration"});
  CHECK(fin.get_bool("done"));
  CHECK(fin.get_string("response").empty());
  CHECK(fin.at("context").size() == 3);
  CHECK_FALSE(fin.contains("load_duration"));  // zero metrics are omitted

  HttpResponse whole = f->whole("The end", {}, s);
  CHECK(whole.status == 200);
  CHECK(Json::parse(whole.body).get_string("response") == "The end");
  auto raw = make_generate_format("m", false, false);
  CHECK_FALSE(Json::parse(raw->stream_end(s)).contains("context"));  // raw mode has none
}

TEST_CASE("chat chunks carry an assistant message and no context", "[server][formats]") {
  auto f = make_chat_format("m", false);
  Json chunk = Json::parse(f->stream_token(token("Hi")));
  CHECK(chunk.at("message") == Json::object({{"role", "assistant"}, {"content", "Hi"}}));
  FinalStats s;
  s.context = {1};
  Json fin = Json::parse(f->stream_end(s));
  CHECK(fin.at("message").get_string("content").empty());
  CHECK(fin.get_string("done_reason") == "stop");
  CHECK_FALSE(fin.contains("context"));
  Json err = Json::parse(f->stream_error(500, "boom"));
  CHECK(err == Json::object({{"error", "boom"}}));
  HttpResponse e = f->error(503, "busy");
  CHECK(e.status == 503);
  CHECK(Json::parse(e.body) == Json::object({{"error", "busy"}}));
}

TEST_CASE("logprobs objects carry token bytes", "[server][formats]") {
  hearth::sched::TokenOutput t = token("Hi");
  t.logprob = hearth::sched::TokenLogprob{5, "Hi", -0.5};
  t.top_logprobs = {{5, "Hi", -0.5}, {6, "Ho", -1.5}};
  Json j = logprob_json(t);
  CHECK(j.get_string("token") == "Hi");
  CHECK(j.at("bytes") == Json::array({72, 105}));
  CHECK(j.at("top_logprobs").size() == 2);
}

TEST_CASE("OpenAI chat streams: role first, one created, finish, usage, DONE", "[server][formats]") {
  auto f = make_openai_chat_format(OpenAIFormatOptions{"m", true, false});
  CHECK(f->stream_content_type() == "text/event-stream");
  std::string bytes = f->stream_token(token("Hel"));
  bytes += f->stream_token(token("lo"));
  FinalStats s;
  s.done_reason = "length";
  s.prompt_eval_count = 4;
  s.eval_count = 2;
  bytes += f->stream_end(s);
  bool done = false;
  std::vector<Json> ev = sse_objects(bytes, &done);
  CHECK(done);
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].get_string("object") == "chat.completion.chunk");
  CHECK(ev[0].at("choices").as_array()[0].at("delta") == Json::object({{"role", "assistant"}, {"content", "Hel"}}));
  CHECK(ev[1].at("choices").as_array()[0].at("delta") == Json::object({{"content", "lo"}}));
  CHECK(ev[2].at("choices").as_array()[0].at("delta") == Json::object());
  CHECK(ev[2].at("choices").as_array()[0].get_string("finish_reason") == "length");
  CHECK(ev[3].at("choices").size() == 0);
  CHECK(ev[3].at("usage") == Json::object({{"prompt_tokens", 4}, {"completion_tokens", 2}, {"total_tokens", 6}}));
  for (const Json& e : ev) {
    CHECK(e.get_int("created") == ev[0].get_int("created"));
    CHECK(e.get_string("id") == ev[0].get_string("id"));
    CHECK(e.get_string("system_fingerprint") == "fp_ollama");
  }
  CHECK(ev[0].get_string("id").rfind("chatcmpl-", 0) == 0);
}

TEST_CASE("OpenAI chat stream without tokens still starts with the role", "[server][formats]") {
  auto f = make_openai_chat_format(OpenAIFormatOptions{"m", false, false});
  bool done = false;
  std::vector<Json> ev = sse_objects(f->stream_end(FinalStats{}), &done);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].at("choices").as_array()[0].at("delta").get_string("role") == "assistant");
  CHECK(ev[1].at("choices").as_array()[0].get_string("finish_reason") == "stop");
  CHECK(done);
}

TEST_CASE("OpenAI non-streamed chat and completion objects", "[server][formats]") {
  FinalStats s;
  s.prompt_eval_count = 3;
  s.eval_count = 5;
  auto chat = make_openai_chat_format(OpenAIFormatOptions{"m", false, false});
  Json c = Json::parse(chat->whole("Hi!", {}, s).body);
  CHECK(c.get_string("object") == "chat.completion");
  const Json& choice = c.at("choices").as_array().at(0);
  CHECK(choice.at("message") == Json::object({{"role", "assistant"}, {"content", "Hi!"}}));
  CHECK(choice.get_string("finish_reason") == "stop");
  CHECK(c.at("usage").get_int("total_tokens") == 8);
  auto comp = make_openai_completion_format(OpenAIFormatOptions{"m", false, false});
  Json t = Json::parse(comp->whole("text", {}, s).body);
  CHECK(t.get_string("object") == "text_completion");
  CHECK(t.at("choices").as_array().at(0).get_string("text") == "text");
  CHECK(t.get_string("id").rfind("cmpl-", 0) == 0);
  HttpResponse err = chat->error(404, "model 'x' not found");
  CHECK(Json::parse(err.body) == Json::parse(R"({"error":{"message":"model 'x' not found","type":"not_found_error","param":null,"code":null}})"));
  CHECK(Json::parse(chat->error(400, "bad").body).at("error").get_string("type") == "invalid_request_error");
  CHECK(Json::parse(chat->error(500, "x").body).at("error").get_string("type") == "api_error");
}

TEST_CASE("OpenAI completion streams", "[server][formats]") {
  auto f = make_openai_completion_format(OpenAIFormatOptions{"m", true, false});
  std::string bytes = f->stream_token(token("a"));
  FinalStats s;
  s.eval_count = 1;
  bytes += f->stream_end(s);
  bool done = false;
  std::vector<Json> ev = sse_objects(bytes, &done);
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].at("choices").as_array()[0].at("finish_reason").is_null());
  CHECK(ev[0].contains("usage"));  // include_usage: every event carries usage (zeros)
  CHECK(ev[1].at("choices").as_array()[0].get_string("finish_reason") == "stop");
  CHECK(ev[2].at("choices").size() == 0);
  CHECK(ev[2].at("usage").get_int("completion_tokens") == 1);
  CHECK(done);
}
