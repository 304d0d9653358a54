// engine/context.h — running a model: a KV cache with N slots and batched decoding.
//
// A slot is one sequence (a conversation, a request) with up to n_ctx cached tokens. A Batch is a
// list of (token, position, slot, want_logits) entries, possibly from several slots: the server's
// continuous batching puts one new token of every generating slot and a prompt chunk of a newly
// admitted one into the same batch. decode() runs it in chunks of n_batch entries and computes
// logits only for the entries that ask for them.
//
//   Context ctx(model, {.n_ctx = 2048, .n_slots = 2, .kv_type = KvCacheType::F16});
//   Batch b;
//   b.add_sequence(prompt, /*first_position=*/0, /*slot=*/0, /*logits_for_last=*/true);
//   ctx.decode(b);
//   std::span<const float> next = ctx.logits(0);   // first requested output
//
// Positions of a slot must continue its cache: the first entry of slot s has position
// slot_length(s), the next one slot_length(s)+1, … (truncate_slot() rewinds a slot to reuse a
// cached prefix). A batch is validated before anything runs, so an invalid batch (ContextError)
// or a full slot (ContextFullError) leaves the cache as it was.
//
// Context shift (when a slot fills n_ctx): shift_slot(slot, n_keep, n_discard) drops the cached
// tokens [n_keep, n_keep+n_discard) and moves the rest down; their keys are re-rotated by
// −n_discard positions (the RoPE rotation is linear in the position, as llama.cpp's K-shift,
// which Ollama uses) rather than recomputed. Values are unchanged, so later tokens still carry
// what they computed while the discarded tokens were visible — the same approximation as Ollama.
// shift_discard_count() is Ollama's rule for n_discard.
//
// Embeddings: decode(batch, DecodeOutput::Embeddings) returns, for each entry that asks for
// output, the final hidden state instead of logits — the residual stream after the output norm,
// the n_embd-vector the LM head multiplies (llama.cpp's embeddings of a model without pooling);
// the LM head is skipped. embed(tokens, slot) turns one input into a sentence embedding: it
// clears the slot, decodes the tokens, pools per the model's {arch}.pooling_type (mean: average
// over the tokens; cls: the first token; last, and none/absent — what Ollama does for a
// generative model: the last token) and clears the slot again. Vectors are not normalised.
//
//   std::vector<float> v = ctx.embed(tokens, /*slot=*/0);   // n_embd floats
//
// A Context is used by one thread at a time; several contexts may share one Model.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/errors.h"
#include "engine/kv_cache.h"
#include "engine/model.h"

namespace hearth::engine {

struct BatchEntry {
  int32_t token = 0;
  int32_t position = 0;
  int32_t slot = 0;
  bool logits = false;
};

class Batch {
 public:
  void add(int32_t token, int32_t position, int32_t slot, bool logits) { entries_.push_back({token, position, slot, logits}); }
  // tokens at positions first_position, first_position+1, … of `slot`; logits for the last one
  // when `logits_for_last`.
  void add_sequence(std::span<const int32_t> tokens, int32_t first_position, int32_t slot, bool logits_for_last);
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::span<const BatchEntry> entries() const { return entries_; }
  const BatchEntry& operator[](std::size_t i) const { return entries_[i]; }

 private:
  std::vector<BatchEntry> entries_;
};

struct ContextOptions {
  int n_ctx = 4096;   // cells per slot (Ollama's num_ctx)
  int n_slots = 1;    // parallel sequences (OLLAMA_NUM_PARALLEL)
  int n_batch = 512;  // entries per forward pass (num_batch)
  KvCacheType kv_type = KvCacheType::F16;
  int n_threads = 0;  // 0 = physical cores (num_thread)
  // LlamaCpp: reproduce llama.cpp's CPU arithmetic exactly (backend.h); needs kv_type F32.
  Numerics numerics = Numerics::Fast;
  bool check_memory = true;
  std::optional<uint64_t> available_memory;  // nullopt = MemAvailable
};

enum class DecodeOutput { Logits, Embeddings };

class Context {
 public:
  // Allocates the KV cache for all slots. Throws ContextError for invalid options and when the
  // cache and scratch would not fit in available memory.
  explicit Context(const Model& model, const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Model& model() const { return model_; }
  const ContextOptions& options() const { return options_; }
  int n_ctx() const { return options_.n_ctx; }
  int n_slots() const { return options_.n_slots; }
  int n_vocab() const { return model_.n_vocab(); }
  int n_threads() const;

  int n_embd() const { return static_cast<int>(model_.hparams().n_embd); }

  // ---- decoding ----
  // Runs the batch; each entry with `logits` set produces one output: a row of n_vocab logits, or
  // with DecodeOutput::Embeddings a row of n_embd hidden-state values (see above).
  void decode(const Batch& batch, DecodeOutput output = DecodeOutput::Logits);
  // Outputs of the last decode, in batch order of the entries that asked for output. logits()
  // after an Embeddings decode, or embedding() after a Logits decode, throws ContextError.
  std::size_t n_outputs() const { return n_outputs_; }
  std::span<const float> logits(std::size_t output) const;
  std::span<const float> embedding(std::size_t output) const;

  // ---- sentence embeddings ----
  PoolingType pooling() const { return model_.hparams().pooling; }
  // The pooled, unnormalised embedding (n_embd floats) of `tokens` computed in `slot`, which is
  // cleared before and after. Throws ContextError for an empty input, rank pooling (it needs a
  // classifier head hearth does not load), and — like decode — ContextFullError when the tokens
  // exceed n_ctx.
  std::vector<float> embed(std::span<const int32_t> tokens, int slot);

  // ---- KV cache per slot ----
  int slot_length(int slot) const;
  void clear_slot(int slot) { truncate_slot(slot, 0); }
  // Keeps the first n_tokens cached tokens of the slot.
  void truncate_slot(int slot, int n_tokens);
  // Makes dst hold the first n_tokens cached tokens of src (prefix reuse across slots).
  void copy_slot(int src, int dst, int n_tokens);
  // Drops cached tokens [n_keep, n_keep + n_discard) and shifts the rest down (see above).
  void shift_slot(int slot, int n_keep, int n_discard);
  // Ollama's rule: tokens to discard after n_keep so that n_ctx − max((n_ctx − n_keep)/2, 1) remain.
  static int shift_discard_count(int n_ctx, int length, int n_keep);

  // Memory a context with these options needs besides the weights: the KV cache of all slots
  // plus the activations of one n_batch chunk (an upper estimate). For admission decisions.
  static uint64_t memory_needed(const ModelHParams& hp, const ContextOptions& options);

  KvCacheType kv_type() const { return options_.kv_type; }
  uint64_t kv_bytes() const { return kv_->shape().bytes(); }
  // One cached K (value=false) or V row as floats, for tests and diagnostics.
  std::vector<float> read_kv(int layer, bool value, int slot, int cell) const;

 private:
  void check_slot(int slot) const;
  void validate(const Batch& batch) const;

  const Model& model_;
  ContextOptions options_;
  std::unique_ptr<Stream> stream_;
  std::unique_ptr<KvCache> kv_;
  std::vector<float> outputs_;  // n_outputs_ rows of n_vocab logits or n_embd hidden values
  DecodeOutput output_kind_ = DecodeOutput::Logits;
  std::size_t n_outputs_ = 0;
  int n_threads_ = 0;
};

}  // namespace hearth::engine
