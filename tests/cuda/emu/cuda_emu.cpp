// The fiber scheduler behind cuda_emu.h. One block at a time: its threads are ucontext fibers
// run round-robin; a fiber runs until it reaches a barrier or finishes. A barrier is released by
// the last thread that reaches it, which marks the waiting threads runnable.
#include "cuda_emu.h"

#include <ucontext.h>

#include <memory>
#include <sstream>
#include <vector>

namespace hearth::emu {
namespace {

constexpr std::size_t kStackBytes = 256 * 1024;

enum class Wait { None, Block, Warp };

struct Fiber {
  ucontext_t ctx{};
  ThreadContext tc;
  int tid = 0;
  bool done = false;
  bool runnable = true;
  Wait wait = Wait::None;
  // Warp collective in progress.
  unsigned mask = 0;
  int kind = 0;  // 1 syncwarp, 2 exchange, 3 ballot
  uint64_t value = 0;
  int src = 0;
  uint64_t result = 0;
};

struct WarpState {
  unsigned arrived = 0;  // lanes waiting in the pending collective
  unsigned mask = 0;     // its mask
  int kind = 0;
};

struct Scheduler {
  ucontext_t main{};
  std::vector<std::unique_ptr<char[]>> stacks;
  std::vector<Fiber> fibers;
  std::vector<WarpState> warps;
  Fiber* running = nullptr;
  const std::function<void()>* body = nullptr;
  std::vector<unsigned char> smem;
  int live = 0;
  int at_block_barrier = 0;
  std::string error;  // set by a fiber; the scheduler throws it
  uint64_t switches = 0;
  bool active = false;
};

Scheduler& sched() {
  static Scheduler s;
  return s;
}

void yield_to_scheduler() {
  Scheduler& s = sched();
  ++s.switches;
  swapcontext(&s.running->ctx, &s.main);
}

// Reports an error from inside a fiber and never returns to the kernel code.
[[noreturn]] void fail(const std::string& what) {
  Scheduler& s = sched();
  if (s.error.empty()) {
    std::ostringstream os;
    const ThreadContext& c = s.running->tc;
    os << what << " (block " << c.block_idx.x << "," << c.block_idx.y << "," << c.block_idx.z << " thread " << s.running->tid << ")";
    s.error = os.str();
  }
  for (;;) {
    s.running->runnable = false;
    yield_to_scheduler();
  }
}

void release_block_barrier() {
  Scheduler& s = sched();
  for (Fiber& f : s.fibers)
    if (!f.done && f.wait == Wait::Block) f.wait = Wait::None, f.runnable = true;
  s.at_block_barrier = 0;
}

// Completes the pending collective of warp w when every lane of its mask has arrived.
void try_release_warp(int w) {
  Scheduler& s = sched();
  WarpState& ws = s.warps[static_cast<std::size_t>(w)];
  if (ws.arrived == 0 || ws.arrived != ws.mask) return;
  unsigned ballot = 0;
  for (int lane = 0; lane < 32; ++lane)
    if (ws.mask >> lane & 1u) {
      const Fiber& f = s.fibers[static_cast<std::size_t>(32 * w + lane)];
      if (f.kind == 3 && f.value) ballot |= 1u << lane;
    }
  for (int lane = 0; lane < 32; ++lane) {
    if (!(ws.mask >> lane & 1u)) continue;
    Fiber& f = s.fibers[static_cast<std::size_t>(32 * w + lane)];
    if (f.kind == 2) {
      const bool in_mask = f.src >= 0 && f.src < 32 && (ws.mask >> f.src & 1u);
      f.result = in_mask ? s.fibers[static_cast<std::size_t>(32 * w + f.src)].value : f.value;
    } else if (f.kind == 3) {
      f.result = ballot;
    }
    f.wait = Wait::None;
    f.runnable = true;
  }
  ws = WarpState{};
}

void warp_collective(unsigned mask, int kind) {
  Scheduler& s = sched();
  Fiber& me = *s.running;
  const int lane = me.tid % 32, w = me.tid / 32;
  if (!(mask >> lane & 1u)) fail("warp collective whose mask does not include the calling lane");
  for (int l = 0; l < 32; ++l) {
    if (!(mask >> l & 1u)) continue;
    const std::size_t t = static_cast<std::size_t>(32 * w + l);
    if (t >= s.fibers.size() || s.fibers[t].done) fail("warp collective names lane " + std::to_string(l) + ", which does not exist or has exited");
  }
  WarpState& ws = s.warps[static_cast<std::size_t>(w)];
  if (ws.arrived != 0 && (ws.mask != mask || ws.kind != kind)) fail("divergent warp collectives (different masks or kinds)");
  ws.mask = mask;
  ws.kind = kind;
  ws.arrived |= 1u << lane;
  me.mask = mask;
  me.kind = kind;
  me.wait = Wait::Warp;
  me.runnable = false;
  try_release_warp(w);
  if (!me.runnable) yield_to_scheduler();
}

void trampoline() {
  Scheduler& s = sched();
  try {
    (*s.body)();
  } catch (const std::exception& e) {
    if (s.error.empty()) s.error = std::string("exception in kernel code: ") + e.what();
  }
  Fiber& me = *s.running;
  me.done = true;
  me.runnable = false;
  --s.live;
  // A thread that exits no longer holds up __syncthreads; a warp collective naming it is an error
  // (reported when the other lanes check their masks, or as a deadlock).
  if (s.at_block_barrier > 0 && s.at_block_barrier == s.live) release_block_barrier();
  const int w = me.tid / 32;
  if (s.warps[static_cast<std::size_t>(w)].mask >> (me.tid % 32) & 1u) {
    s.error = "a lane exited while the other lanes of its warp wait in a collective that names it";
  }
  // Returning resumes the scheduler through uc_link.
}

}  // namespace

ThreadContext& current() {
  Scheduler& s = sched();
  if (!s.running) throw EmulationError("CUDA emulation: threadIdx/blockIdx used outside a kernel");
  return s.running->tc;
}

void syncthreads() {
  Scheduler& s = sched();
  Fiber& me = *s.running;
  me.wait = Wait::Block;
  me.runnable = false;
  ++s.at_block_barrier;
  if (s.at_block_barrier == s.live) release_block_barrier();
  if (!me.runnable) yield_to_scheduler();
}

void syncwarp(unsigned mask) { warp_collective(mask, 1); }

uint64_t exchange(unsigned mask, uint64_t value, int src_lane) {
  Fiber& me = *sched().running;
  me.value = value;
  me.src = src_lane;
  warp_collective(mask, 2);
  return me.result;
}

unsigned ballot(unsigned mask, bool predicate) {
  Fiber& me = *sched().running;
  me.value = predicate ? 1 : 0;
  warp_collective(mask, 3);
  return static_cast<unsigned>(me.result);
}

void* dynamic_smem() { return sched().smem.data(); }

uint64_t switches() { return sched().switches; }

void run_kernel(dim3 grid, dim3 block, std::size_t smem_bytes, const std::function<void()>& body) {
  Scheduler& s = sched();
  if (s.active) throw EmulationError("CUDA emulation: a kernel launched another kernel");
  const std::size_t n = static_cast<std::size_t>(block.x) * block.y * block.z;
  if (n == 0 || n > 1024) throw EmulationError("CUDA emulation: block of " + std::to_string(n) + " threads");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) throw EmulationError("CUDA emulation: empty grid");
  if (smem_bytes > 227 * 1024) throw EmulationError("CUDA emulation: more dynamic shared memory than an SM has");
  while (s.stacks.size() < n) s.stacks.emplace_back(new char[kStackBytes]);
  s.active = true;
  s.body = &body;
  s.smem.assign(smem_bytes, 0xFF);
  struct Reset {
    ~Reset() {
      sched().active = false;
      sched().running = nullptr;
    }
  } reset;
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        std::fill(s.smem.begin(), s.smem.end(), static_cast<unsigned char>(0xFF));
        s.fibers.assign(n, Fiber{});
        s.warps.assign((n + 31) / 32, WarpState{});
        s.live = static_cast<int>(n);
        s.at_block_barrier = 0;
        s.error.clear();
        for (std::size_t t = 0; t < n; ++t) {
          Fiber& f = s.fibers[t];
          f.tid = static_cast<int>(t);
          f.tc.block_idx = uint3{bx, by, bz};
          f.tc.grid_dim = grid;
          f.tc.block_dim = block;
          f.tc.thread_idx = uint3{static_cast<unsigned>(t % block.x), static_cast<unsigned>(t / block.x % block.y),
                                  static_cast<unsigned>(t / (static_cast<std::size_t>(block.x) * block.y))};
          getcontext(&f.ctx);
          f.ctx.uc_stack.ss_sp = s.stacks[t].get();
          f.ctx.uc_stack.ss_size = kStackBytes;
          f.ctx.uc_link = &s.main;
          makecontext(&f.ctx, trampoline, 0);
        }
        while (s.live > 0) {
          bool ran = false;
          for (Fiber& f : s.fibers) {
            if (f.done || !f.runnable) continue;
            s.running = &f;
            ++s.switches;
            swapcontext(&s.main, &f.ctx);
            s.running = nullptr;
            ran = true;
            if (!s.error.empty()) throw EmulationError("CUDA emulation: " + s.error);
          }
          if (!ran) {
            std::ostringstream os;
            os << "CUDA emulation: deadlock in block (" << bx << "," << by << "," << bz << "): " << s.live << " live threads, "
               << s.at_block_barrier << " at __syncthreads";
            for (std::size_t w = 0; w < s.warps.size(); ++w)
              if (s.warps[w].arrived) os << "; warp " << w << " collective waits with lanes 0x" << std::hex << s.warps[w].arrived << " of mask 0x"
                                         << s.warps[w].mask << std::dec;
            throw EmulationError(os.str());
          }
        }
      }
}

}  // namespace hearth::emu
