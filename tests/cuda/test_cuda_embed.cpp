// Embeddings on the CUDA backend (Context::embed, DecodeOutput::Embeddings), against llama.cpp's
// reference like the engine_embed suite: the last-token hidden state of each reference prompt,
// multiplied by the output matrix on the host, must meet the file's statistical bar
// (test::parity_bar) on reference.json's first step. Also: a short input (a graph-captured step)
// embedded again after a logits decode of the same shape gives the same vector — the recorded
// step without the LM head must never replay the graph of a step with it, or the reverse — and
// mean pooling on the device equals the mean of per-token states decoded one by one.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "../engine/embedding_support.h"
#include "../engine/reference_data.h"
#include "cuda_device.h"
#include "engine/context.h"
#include "support/fixtures.h"

using namespace hearth;
using namespace hearth::engine;

namespace {

ModelOptions cuda_options() {
  ModelOptions mo;
  mo.backend.kind = BackendKind::Cuda;
  mo.backend.context_hint = 512;
  return mo;
}

ContextOptions embed_context() {
  ContextOptions o;
  o.n_ctx = 512;
  o.n_slots = 1;
  o.kv_type = KvCacheType::F32;
  o.n_threads = 2;
  return o;
}

bool present(const std::string& file) { return std::filesystem::exists(test::fixture_path("models/" + file)); }

double max_abs_difference(std::span<const float> a, std::span<const float> b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
  return a.size() == b.size() ? d : 1e30;
}

}  // namespace

TEST_CASE("CUDA: the last-token embedding times the output matrix reproduces llama.cpp's distribution", "[cuda][device][embedding]") {
  SKIP_WITHOUT_FIXTURES();
  SKIP_WITHOUT_CUDA_DEVICE();
  std::printf("\nCUDA embedding × output matrix vs reference.json (first step)\n%-28s %5s %9s %9s %9s  %s\n", "file", "cases", "worst|Δ|",
              "mean|Δ|", "worst KL", "enforced bar");
  int run = 0;
  for (const test::ReferenceModel& m : test::load_reference()) {
    if (!present(m.file)) {
      std::printf("%-28s SKIPPED: file not in %s\n", m.file.c_str(), test::shared_dir().string().c_str());
      continue;
    }
    auto model = Model::load(test::fixture_path("models/" + m.file), cuda_options());
    Context ctx(*model, embed_context());
    const test::OutputHead head = test::read_output_head(model->file());
    test::Deviation dev;
    for (std::size_t ci = 0; ci < m.cases.size(); ++ci) {
      const test::ReferenceCase& c = m.cases[ci];
      if (c.steps.empty()) continue;
      dev.add_step(c.steps[0], test::log_softmax(test::apply_head(head, ctx.embed(c.prompt_tokens, 0))), "case " + std::to_string(ci));
    }
    const std::string violations = dev.violations(test::parity_bar(m.file));
    std::printf("%-28s %5d %9.2e %9.2e %9.2e  %s\n", m.file.c_str(), dev.steps(), dev.worst_abs(), dev.mean_abs(), dev.worst_kl(),
                violations.empty() ? "ok" : ("FAIL: " + violations).c_str());
    std::fflush(stdout);
    INFO(m.file << ": " << violations);
    CHECK(violations.empty());
    ++run;
  }
  if (run == 0) WARN("SKIPPED: none of the reference models is present");
}

TEST_CASE("CUDA: embeddings of short inputs survive graph replay; mean pooling", "[cuda][device][embedding]") {
  SKIP_WITHOUT_FIXTURES();
  SKIP_WITHOUT_CUDA_DEVICE();
  int run = 0;
  for (const test::ReferenceModel& m : test::load_reference()) {
    if (!present(m.file) || m.cases.empty() || m.cases[0].prompt_tokens.size() < 6 || run >= 2) continue;
    const std::vector<int32_t> tokens(m.cases[0].prompt_tokens.begin(), m.cases[0].prompt_tokens.begin() + 6);
    auto model = test::load_with_pooling(m.file, 1, cuda_options());  // mean
    Context ctx(*model, embed_context());
    REQUIRE(ctx.pooling() == PoolingType::Mean);

    const std::vector<float> first = ctx.embed(tokens, 0);
    Batch logits_batch;  // the same shape with logits: a different recorded step
    for (std::size_t i = 0; i < tokens.size(); ++i) logits_batch.add(tokens[i], static_cast<int32_t>(i), 0, true);
    ctx.decode(logits_batch);
    ctx.clear_slot(0);
    const std::vector<float> second = ctx.embed(tokens, 0);
    const double replay = max_abs_difference(first, second);

    std::vector<double> sum(first.size(), 0.0);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      Batch one;
      one.add(tokens[i], static_cast<int32_t>(i), 0, true);
      ctx.decode(one, DecodeOutput::Embeddings);
      auto row = ctx.embedding(0);
      for (std::size_t j = 0; j < sum.size(); ++j) sum[j] += row[j];
    }
    std::vector<float> mean(sum.size());
    double scale = 0;
    for (std::size_t j = 0; j < sum.size(); ++j) {
      mean[j] = static_cast<float>(sum[j] / static_cast<double>(tokens.size()));
      scale = std::max(scale, std::fabs(static_cast<double>(mean[j])));
    }
    const double pooled = max_abs_difference(first, mean) / scale;
    std::printf("CUDA %-28s embed twice: max |Δ| %.2e; mean pooling vs per-token mean: %.2e (relative)\n", m.file.c_str(), replay, pooled);
    INFO(m.file << ": replay difference " << replay << ", pooling difference " << pooled);
    CHECK(replay == 0.0);
    CHECK(pooled < 1e-3);
    ++run;
  }
  if (run == 0) WARN("SKIPPED: no reference model present");
}
