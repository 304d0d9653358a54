// CancelToken and LoadSpec: the small value types of the scheduler's interface.
#include "engine/scheduler/job.h"

namespace hearth::sched {

// ---- CancelToken ----------------------------------------------------------------------------

void CancelToken::cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lk(mutex_);
    if (cancelled_) return;
    cancelled_ = true;
    callbacks.swap(callbacks_);
  }
  for (auto& f : callbacks) f();
}

bool CancelToken::cancelled() const {
  std::lock_guard lk(mutex_);
  return cancelled_;
}

void CancelToken::on_cancel(std::function<void()> callback) {
  {
    std::lock_guard lk(mutex_);
    if (!cancelled_) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

// ---- LoadSpec ---------------------------------------------------------------------------------

bool LoadSpec::served_by(const LoadSpec& loaded) const {
  if (model_path != loaded.model_path || n_slots != loaded.n_slots) return false;
  if (num_ctx && *num_ctx != loaded.effective_num_ctx()) return false;
  if (num_batch && *num_batch != loaded.effective_num_batch()) return false;
  if (num_gpu && *num_gpu >= 0 && *num_gpu != loaded.num_gpu.value_or(-1)) return false;
  if (main_gpu && main_gpu != loaded.main_gpu) return false;
  if (use_mmap && use_mmap != loaded.use_mmap) return false;
  if (num_thread && *num_thread > 0 && num_thread != loaded.num_thread) return false;
  return true;
}

}  // namespace hearth::sched
