#include "engine/scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>

#include "engine/scheduler/runner.h"

namespace hearth::sched {

namespace {

constexpr const char* kQueueFull = "server busy, please try again.  maximum pending requests exceeded";

std::string gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

// ---- Core -------------------------------------------------------------------------------------

std::size_t Scheduler::Core::queued_locked() const {
  std::size_t n = pending.size();
  for (const auto& r : runners) n += r->waiting.size();
  return n;
}

std::shared_ptr<Runner> Scheduler::Core::find_runner_locked(const std::string& path) const {
  for (const auto& r : runners)
    if (r->spec.model_path == path) return r;
  return nullptr;
}

uint64_t Scheduler::Core::memory_in_use_locked() const {
  uint64_t total = 0;
  for (const auto& r : runners) total += r->memory;
  return total;
}

void Scheduler::Core::schedule_pending_locked(Deferred& d) {
  while (!pending.empty() && !shutting_down) {
    std::shared_ptr<Job> job = pending.front();
    if (job->cancel->cancelled()) {
      d.push_back([job] { job->sink->on_error(499, "request canceled"); });
      pending.pop_front();
      continue;
    }
    if (auto r = find_runner_locked(job->model.model_path)) {
      if (r->state != Runner::State::Stopping && job->model.served_by(r->spec)) {
        r->enqueue_locked(job, d);
        pending.pop_front();
        continue;
      }
      // Loaded with other options (or on its way out): reload once it is idle.
      if (r->state != Runner::State::Stopping) {
        r->reload_wanted = true;
        if (r->idle_locked()) r->stop_locked();
      }
      return;
    }
    uint64_t need = 0;
    uint64_t budget = 0;
    try {
      need = loader->estimate_memory(job->model);
      budget = loader->memory_budget();
    } catch (const std::exception& e) {
      d.push_back([job, msg = std::string(e.what())] { job->sink->on_error(500, msg); });
      pending.pop_front();
      continue;
    }
    if (need > budget) {
      std::string msg = "model requires more memory (" + gib(need) + ") than is available (" + gib(budget) + ")";
      d.push_back([job, msg] { job->sink->on_error(507, msg); });
      pending.pop_front();
      continue;
    }
    bool under_cap = static_cast<int>(runners.size()) < std::max(config.max_loaded_models, 1);
    if (under_cap && memory_in_use_locked() + need <= budget) {
      auto r = std::make_shared<Runner>(*this, job->model, job->label, need);
      runners.push_back(r);
      r->start();
      r->enqueue_locked(job, d);
      pending.pop_front();
      continue;
    }
    // Make room: wait for a model already on its way out, else evict the least recently used
    // idle one. Busy models are never interrupted; the job waits for them to go idle.
    bool some_stopping = std::any_of(runners.begin(), runners.end(),
                                     [](const auto& r) { return r->state == Runner::State::Stopping; });
    if (!some_stopping) {
      std::shared_ptr<Runner> victim;
      for (const auto& r : runners) {
        if (r->state != Runner::State::Ready || !r->idle_locked()) continue;
        if (!victim || r->last_used < victim->last_used) victim = r;
      }
      if (victim) victim->stop_locked();
    }
    return;
  }
}

void Scheduler::Core::runner_exited(const std::shared_ptr<Runner>& runner) {
  std::lock_guard lk(mutex);
  runners.erase(std::remove(runners.begin(), runners.end(), runner), runners.end());
  exited.push_back(runner);
  housekeeping_wake.notify_all();
}

void Scheduler::Core::housekeeping_loop() {
  std::unique_lock lk(mutex);
  while (!shutting_down) {
    Deferred d;
    if (!exited.empty()) {
      auto done = std::move(exited);
      exited.clear();
      lk.unlock();
      for (auto& r : done) r->join();
      done.clear();
      lk.lock();
      continue;
    }
    schedule_pending_locked(d);
    Clock::time_point now = Clock::now();
    Clock::time_point next = Clock::time_point::max();
    for (const auto& r : runners) {
      if (r->state == Runner::State::Ready && r->idle_locked() && r->keep_alive != kKeepForever) {
        if (r->expires_at <= now) r->stop_locked();
        else next = std::min(next, r->expires_at);
      }
      if (r->state == Runner::State::Loading && config.load_timeout.count() > 0 && !r->waiting.empty()) {
        Clock::time_point deadline = r->load_started + std::chrono::duration_cast<Clock::duration>(config.load_timeout);
        if (deadline <= now) {
          for (auto& job : r->waiting)
            d.push_back([job] { job->sink->on_error(500, "timed out waiting for the model to load"); });
          r->waiting.clear();
        } else {
          next = std::min(next, deadline);
        }
      }
    }
    if (!d.empty()) {
      lk.unlock();
      run_deferred(d);
      lk.lock();
      continue;
    }
    if (next == Clock::time_point::max()) housekeeping_wake.wait(lk);
    else housekeeping_wake.wait_until(lk, next);
  }
}

// ---- Scheduler --------------------------------------------------------------------------------

Scheduler::Scheduler(SchedulerConfig config, std::shared_ptr<ModelLoader> loader) : core_(std::make_shared<Core>()) {
  core_->config = config;
  core_->loader = std::move(loader);
  core_->housekeeper = std::thread([core = core_.get()] { core->housekeeping_loop(); });
}

Scheduler::~Scheduler() { shutdown(); }

const SchedulerConfig& Scheduler::config() const { return core_->config; }

void Scheduler::submit(std::shared_ptr<Job> job) {
  if (!job || !job->sink) throw JobError(500, "invalid job");
  if (job->kind == JobKind::Generate && !job->prepare) throw JobError(500, "generation job without a prompt");
  // Registered before taking the lock: if the token is already cancelled the callback runs now.
  // A job still waiting (for a load or a slot) is dropped at once and answered 499; a running one
  // is stopped by its runner before the next forward pass.
  std::weak_ptr<Core> weak = core_;
  std::weak_ptr<Job> weak_job = job;
  job->cancel->on_cancel([weak, weak_job] {
    auto core = weak.lock();
    auto cancelled = weak_job.lock();
    if (!core || !cancelled) return;
    bool removed = false;
    {
      std::lock_guard lk(core->mutex);
      auto drop = [&](std::deque<std::shared_ptr<Job>>& q) {
        auto it = std::find(q.begin(), q.end(), cancelled);
        if (it == q.end()) return false;
        q.erase(it);
        return true;
      };
      removed = drop(core->pending);
      for (auto& r : core->runners) {
        if (!removed && drop(r->waiting)) {
          removed = true;
          r->touch_idle_locked();
        }
        r->wake.notify_all();
      }
      core->housekeeping_wake.notify_all();
    }
    if (removed) cancelled->sink->on_error(499, "request canceled");
  });
  Deferred d;
  {
    std::lock_guard lk(core_->mutex);
    if (core_->shutting_down) throw JobError(503, core_->shutdown_reason);
    if (static_cast<int>(core_->queued_locked()) >= core_->config.max_queue) throw JobError(503, kQueueFull);
    auto r = core_->find_runner_locked(job->model.model_path);
    bool others_waiting = std::any_of(core_->pending.begin(), core_->pending.end(), [&](const auto& p) {
      return p->model.model_path == job->model.model_path;
    });
    if (r && r->state != Runner::State::Stopping && job->model.served_by(r->spec) && !others_waiting) {
      r->enqueue_locked(job, d);
    } else {
      core_->pending.push_back(job);
      core_->schedule_pending_locked(d);
    }
  }
  run_deferred(d);
}

bool Scheduler::unload(const std::string& model_path) {
  std::lock_guard lk(core_->mutex);
  auto r = core_->find_runner_locked(model_path);
  if (!r) return false;
  r->keep_alive = Nanos(0);
  if (r->state == Runner::State::Ready && r->idle_locked()) r->stop_locked();
  return true;
}

std::size_t Scheduler::queued() const {
  std::lock_guard lk(core_->mutex);
  return core_->queued_locked();
}

std::vector<LoadedModelInfo> Scheduler::loaded() const {
  std::lock_guard lk(core_->mutex);
  std::vector<std::pair<uint64_t, LoadedModelInfo>> rows;
  Clock::time_point now = Clock::now();
  for (const auto& r : core_->runners) {
    if (r->state == Runner::State::Stopping) continue;
    LoadedModelInfo info;
    info.label = r->label;
    info.model_path = r->spec.model_path;
    info.size = r->memory;
    info.size_vram = r->memory_vram;
    info.context_length = r->n_ctx > 0 ? r->n_ctx : r->spec.effective_num_ctx();
    info.loading = r->state == Runner::State::Loading;
    info.active = r->active;
    info.keep_alive = r->keep_alive;
    bool idle = r->idle_locked() && r->state == Runner::State::Ready;
    if (r->keep_alive == kKeepForever) info.expires_at = Clock::time_point::max();
    else if (idle) info.expires_at = r->expires_at;
    else info.expires_at = now + std::chrono::duration_cast<Clock::duration>(r->keep_alive);
    rows.emplace_back(r->last_used, std::move(info));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<LoadedModelInfo> out;
  for (auto& [_, info] : rows) out.push_back(std::move(info));
  return out;
}

void Scheduler::shutdown(const std::string& reason) {
  std::lock_guard serial(shutdown_mutex_);
  Deferred d;
  {
    std::lock_guard lk(core_->mutex);
    if (!core_->shutting_down) {
      core_->shutting_down = true;
      core_->shutdown_reason = reason;
      for (auto& job : core_->pending) d.push_back([job, reason] { job->sink->on_error(503, reason); });
      core_->pending.clear();
      for (auto& r : core_->runners) {
        r->state = Runner::State::Stopping;
        r->wake.notify_all();
      }
      core_->housekeeping_wake.notify_all();
    }
  }
  run_deferred(d);
  if (core_->housekeeper.joinable()) core_->housekeeper.join();
  // Runners see shutting_down, fail their jobs, free their models and report back.
  std::unique_lock lk(core_->mutex);
  core_->housekeeping_wake.wait(lk, [&] { return core_->runners.empty(); });
  auto done = std::move(core_->exited);
  core_->exited.clear();
  lk.unlock();
  for (auto& r : done) r->join();
}

}  // namespace hearth::sched
