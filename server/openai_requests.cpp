#include "server/openai_requests.h"

#include <algorithm>
#include <cstring>

#include "server/api_error.h"

namespace hearth::server {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// stop: a string or an array of strings.
Json stop_list(const Json& stop) {
  Json out = Json::array();
  if (stop.is_string()) {
    out.push_back(stop);
  } else if (stop.is_array()) {
    for (const Json& s : stop.as_array()) {
      if (!s.is_string()) throw ApiError(400, "invalid type for 'stop' field: " + std::string(s.kind_name()));
      out.push_back(s);
    }
  } else if (!stop.is_null()) {
    throw ApiError(400, "invalid type for 'stop' field: " + std::string(stop.kind_name()));
  }
  return out;
}

void sampling_options(const RequestFields& f, Json& options, bool completions) {
  if (auto max = f.integer("max_tokens")) options["num_predict"] = *max;
  options["temperature"] = f.number("temperature").value_or(1.0);
  double top_p = f.number("top_p").value_or(1.0);
  if (completions && top_p == 0) top_p = 1.0;
  options["top_p"] = top_p;
  if (auto seed = f.integer("seed")) options["seed"] = *seed;
  if (auto fp = f.number("frequency_penalty")) options["frequency_penalty"] = *fp;
  if (auto pp = f.number("presence_penalty")) options["presence_penalty"] = *pp;
  if (const Json* stop = f.value("stop")) {
    Json list = stop_list(*stop);
    if (list.size() > 0) options["stop"] = list;
  }
}

bool include_usage(const RequestFields& f) {
  const Json* so = f.object("stream_options");
  return so != nullptr && so->get_bool("include_usage", false);
}

ThinkValue map_reasoning(const Json& body) {
  const Json* effort = body.find("reasoning_effort");
  if (effort == nullptr || effort->is_null()) {
    if (const Json* r = body.find("reasoning"); r != nullptr && r->is_object()) effort = r->find("effort");
  }
  if (effort == nullptr || effort->is_null()) return ThinkValue{};
  if (!effort->is_string()) throw ApiError(400, "invalid reasoning value: " + effort->dump());
  std::string e = effort->as_string();
  if (e == "none") {
    Json off(false);
    return parse_think(&off);
  }
  if (e == "minimal") e = "low";
  if (e == "xhigh" || e == "ultra") e = "max";
  if (e != "low" && e != "medium" && e != "high" && e != "max")
    throw ApiError(400, "invalid reasoning value: '" + e + "' (must be \"none\", \"minimal\", \"low\", \"medium\", \"high\", \"xhigh\", or \"max\")");
  Json level(e);
  return parse_think(&level);
}

}  // namespace

