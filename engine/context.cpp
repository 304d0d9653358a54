#include "engine/context.h"

#include <algorithm>
#include <string>

#include "engine/model_memory.h"
#include "kernels/cpu/thread_pool.h"

namespace hearth::engine {

void Batch::add_sequence(std::span<const int32_t> tokens, int32_t first_position, int32_t slot, bool logits_for_last) {
  for (std::size_t i = 0; i < tokens.size(); ++i)
    add(tokens[i], first_position + static_cast<int32_t>(i), slot, logits_for_last && i + 1 == tokens.size());
}

namespace {

// Activations of one forward pass of n_batch tokens (a generous estimate: the residual stream,
// one layer's temporaries and the logits of every row).
uint64_t scratch_estimate(const ModelHParams& hp, int n_batch) {
  const uint64_t width = std::max({hp.n_embd, hp.n_embd_q(), hp.n_embd_k() + hp.n_embd_v()});
  const uint64_t per_token = 8 * width + 3 * static_cast<uint64_t>(hp.n_ff) + hp.n_vocab;
  return per_token * static_cast<uint64_t>(n_batch) * sizeof(float);
}

KvCacheShape kv_shape(const ModelHParams& hp, const ContextOptions& options) {
  KvCacheShape shape;
  shape.n_layer = static_cast<int>(hp.n_layer);
  shape.n_embd_k = hp.n_embd_k();
  shape.n_embd_v = hp.n_embd_v();
  shape.n_slots = options.n_slots;
  shape.n_ctx = options.n_ctx;
  shape.type = options.kv_type;
  return shape;
}

}  // namespace

Context::Context(const Model& model, const ContextOptions& options) : model_(model), options_(options) {
  const ModelHParams& hp = model.hparams();
  if (options_.n_ctx < 1) throw ContextError("n_ctx must be at least 1 (got " + std::to_string(options_.n_ctx) + ")");
  if (options_.n_slots < 1) throw ContextError("the number of slots must be at least 1 (got " + std::to_string(options_.n_slots) + ")");
  if (options_.n_batch < 1) throw ContextError("n_batch must be at least 1 (got " + std::to_string(options_.n_batch) + ")");
  if (options_.n_threads < 0) throw ContextError("the thread count must not be negative");
  if (options_.numerics == Numerics::LlamaCpp && model.backend().name() == "cpu" && options_.kv_type != KvCacheType::F32)
    throw ContextError("llama.cpp numerics need an F32 KV cache (got " + std::string(kv_cache_type_name(options_.kv_type)) + ")");

  // The KV cache and scratch live in host memory only on the CPU backend.
  if (options_.check_memory && model.backend().name() == "cpu") {
    const std::optional<uint64_t> available = options_.available_memory ? options_.available_memory : read_mem_available();
    const uint64_t need = memory_needed(hp, options_);
    if (available && need > *available)
      throw ContextError("a context of " + std::to_string(options_.n_slots) + " × " + std::to_string(options_.n_ctx) + " tokens with a " +
                         std::string(kv_cache_type_name(options_.kv_type)) + " KV cache needs " + format_bytes(need) +
                         " of memory but only " + format_bytes(*available) + " is available; lower num_ctx or the number of parallel requests");
  }

  try {
    kv_ = std::make_unique<KvCache>(model.backend(), kv_shape(hp, options_));
  } catch (const std::invalid_argument& e) {
    throw ContextError(e.what());
  }
  n_threads_ = options_.n_threads > 0 ? options_.n_threads : cpu::physical_core_count();
  stream_ = model.backend().create_stream({.n_threads = n_threads_, .numerics = options_.numerics});
}

Context::~Context() = default;

uint64_t Context::memory_needed(const ModelHParams& hp, const ContextOptions& options) {
  KvCacheShape shape = kv_shape(hp, options);
  shape.n_slots = std::max(shape.n_slots, 1);
  shape.n_ctx = std::max(shape.n_ctx, 1);
  const int64_t tokens = std::min<int64_t>(std::max(options.n_batch, 1), static_cast<int64_t>(shape.n_ctx) * shape.n_slots);
  return shape.bytes() + scratch_estimate(hp, static_cast<int>(tokens));
}

int Context::n_threads() const { return n_threads_; }

void Context::check_slot(int slot) const {
  if (slot < 0 || slot >= options_.n_slots)
    throw ContextError("slot " + std::to_string(slot) + " does not exist (the context has " + std::to_string(options_.n_slots) + ")");
}

void Context::validate(const Batch& batch) const {
  std::vector<int> next(static_cast<std::size_t>(options_.n_slots));
  for (int s = 0; s < options_.n_slots; ++s) next[static_cast<std::size_t>(s)] = kv_->length(s);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const BatchEntry& e = batch[i];
    const std::string where = "batch entry " + std::to_string(i) + ": ";
    if (e.slot < 0 || e.slot >= options_.n_slots)
      throw ContextError(where + "slot " + std::to_string(e.slot) + " does not exist (the context has " + std::to_string(options_.n_slots) + ")");
    if (e.token < 0 || e.token >= n_vocab())
      throw ContextError(where + "token id " + std::to_string(e.token) + " is outside the vocabulary (0.." + std::to_string(n_vocab() - 1) + ")");
    int& expected = next[static_cast<std::size_t>(e.slot)];
    if (e.position != expected)
      throw ContextError(where + "position " + std::to_string(e.position) + " for slot " + std::to_string(e.slot) + ", expected " +
                         std::to_string(expected) + " (positions must continue the slot's " + std::to_string(kv_->length(e.slot)) +
                         " cached tokens)");
    if (e.position >= options_.n_ctx)
      throw ContextFullError(where + "slot " + std::to_string(e.slot) + " is full (" + std::to_string(options_.n_ctx) +
                             " tokens); shift or truncate it first");
    ++expected;
  }
}

