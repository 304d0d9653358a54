// server/options.h — Ollama's `options` map: names, types, defaults and resolution order.
//
// Resolution (spec §3.1): built-in defaults ← the model's params blob ← the request's `options`,
// key by key; a request `stop` replaces the model's list. Integer options accept any JSON number
// (truncated), float options need a number, booleans a bool, `stop` an array of strings; a wrong
// type is a 400 `option "X" must be of type integer|float32|boolean|array`. Unknown keys and the
// removed options (mirostat, penalize_newline, numa, …) are ignored and reported as warnings.
//
//   ResolvedOptions o = resolve_options(model_params, request_options, defaults);
//   job->model.num_ctx = o.num_ctx;  job->params = o.generation;
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "engine/scheduler/job.h"

namespace hearth::server {

enum class OptionType { Int, Float, Bool, StringArray };

struct OptionInfo {
  std::string_view name;
  OptionType type;
  bool load_time;  // changes force a model reload
};

// The table of options hearth knows (runtime and load-time).
const std::vector<OptionInfo>& known_options();
const OptionInfo* find_option(std::string_view name);
// Options upstream removed: accepted and ignored.
bool is_removed_option(std::string_view name);

struct ResolvedOptions {
  // Load-time (nullopt = automatic, never forces a reload).
  std::optional<int> num_ctx;
  std::optional<int> num_batch;
  std::optional<int> num_gpu;
  std::optional<int> main_gpu;
  std::optional<bool> use_mmap;
  std::optional<int> num_thread;
  // Runtime.
  sched::GenerationParams generation;
  std::vector<std::string> warnings;  // ignored keys
};

// Throws ApiError(400) on a type error. Either pointer may be null; non-objects are ignored.
ResolvedOptions resolve_options(const Json* model_params, const Json* request_options);

// Fills the load-time fields of a LoadSpec (n_slots and defaults come from the server config).
void apply_load_options(const ResolvedOptions& options, sched::LoadSpec& spec);

}  // namespace hearth::server
