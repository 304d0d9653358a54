// engine/scheduler/runner.h — one loaded model and its engine thread (scheduler internals).
//
// A Runner loads its model on its own thread, then runs the continuous-batching loop until it is
// told to stop: admit waiting jobs into free slots, build one batch from every active slot (one
// token each for slots that are generating, chunks of prompt for slots that are prefilling, up to
// the model's batch size), decode, sample, stream. Shared bookkeeping (queues, slot occupancy,
// keep-alive) lives in Scheduler::Core under one mutex; the forward pass and sampling run
// without it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/scheduler/scheduler.h"

namespace hearth::sched {

class Runner;
class Sequence;

// Sink calls collected under the lock and made after it is released.
using Deferred = std::vector<std::function<void()>>;
void run_deferred(Deferred& d);

struct Scheduler::Core {
  SchedulerConfig config;
  std::shared_ptr<ModelLoader> loader;

  mutable std::mutex mutex;
  std::condition_variable housekeeping_wake;
  std::vector<std::shared_ptr<Runner>> runners;        // loading, ready or stopping
  std::deque<std::shared_ptr<Job>> pending;            // waiting for their model to be loaded
  std::vector<std::shared_ptr<Runner>> exited;         // threads to join
  bool shutting_down = false;
  std::string shutdown_reason;
  uint64_t use_clock = 0;                              // LRU stamps
  std::thread housekeeper;

  std::size_t queued_locked() const;                   // jobs not yet in a slot
  std::shared_ptr<Runner> find_runner_locked(const std::string& path) const;
  uint64_t memory_in_use_locked() const;
  // Moves pending jobs to runners, starting loads and evicting idle models as room allows.
  void schedule_pending_locked(Deferred& deferred);
  void housekeeping_loop();
  void runner_exited(const std::shared_ptr<Runner>& runner);  // called by the runner thread
};

class Runner : public std::enable_shared_from_this<Runner> {
 public:
  enum class State { Loading, Ready, Stopping };

  Runner(Scheduler::Core& core, LoadSpec spec, ModelLabel label, uint64_t estimate);
  ~Runner();
  void start();
  void join();

  // --- guarded by core.mutex ---
  State state = State::Loading;
  LoadSpec spec;                 // as requested at load
  ModelLabel label;
  uint64_t memory = 0;           // estimate until loaded, then the model's figure
  uint64_t memory_vram = 0;
  int n_ctx = 0;
  std::deque<std::shared_ptr<Job>> waiting;
  int active = 0;                // jobs taken from `waiting` and not finished
  Nanos keep_alive{0};
  Clock::time_point expires_at;  // when idle
  Clock::time_point load_started = Clock::now();
  uint64_t last_used = 0;
  bool reload_wanted = false;    // a queued job needs other load options
  std::condition_variable wake;

  bool idle_locked() const { return waiting.empty() && active == 0; }
  // Queues a job (Load jobs on a ready runner complete at once).
  void enqueue_locked(std::shared_ptr<Job> job, Deferred& deferred);
  // Called whenever the runner may have become idle: starts the keep-alive clock.
  void touch_idle_locked();
  void stop_locked();

 private:
  void thread_main();
  void serve(ModelInstance& model);
  // Puts a job into a free slot (prompt prepared and fitted, cached prefix reused). Returns
  // nullptr when the job now occupies the slot, else the notification to send once the slot is
  // released again (finished load/embedding jobs, prompt errors).
  std::function<void()> admit(ModelInstance& model, std::vector<std::unique_ptr<Sequence>>& slots,
                              std::vector<std::vector<int32_t>>& slot_cache, std::shared_ptr<Job> job);
  std::function<void()> run_embedding(ModelInstance& model, const std::shared_ptr<Job>& job, int slot);
  void release_locked(Deferred& deferred);

  Scheduler::Core& core_;
  Clock::time_point ready_at_;
  std::thread thread_;
};

}  // namespace hearth::sched
