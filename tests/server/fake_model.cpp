#include "fake_model.h"

#include <stdexcept>
#include <thread>

namespace hearth::test {

std::vector<int32_t> ByteTokenizer::encode(std::string_view text, bool add_special, bool) const {
  std::vector<int32_t> out;
  if (add_special) out.push_back(kBos);
  for (unsigned char c : text) out.push_back(c);
  return out;
}

std::string ByteTokenizer::token_to_piece(int32_t id, bool special) const {
  if (id < 0 || id > kEos) throw tok::TokenizerError("token id out of range");
  if (id >= 256) return special ? (id == kBos ? "<s>" : "</s>") : "";
  return std::string(1, static_cast<char>(id));
}

std::string ByteTokenizer::decode(std::span<const int32_t> ids, bool remove_special, bool unparse_special) const {
  std::string out;
  for (int32_t id : ids) {
    if (id >= 256 && remove_special) continue;
    out += token_to_piece(id, unparse_special);
  }
  return out;
}

const std::string& ByteTokenizer::token_text(int32_t id) const {
  std::lock_guard lk(mutex_);
  auto [it, _] = texts_.emplace(id, token_to_piece(id, true));
  return it->second;
}

tok::TokenType ByteTokenizer::token_type(int32_t id) const {
  return id >= 256 ? tok::TokenType::Control : tok::TokenType::Byte;
}

void FakeModelProbe::pause() {
  std::lock_guard lk(mutex);
  paused = true;
}

void FakeModelProbe::resume() {
  std::lock_guard lk(mutex);
  paused = false;
  changed.notify_all();
}

bool FakeModelProbe::wait_for(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  std::unique_lock lk(mutex);
  return changed.wait_for(lk, timeout, predicate);
}

std::size_t FakeModelProbe::max_slots_in_one_batch() {
  std::lock_guard lk(mutex);
  std::size_t best = 0;
  for (const auto& b : batches) {
    std::set<int32_t> slots;
    for (const auto& t : b) slots.insert(t.slot);
    best = std::max(best, slots.size());
  }
  return best;
}

FakeModel::FakeModel(const sched::LoadSpec& spec, FakeModelConfig config, std::shared_ptr<FakeModelProbe> probe)
    : config_(config), probe_(std::move(probe)), path_(spec.model_path) {
  n_ctx_ = std::min(spec.effective_num_ctx(), config_.n_ctx_train);
  lengths_.assign(static_cast<std::size_t>(std::max(spec.n_slots, 1)), 0);
  std::lock_guard lk(probe_->mutex);
  probe_->loads++;
  probe_->load_order.push_back(path_);
  probe_->changed.notify_all();
}

FakeModel::~FakeModel() {
  std::lock_guard lk(probe_->mutex);
  probe_->unloads++;
  probe_->changed.notify_all();
}

void FakeModel::decode(std::span<const sched::BatchToken> batch, std::vector<float>& logits) {
  {
    std::unique_lock lk(probe_->mutex);
    probe_->changed.wait(lk, [&] { return !probe_->paused; });
    probe_->batches.emplace_back(batch.begin(), batch.end());
    probe_->changed.notify_all();
  }
  if (int ms = probe_->decode_delay_ms.load(); ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  if (static_cast<int>(batch.size()) > config_.max_batch) throw std::runtime_error("batch larger than max_batch");
  // Validate like engine::Context: positions continue each slot, in order, within n_ctx.
  std::vector<int> next = lengths_;
  for (const auto& t : batch) {
    if (t.slot < 0 || t.slot >= n_slots()) throw std::runtime_error("slot out of range");
    int& n = next[static_cast<std::size_t>(t.slot)];
    if (t.pos != n) throw std::runtime_error("position " + std::to_string(t.pos) + " does not continue slot " +
                                             std::to_string(t.slot) + " (length " + std::to_string(n) + ")");
    if (n >= n_ctx_) throw std::runtime_error("slot full");
    ++n;
  }
  lengths_ = next;
  for (const auto& t : batch) {
    if (!t.want_logits) continue;
    std::vector<float> row(258, 0.0f);
    int length = lengths_[static_cast<std::size_t>(t.slot)];
    int32_t predicted = t.token >= 256 ? 'a' : (t.token + 1) % 256;
    if (length >= config_.eos_after) predicted = ByteTokenizer::kEos;
    row[static_cast<std::size_t>(predicted)] = 10.0f;
    logits.insert(logits.end(), row.begin(), row.end());
  }
}

void FakeModel::clear_slot(int slot) { lengths_.at(static_cast<std::size_t>(slot)) = 0; }

bool FakeModel::truncate_slot(int slot, int n_keep) {
  int& n = lengths_.at(static_cast<std::size_t>(slot));
  if (n_keep > n) return false;
  n = n_keep;
  std::lock_guard lk(probe_->mutex);
  probe_->truncations.emplace_back(slot, n_keep);
  return true;
}

void FakeModel::shift_slot(int slot, int n_keep, int n_discard, int) {
  int& n = lengths_.at(static_cast<std::size_t>(slot));
  if (n_keep + n_discard > n) throw std::runtime_error("shift beyond the slot");
  n -= n_discard;
  std::lock_guard lk(probe_->mutex);
  probe_->shifts++;
}

std::vector<float> FakeModel::embed(std::span<const int32_t> tokens, int slot) {
  clear_slot(slot);
  // Sum of one-hot vectors: easy to check by hand.
  std::vector<float> v(4, 0.0f);
  for (int32_t t : tokens) v[static_cast<std::size_t>(t % 4)] += 1.0f;
  return v;
}

std::unique_ptr<sched::ModelInstance> FakeLoader::load(const sched::LoadSpec& spec) {
  if (failing.count(spec.model_path)) throw sched::LoadError("cannot load " + spec.model_path + ": broken file");
  FakeModelConfig cfg;
  if (auto it = configs.find(spec.model_path); it != configs.end()) cfg = it->second;
  auto model = std::make_unique<FakeModel>(spec, cfg, probe_);
  model->memory_ = estimate_memory(spec);
  return model;
}

uint64_t FakeLoader::estimate_memory(const sched::LoadSpec& spec) {
  auto it = sizes.find(spec.model_path);
  return it == sizes.end() ? 1000 : it->second;
}

}  // namespace hearth::test
