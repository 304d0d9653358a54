// Request decoding (spec §1 body rules, §2.3-§2.8 field types and defaults, §3.3 keep_alive,
// §2.4 think values) and the OpenAI request mapping (spec §5.1-§5.3, upstream openai.go).
#include <catch2/catch.hpp>

#include "server/api_error.h"
#include "server/api_requests.h"
#include "server/openai_requests.h"

using namespace hearth::server;
using hearth::Json;

namespace {

template <typename F>
std::pair<int, std::string> error_of(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return {e.status(), e.what()};
  }
  return {0, ""};
}

}  // namespace

TEST_CASE("bodies: empty, malformed, null, non-object", "[server][requests]") {
  CHECK(error_of([] { decode_body("", "GenerateRequest"); }) == std::make_pair(400, std::string("missing request body")));
  CHECK(error_of([] { decode_body("  \n", "GenerateRequest"); }).second == "missing request body");
  CHECK(error_of([] { decode_body("{bad", "GenerateRequest"); }).first == 400);
  CHECK(decode_body("null", "GenerateRequest").is_object());
  CHECK(error_of([] { decode_body("[1]", "GenerateRequest"); }).second ==
        "json: cannot unmarshal array into Go value of type api.GenerateRequest");
}

TEST_CASE("generate: defaults and field types", "[server][requests]") {
  GenerateRequest g = parse_generate(Json::parse(R"({"model":"m","prompt":"p","unknown":1})"));
  CHECK(g.model == "m");
  CHECK(g.stream);
  CHECK_FALSE(g.raw);
  CHECK(g.truncate);
  CHECK(g.shift);
  CHECK_FALSE(g.keep_alive.has_value());
  CHECK_FALSE(g.system.has_value());
  CHECK(g.format.is_null());
  auto e = error_of([] { parse_generate(Json::parse(R"({"model":"m","prompt":5})")); });
  CHECK(e == std::make_pair(400, std::string("json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string")));
  CHECK(error_of([] { parse_generate(Json::parse(R"({"stream":"yes"})")); }).first == 400);
  CHECK(error_of([] { parse_generate(Json::parse(R"({"context":[1,"x"]})")); }).first == 400);
  g = parse_generate(Json::parse(R"({"context":[1,2,3],"keep_alive":"10m","images":["aGk="],"system":"s"})"));
  CHECK(g.context == std::vector<int32_t>{1, 2, 3});
  CHECK(g.keep_alive == std::chrono::minutes(10));
  CHECK(g.image_count == 1);
  CHECK(g.system == "s");
  CHECK(parse_generate(Json::parse(R"({"keep_alive":null})")).keep_alive == std::nullopt);
  CHECK(error_of([] { parse_generate(Json::parse(R"({"keep_alive":"3600"})")); }).first == 400);
}

TEST_CASE("top_logprobs must be within 0..20", "[server][requests]") {
  CHECK(error_of([] { parse_generate(Json::parse(R"({"top_logprobs":21})")); }) ==
        std::make_pair(400, std::string("top_logprobs must be between 0 and 20")));
  CHECK(error_of([] { parse_chat(Json::parse(R"({"top_logprobs":-1})")); }).first == 400);
  CHECK(parse_generate(Json::parse(R"({"logprobs":true,"top_logprobs":20})")).top_logprobs == 20);
}

TEST_CASE("think accepts booleans and levels", "[server][requests]") {
  Json t(true), f(false), high("high"), bad("extreme"), num(1);
  CHECK(parse_think(&t).enabled);
  CHECK(parse_think(&t).level == "medium");
  CHECK(parse_think(&f).present);
  CHECK_FALSE(parse_think(&f).enabled);
  CHECK(parse_think(&high).level == "high");
  CHECK(parse_think(nullptr).present == false);
  auto e = error_of([&] { parse_think(&bad); });
  CHECK(e.first == 400);
  CHECK(e.second == "invalid think value: \"extreme\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)");
  CHECK(error_of([&] { parse_think(&num); }).first == 400);
}

TEST_CASE("chat: roles are lower-cased, images counted", "[server][requests]") {
  ChatRequest c = parse_chat(Json::parse(
      R"({"model":"m","messages":[{"role":"User","content":"hi","images":["aGk=","aGk="]},{"role":"ASSISTANT","content":"yo"}]})"));
  REQUIRE(c.messages.size() == 2);
  CHECK(c.messages.as_array()[0].get_string("role") == "user");
  CHECK(c.messages.as_array()[1].get_string("role") == "assistant");
  CHECK(c.image_count == 2);
  CHECK(error_of([] { parse_chat(Json::parse(R"({"messages":"hi"})")); }).first == 400);
  CHECK(error_of([] { parse_chat(Json::parse(R"({"messages":[{"role":"user","content":1}]})")); }).first == 400);
}

TEST_CASE("embed input: string, array of strings, anything else is invalid", "[server][requests]") {
  CHECK(parse_embed(Json::parse(R"({"input":"a"})")).inputs == std::vector<std::string>{"a"});
  CHECK(parse_embed(Json::parse(R"({"input":["a","b"]})")).inputs.size() == 2);
  CHECK(parse_embed(Json::parse(R"({"input":""})")).inputs.empty());   // loads the model
  CHECK(parse_embed(Json::parse(R"({"input":[]})")).inputs.empty());
  CHECK(error_of([] { parse_embed(Json::parse(R"({"input":[1]})")); }) == std::make_pair(400, std::string("invalid input type")));
  CHECK(error_of([] { parse_embed(Json::parse(R"({"input":{}})")); }).second == "invalid input type");
  CHECK(parse_embed(Json::parse(R"({"truncate":false,"dimensions":8})")).dimensions == 8);
}

