#include "server/api_requests.h"

#include <algorithm>
#include <cmath>

#include "server/api_error.h"

namespace hearth::server {

namespace {

// The JSON kind as Go's decoder names it in "cannot unmarshal X into ...".
const char* go_json_kind(const Json& v) {
  switch (v.kind()) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return "bool";
    case Json::Kind::Int:
    case Json::Kind::Double: return "number";
    case Json::Kind::String: return "string";
    case Json::Kind::Array: return "array";
    case Json::Kind::Object: return "object";
  }
  return "value";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Json decode_body(std::string_view body, std::string_view go_type) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) throw ApiError(400, "missing request body");
  Json doc;
  try {
    doc = Json::parse(body);
  } catch (const JsonError& e) {
    throw ApiError(400, e.what());
  }
  if (doc.is_null()) return Json::object();
  if (!doc.is_object())
    throw ApiError(400, std::string("json: cannot unmarshal ") + go_json_kind(doc) + " into Go value of type api." +
                            std::string(go_type));
  return doc;
}

void RequestFields::type_error(std::string_view key, const Json& v, std::string_view go_kind) const {
  throw ApiError(400, std::string("json: cannot unmarshal ") + go_json_kind(v) + " into Go struct field " + type_ + "." +
                          std::string(key) + " of type " + std::string(go_kind));
}