void Context::decode(const Batch& batch, DecodeOutput output) {
  validate(batch);
  std::size_t n_outputs = 0;
  for (const BatchEntry& e : batch.entries()) n_outputs += e.logits ? 1 : 0;
  const bool hidden = output == DecodeOutput::Embeddings;
  const std::size_t width = hidden ? static_cast<std::size_t>(n_embd()) : static_cast<std::size_t>(model_.n_vocab());
  n_outputs_ = 0;  // until every chunk has run, no output is valid
  output_kind_ = output;
  outputs_.resize(n_outputs * width);

  std::vector<int32_t> tokens, positions, slots, output_rows;
  std::size_t outputs_done = 0;
  for (std::size_t begin = 0; begin < batch.size(); begin += static_cast<std::size_t>(options_.n_batch)) {
    const std::size_t end = std::min(batch.size(), begin + static_cast<std::size_t>(options_.n_batch));
    tokens.clear(), positions.clear(), slots.clear(), output_rows.clear();
    for (std::size_t i = begin; i < end; ++i) {
      const BatchEntry& e = batch[i];
      tokens.push_back(e.token);
      positions.push_back(e.position);
      slots.push_back(e.slot);
      if (e.logits) output_rows.push_back(static_cast<int32_t>(i - begin));
    }
    ForwardBatch fb{tokens, positions, slots, output_rows};
    stream_->scratch_release(0);
    stream_->begin_batch(fb);
    Tensor result = model_.architecture().forward(*stream_, fb, *kv_, hidden ? ForwardOutput::Hidden : ForwardOutput::Logits);
    if (!output_rows.empty()) {
      stream_->to_host(result, std::span<float>(outputs_).subspan(outputs_done * width, output_rows.size() * width));
      outputs_done += output_rows.size();
    }
    stream_->synchronize();
    for (std::size_t i = begin; i < end; ++i) kv_->set_length(batch[i].slot, batch[i].position + 1);
  }
  n_outputs_ = n_outputs;
}

std::span<const float> Context::logits(std::size_t output) const {
  if (output_kind_ != DecodeOutput::Logits) throw ContextError("the last decode computed embeddings, not logits");
  if (output >= n_outputs_)
    throw ContextError("output " + std::to_string(output) + " was not computed (the last decode produced " + std::to_string(n_outputs_) + ")");
  const std::size_t n_vocab = static_cast<std::size_t>(model_.n_vocab());
  return std::span<const float>(outputs_).subspan(output * n_vocab, n_vocab);
}

std::span<const float> Context::embedding(std::size_t output) const {
  if (output_kind_ != DecodeOutput::Embeddings) throw ContextError("the last decode computed logits, not embeddings");
  if (output >= n_outputs_)
    throw ContextError("output " + std::to_string(output) + " was not computed (the last decode produced " + std::to_string(n_outputs_) + ")");
  const std::size_t width = static_cast<std::size_t>(n_embd());
  return std::span<const float>(outputs_).subspan(output * width, width);
}

