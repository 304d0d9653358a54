// The fixture models on the CUDA backend against llama.cpp's reference logprobs
// (fixtures/models/reference.json), with the engine suite's helpers and parity bars
// (tests/engine/reference_data.h): teacher-forced with an F32 KV cache; again with an F16 cache
// (which moves llama.cpp's own logprobs by up to ~0.03, fixtures/README.md); graph replay on vs
// off (identical results required); hybrid offload (one block on the GPU); and several sequences
// decoded in one batch against the same sequences decoded alone.
//
// HEARTH_SHARED_DIR may point at a copy holding only some of the fixture models (the GPU
// machine gets a subset, scripts/gpu-prepare); models whose file is absent are reported as
// SKIPPED.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "../engine/reference_data.h"
#include "cuda_device.h"
#include "engine/context.h"
#include "support/fixtures.h"

using namespace hearth;
using namespace hearth::engine;

namespace {

ContextOptions reference_context(KvCacheType kv) {
  ContextOptions o;
  o.n_ctx = 512;
  o.n_slots = 1;
  o.kv_type = kv;
  o.n_threads = 2;
  return o;
}

std::unique_ptr<Model> load_cuda(const std::string& file, int gpu_layers = -1, bool graphs = true) {
  ModelOptions mo;
  mo.backend.kind = BackendKind::Cuda;
  mo.backend.gpu_layers = gpu_layers;
  mo.backend.cuda_graphs = graphs;
  mo.backend.context_hint = 512;
  return Model::load(test::fixture_path("models/" + file), mo);
}

bool present(const test::ReferenceModel& m) { return std::filesystem::exists(test::fixture_path("models/" + m.file)); }

test::Deviation run_reference(Context& ctx, const test::ReferenceModel& m) {
  test::Deviation dev;
  for (std::size_t ci = 0; ci < m.cases.size(); ++ci) {
    const test::ReferenceCase& c = m.cases[ci];
    auto ours = test::teacher_forced_logprobs(ctx, c);
    for (std::size_t s = 0; s < c.steps.size(); ++s) dev.add_step(c.steps[s], ours[s], "case " + std::to_string(ci) + " step " + std::to_string(s));
  }
  return dev;
}

}  // namespace

TEST_CASE("CUDA: fixture models match llama.cpp's reference logprobs (F32 KV, then F16 KV)", "[cuda][device][reference]") {
  SKIP_WITHOUT_FIXTURES();
  SKIP_WITHOUT_CUDA_DEVICE();
  const auto reference = test::load_reference();
  std::printf("\nCUDA backend vs llama.cpp reference (teacher forced)\n%-28s %-4s %5s %9s %9s %9s  %-22s %s\n", "file", "kv", "steps", "worst|Δ|",
              "mean|Δ|", "worst KL", "brief per-entry bar", "enforced bar");
  int run = 0;
  for (const test::ReferenceModel& m : reference) {
    if (!present(m)) {
      std::printf("%-28s SKIPPED: file not in %s\n", m.file.c_str(), test::shared_dir().string().c_str());
      continue;
    }
    auto model = load_cuda(m.file);
    for (KvCacheType kv : {KvCacheType::F32, KvCacheType::F16}) {
      Context ctx(*model, reference_context(kv));
      test::ParityBar bar = test::parity_bar(m.file);
      if (kv == KvCacheType::F16) {
        // llama.cpp's reference was computed with an F32 cache; an F16 cache moves its own
        // logprobs by up to ~0.03. Per-entry values are reported; KL, mean and top-1 enforced.
        bar.entries_enforced = false;
        bar.top1_gap = std::max(bar.top1_gap, 0.3);
        bar.max_kl = std::max(std::min(bar.max_kl, 1e-2), 1e-3);
        bar.max_mean_abs = std::max(std::min(bar.max_mean_abs, 0.1), 0.05);
      }
      const test::Deviation dev = run_reference(ctx, m);
      const int over = dev.entries_over(bar.entry_tolerance);
      char brief[64];
      std::snprintf(brief, sizeof brief, "%.0e: %s", bar.entry_tolerance, over == 0 ? "ok" : ("over (" + std::to_string(over) + ")").c_str());
      const std::string violations = dev.violations(bar);
      std::printf("%-28s %-4s %5d %9.2e %9.2e %9.2e  %-22s %s\n", m.file.c_str(), kv == KvCacheType::F32 ? "f32" : "f16", dev.steps(),
                  dev.worst_abs(), dev.mean_abs(), dev.worst_kl(), brief,
                  violations.empty() ? (bar.entries_enforced ? "ok (per entry)" : "ok (KL, mean, top-1)") : ("FAIL: " + violations).c_str());
      std::fflush(stdout);
      INFO(m.file << (kv == KvCacheType::F32 ? " F32" : " F16") << " KV: " << violations);
      CHECK(violations.empty());
      ++run;
    }
  }
  if (run == 0) WARN("SKIPPED: none of the reference models is present");
}

