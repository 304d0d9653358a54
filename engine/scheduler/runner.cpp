#include "engine/scheduler/runner.h"

#include <algorithm>

#include "engine/scheduler/sequence.h"

namespace hearth::sched {

namespace {

constexpr const char* kCanceled = "request canceled";

std::size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

Clock::time_point saturating_add(Clock::time_point t, Nanos d) {
  if (d == kKeepForever || d > Clock::time_point::max() - t) return Clock::time_point::max();
  return t + std::chrono::duration_cast<Clock::duration>(d);
}

}  // namespace

void run_deferred(Deferred& d) {
  for (auto& f : d) f();
  d.clear();
}

Runner::Runner(Scheduler::Core& core, LoadSpec spec_in, ModelLabel label_in, uint64_t estimate)
    : spec(std::move(spec_in)), label(std::move(label_in)), memory(estimate), core_(core) {
  keep_alive = core.config.default_keep_alive;
  last_used = ++core.use_clock;
}

Runner::~Runner() {
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
    else thread_.join();
  }
}

void Runner::start() {
  thread_ = std::thread([self = shared_from_this()] { self->thread_main(); });
}

void Runner::join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Runner::enqueue_locked(std::shared_ptr<Job> job, Deferred& deferred) {
  last_used = ++core_.use_clock;
  if (job->keep_alive) keep_alive = *job->keep_alive;
  if (job->kind == JobKind::Load && state == State::Ready) {
    Completion c;
    c.reason = DoneReason::Load;
    c.ready = Clock::now();
    deferred.push_back([job, c] { job->sink->on_done(c); });
    touch_idle_locked();
    return;
  }
  waiting.push_back(std::move(job));
  wake.notify_all();
}

void Runner::touch_idle_locked() {
  if (!idle_locked() || state != State::Ready) return;
  if (keep_alive.count() <= 0) {
    stop_locked();
    return;
  }
  expires_at = saturating_add(Clock::now(), keep_alive);
  core_.housekeeping_wake.notify_all();
}

void Runner::stop_locked() {
  state = State::Stopping;
  wake.notify_all();
  core_.housekeeping_wake.notify_all();
}

void Runner::release_locked(Deferred& deferred) {
  (void)deferred;
  --active;
  last_used = ++core_.use_clock;
  touch_idle_locked();
  if (idle_locked()) core_.housekeeping_wake.notify_all();
}

void Runner::thread_main() {
  std::unique_ptr<ModelInstance> model;
  std::string error;
  try {
    model = core_.loader->load(spec);
  } catch (const std::exception& e) {
    error = e.what();
  }
  Deferred d;
  {
    std::lock_guard lk(core_.mutex);
    if (!model) {
      for (auto& job : waiting)
        d.push_back([job, error] { job->sink->on_error(500, error); });
      waiting.clear();
      state = State::Stopping;
    } else {
      ready_at_ = Clock::now();
      memory = model->memory_bytes();
      memory_vram = model->gpu_memory_bytes();
      n_ctx = model->n_ctx();
      if (state == State::Loading) state = State::Ready;
      // Load-only jobs are done as soon as the model is.
      for (auto it = waiting.begin(); it != waiting.end();) {
        if ((*it)->kind != JobKind::Load) {
          ++it;
          continue;
        }
        Completion c;
        c.reason = DoneReason::Load;
        c.ready = ready_at_;
        d.push_back([job = *it, c] { job->sink->on_done(c); });
        it = waiting.erase(it);
      }
      touch_idle_locked();
    }
  }
  run_deferred(d);
  if (model) serve(*model);
  model.reset();  // frees weights and KV before the scheduler counts the memory as free
  core_.runner_exited(shared_from_this());
}

std::function<void()> Runner::admit(ModelInstance& model, std::vector<std::unique_ptr<Sequence>>& slots,
                                    std::vector<std::vector<int32_t>>& slot_cache, std::shared_ptr<Job> job) {
  auto free_it = std::find(slots.begin(), slots.end(), nullptr);
  int slot = static_cast<int>(free_it - slots.begin());
  if (job->kind == JobKind::Load) {
    Completion c;
    c.reason = DoneReason::Load;
    c.ready = ready_at_;
    return [job, c] { job->sink->on_done(c); };
  }
  if (job->kind == JobKind::Embed) {
    slot_cache[static_cast<std::size_t>(slot)].clear();
    return run_embedding(model, job, slot);
  }
  std::vector<int32_t> tokens;
  try {
    PromptContext ctx{model.tokenizer(), model.n_ctx(), model.n_ctx_train()};
    tokens = job->prepare(ctx);
    if (tokens.empty()) {
      int32_t bos = model.tokenizer().bos_id();
      if (bos < 0) throw JobError(400, "the prompt is empty after tokenization");
      tokens.push_back(bos);
    }
    tokens = fit_prompt(std::move(tokens), model.n_ctx(), job->params.num_keep, job->params.truncate, job->params.shift);
  } catch (const JobError& e) {
    return [job, status = e.status(), msg = std::string(e.what())] { job->sink->on_error(status, msg); };
  } catch (const std::exception& e) {
    return [job, msg = std::string(e.what())] { job->sink->on_error(500, msg); };
  }
  // Prefer the free slot whose cached tokens share the longest prefix with this prompt.
  std::size_t best_len = 0;
  for (std::size_t s = 0; s < slots.size(); ++s) {
    if (slots[s]) continue;
    std::size_t len = common_prefix(slot_cache[s], tokens);
    if (len > best_len) {
      best_len = len;
      slot = static_cast<int>(s);
    }
  }
  auto seq = std::make_unique<Sequence>(job, model, std::move(tokens), ready_at_);
  std::size_t reuse = std::min(best_len, seq->prompt().size() - 1);  // evaluate ≥ 1 token for logits
  if (reuse > 0 && model.truncate_slot(slot, static_cast<int>(reuse))) {
    seq->skip_cached_prefix(reuse);
  } else {
    model.clear_slot(slot);
  }
  slot_cache[static_cast<std::size_t>(slot)].clear();
  slots[static_cast<std::size_t>(slot)] = std::move(seq);
  return nullptr;
}