std::vector<float> Context::embed(std::span<const int32_t> tokens, int slot) {
  check_slot(slot);
  const PoolingType pooling = model_.hparams().pooling;
  if (tokens.empty()) throw ContextError("cannot embed an empty input");
  if (pooling == PoolingType::Rank)
    throw ContextError("rank pooling (" + model_.hparams().arch + ".pooling_type = 4) needs a classifier head, which is not supported");
  if (static_cast<int64_t>(tokens.size()) > options_.n_ctx)
    throw ContextFullError("the input has " + std::to_string(tokens.size()) + " tokens but a slot holds " + std::to_string(options_.n_ctx));

  // Mean pooling needs every token's hidden state; cls the first; last and none the last.
  Batch batch;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const bool wanted = pooling == PoolingType::Mean || (pooling == PoolingType::Cls ? i == 0 : i + 1 == tokens.size());
    batch.add(tokens[i], static_cast<int32_t>(i), slot, wanted);
  }
  truncate_slot(slot, 0);
  std::vector<float> pooled(static_cast<std::size_t>(n_embd()), 0.0f);
  try {
    decode(batch, DecodeOutput::Embeddings);
  } catch (...) {
    kv_->set_length(slot, 0);
    throw;
  }
  truncate_slot(slot, 0);
  if (pooling == PoolingType::Mean) {
    // Summed in double so the average does not depend on the input's length or order.
    std::vector<double> sum(pooled.size(), 0.0);
    for (std::size_t o = 0; o < n_outputs_; ++o) {
      std::span<const float> row = embedding(o);
      for (std::size_t j = 0; j < sum.size(); ++j) sum[j] += row[j];
    }
    for (std::size_t j = 0; j < sum.size(); ++j) pooled[j] = static_cast<float>(sum[j] / static_cast<double>(n_outputs_));
  } else {
    std::span<const float> row = embedding(0);
    std::copy(row.begin(), row.end(), pooled.begin());
  }
  return pooled;
}

int Context::slot_length(int slot) const {
  check_slot(slot);
  return kv_->length(slot);
}

void Context::truncate_slot(int slot, int n_tokens) {
  check_slot(slot);
  if (n_tokens < 0 || n_tokens > kv_->length(slot))
    throw ContextError("cannot truncate slot " + std::to_string(slot) + " to " + std::to_string(n_tokens) + " tokens (it holds " +
                       std::to_string(kv_->length(slot)) + ")");
  kv_->set_length(slot, n_tokens);
}

void Context::copy_slot(int src, int dst, int n_tokens) {
  check_slot(src);
  check_slot(dst);
  if (n_tokens < 0 || n_tokens > kv_->length(src))
    throw ContextError("cannot copy " + std::to_string(n_tokens) + " tokens from slot " + std::to_string(src) + " (it holds " +
                       std::to_string(kv_->length(src)) + ")");
  if (src != dst)
    for (int il = 0; il < kv_->shape().n_layer; ++il) stream_->kv_copy(kv_->layer(il), src, 0, dst, 0, n_tokens);
  stream_->synchronize();
  kv_->set_length(dst, n_tokens);
}

void Context::shift_slot(int slot, int n_keep, int n_discard) {
  check_slot(slot);
  const int length = kv_->length(slot);
  if (n_keep < 0 || n_discard < 0 || n_keep + n_discard > length)
    throw ContextError("cannot shift slot " + std::to_string(slot) + ": keeping " + std::to_string(n_keep) + " and discarding " +
                       std::to_string(n_discard) + " of " + std::to_string(length) + " tokens");
  if (n_discard == 0) return;
  const int moved = length - n_keep - n_discard;
  const int n_head_kv = static_cast<int>(model_.hparams().n_head_kv);
  for (int il = 0; il < kv_->shape().n_layer; ++il) {
    stream_->kv_copy(kv_->layer(il), slot, n_keep + n_discard, slot, n_keep, moved);
    stream_->kv_rope_shift(kv_->layer(il), slot, n_keep, moved, -n_discard, model_.architecture().key_rope(), n_head_kv);
  }
  stream_->synchronize();
  kv_->set_length(slot, length - n_discard);
}

int Context::shift_discard_count(int n_ctx, int length, int n_keep) {
  const int target_free = std::max((n_ctx - n_keep) / 2, 1);
  const int current_free = n_ctx - length;
  const int discard = std::max(target_free - current_free, 0);
  return std::min(discard, std::max(length - n_keep, 0));
}

std::vector<float> Context::read_kv(int layer, bool value, int slot, int cell) const {
  check_slot(slot);
  if (layer < 0 || layer >= kv_->shape().n_layer) throw ContextError("layer " + std::to_string(layer) + " does not exist");
  const KvLayer& kv = kv_->layer(layer);
  std::vector<float> out(static_cast<std::size_t>(value ? kv.v.cols() : kv.k.cols()));
  stream_->kv_read_row(kv, value, slot, cell, out);
  return out;
}

}  // namespace hearth::engine
