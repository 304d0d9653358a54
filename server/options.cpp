#include "server/options.h"

#include <cmath>

#include "server/api_error.h"

namespace hearth::server {

namespace {

const std::vector<OptionInfo> kOptions = {
    {"num_ctx", OptionType::Int, true},          {"num_batch", OptionType::Int, true},
    {"num_gpu", OptionType::Int, true},          {"main_gpu", OptionType::Int, true},
    {"use_mmap", OptionType::Bool, true},        {"num_thread", OptionType::Int, true},
    {"draft_num_predict", OptionType::Int, true}, {"num_keep", OptionType::Int, false},
    {"seed", OptionType::Int, false},            {"num_predict", OptionType::Int, false},
    {"top_k", OptionType::Int, false},           {"top_p", OptionType::Float, false},
    {"min_p", OptionType::Float, false},         {"typical_p", OptionType::Float, false},
    {"repeat_last_n", OptionType::Int, false},   {"temperature", OptionType::Float, false},
    {"repeat_penalty", OptionType::Float, false}, {"presence_penalty", OptionType::Float, false},
    {"frequency_penalty", OptionType::Float, false}, {"stop", OptionType::StringArray, false},
};

constexpr std::string_view kRemoved[] = {"mirostat", "mirostat_tau", "mirostat_eta", "penalize_newline",
                                         "numa",     "tfs_z",        "low_vram",     "f16_kv",
                                         "logits_all", "vocab_only", "use_mlock",    "num_gqa"};

[[noreturn]] void type_error(std::string_view key, std::string_view type) {
  throw ApiError(400, "option \"" + std::string(key) + "\" must be of type " + std::string(type));
}

int64_t as_int_option(std::string_view key, const Json& v) {
  if (!v.is_number()) type_error(key, "integer");
  double d = v.as_double();
  if (v.is_int()) return v.as_int();
  if (!std::isfinite(d)) type_error(key, "integer");
  return static_cast<int64_t>(std::trunc(d));
}

double as_float_option(std::string_view key, const Json& v) {
  if (!v.is_number()) type_error(key, "float32");
  return v.as_double();
}

int clamp_int(int64_t v) {
  if (v > INT32_MAX) return INT32_MAX;
  if (v < INT32_MIN) return INT32_MIN;
  return static_cast<int>(v);
}

void apply_one(ResolvedOptions& out, std::string_view key, const Json& v) {
  sched::GenerationParams& g = out.generation;
  sampling::SamplingParams& s = g.sampling;
  const OptionInfo* info = find_option(key);
  if (info == nullptr) {
    out.warnings.push_back(is_removed_option(key) ? "option \"" + std::string(key) + "\" is no longer supported"
                                                  : "invalid option provided: " + std::string(key));
    return;
  }
  if (v.is_null()) return;
  switch (info->type) {
    case OptionType::Int: {
      int value = clamp_int(as_int_option(key, v));
      if (key == "num_ctx") out.num_ctx = std::max(value, 4);
      else if (key == "num_batch") out.num_batch = std::max(value, 1);
      else if (key == "num_gpu") out.num_gpu = value;
      else if (key == "main_gpu") out.main_gpu = value;
      else if (key == "num_thread") out.num_thread = value;
      else if (key == "num_keep") g.num_keep = value;
      else if (key == "num_predict") g.num_predict = value;
      else if (key == "top_k") s.top_k = value;
      else if (key == "repeat_last_n") s.repeat_last_n = value;
      else if (key == "seed") {
        int64_t seed = as_int_option(key, v);
        if (seed < 0) s.seed.reset();
        else s.seed = static_cast<uint64_t>(seed);
      }
      // draft_num_predict: accepted; there is no speculative decoding yet.
      break;
    }
    case OptionType::Float: {
      float value = static_cast<float>(as_float_option(key, v));
      if (key == "temperature") s.temperature = value;
      else if (key == "top_p") s.top_p = value;
      else if (key == "min_p") s.min_p = value;
      else if (key == "typical_p") s.typical_p = value;
      else if (key == "repeat_penalty") s.repeat_penalty = value;
      else if (key == "presence_penalty") s.presence_penalty = value;
      else if (key == "frequency_penalty") s.frequency_penalty = value;
      break;
    }
    case OptionType::Bool:
      if (!v.is_bool()) type_error(key, "boolean");
      if (key == "use_mmap") out.use_mmap = v.as_bool();
      break;
    case OptionType::StringArray: {
      if (!v.is_array()) type_error(key, "array");
      std::vector<std::string> list;
      for (const Json& item : v.as_array()) {
        if (!item.is_string()) throw ApiError(400, "option \"" + std::string(key) + "\" must be of an array of strings");
        list.push_back(item.as_string());
      }
      g.stop = std::move(list);
      break;
    }
  }
}

}  // namespace

const std::vector<OptionInfo>& known_options() { return kOptions; }

const OptionInfo* find_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

bool is_removed_option(std::string_view name) {
  for (auto r : kRemoved)
    if (r == name) return true;
  return false;
}

ResolvedOptions resolve_options(const Json* model_params, const Json* request_options) {
  ResolvedOptions out;
  for (const Json* layer : {model_params, request_options}) {
    if (layer == nullptr || !layer->is_object()) continue;
    for (const auto& [key, value] : layer->as_object()) apply_one(out, key, value);
  }
  return out;
}

void apply_load_options(const ResolvedOptions& o, sched::LoadSpec& spec) {
  spec.num_ctx = o.num_ctx;
  spec.num_batch = o.num_batch;
  spec.num_gpu = o.num_gpu;
  spec.main_gpu = o.main_gpu;
  spec.use_mmap = o.use_mmap;
  spec.num_thread = o.num_thread;
}

}  // namespace hearth::server
