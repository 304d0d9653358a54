// engine/scheduler/engine_binding.h — the scheduler's ModelLoader for hearth's own runtime.
//
// This is the only place where the scheduler meets the engine: it loads a GGUF with
// engine::Model, gives it an engine::Context with one KV slot per parallel request, builds the
// tokenizer from the file's metadata, and maps the scheduler's batches onto Context::decode and
// embedding jobs onto Context::embed (pooled final hidden state, any architecture and backend).
// Backend choice: CUDA when it was built in and num_gpu is not 0, else CPU.
//
//   auto loader = std::make_shared<EngineModelLoader>(EngineLoaderConfig{.kv_cache_type = "f16"});
//   Scheduler sched(config, loader);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/scheduler/model_instance.h"

namespace hearth::sched {

struct EngineLoaderConfig {
  std::string kv_cache_type = "f16";          // OLLAMA_KV_CACHE_TYPE
  std::optional<uint64_t> memory_limit;       // bytes for all models; nullopt = MemAvailable at start
  bool prefer_gpu = true;                     // use CUDA when it is available and num_gpu != 0
};

class EngineModelLoader : public ModelLoader {
 public:
  explicit EngineModelLoader(EngineLoaderConfig config = {});
  std::unique_ptr<ModelInstance> load(const LoadSpec& spec) override;
  uint64_t estimate_memory(const LoadSpec& spec) override;
  uint64_t memory_budget() override { return budget_; }

 private:
  EngineLoaderConfig config_;
  uint64_t budget_;
};

}  // namespace hearth::sched