TEST_CASE("CUDA: graph replay gives the same logits as launching one by one", "[cuda][device][reference]") {
  SKIP_WITHOUT_FIXTURES();
  SKIP_WITHOUT_CUDA_DEVICE();
  int run = 0;
  for (const test::ReferenceModel& m : test::load_reference()) {
    if (!present(m) || m.cases.empty() || run >= 3) continue;
    auto with = load_cuda(m.file, -1, true), without = load_cuda(m.file, -1, false);
    Context a(*with, reference_context(KvCacheType::F16)), b(*without, reference_context(KvCacheType::F16));
    const auto la = test::teacher_forced_logprobs(a, m.cases[0]), lb = test::teacher_forced_logprobs(b, m.cases[0]);
    REQUIRE(la.size() == lb.size());
    double worst = 0;
    for (std::size_t s = 0; s < la.size(); ++s)
      for (std::size_t i = 0; i < la[s].size(); ++i) worst = std::max(worst, std::fabs(la[s][i] - lb[s][i]));
    INFO(m.file << ": largest difference between graph replay and eager launches " << worst);
    CHECK(worst == 0.0);
    ++run;
  }
  if (run == 0) WARN("SKIPPED: no reference model present");
}

TEST_CASE("CUDA: hybrid offload (some blocks on the CPU) matches the reference too", "[cuda][device][reference]") {
  SKIP_WITHOUT_FIXTURES();
  SKIP_WITHOUT_CUDA_DEVICE();
  int run = 0;
  for (const test::ReferenceModel& m : test::load_reference()) {
    if (!present(m) || run >= 2) continue;
    for (int gpu_layers : {1, 0}) {
      auto model = load_cuda(m.file, gpu_layers);
      Context ctx(*model, reference_context(KvCacheType::F32));
      const test::Deviation dev = run_reference(ctx, m);
      const std::string violations = dev.violations(test::parity_bar(m.file));
      std::printf("hybrid %-28s gpu_layers %d: worst |Δ| %.2e, worst KL %.2e %s\n", m.file.c_str(), gpu_layers, dev.worst_abs(), dev.worst_kl(),
                  violations.empty() ? "ok" : violations.c_str());
      INFO(m.file << " with " << gpu_layers << " blocks on the GPU: " << violations);
      CHECK(violations.empty());
    }
    ++run;
  }
  if (run == 0) WARN("SKIPPED: no reference model present");
}

TEST_CASE("CUDA: sequences decoded together equal the same sequences decoded alone", "[cuda][device][reference]") {
  SKIP_WITHOUT_FIXTURES();
  SKIP_WITHOUT_CUDA_DEVICE();
  for (const test::ReferenceModel& m : test::load_reference()) {
    if (!present(m) || m.cases.size() < 2) continue;
    auto model = load_cuda(m.file);
    ContextOptions o = reference_context(KvCacheType::F16);
    o.n_slots = 4;
    Context together(*model, o), alone(*model, o);
    // Four prompts of different lengths (prefixes of the reference prompts), then 6 steps where
    // every slot decodes its next reference token in one batch.
    const int n = 4;
    std::vector<std::vector<int32_t>> prompts;
    for (int s = 0; s < n; ++s) {
      const auto& c = m.cases[static_cast<std::size_t>(s) % m.cases.size()];
      const std::size_t len = std::max<std::size_t>(1, std::min<std::size_t>(c.prompt_tokens.size(), 3 + 5 * static_cast<std::size_t>(s)));
      prompts.emplace_back(c.prompt_tokens.begin(), c.prompt_tokens.begin() + static_cast<std::ptrdiff_t>(len));
    }
    double worst = 0;
    std::vector<int32_t> next(n);
    for (int s = 0; s < n; ++s) {
      Batch b;
      b.add_sequence(prompts[static_cast<std::size_t>(s)], 0, s, true);
      together.decode(b);
      alone.decode(b);
      next[static_cast<std::size_t>(s)] = static_cast<int32_t>(s + 7);
    }
    for (int step = 0; step < 6; ++step) {
      Batch b;
      for (int s = 0; s < n; ++s) b.add(next[static_cast<std::size_t>(s)], together.slot_length(s), s, true);
      together.decode(b);
      for (int s = 0; s < n; ++s) {
        Batch one;
        one.add(next[static_cast<std::size_t>(s)], alone.slot_length(s), s, true);
        alone.decode(one);
        const auto x = together.logits(static_cast<std::size_t>(s)), y = alone.logits(0);
        for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(x[i] - y[i])));
        next[static_cast<std::size_t>(s)] = static_cast<int32_t>((next[static_cast<std::size_t>(s)] * 31 + 17) % model->n_vocab());
      }
    }
    std::printf("batched decode %-28s largest logit difference to single-sequence decode: %.3e\n", m.file.c_str(), worst);
    INFO(m.file << ": batched vs single decode, largest logit difference " << worst);
    CHECK(worst < 1e-4);
    return;  // one model is enough
  }
  WARN("SKIPPED: no reference model with two cases present");
}
