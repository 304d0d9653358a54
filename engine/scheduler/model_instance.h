// engine/scheduler/model_instance.h — what the scheduler needs from a loaded model.
//
// The scheduler drives a model through this narrow interface: a context with `n_slots`
// independent sequences of up to `n_ctx` positions each, and one `decode` call that runs a single
// forward pass over tokens taken from any mix of slots (that is what continuous batching needs).
// One file, engine_binding.cpp, implements it on top of hearth's engine; tests implement it with
// a small deterministic fake, so every scheduling rule is testable without weights.
//
//   auto model = loader.load(spec);                       // on the runner's engine thread
//   std::vector<BatchToken> batch = {{tok, pos, slot, /*want_logits=*/true}, ...};
//   model->decode(batch, logits);                         // one row of n_vocab per want_logits
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace hearth::sched {

struct BatchToken {
  int32_t token = 0;
  int32_t pos = 0;     // position inside its slot's sequence
  int32_t slot = 0;
  bool want_logits = false;
};

class ModelInstance {
 public:
  virtual ~ModelInstance() = default;

  virtual const tok::Tokenizer& tokenizer() const = 0;
  virtual int32_t n_vocab() const = 0;
  virtual int n_slots() const = 0;
  virtual int n_ctx() const = 0;         // positions available to each slot
  virtual int n_ctx_train() const = 0;   // the model's trained context length
  virtual int max_batch_tokens() const = 0;

  // One forward pass. For each entry with want_logits, appends one row of n_vocab() raw logits to
  // `logits`, in batch order. Throws on failure (the scheduler fails the affected requests).
  virtual void decode(std::span<const BatchToken> batch, std::vector<float>& logits) = 0;

  // Forgets everything stored for a slot.
  virtual void clear_slot(int slot) = 0;
  // Keeps positions [0, n_keep) of a slot and drops the rest. False when the model cannot do it
  // (the scheduler then clears the slot and re-evaluates the whole prompt).
  virtual bool truncate_slot(int slot, int n_keep) { (void)slot; (void)n_keep; return false; }
  // Context shift: drops positions [n_keep, n_keep + n_discard) and moves the later ones
  // (up to n_past) down by n_discard. Only called when can_shift() is true.
  virtual bool can_shift() const = 0;
  virtual void shift_slot(int slot, int n_keep, int n_discard, int n_past) = 0;

  // Pooled, unnormalised sentence embedding of `tokens`, computed in `slot` (whose contents are
  // lost). Throws when the model cannot embed.
  virtual bool can_embed() const { return false; }
  virtual std::vector<float> embed(std::span<const int32_t> tokens, int slot) {
    (void)tokens; (void)slot;
    throw std::runtime_error("this model does not support embeddings");
  }

  virtual uint64_t memory_bytes() const = 0;       // weights + KV + scratch
  virtual uint64_t gpu_memory_bytes() const { return 0; }
};

// What to load and how. Optional fields are "automatic": a loaded runner with any value for
// them serves the request; a set field that differs from the runner's forces a reload.
struct LoadSpec {
  std::string model_path;           // the GGUF weights (the runner key)
  std::optional<int> num_ctx;       // per slot; clamped to the trained context by the loader
  std::optional<int> num_batch;
  std::optional<int> num_gpu;       // layers to offload; nullopt = automatic
  std::optional<int> main_gpu;
  std::optional<bool> use_mmap;
  std::optional<int> num_thread;
  int n_slots = 1;                  // OLLAMA_NUM_PARALLEL
  int default_num_ctx = 4096;       // used when num_ctx is unset
  int default_num_batch = 512;

  // Whether a runner loaded with `loaded` can serve a request asking for this spec.
  bool served_by(const LoadSpec& loaded) const;
  int effective_num_ctx() const { return num_ctx.value_or(default_num_ctx); }
  int effective_num_batch() const { return num_batch.value_or(default_num_batch); }
};

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ModelLoader {
 public:
  virtual ~ModelLoader() = default;
  // Loads on the calling thread (the runner's engine thread). Throws LoadError (or any
  // std::exception) with a message meant for the client.
  virtual std::unique_ptr<ModelInstance> load(const LoadSpec& spec) = 0;
  // Bytes the model would take once loaded (weights + KV for n_slots × n_ctx + scratch), used to
  // refuse or to make room before loading. Throws LoadError if the file cannot be read.
  virtual uint64_t estimate_memory(const LoadSpec& spec) = 0;
  // Bytes available to models in total (RAM, or device memory for a GPU backend).
  virtual uint64_t memory_budget() = 0;
};

}  // namespace hearth::sched
