#include "engine/scheduler/engine_binding.h"

#include <algorithm>
#include <filesystem>

#include "engine/backend_factory.h"
#include "engine/context.h"
#include "engine/kv_cache.h"
#include "engine/model.h"
#include "engine/model_hparams.h"
#include "engine/model_memory.h"
#include "engine/tokenizer/tokenizer.h"

namespace hearth::sched {

namespace {

// Scratch and logits beyond weights and KV: one n_batch × n_vocab float block for logits and
// activations of a batch, plus a fixed margin for the rest.
constexpr uint64_t kScratchMargin = 64ull << 20;

int resolved_ctx(const LoadSpec& spec, uint32_t n_ctx_train) {
  int n = std::max(spec.effective_num_ctx(), 4);
  if (n_ctx_train > 0) n = std::min<int64_t>(n, n_ctx_train);
  return n;
}

// CUDA when it is built in and a device is visible (engine::preferred_backend_kind, which also
// honours HEARTH_BACKEND), unless num_gpu is 0 (Ollama: CPU only). num_gpu > 0 is the number of
// transformer blocks whose weights go to the GPU.
engine::BackendOptions choose_backend(const LoadSpec& spec, bool prefer_gpu) {
  engine::BackendOptions b;
  b.kind = prefer_gpu ? engine::preferred_backend_kind() : engine::BackendKind::Cpu;
  int num_gpu = spec.num_gpu.value_or(-1);
  if (num_gpu == 0) b.kind = engine::BackendKind::Cpu;
  b.gpu_layers = num_gpu > 0 ? num_gpu : -1;
  b.device = std::max(spec.main_gpu.value_or(0), 0);
  b.context_hint = std::max(spec.effective_num_ctx(), 4) * std::max(spec.n_slots, 1);
  return b;
}

class EngineModel final : public ModelInstance {
 public:
  EngineModel(std::unique_ptr<engine::Model> model, const LoadSpec& spec, engine::KvCacheType kv)
      : model_(std::move(model)) {
    tokenizer_ = tok::Tokenizer::from_metadata(model_->file().metadata());
    engine::ContextOptions o;
    o.n_ctx = resolved_ctx(spec, model_->hparams().n_ctx_train);
    o.n_slots = std::max(spec.n_slots, 1);
    o.n_batch = std::max(spec.effective_num_batch(), 1);
    o.kv_type = kv;
    o.n_threads = spec.num_thread.value_or(0);
    context_ = std::make_unique<engine::Context>(*model_, o);
    on_gpu_ = model_->backend().name() != "cpu";
  }

  const tok::Tokenizer& tokenizer() const override { return *tokenizer_; }
  int32_t n_vocab() const override { return model_->n_vocab(); }
  int n_slots() const override { return context_->n_slots(); }
  int n_ctx() const override { return context_->n_ctx(); }
  int n_ctx_train() const override { return static_cast<int>(model_->hparams().n_ctx_train); }
  int max_batch_tokens() const override { return context_->options().n_batch; }

  void decode(std::span<const BatchToken> batch, std::vector<float>& logits) override {
    batch_.clear();
    for (const BatchToken& t : batch) batch_.add(t.token, t.pos, t.slot, t.want_logits);
    context_->decode(batch_);
    for (std::size_t i = 0; i < context_->n_outputs(); ++i) {
      std::span<const float> row = context_->logits(i);
      logits.insert(logits.end(), row.begin(), row.end());
    }
  }

  void clear_slot(int slot) override { context_->clear_slot(slot); }
  bool truncate_slot(int slot, int n_keep) override {
    if (n_keep > context_->slot_length(slot)) return false;
    context_->truncate_slot(slot, n_keep);
    return true;
  }
  bool can_shift() const override { return true; }

  // Context::embed clears the slot before and after and pools per {arch}.pooling_type (the last
  // token for a generative model). Rank pooling needs a classifier head hearth does not load.
  bool can_embed() const override { return context_->pooling() != engine::PoolingType::Rank; }
  std::vector<float> embed(std::span<const int32_t> tokens, int slot) override { return context_->embed(tokens, slot); }
  void shift_slot(int slot, int n_keep, int n_discard, int) override { context_->shift_slot(slot, n_keep, n_discard); }

  uint64_t memory_bytes() const override { return model_->weight_bytes() + context_->kv_bytes() + kScratchMargin; }
  uint64_t gpu_memory_bytes() const override { return on_gpu_ ? memory_bytes() : 0; }

 private:
  std::unique_ptr<engine::Model> model_;
  std::unique_ptr<tok::Tokenizer> tokenizer_;
  std::unique_ptr<engine::Context> context_;
  engine::Batch batch_;
  bool on_gpu_ = false;
};

}  // namespace

EngineModelLoader::EngineModelLoader(EngineLoaderConfig config) : config_(std::move(config)) {
  if (config_.memory_limit) budget_ = *config_.memory_limit;
  else budget_ = engine::read_mem_available().value_or(uint64_t(16) << 30);
}

std::unique_ptr<ModelInstance> EngineModelLoader::load(const LoadSpec& spec) {
  auto kv = engine::parse_kv_cache_type(config_.kv_cache_type);
  if (!kv) throw LoadError("unsupported OLLAMA_KV_CACHE_TYPE \"" + config_.kv_cache_type + "\" (use f16, f32 or q8_0)");
  engine::ModelOptions mo;
  mo.backend = choose_backend(spec, config_.prefer_gpu);
  auto model = engine::Model::load(spec.model_path, mo);
  return std::make_unique<EngineModel>(std::move(model), spec, *kv);
}

uint64_t EngineModelLoader::estimate_memory(const LoadSpec& spec) {
  std::error_code ec;
  uint64_t file_size = std::filesystem::file_size(spec.model_path, ec);
  if (ec) throw LoadError("cannot read model file " + spec.model_path + ": " + ec.message());
  auto file = gguf::GgufFile::open(spec.model_path);
  engine::ModelHParams hp = engine::read_hparams(file);
  engine::KvCacheShape shape;
  shape.n_layer = static_cast<int>(hp.n_layer);
  shape.n_embd_k = hp.n_embd_k();
  shape.n_embd_v = hp.n_embd_v();
  shape.n_slots = std::max(spec.n_slots, 1);
  shape.n_ctx = resolved_ctx(spec, hp.n_ctx_train);
  shape.type = engine::parse_kv_cache_type(config_.kv_cache_type).value_or(engine::KvCacheType::F16);
  uint64_t logits = static_cast<uint64_t>(std::max(spec.effective_num_batch(), 1)) * hp.n_vocab * sizeof(float);
  return file_size + shape.bytes() + logits + kScratchMargin;
}

}  // namespace hearth::sched