OpenAIChatMapped map_openai_chat(const Json& body) {
  RequestFields f(body, "ChatCompletionRequest");
  OpenAIChatMapped out;
  ChatRequest& c = out.chat;
  c.model = f.string("model").value_or("");
  const Json* messages = f.array("messages");
  if (messages == nullptr || messages->size() == 0) throw ApiError(400, "[] is too short - 'messages'");
  for (const Json& m : messages->as_array()) {
    if (!m.is_object()) throw ApiError(400, "invalid message format");
    std::string role = lower(m.get_string("role"));
    auto add = [&](std::string content) {
      Json msg = Json::object({{"role", role}, {"content", std::move(content)}});
      if (const Json* r = m.find("reasoning"); r && r->is_string()) msg["thinking"] = *r;
      if (const Json* id = m.find("tool_call_id"); id && id->is_string()) msg["tool_call_id"] = *id;
      if (const Json* n = m.find("name"); n && n->is_string() && role == "tool") msg["tool_name"] = *n;
      if (const Json* calls = m.find("tool_calls"); calls && calls->is_array() && calls->size() > 0) {
        Json mapped = Json::array();
        int index = 0;
        for (const Json& call : calls->as_array()) {
          const Json* fn = call.find("function");
          if (fn == nullptr || !fn->is_object()) throw ApiError(400, "invalid tool call arguments");
          Json args = Json::object();
          std::string text = fn->get_string("arguments");
          if (!text.empty()) {
            try {
              args = Json::parse(text);
            } catch (const JsonError&) {
              throw ApiError(400, "invalid tool call arguments");
            }
          }
          mapped.push_back(Json::object({{"id", call.get_string("id")},
                                         {"function", Json::object({{"index", index++},
                                                                    {"name", fn->get_string("name")},
                                                                    {"arguments", args}})}}));
        }
        msg["tool_calls"] = mapped;
      }
      c.messages.push_back(std::move(msg));
    };
    const Json* content = m.find("content");
    if (content == nullptr || content->is_null()) {
      add("");
    } else if (content->is_string()) {
      add(content->as_string());
    } else if (content->is_array()) {
      for (const Json& part : content->as_array()) {
        std::string type = part.is_object() ? part.get_string("type") : "";
        if (type == "text") {
          add(part.get_string("text"));
        } else if (type == "image_url") {
          const Json* iu = part.find("image_url");
          std::string url = iu == nullptr ? "" : iu->is_string() ? iu->as_string() : iu->get_string("url");
          if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
            throw ApiError(400, "image URLs are not currently supported, please use base64 encoded data instead");
          if (url.rfind("data:", 0) != 0) throw ApiError(400, "invalid image input");
          out.has_images = true;
          c.image_count += 1;
        } else if (type == "input_audio") {
          out.has_images = true;  // any media: rejected by the handler
          c.image_count += 1;
        } else {
          throw ApiError(400, "invalid message format");
        }
      }
    } else {
      throw ApiError(400, "invalid message format");
    }
  }
  Json options = Json::object();
  sampling_options(f, options, false);
  c.options = options;
  c.stream = f.boolean("stream").value_or(false);
  out.include_usage = include_usage(f);
  if (const Json* rf = f.object("response_format")) {
    std::string type = rf->get_string("type");
    if (type == "json_object") c.format = "json";
    else if (type == "json_schema") c.format = rf->find("json_schema") ? *rf->find("json_schema") : Json(nullptr);
  }
  if (const Json* tools = f.array("tools")) c.tools = *tools;
  c.think = map_reasoning(body);
  c.logprobs = f.boolean("logprobs").value_or(false);
  int64_t top = f.integer("top_logprobs").value_or(0);
  if (top < 0 || top > 20) throw ApiError(400, "top_logprobs must be between 0 and 20");
  c.top_logprobs = static_cast<int>(top);
  return out;
}

OpenAICompletionMapped map_openai_completion(const Json& body) {
  RequestFields f(body, "CompletionRequest");
  OpenAICompletionMapped out;
  GenerateRequest& g = out.generate;
  g.model = f.string("model").value_or("");
  g.prompt = f.string("prompt").value_or("");
  g.suffix = f.string("suffix").value_or("");
  Json options = Json::object();
  sampling_options(f, options, true);
  g.options = options;
  g.stream = f.boolean("stream").value_or(false);
  out.include_usage = include_usage(f);
  if (auto lp = f.integer("logprobs")) {
    if (*lp < 0 || *lp > 20) throw ApiError(400, "top_logprobs must be between 0 and 20");
    g.logprobs = true;
    g.top_logprobs = static_cast<int>(*lp);
  }
  return out;
}

OpenAIEmbeddingMapped map_openai_embedding(const Json& body) {
  RequestFields f(body, "EmbedRequest");
  OpenAIEmbeddingMapped out;
  out.model = f.string("model").value_or("");
  const Json* input = f.value("input");
  if (input == nullptr) throw ApiError(400, "invalid input");
  if (input->is_string()) {
    out.inputs.push_back(input->as_string());
  } else if (input->is_array()) {
    if (input->size() == 0) throw ApiError(400, "invalid input");
    for (const Json& s : input->as_array()) {
      if (!s.is_string()) throw ApiError(400, "invalid input");
      out.inputs.push_back(s.as_string());
    }
  } else {
    throw ApiError(400, "invalid input");
  }
  out.dimensions = static_cast<int>(f.integer("dimensions").value_or(0));
  std::string enc = lower(f.string("encoding_format").value_or("float"));
  if (enc == "base64") out.base64 = true;
  else if (enc != "float" && !enc.empty())
    throw ApiError(400, "Invalid value for 'encoding_format' = " + f.string("encoding_format").value_or("") +
                            ". Supported values: ['float', 'base64'].");
  return out;
}

std::string base64_floats(const std::vector<double>& values) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  for (double v : values) {
    float f = static_cast<float>(v);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? alphabet[n & 63] : '=');
  }
  return out;
}

}  // namespace hearth::server
