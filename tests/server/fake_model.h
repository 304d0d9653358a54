// tests/server/fake_model.h — a deterministic stand-in for the engine, for scheduler tests.
//
// Vocabulary: the 256 byte values, then BOS (256) and EOS (257). The "model" predicts, for every
// position, the byte after the last token (a greedy sampler thus counts upwards: "ab" → "cdef…"),
// and EOS once the slot's sequence reaches `eos_after` tokens. It validates every batch the way
// engine::Context does (positions must continue each slot), records the batches it saw, can be
// slowed down or paused, and counts loads and unloads — so scheduling properties (continuous
// batching, queueing, cancellation, keep-alive, eviction) can be checked exactly.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/scheduler/model_instance.h"

namespace hearth::test {

class ByteTokenizer final : public tok::Tokenizer {
 public:
  static constexpr int32_t kBos = 256;
  static constexpr int32_t kEos = 257;
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const override;
  std::string token_to_piece(int32_t id, bool special) const override;
  std::string decode(std::span<const int32_t> ids, bool remove_special, bool unparse_special) const override;
  int32_t n_vocab() const override { return 258; }
  const std::string& token_text(int32_t id) const override;
  tok::TokenType token_type(int32_t id) const override;
  int32_t bos_id() const override { return kBos; }
  int32_t eos_id() const override { return kEos; }
  bool add_bos() const override { return true; }
  bool add_eos() const override { return false; }
  bool is_eog(int32_t id) const override { return id == kEos; }
  bool is_control(int32_t id) const override { return id >= 256; }

 private:
  mutable std::mutex mutex_;
  mutable std::map<int32_t, std::string> texts_;
};

// Shared observation point between a test and the models its loader creates.
struct FakeModelProbe {
  std::mutex mutex;
  std::condition_variable changed;
  int loads = 0;
  int unloads = 0;
  std::vector<std::string> load_order;
  std::vector<std::vector<sched::BatchToken>> batches;  // every decode call
  std::vector<std::pair<int, int>> truncations;           // (slot, n_keep)
  int shifts = 0;
  std::atomic<int> decode_delay_ms{0};
  // While `paused`, decode() blocks (a test releases it to let generation proceed).
  bool paused = false;
  void pause();
  void resume();
  bool wait_for(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::size_t max_slots_in_one_batch();
};

struct FakeModelConfig {
  int n_ctx_train = 1 << 20;
  int max_batch = 512;
  int eos_after = 1 << 30;  // sequence length (prompt + generated) at which EOS becomes likely
  bool can_shift = true;
  bool can_embed = true;
};

class FakeModel final : public sched::ModelInstance {
 public:
  FakeModel(const sched::LoadSpec& spec, FakeModelConfig config, std::shared_ptr<FakeModelProbe> probe);
  ~FakeModel() override;

  const tok::Tokenizer& tokenizer() const override { return tokenizer_; }
  int32_t n_vocab() const override { return 258; }
  int n_slots() const override { return static_cast<int>(lengths_.size()); }
  int n_ctx() const override { return n_ctx_; }
  int n_ctx_train() const override { return config_.n_ctx_train; }
  int max_batch_tokens() const override { return config_.max_batch; }
  void decode(std::span<const sched::BatchToken> batch, std::vector<float>& logits) override;
  void clear_slot(int slot) override;
  bool truncate_slot(int slot, int n_keep) override;
  bool can_shift() const override { return config_.can_shift; }
  void shift_slot(int slot, int n_keep, int n_discard, int n_past) override;
  bool can_embed() const override { return config_.can_embed; }
  std::vector<float> embed(std::span<const int32_t> tokens, int slot) override;
  uint64_t memory_bytes() const override { return memory_; }
  uint64_t memory_ = 1000;

 private:
  ByteTokenizer tokenizer_;
  FakeModelConfig config_;
  std::shared_ptr<FakeModelProbe> probe_;
  std::string path_;
  int n_ctx_;
  std::vector<int> lengths_;
};

class FakeLoader final : public sched::ModelLoader {
 public:
  explicit FakeLoader(std::shared_ptr<FakeModelProbe> probe, uint64_t budget = 1 << 30)
      : probe_(std::move(probe)), budget_(budget) {}
  std::unique_ptr<sched::ModelInstance> load(const sched::LoadSpec& spec) override;
  uint64_t estimate_memory(const sched::LoadSpec& spec) override;
  uint64_t memory_budget() override { return budget_; }

  std::map<std::string, uint64_t> sizes;          // estimate per model path (default 1000)
  std::map<std::string, FakeModelConfig> configs;  // per model path
  std::set<std::string> failing;                   // paths whose load throws

 private:
  std::shared_ptr<FakeModelProbe> probe_;
  uint64_t budget_;
};

}  // namespace hearth::test
