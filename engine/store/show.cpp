#include "engine/store/show.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

#include "engine/store/gguf_facts.h"
#include "engine/store/go_format.h"
#include "engine/store/modelfile.h"

namespace hearth::store {

namespace {

Json value_to_json(const gguf::Value& v, bool verbose, std::size_t max_array);

template <typename T>
Json numeric_array(const gguf::Array& a) {
  Json::Array out;
  out.reserve(static_cast<std::size_t>(a.size()));
  for (T x : a.as<T>()) {
    if constexpr (std::is_same_v<T, float>) {
      out.emplace_back(float32_as_shortest_double(x));
    } else if constexpr (std::is_same_v<T, double>) {
      out.emplace_back(x);
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      out.emplace_back(static_cast<unsigned long long>(x));
    } else {
      out.emplace_back(static_cast<long long>(x));
    }
  }
  return Json(std::move(out));
}

Json array_to_json(const gguf::Array& a, bool verbose, std::size_t max_array) {
  // Ollama decodes arrays longer than its limit without keeping the values; they marshal as null.
  if (!verbose && a.size() > max_array) return Json();
  using gguf::ValueType;
  switch (a.elem_type()) {
    case ValueType::UINT8: return numeric_array<uint8_t>(a);
    case ValueType::INT8: return numeric_array<int8_t>(a);
    case ValueType::UINT16: return numeric_array<uint16_t>(a);
    case ValueType::INT16: return numeric_array<int16_t>(a);
    case ValueType::UINT32: return numeric_array<uint32_t>(a);
    case ValueType::INT32: return numeric_array<int32_t>(a);
    case ValueType::UINT64: return numeric_array<uint64_t>(a);
    case ValueType::INT64: return numeric_array<int64_t>(a);
    case ValueType::FLOAT32: return numeric_array<float>(a);
    case ValueType::FLOAT64: return numeric_array<double>(a);
    case ValueType::BOOL: {
      Json::Array out;
      for (uint64_t i = 0; i < a.size(); ++i) out.emplace_back(a.bool_at(i));
      return Json(std::move(out));
    }
    case ValueType::STRING: {
      Json::Array out;
      out.reserve(static_cast<std::size_t>(a.size()));
      for (const std::string& s : a.strings()) out.emplace_back(s);
      return Json(std::move(out));
    }
    case ValueType::ARRAY: {
      Json::Array out;
      for (const gguf::Array& inner : a.arrays()) out.push_back(array_to_json(inner, verbose, max_array));
      return Json(std::move(out));
    }
  }
  return Json();
}

Json value_to_json(const gguf::Value& v, bool verbose, std::size_t max_array) {
  using gguf::ValueType;
  switch (v.type()) {
    case ValueType::UINT64: return Json(static_cast<unsigned long long>(v.as_u64()));
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::UINT16:
    case ValueType::INT16:
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::INT64: return Json(static_cast<long long>(v.as_int()));
    case ValueType::FLOAT32: return Json(float32_as_shortest_double(v.as_f32()));
    case ValueType::FLOAT64: return Json(v.as_f64());
    case ValueType::BOOL: return Json(v.as_bool());
    case ValueType::STRING: return Json(v.as_string());
    case ValueType::ARRAY: return array_to_json(v.as_array(), verbose, max_array);
  }
  return Json();
}

// Skips a Go template string literal ("…" with escapes, or `…`) starting at s[i]; returns the
// index after it.
std::size_t skip_literal(const std::string& s, std::size_t i) {
  char q = s[i];
  for (++i; i < s.size(); ++i) {
    if (q == '"' && s[i] == '\\') {
      ++i;
    } else if (s[i] == q) {
      return i + 1;
    }
  }
  return s.size();
}

bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string human_number(uint64_t n) {
  char buf[64];
  if (n >= 1000000000ull) {
    double v = static_cast<double>(n) / 1e9;
    if (v == std::floor(v)) {
      std::snprintf(buf, sizeof buf, "%.0fB", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.1fB", v);
    }
  } else if (n >= 1000000ull) {
    double v = static_cast<double>(n) / 1e6;
    if (v == std::floor(v)) {
      std::snprintf(buf, sizeof buf, "%.0fM", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.2fM", v);
    }
  } else if (n >= 1000ull) {
    std::snprintf(buf, sizeof buf, "%.0fK", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  }
  return buf;
}

std::string file_type_name(uint32_t t) {
  // llama.cpp's llama_ftype ids as Ollama names them (4 is Ollama's MXFP4; 5, 6, 33–35 removed).
  static const char* names[] = {
      "F32",    "F16",    "Q4_0",   "Q4_1",    "MXFP4",  nullptr,  nullptr,  "Q8_0",   "Q5_0",  "Q5_1",  "Q2_K",
      "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S",  "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",   "IQ2_XXS", "IQ2_XS",
      "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S",  "IQ4_NL", "IQ3_S",  "IQ3_M",  "IQ2_S",  "IQ2_M", "IQ4_XS", "IQ1_M",
      "BF16",   nullptr,  nullptr,  nullptr,   "TQ1_0",  "TQ2_0",  "MXFP4_MOE", "NVFP4", "Q1_0"};
  if (t < sizeof(names) / sizeof(names[0]) && names[t]) return names[t];
  return "unknown";
}

std::string format_modified_at(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto since = t.time_since_epoch();
  auto secs = duration_cast<seconds>(since);
  auto nanos = duration_cast<nanoseconds>(since - secs).count();
  if (nanos < 0) {
    secs -= seconds(1);
    nanos += 1000000000;
  }
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (nanos > 0) {
    std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(nanos));
    std::string frac = buf;
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  long off = tm.tm_gmtoff;
  if (off == 0) {
    out += "Z";
  } else {
    char sign = off < 0 ? '-' : '+';
    off = std::labs(off);
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
    out += buf;
  }
  return out;
}

Json details_json(const ModelConfig& c, const std::string& parent_model, int64_t context_length,
                  int64_t embedding_length) {
  Json families;
  if (c.model_families) {
    families = Json::array();
    for (const std::string& f : *c.model_families) families.push_back(f);
  }
  Json d = Json::object({{"parent_model", parent_model},
                         {"format", c.model_format},
                         {"family", c.model_family},
                         {"families", families},
                         {"parameter_size", c.model_type},
                         {"quantization_level", c.file_type}});
  if (context_length > 0) d["context_length"] = Json(static_cast<long long>(context_length));
  if (embedding_length > 0) d["embedding_length"] = Json(static_cast<long long>(embedding_length));
  return d;
}

Json model_info_json(const gguf::GgufFile& file, bool verbose, std::size_t max_array) {
  std::vector<std::pair<std::string, Json>> entries;
  bool has_parameter_count = false;
  for (const auto& [key, value] : file.metadata().entries()) {
    if (key == "general.name" || key == "tokenizer.chat_template") continue;
    if (key == "general.parameter_count") has_parameter_count = true;
    entries.emplace_back(key, value_to_json(value, verbose, max_array));
  }
  uint64_t params = 0;
  for (const gguf::TensorInfo& t : file.tensors()) params += t.n_elements;
  // Ollama overwrites the key with its own tensor count.
  if (has_parameter_count) {
    for (auto& e : entries)
      if (e.first == "general.parameter_count") e.second = Json(static_cast<unsigned long long>(params));
  } else {
    entries.emplace_back("general.parameter_count", Json(static_cast<unsigned long long>(params)));
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  JsonObject out;
  for (auto& [k, v] : entries) out.set(k, std::move(v));
  return Json(std::move(out));
}

Json tensors_json(const gguf::GgufFile& file) {
  Json out = Json::array();
  for (const gguf::TensorInfo& t : file.tensors()) {
    Json shape = Json::array();
    for (uint32_t d = 0; d < t.n_dims; ++d) shape.push_back(Json(static_cast<unsigned long long>(t.ne[d])));
    out.push_back(Json::object({{"name", t.name}, {"type", std::string(gguf::type_name(t.type))}, {"shape", shape}}));
  }
  return out;
}

std::vector<std::string> template_vars(const std::string& tmpl) {
  std::set<std::string> vars;
  std::size_t i = 0;
  while ((i = tmpl.find("{{", i)) != std::string::npos) {
    i += 2;
    if (i < tmpl.size() && tmpl[i] == '-') ++i;
    // Skip comments {{/* … */}}.
    std::size_t j = i;
    while (j < tmpl.size() && (tmpl[j] == ' ' || tmpl[j] == '\t' || tmpl[j] == '\n' || tmpl[j] == '\r')) ++j;
    if (tmpl.compare(j, 2, "/*") == 0) {
      std::size_t end = tmpl.find("*/", j + 2);
      i = end == std::string::npos ? tmpl.size() : end + 2;
      continue;
    }
    while (i < tmpl.size() && tmpl.compare(i, 2, "}}") != 0) {
      char c = tmpl[i];
      if (c == '"' || c == '`') {
        i = skip_literal(tmpl, i);
      } else if (c == '\'') {
        i = skip_literal(tmpl, i);
      } else if (c == '.' && i + 1 < tmpl.size() && is_ident_start(tmpl[i + 1])) {
        std::size_t start = ++i;
        while (i < tmpl.size() && is_ident_char(tmpl[i])) ++i;
        std::string ident = tmpl.substr(start, i - start);
        for (char& ch : ident)
          if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        vars.insert(ident);
      } else if (is_ident_char(c)) {
        // A bare word (function name, variable) or a number: skip it whole so "1.5" is no field.
        while (i < tmpl.size() && (is_ident_char(tmpl[i]) || tmpl[i] == '$')) ++i;
        if (i < tmpl.size() && tmpl[i] == '.' && i + 1 < tmpl.size() && (tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9')) {
          ++i;
          while (i < tmpl.size() && is_ident_char(tmpl[i])) ++i;
        }
      } else {
        ++i;
      }
    }
  }
  return {vars.begin(), vars.end()};
}

std::string effective_template(const ResolvedModel& model) { return model.template_text.value_or("{{ .Prompt }}"); }

std::vector<std::string> capabilities(const ResolvedModel& model, const gguf::GgufFile* weights,
                                      const CapabilityInputs& extra) {
  std::vector<std::string> caps;
  auto add = [&](const std::string& c) {
    if (std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
  };
  const std::vector<std::string>& configured = model.config.capabilities;
  if (std::find(configured.begin(), configured.end(), "image") != configured.end()) return {"image"};
  if (!model.model_path.empty()) {
    if (weights) {
      GgufFacts f = read_gguf_facts(*weights);
      add(f.has_pooling_type ? "embedding" : "completion");
      if (f.has_vision_block_count) add("vision");
    }
  } else {
    for (const std::string& c : configured) add(c);
  }
  std::vector<std::string> vars = template_vars(effective_template(model));
  auto uses = [&](const char* v) { return std::binary_search(vars.begin(), vars.end(), std::string(v)); };
  if (uses("tools")) add("tools");
  if (uses("suffix")) add("insert");
  if (!model.projector_paths.empty()) add("vision");
  if (extra.thinking || model.config.model_family == "gptoss" || model.config.model_family == "gpt-oss")
    add("thinking");
  return caps;
}

std::string parameters_text(const Json& params) {
  std::string out;
  auto line = [&](const std::string& key, const Json& v) {
    if (!out.empty()) out.push_back('\n');
    out += key;
    if (key.size() < 30) out.append(30 - key.size(), ' ');
    out.push_back(' ');
    out += go_format_sharp_v(v);
  };
  if (!params.is_object()) return out;
  for (const auto& [k, v] : params.as_object()) {
    if (v.is_array()) {
      for (const Json& e : v.as_array()) line(k, e);
    } else {
      line(k, v);
    }
  }
  return out;
}

std::string modelfile_text(const ResolvedModel& model, const ShowOptions& options) {
  Modelfile mf;
  auto add = [&](std::string name, std::string args) { mf.commands.push_back({std::move(name), std::move(args)}); };
  add("model", model.model_path.string());
  for (const auto& p : model.adapter_paths) add("adapter", p.string());
  for (const auto& p : model.projector_paths) add("model", p.string());
  add("template", model.template_text.value_or("{{ .Prompt }}"));
  std::string system = options.system.value_or(model.system);
  if (!system.empty()) add("system", system);
  if (!model.config.renderer.empty()) add("renderer", model.config.renderer);
  if (!model.config.parser.empty()) add("parser", model.config.parser);
  Json params = model.params.is_object() ? model.params : Json::object();
  if (options.options.is_object())
    for (const auto& [k, v] : options.options.as_object()) params.as_object().set(k, v);
  for (const auto& [k, v] : params.as_object()) {
    if (v.is_array()) {
      for (const Json& e : v.as_array()) add(k, go_format_v(e));
    } else {
      add(k, go_format_v(v));
    }
  }
  for (const std::string& l : model.licenses) add("license", l);
  if (model.messages.is_array()) {
    for (const Json& m : model.messages.as_array())
      add("message", m.get_string("role") + ": " + m.get_string("content"));
  }
  return "# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM " +
         model.name.display_shortest() + "\n\n" + mf.to_string();
}

Json show_response(const ResolvedModel& model, const gguf::GgufFile* weights, const ShowOptions& options,
                   const gguf::GgufFile* projector) {
  JsonObject out;
  std::string license;
  for (std::size_t i = 0; i < model.licenses.size(); ++i) license += (i ? "\n" : "") + model.licenses[i];
  if (!license.empty()) out.set("license", license);
  out.set("modelfile", modelfile_text(model, options));
  std::string params = parameters_text(model.params);
  if (!params.empty()) out.set("parameters", params);
  std::string tmpl = options.template_override.value_or(effective_template(model));
  if (!tmpl.empty()) out.set("template", tmpl);
  std::string system = options.system.value_or(model.system);
  if (!system.empty()) out.set("system", system);
  if (!model.config.renderer.empty()) out.set("renderer", model.config.renderer);
  if (!model.config.parser.empty()) out.set("parser", model.config.parser);
  out.set("details", details_json(model.config, model.parent_model, model.config.context_length,
                                  model.config.embedding_length));
  if (model.messages.is_array() && model.messages.size() > 0) {
    Json msgs = Json::array();
    for (const Json& m : model.messages.as_array())
      msgs.push_back(Json::object({{"role", m.get_string("role")}, {"content", m.get_string("content")}}));
    out.set("messages", msgs);
  }
  if (!model.config.remote_model.empty()) out.set("remote_model", model.config.remote_model);
  if (!model.config.remote_host.empty()) out.set("remote_host", model.config.remote_host);
  out.set("model_info", weights ? model_info_json(*weights, options.verbose) : Json::object());
  if (projector) out.set("projector_info", model_info_json(*projector, options.verbose));
  if (weights && !weights->tensors().empty()) out.set("tensors", tensors_json(*weights));
  std::vector<std::string> caps = capabilities(model, weights, options.capability_inputs);
  if (!caps.empty()) {
    Json c = Json::array();
    for (const std::string& s : caps) c.push_back(s);
    out.set("capabilities", c);
  }
  out.set("modified_at", format_modified_at(model.modified));
  if (!model.config.requires_version.empty()) out.set("requires", model.config.requires_version);
  return Json(std::move(out));
}

Json tags_entry_json(const ListedModel& listed, const ResolvedModel* resolved, const gguf::GgufFile* weights) {
  std::string name = listed.name.display_shortest();
  ModelConfig config = listed.config.value_or(ModelConfig{});
  int64_t ctx = 0, emb = 0;
  if (weights) {
    GgufFacts f = read_gguf_facts(*weights);
    ctx = f.context_length;
    emb = f.embedding_length;
  }
  JsonObject out;
  out.set("name", name);
  out.set("model", name);
  if (!config.remote_model.empty()) out.set("remote_model", config.remote_model);
  if (!config.remote_host.empty()) out.set("remote_host", config.remote_host);
  out.set("modified_at", format_modified_at(listed.modified));
  out.set("size", Json(static_cast<long long>(listed.size)));
  out.set("digest", listed.digest_hex);
  out.set("details", details_json(config, "", ctx, emb));
  if (resolved) {
    std::vector<std::string> caps = capabilities(*resolved, weights);
    if (!caps.empty()) {
      Json c = Json::array();
      for (const std::string& s : caps) c.push_back(s);
      out.set("capabilities", c);
    }
  }
  return Json(std::move(out));
}

}  // namespace hearth::store