std::function<void()> Runner::run_embedding(ModelInstance& model, const std::shared_ptr<Job>& job, int slot) {
  try {
    if (!model.can_embed()) throw JobError(501, "this model does not support embeddings");
    const tok::Tokenizer& tk = model.tokenizer();
    int specials = (tk.add_bos() ? 1 : 0) + (tk.add_eos() ? 1 : 0);
    int limit = std::min(model.n_ctx(), model.n_ctx_train() > 0 ? model.n_ctx_train() : model.n_ctx()) - specials;
    EmbedResult result;
    result.ready = ready_at_;
    for (const std::string& input : job->inputs) {
      if (job->cancel->cancelled()) throw JobError(499, kCanceled);
      std::vector<int32_t> tokens = tk.encode(input, false, false);
      if (static_cast<int>(tokens.size()) > limit) {
        if (!job->truncate) throw JobError(400, "the input length exceeds the context length");
        tokens.resize(static_cast<std::size_t>(std::max(limit, 0)));
      }
      if (tk.add_bos() && tk.bos_id() >= 0) tokens.insert(tokens.begin(), tk.bos_id());
      if (tk.add_eos() && tk.eos_id() >= 0) tokens.push_back(tk.eos_id());
      if (tokens.empty()) throw JobError(400, "cannot embed an empty input with this model");
      result.prompt_eval_count += static_cast<int>(tokens.size());
      result.embeddings.push_back(model.embed(tokens, slot));
    }
    return [job, result = std::move(result)] { job->sink->on_embeddings(result); };
  } catch (const JobError& e) {
    return [job, status = e.status(), msg = std::string(e.what())] { job->sink->on_error(status, msg); };
  } catch (const std::exception& e) {
    return [job, msg = std::string(e.what())] { job->sink->on_error(500, msg); };
  }
}