const Json* RequestFields::value(std::string_view key) const {
  const Json* v = body_.find(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::optional<std::string> RequestFields::string(std::string_view key) const {
  const Json* v = value(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) type_error(key, *v, "string");
  return v->as_string();
}

std::optional<bool> RequestFields::boolean(std::string_view key) const {
  const Json* v = value(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) type_error(key, *v, "bool");
  return v->as_bool();
}

std::optional<int64_t> RequestFields::integer(std::string_view key) const {
  const Json* v = value(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) type_error(key, *v, "int");
  double d = v->as_double();
  if (!v->is_int() && (std::floor(d) != d || !std::isfinite(d))) type_error(key, *v, "int");
  return v->is_int() ? v->as_int() : static_cast<int64_t>(d);
}

std::optional<double> RequestFields::number(std::string_view key) const {
  const Json* v = value(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) type_error(key, *v, "float64");
  return v->as_double();
}

const Json* RequestFields::array(std::string_view key) const {
  const Json* v = value(key);
  if (v != nullptr && !v->is_array()) type_error(key, *v, "[]");
  return v;
}

const Json* RequestFields::object(std::string_view key) const {
  const Json* v = value(key);
  if (v != nullptr && !v->is_object()) type_error(key, *v, "map[string]interface {}");
  return v;
}

std::optional<Nanos> RequestFields::keep_alive() const {
  const Json* v = value("keep_alive");
  if (v == nullptr) return std::nullopt;
  try {
    return parse_keep_alive_json(*v);
  } catch (const DurationError& e) {
    throw ApiError(400, e.what());
  }
}

ThinkValue parse_think(const Json* v) {
  ThinkValue t;
  if (v == nullptr || v->is_null()) return t;
  t.present = true;
  t.raw = *v;
  if (v->is_bool()) {
    t.enabled = v->as_bool();
    if (t.enabled) t.level = "medium";
    return t;
  }
  if (v->is_string()) {
    const std::string& s = v->as_string();
    if (s == "low" || s == "medium" || s == "high" || s == "max") {
      t.enabled = true;
      t.level = s;
      return t;
    }
    throw ApiError(400, "invalid think value: \"" + s + "\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)");
  }
  throw ApiError(400, "invalid think value: " + v->dump() + " (must be \"high\", \"medium\", \"low\", \"max\", true, or false)");
}

namespace {

void parse_common_logprobs(const RequestFields& f, bool& logprobs, int& top) {
  logprobs = f.boolean("logprobs").value_or(false);
  int64_t t = f.integer("top_logprobs").value_or(0);
  if (t < 0 || t > 20) throw ApiError(400, "top_logprobs must be between 0 and 20");
  top = static_cast<int>(t);
}

std::size_t count_images(const RequestFields& f, std::string_view key) {
  const Json* images = f.array(key);
  if (images == nullptr) return 0;
  for (const Json& i : images->as_array())
    if (!i.is_string()) f.type_error(key, i, "api.ImageData");
  return images->size();
}

}  // namespace

GenerateRequest parse_generate(const Json& body) {
  RequestFields f(body, "GenerateRequest");
  GenerateRequest r;
  r.model = f.string("model").value_or("");
  r.prompt = f.string("prompt").value_or("");
  r.suffix = f.string("suffix").value_or("");
  r.system = f.string("system");
  r.template_text = f.string("template");
  if (const Json* ctx = f.array("context")) {
    std::vector<int32_t> tokens;
    for (const Json& t : ctx->as_array()) {
      if (!t.is_number() || (!t.is_int() && std::floor(t.as_double()) != t.as_double())) f.type_error("context", t, "int");
      tokens.push_back(static_cast<int32_t>(t.as_int()));
    }
    r.context = std::move(tokens);
  }
  r.stream = f.boolean("stream").value_or(true);
  r.raw = f.boolean("raw").value_or(false);
  if (const Json* fmt = f.value("format")) r.format = *fmt;
  r.keep_alive = f.keep_alive();
  r.image_count = count_images(f, "images");
  if (const Json* o = f.object("options")) r.options = *o;
  r.think = parse_think(f.value("think"));
  r.truncate = f.boolean("truncate").value_or(true);
  r.shift = f.boolean("shift").value_or(true);
  parse_common_logprobs(f, r.logprobs, r.top_logprobs);
  r.debug_render_only = f.boolean("_debug_render_only").value_or(false);
  return r;
}

ChatRequest parse_chat(const Json& body) {
  RequestFields f(body, "ChatRequest");
  ChatRequest r;
  r.model = f.string("model").value_or("");
  if (const Json* msgs = f.array("messages")) {
    for (const Json& m : msgs->as_array()) {
      if (!m.is_object()) f.type_error("messages", m, "api.Message");
      RequestFields mf(m, "Message");
      Json out = Json::object();
      out["role"] = lower(mf.string("role").value_or(""));
      out["content"] = mf.string("content").value_or("");
      if (auto th = mf.string("thinking")) out["thinking"] = *th;
      std::size_t images = count_images(mf, "images");
      r.image_count += images;
      if (images > 0) out["images"] = *mf.value("images");
      if (const Json* calls = mf.array("tool_calls")) out["tool_calls"] = *calls;
      if (auto tn = mf.string("tool_name")) out["tool_name"] = *tn;
      if (auto id = mf.string("tool_call_id")) out["tool_call_id"] = *id;
      r.messages.push_back(std::move(out));
    }
  }
  if (const Json* tools = f.array("tools")) r.tools = *tools;
  if (const Json* fmt = f.value("format")) r.format = *fmt;
  r.keep_alive = f.keep_alive();
  r.stream = f.boolean("stream").value_or(true);
  if (const Json* o = f.object("options")) r.options = *o;
  r.think = parse_think(f.value("think"));
  r.truncate = f.boolean("truncate").value_or(true);
  r.shift = f.boolean("shift").value_or(true);
  parse_common_logprobs(f, r.logprobs, r.top_logprobs);
  r.debug_render_only = f.boolean("_debug_render_only").value_or(false);
  return r;
}

EmbedRequest parse_embed(const Json& body) {
  RequestFields f(body, "EmbedRequest");
  EmbedRequest r;
  r.model = f.string("model").value_or("");
  if (const Json* input = f.value("input")) {
    if (input->is_string()) {
      if (!input->as_string().empty()) r.inputs.push_back(input->as_string());
    } else if (input->is_array()) {
      for (const Json& item : input->as_array()) {
        if (!item.is_string()) throw ApiError(400, "invalid input type");
        r.inputs.push_back(item.as_string());
      }
    } else {
      throw ApiError(400, "invalid input type");
    }
  }
  r.truncate = f.boolean("truncate").value_or(true);
  int64_t dims = f.integer("dimensions").value_or(0);
  r.dimensions = static_cast<int>(std::clamp<int64_t>(dims, INT32_MIN, INT32_MAX));
  r.keep_alive = f.keep_alive();
  if (const Json* o = f.object("options")) r.options = *o;
  return r;
}

EmbeddingsRequest parse_embeddings(const Json& body) {
  RequestFields f(body, "EmbeddingRequest");
  EmbeddingsRequest r;
  r.model = f.string("model").value_or("");
  r.prompt = f.string("prompt").value_or("");
  r.keep_alive = f.keep_alive();
  if (const Json* o = f.object("options")) r.options = *o;
  return r;
}

ShowRequest parse_show(const Json& body) {
  RequestFields f(body, "ShowRequest");
  ShowRequest r;
  r.model = f.string("model").value_or("");
  if (r.model.empty()) r.model = f.string("name").value_or("");
  r.verbose = f.boolean("verbose").value_or(false);
  r.system = f.string("system");
  if (const Json* o = f.object("options")) r.options = *o;
  return r;
}

CopyRequest parse_copy(const Json& body) {
  RequestFields f(body, "CopyRequest");
  return CopyRequest{f.string("source").value_or(""), f.string("destination").value_or("")};
}

DeleteRequest parse_delete(const Json& body) {
  RequestFields f(body, "DeleteRequest");
  DeleteRequest r;
  r.model = f.string("model").value_or("");
  if (r.model.empty()) r.model = f.string("name").value_or("");
  return r;
}

}  // namespace hearth::server