TEST_CASE("show, delete and copy accept the legacy fields", "[server][requests]") {
  CHECK(parse_show(Json::parse(R"({"name":"x"})")).model == "x");
  CHECK(parse_show(Json::parse(R"({"model":"y","name":"x","verbose":true})")).model == "y");
  CHECK(parse_delete(Json::parse(R"({"name":"x"})")).model == "x");
  CopyRequest c = parse_copy(Json::parse(R"({"source":"a","destination":"b"})"));
  CHECK((c.source == "a" && c.destination == "b"));
}

TEST_CASE("OpenAI chat maps onto /api/chat", "[server][openai]") {
  OpenAIChatMapped m = map_openai_chat(Json::parse(R"({"model":"m","messages":[
      {"role":"system","content":"be nice"},
      {"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]}],
      "max_tokens":7,"stop":"###","seed":3,"stream_options":{"include_usage":true}})"));
  const auto& msgs = m.chat.messages.as_array();
  REQUIRE(msgs.size() == 3);  // each text part becomes its own message
  CHECK(msgs[1].get_string("content") == "one");
  CHECK(msgs[2].get_string("role") == "user");
  CHECK_FALSE(m.chat.stream);  // OpenAI's default
  CHECK(m.include_usage);
  const Json& o = m.chat.options;
  CHECK(o.get_int("num_predict") == 7);
  CHECK(o.get_double("temperature") == 1.0);  // absent → 1.0, overriding model params
  CHECK(o.get_double("top_p") == 1.0);
  CHECK(o.get_int("seed") == 3);
  CHECK(o.at("stop").as_array().at(0).as_string() == "###");
  CHECK(map_openai_chat(Json::parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.2})"))
            .chat.options.get_double("temperature") == Approx(0.2));
}

TEST_CASE("OpenAI chat errors use upstream's messages", "[server][openai]") {
  CHECK(error_of([] { map_openai_chat(Json::parse(R"({"model":"m","messages":[]})")); }) ==
        std::make_pair(400, std::string("[] is too short - 'messages'")));
  CHECK(error_of([] {
          map_openai_chat(Json::parse(
              R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})"));
        }).second == "image URLs are not currently supported, please use base64 encoded data instead");
  CHECK(error_of([] { map_openai_chat(Json::parse(R"({"model":"m","messages":[{"role":"user","content":[{"type":"video"}]}]})")); })
            .second == "invalid message format");
  CHECK(error_of([] {
          map_openai_chat(Json::parse(
              R"({"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{bad"}}]}]})"));
        }).second == "invalid tool call arguments");
}

TEST_CASE("OpenAI reasoning_effort maps onto think", "[server][openai]") {
  auto think = [](const char* effort) {
    return map_openai_chat(Json::parse(std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":")") +
                                       effort + "\"}"))
        .chat.think;
  };
  CHECK_FALSE(think("none").enabled);
  CHECK(think("none").present);
  CHECK(think("minimal").level == "low");
  CHECK(think("high").level == "high");
  CHECK(think("xhigh").level == "max");
  CHECK(error_of([&] { think("lots"); }).first == 400);
}

TEST_CASE("OpenAI completions and embeddings mapping", "[server][openai]") {
  OpenAICompletionMapped c = map_openai_completion(Json::parse(R"({"model":"m","prompt":"p","top_p":0,"logprobs":2,"stop":["a","b"]})"));
  CHECK(c.generate.options.get_double("top_p") == 1.0);  // 0 counts as unset
  CHECK(c.generate.logprobs);
  CHECK(c.generate.top_logprobs == 2);
  CHECK(c.generate.options.at("stop").size() == 2);
  CHECK(error_of([] { map_openai_completion(Json::parse(R"({"model":"m","stop":[1]})")); }).first == 400);

  CHECK(map_openai_embedding(Json::parse(R"({"model":"m","input":""})")).inputs == std::vector<std::string>{""});
  CHECK(error_of([] { map_openai_embedding(Json::parse(R"({"model":"m","input":[]})")); }).second == "invalid input");
  CHECK(error_of([] { map_openai_embedding(Json::parse(R"({"model":"m"})")); }).second == "invalid input");
  CHECK(map_openai_embedding(Json::parse(R"({"model":"m","input":"x","encoding_format":"BASE64"})")).base64);
  CHECK(error_of([] { map_openai_embedding(Json::parse(R"({"model":"m","input":"x","encoding_format":"hex"})")); }).second ==
        "Invalid value for 'encoding_format' = hex. Supported values: ['float', 'base64'].");
}

TEST_CASE("base64 embeddings are little-endian float32", "[server][openai]") {
  // 1.0f = 0x3F800000 → bytes 00 00 80 3F; -2.0f = 0xC0000000 → 00 00 00 C0.
  CHECK(base64_floats({1.0}) == "AACAPw==");
  CHECK(base64_floats({1.0, -2.0}) == "AACAPwAAAMA=");
  CHECK(base64_floats({}).empty());
}