void Runner::serve(ModelInstance& model) {
  const std::size_t n_slots = static_cast<std::size_t>(model.n_slots());
  std::vector<std::unique_ptr<Sequence>> slots(n_slots);
  std::vector<std::vector<int32_t>> slot_cache(n_slots);
  std::vector<BatchToken> batch;
  std::vector<float> logits;
  struct Fed {
    std::size_t slot;
    std::size_t prompt_tokens;  // 0: the pending generated token
    bool wants_logits;
  };
  std::vector<Fed> fed;
  std::size_t prefill_turn = 0;  // rotates which prefilling slot goes first

  // Frees a slot, then tells the client. Bookkeeping first, so that by the time a client hears
  // "done" the model already counts as idle (keep-alive, LRU order and eviction see it).
  auto release = [&](std::size_t s, std::function<void(Sequence&)> notify) {
    std::unique_ptr<Sequence> seq = std::move(slots[s]);
    slot_cache[s] = seq ? seq->cached_tokens() : std::vector<int32_t>{};
    {
      Deferred d;
      std::lock_guard lk(core_.mutex);
      release_locked(d);
    }
    if (seq && notify) notify(*seq);
  };
  auto finish_with = [](DoneReason reason) { return [reason](Sequence& q) { q.finish(reason); }; };
  auto fail_with = [](int status, std::string message) {
    return [status, message = std::move(message)](Sequence& q) { q.fail(status, message); };
  };

  for (;;) {
    std::vector<std::shared_ptr<Job>> admitted;
    Deferred deferred;
    bool exit_now = false;
    std::string shutdown_reason;
    {
      std::unique_lock lk(core_.mutex);
      for (;;) {
        for (auto it = waiting.begin(); it != waiting.end();) {
          if ((*it)->cancel->cancelled()) {
            deferred.push_back([job = *it] { job->sink->on_error(499, kCanceled); });
            it = waiting.erase(it);
          } else {
            ++it;
          }
        }
        bool any_active = std::any_of(slots.begin(), slots.end(), [](const auto& s) { return s != nullptr; });
        if (core_.shutting_down) {
          for (auto& job : waiting)
            deferred.push_back([job, r = core_.shutdown_reason] { job->sink->on_error(503, r); });
          waiting.clear();
          shutdown_reason = core_.shutdown_reason;
          exit_now = true;
          break;
        }
        if (state == State::Stopping && !any_active && waiting.empty()) {
          exit_now = true;
          break;
        }
        std::size_t free_slots = static_cast<std::size_t>(std::count(slots.begin(), slots.end(), nullptr));
        while (free_slots > 0 && !waiting.empty()) {
          admitted.push_back(std::move(waiting.front()));
          waiting.pop_front();
          ++active;
          --free_slots;
        }
        if (!admitted.empty() || any_active || !deferred.empty()) break;
        wake.wait(lk);
      }
    }
    run_deferred(deferred);
    if (exit_now) {
      for (std::size_t s = 0; s < n_slots; ++s) {
        if (!slots[s]) continue;
        release(s, shutdown_reason.empty() ? std::function<void(Sequence&)>() : fail_with(503, shutdown_reason));
      }
      return;
    }

    for (auto& job : admitted) {
      std::function<void()> notify;
      if (job->cancel->cancelled()) notify = [job] { job->sink->on_error(499, kCanceled); };
      else notify = admit(model, slots, slot_cache, job);
      if (!notify) continue;  // the job now occupies a slot
      {
        std::lock_guard lk(core_.mutex);
        release_locked(deferred);
      }
      notify();
    }
    run_deferred(deferred);

    // A client that went away frees its slot before the next forward pass.
    for (std::size_t s = 0; s < n_slots; ++s) {
      if (slots[s] && slots[s]->job().cancel->cancelled()) release(s, fail_with(499, kCanceled));
    }

    // Build one batch: generating slots first (one token each), then prompt chunks.
    batch.clear();
    fed.clear();
    int budget = std::max(model.max_batch_tokens(), 1);
    for (std::size_t s = 0; s < n_slots && budget > 0; ++s) {
      Sequence* seq = slots[s].get();
      if (seq == nullptr || seq->prefilling()) continue;
      if (seq->n_past() >= model.n_ctx()) {
        int keep = seq->keep_on_shift();
        int discard = (seq->n_past() - keep) / 2;
        if (seq->job().params.shift && model.can_shift() && discard > 0) {
          model.shift_slot(static_cast<int>(s), keep, discard, seq->n_past());
          seq->shifted(discard);
        } else {
          release(s, finish_with(DoneReason::Length));
          continue;
        }
      }
      batch.push_back({seq->pending_token(), seq->n_past(), static_cast<int32_t>(s), true});
      fed.push_back({s, 0, true});
      --budget;
    }
    for (std::size_t k = 0; k < n_slots && budget > 0; ++k) {
      std::size_t s = (prefill_turn + k) % n_slots;
      Sequence* seq = slots[s].get();
      if (seq == nullptr || !seq->prefilling()) continue;
      std::size_t remaining = seq->prompt().size() - seq->prompt_fed();
      std::size_t n = std::min(remaining, static_cast<std::size_t>(budget));
      bool completes = n == remaining;
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t idx = seq->prompt_fed() + i;
        batch.push_back({seq->prompt()[idx], seq->n_past() + static_cast<int32_t>(i), static_cast<int32_t>(s),
                         completes && i + 1 == n});
      }
      fed.push_back({s, n, completes});
      budget -= static_cast<int>(n);
    }
    prefill_turn = (prefill_turn + 1) % std::max<std::size_t>(n_slots, 1);
    if (batch.empty()) continue;

    logits.clear();
    try {
      model.decode(batch, logits);
    } catch (const std::exception& e) {
      for (const Fed& f : fed) {
        if (!slots[f.slot]) continue;
        model.clear_slot(static_cast<int>(f.slot));
        release(f.slot, fail_with(500, std::string("inference failed: ") + e.what()));
        slot_cache[f.slot].clear();
      }
      continue;
    }

    const std::size_t n_vocab = static_cast<std::size_t>(model.n_vocab());
    std::size_t row = 0;
    for (const Fed& f : fed) {
      Sequence* seq = slots[f.slot].get();
      if (f.prompt_tokens > 0) seq->mark_fed(f.prompt_tokens);
      else seq->mark_decoded();
      if (!f.wants_logits) continue;
      std::span<const float> r(logits.data() + row * n_vocab, n_vocab);
      ++row;
      std::optional<DoneReason> done;
      try {
        done = seq->on_logits(r);
      } catch (const std::exception& e) {
        model.clear_slot(static_cast<int>(f.slot));
        release(f.slot, fail_with(500, std::string("sampling failed: ") + e.what()));
        slot_cache[f.slot].clear();
        continue;
      }
      if (done) release(f.slot, finish_with(*done));
    }
    run_deferred(deferred);
  }
}

}  // namespace hearth::sched
