// hearth_bench_cuda --model FILE: llama-bench's pp/tg on the CUDA backend through the engine
// (Model + Context, as `hearth bench` runs them), with the weight traffic of generation as a
// percentage of the copy bandwidth measured in the same process.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "bench/cuda/bench_cuda.h"
#include "engine/context.h"
#include "engine/model_memory.h"

namespace hearth::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes of weights one generated token reads: every tensor once, except that only one row of
// token_embd is read when the model has a separate output matrix (as `hearth bench` counts).
uint64_t weight_bytes_per_token(const engine::Model& model) {
  uint64_t bytes = model.weight_bytes();
  const gguf::TensorInfo* embd = model.file().find_tensor("token_embd.weight");
  if (embd && model.file().find_tensor("output.weight")) bytes -= embd->nbytes - embd->row_bytes();
  return bytes;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

void bench_models(const Ceilings& c, const Options& o, Json& report) {
  std::printf("\n== models on the CUDA backend (pp%d, tg%d; median of %d after a warm-up)\n", o.n_prompt, o.n_gen, o.reps);
  for (const std::string& path : o.models) {
    Json row = Json::object({{"model", path}});
    try {
      const auto t_load = Clock::now();
      engine::ModelOptions mo;
      mo.backend.kind = engine::BackendKind::Cuda;
      mo.check_memory = false;  // weights go to the GPU; host memory only pages them through
      auto model = engine::Model::load(path, mo);
      const double load_s = std::chrono::duration<double>(Clock::now() - t_load).count();
      engine::ContextOptions co;
      co.n_ctx = std::max(o.n_prompt + 8, o.n_gen + 8);
      co.n_batch = 512;
      co.kv_type = engine::KvCacheType::F16;
      co.check_memory = false;
      engine::Context ctx(*model, co);
      std::mt19937 rng(1234);
      std::uniform_int_distribution<int32_t> token(0, model->n_vocab() - 1);
      std::vector<int32_t> prompt(static_cast<std::size_t>(o.n_prompt));
      for (int32_t& t : prompt) t = token(rng);
      auto run_pp = [&] {
        ctx.clear_slot(0);
        engine::Batch b;
        b.add_sequence(prompt, 0, 0, true);
        const auto t0 = Clock::now();
        ctx.decode(b);
        return std::chrono::duration<double>(Clock::now() - t0).count();
      };
      auto run_tg = [&](int n) {
        ctx.clear_slot(0);
        engine::Batch b;
        int32_t next = token(rng);
        const auto t0 = Clock::now();
        for (int i = 0; i < n; ++i) {
          b.clear();
          b.add(next, i, 0, true);
          ctx.decode(b);
          const auto l = ctx.logits(0);
          next = static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
        }
        return std::chrono::duration<double>(Clock::now() - t0).count();
      };
      std::vector<double> pp, tg;
      if (o.n_prompt > 0) {
        run_pp();
        for (int r = 0; r < o.reps; ++r) pp.push_back(o.n_prompt / run_pp());
      }
      if (o.n_gen > 0) {
        run_tg(std::min(o.n_gen, 8));
        for (int r = 0; r < o.reps; ++r) tg.push_back(o.n_gen / run_tg(o.n_gen));
      }
      const double pp_s = median(pp), tg_s = median(tg);
      const uint64_t per_token = weight_bytes_per_token(*model);
      const double traffic = tg_s * static_cast<double>(per_token) / 1e9;
      std::printf("  %s\n    %s, %s of weights per token, loaded in %.1f s\n", path.c_str(), model->describe().c_str(),
                  engine::format_bytes(per_token).c_str(), load_s);
      std::printf("    pp%-4d %9.1f tokens/s\n    tg%-4d %9.1f tokens/s  → %.0f GB/s of weight traffic = %.0f%% of copy bandwidth, %.0f%% of read\n",
                  o.n_prompt, pp_s, o.n_gen, tg_s, traffic, 100 * traffic / c.copy_gb_s, 100 * traffic / c.read_gb_s);
      row["description"] = model->describe();
      row["pp_tokens_per_s"] = pp_s;
      row["tg_tokens_per_s"] = tg_s;
      row["weight_bytes_per_token"] = static_cast<double>(per_token);
      row["tg_weight_gb_s"] = traffic;
      row["pct_copy"] = 100 * traffic / c.copy_gb_s;
      row["load_s"] = load_s;
    } catch (const std::exception& e) {
      std::printf("  %s FAILED: %s\n", path.c_str(), e.what());
      row["error"] = e.what();
    }
    report["models"].push_back(row);
    std::fflush(stdout);
  }
}

}  // namespace hearth::bench
