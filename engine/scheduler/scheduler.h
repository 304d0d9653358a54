// engine/scheduler/scheduler.h — which model runs which request, when.
//
// The Scheduler owns the loaded models ("runners"). submit() hands it a Job; it loads the model
// on demand (evicting idle models, least recently used first, when OLLAMA_MAX_LOADED_MODELS or the
// memory budget would be exceeded), queues the job, and the model's runner serves it. Each runner
// has one engine thread that does continuous batching across requests: it admits waiting jobs
// into free slots (prefilling them in chunks), then runs one forward pass for every active slot
// together, samples each slot's next token and streams it out. A new request joins the running
// batch at the next step; it never waits for the others to finish.
//
// Keep-alive: after a model's last request it stays loaded for the job's keep_alive (the
// runner's current value if the job had none, OLLAMA_KEEP_ALIVE for a fresh load); 0 unloads at
// once, kKeepForever never. A model that could never fit in the memory budget is refused with a
// 507 while the other models keep serving; more than `max_queue` waiting jobs get a 503.
//
//   Scheduler sched(config, loader);
//   sched.submit(job);               // results arrive on job->sink, from scheduler threads
//   sched.loaded();                  // for /api/ps
//   sched.shutdown("server shutting down");  // every job gets a final on_error
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/scheduler/job.h"
#include "engine/scheduler/model_instance.h"

namespace hearth::sched {

struct SchedulerConfig {
  int num_parallel = 1;                  // slots per model
  int max_loaded_models = 3;
  int max_queue = 512;                   // jobs waiting for a slot or a load, over all models
  Nanos default_keep_alive = std::chrono::minutes(5);
  Nanos load_timeout = std::chrono::minutes(5);  // <= 0: no limit
};

struct LoadedModelInfo {
  ModelLabel label;
  std::string model_path;
  uint64_t size = 0;          // bytes (weights + KV + scratch; the estimate while loading)
  uint64_t size_vram = 0;
  int context_length = 0;     // per slot
  bool loading = false;
  int active = 0;             // jobs in slots
  Nanos keep_alive{0};
  Clock::time_point expires_at;  // meaningful when keep_alive != kKeepForever
};

class Scheduler {
 public:
  Scheduler(SchedulerConfig config, std::shared_ptr<ModelLoader> loader);
  ~Scheduler();  // shutdown() + join
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a job. Throws JobError(503) when the queue is full, JobError(503) after shutdown.
  // A Load job for a model that is already loaded completes before submit() returns.
  void submit(std::shared_ptr<Job> job);

  // Sets the model's keep-alive to 0: unloaded now if idle, else when its last job ends.
  // False when the model is not loaded.
  bool unload(const std::string& model_path);

  // Jobs waiting for a slot or a load (what OLLAMA_MAX_QUEUE bounds).
  std::size_t queued() const;

  // Loaded (and loading) models, most recently used first.
  std::vector<LoadedModelInfo> loaded() const;
  const SchedulerConfig& config() const;

  // Cancels every job (each gets on_error(503, reason)), unloads all models and joins the
  // threads. Idempotent.
  void shutdown(const std::string& reason = "server shutting down");

  struct Core;  // shared with the runners (engine/scheduler/runner.h)

 private:
  std::shared_ptr<Core> core_;
  std::mutex shutdown_mutex_;  // a second shutdown() waits for the first to finish
};

}  // namespace hearth::sched
