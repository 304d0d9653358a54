// `hearth bench FILE.gguf [-p 512] [-n 128] [-t THREADS] [-r 5] [-b 512] [--kv-type f16] [--json]`:
// llama-bench's two tests on the in-process engine, plus napkin math for generation.
//
//   pp<N>: one prompt of N tokens decoded as a batch (chunks of -b), logits for the last token;
//   tg<N>: N tokens generated one at a time from an empty context.
// Each runs once unmeasured (warm-up: page in the weights, grow the scratch arena) and then -r
// times; tokens/s is reported as mean ± sample standard deviation, as llama-bench does.
// Generation reads every weight matrix once per token, so tg tokens/s × bytes read per token is
// the achieved weight traffic; it is printed next to this machine's measured read and copy
// bandwidth (same thread count, same run), which bound it.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "backend_flags.h"
#include "commands.h"
#include "common/json.h"
#include "engine/context.h"
#include "engine/model_memory.h"
#include "kernels/cpu/thread_pool.h"
#include "numerics_flag.h"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "Usage: hearth bench FILE.gguf [-p 512] [-n 128] [-t THREADS] [-r 5] [-b 512] [--kv-type f16|f32|q8_0|q4_0]\n"
    "                          [--backend cpu|cuda] [--gpu-layers N] [--numerics fast|llamacpp] [--json]";

using Clock = std::chrono::steady_clock;

int parse_int(const std::string& text, const std::string& flag, int min) {
  std::size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < min) throw UsageError{flag + " needs an integer ≥ " + std::to_string(min) + "\n" + kUsage};
  return v;
}

struct Stats {
  double mean = 0, stddev = 0;
};

Stats stats(const std::vector<double>& v) {
  Stats s;
  if (v.empty()) return s;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(v.size() - 1));
  }
  return s;
}

// ---- memory bandwidth ----------------------------------------------------------------------------

#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t sum_words_avx2(const uint64_t* p, std::size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
    a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
    a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  uint64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; ++i) s += p[i];
  return s;
}
#endif

uint64_t sum_words(const uint64_t* p, std::size_t n) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return sum_words_avx2(p, n);
#endif
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) s0 += p[i], s1 += p[i + 1], s2 += p[i + 2], s3 += p[i + 3];
  for (; i < n; ++i) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

struct AlignedFree {
  void operator()(uint64_t* p) const { std::free(p); }
};

struct Bandwidth {
  double read_gb_s = 0, copy_gb_s = 0;
  std::size_t bytes = 0;
};

// Best of 5 passes over a buffer much larger than the caches: a streaming sum (read) and a
// memcpy into a second buffer (copy, counted as bytes read + bytes written, like STREAM).
Bandwidth measure_bandwidth(cpu::ThreadPool& pool) {
  std::size_t bytes = std::size_t{1} << 30;
  if (auto avail = engine::read_mem_available(); avail && *avail < 4 * bytes) bytes = std::max<std::size_t>(*avail / 8, 64u << 20);
  bytes &= ~std::size_t{4095};
  const std::size_t words = bytes / 8;
  std::unique_ptr<uint64_t, AlignedFree> a(static_cast<uint64_t*>(std::aligned_alloc(4096, bytes)));
  std::unique_ptr<uint64_t, AlignedFree> b(static_cast<uint64_t*>(std::aligned_alloc(4096, bytes)));
  if (!a || !b) return {};
  pool.parallel_for(static_cast<int64_t>(words), [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; ++i) a.get()[i] = static_cast<uint64_t>(i), b.get()[i] = 0;
  });
  // Chunks of whole 4 KiB pages per thread, so no two threads share a cache line.
  const int64_t pages = static_cast<int64_t>(bytes / 4096);
  Bandwidth bw;
  bw.bytes = bytes;
  std::vector<uint64_t> sink(static_cast<std::size_t>(pool.size()));
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    pool.parallel_for(pages, [&](int64_t s, int64_t e, int thread) {
      sink[static_cast<std::size_t>(thread)] += sum_words(a.get() + s * 512, static_cast<std::size_t>(e - s) * 512);
    });
    const double read_s = std::chrono::duration<double>(Clock::now() - t0).count();
    bw.read_gb_s = std::max(bw.read_gb_s, static_cast<double>(bytes) / read_s / 1e9);
    t0 = Clock::now();
    pool.parallel_for(pages, [&](int64_t s, int64_t e, int) {
      std::memcpy(b.get() + s * 512, a.get() + s * 512, static_cast<std::size_t>(e - s) * 4096);
    });
    const double copy_s = std::chrono::duration<double>(Clock::now() - t0).count();
    bw.copy_gb_s = std::max(bw.copy_gb_s, 2.0 * static_cast<double>(bytes) / copy_s / 1e9);
  }
  if (std::accumulate(sink.begin(), sink.end(), uint64_t{0}) == 42) fmt::print(" ");  // keeps the sums alive
  return bw;
}

// Bytes of weights one generated token reads: every matrix once, except that only one row of
// token_embd is read when the model has a separate output matrix.
uint64_t weight_bytes_per_token(const engine::Model& model) {
  uint64_t bytes = model.weight_bytes();
  const gguf::TensorInfo* embd = model.file().find_tensor("token_embd.weight");
  if (embd && model.file().find_tensor("output.weight")) bytes -= embd->nbytes - embd->row_bytes();
  return bytes;
}

}  // namespace

int cmd_bench(Args args) {
  std::string path;
  int n_prompt = 512, n_gen = 128, threads = 0, reps = 5, n_batch = 512;
  bool json = false;
  std::optional<engine::KvCacheType> kv_type;
  engine::Numerics numerics = default_numerics(engine::Numerics::Fast);
  BackendFlags backend_flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (take_backend_flag(args, i, backend_flags)) continue;
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value\n" + kUsage};
      return args[++i];
    };
    if (a == "-p" || a == "--n-prompt") n_prompt = parse_int(value(), a, 0);
    else if (a == "-n" || a == "--n-gen") n_gen = parse_int(value(), a, 0);
    else if (a == "-t" || a == "--threads") threads = parse_int(value(), a, 1);
    else if (a == "-r" || a == "--repetitions") reps = parse_int(value(), a, 1);
    else if (a == "-b" || a == "--batch-size") n_batch = parse_int(value(), a, 1);
    else if (a == "--kv-type") {
      auto t = engine::parse_kv_cache_type(value());
      if (!t) throw UsageError{"--kv-type must be f16, f32, q8_0 or q4_0\n" + std::string(kUsage)};
      kv_type = *t;
    } else if (a == "--numerics") numerics = parse_numerics_flag(value());
    else if (a == "--json") json = true;
    else if (!a.empty() && a[0] == '-') throw UsageError{"unknown flag " + a + "\n" + kUsage};
    else if (path.empty()) path = a;
    else throw UsageError{"unexpected argument '" + a + "'\n" + kUsage};
  }
  if (path.empty()) throw UsageError{"missing FILE\n" + std::string(kUsage)};
  if (n_prompt == 0 && n_gen == 0) throw UsageError{"nothing to measure: -p and -n are both 0"};

  const int n_ctx = std::max(n_prompt + n_gen, 1);
  engine::ModelOptions model_options;
  model_options.backend = backend_options(backend_flags, n_ctx);
  auto model = engine::Model::load(path, model_options);
  engine::ContextOptions options;
  options.n_ctx = n_ctx;
  options.n_batch = n_batch;
  const bool parity = numerics == engine::Numerics::LlamaCpp && model->backend().name() == "cpu";
  options.kv_type = kv_type.value_or(parity ? engine::KvCacheType::F32 : engine::KvCacheType::F16);
  options.n_threads = threads;
  options.numerics = parity ? engine::Numerics::LlamaCpp : engine::Numerics::Fast;
  engine::Context ctx(*model, options);

  // Random token ids (fixed seed): throughput does not depend on them.
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> token(0, model->n_vocab() - 1);
  std::vector<int32_t> prompt(static_cast<std::size_t>(n_prompt));
  for (int32_t& t : prompt) t = token(rng);

  auto run_pp = [&]() {
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
      next = static_cast<int32_t>(std::max_element(ctx.logits(0).begin(), ctx.logits(0).end()) - ctx.logits(0).begin());
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };

  std::vector<double> pp, tg;
  if (n_prompt > 0) {
    run_pp();
    for (int r = 0; r < reps; ++r) pp.push_back(n_prompt / run_pp());
  }
  if (n_gen > 0) {
    run_tg(std::min(n_gen, 8));
    for (int r = 0; r < reps; ++r) tg.push_back(n_gen / run_tg(n_gen));
  }
  cpu::ThreadPool pool(ctx.n_threads());
  const Bandwidth bw = measure_bandwidth(pool);
  const Stats pp_s = stats(pp), tg_s = stats(tg);
  const uint64_t per_token = weight_bytes_per_token(*model);
  const double traffic = tg_s.mean * static_cast<double>(per_token) / 1e9;

  if (json) {
    Json out = Json::object({{"model", model->path()},
                             {"description", model->describe()},
                             {"file_bytes", static_cast<unsigned long long>(model->file().file_size())},
                             {"backend", std::string(model->backend().name())},
                             {"threads", ctx.n_threads()},
                             {"kv_type", std::string(engine::kv_cache_type_name(options.kv_type))},
                             {"n_batch", n_batch},
                             {"repetitions", reps}});
    if (n_prompt > 0) out["pp"] = Json::object({{"tokens", n_prompt}, {"tokens_per_s", pp_s.mean}, {"stddev", pp_s.stddev}});
    if (n_gen > 0)
      out["tg"] = Json::object({{"tokens", n_gen},
                                {"tokens_per_s", tg_s.mean},
                                {"stddev", tg_s.stddev},
                                {"weight_bytes_per_token", static_cast<unsigned long long>(per_token)},
                                {"weight_traffic_gb_s", traffic}});
    out["memory"] = Json::object({{"read_gb_s", bw.read_gb_s}, {"copy_gb_s", bw.copy_gb_s},
                                  {"buffer_bytes", static_cast<unsigned long long>(bw.bytes)}});
    fmt::print("{}\n", out.dump());
    return 0;
  }
  fmt::print("model: {}\n       {} ({})\n\n", model->path(), model->describe(), engine::format_bytes(model->file().file_size()));
  fmt::print("| {:>7} | {:>7} | {:>5} | {:>7} | {:>20} |\n", "backend", "threads", "kv", "test", "t/s");
  fmt::print("| {:->7} | {:->7} | {:->5} | {:->7} | {:->20} |\n", "", "", "", "", "");
  auto row = [&](const std::string& test, const Stats& s) {
    fmt::print("| {:>7} | {:>7} | {:>5} | {:>7} | {:>20} |\n", model->backend().name(), ctx.n_threads(), engine::kv_cache_type_name(options.kv_type),
               test, fmt::format("{:.2f} ± {:.2f}", s.mean, s.stddev));
  };
  if (n_prompt > 0) row("pp" + std::to_string(n_prompt), pp_s);
  if (n_gen > 0) row("tg" + std::to_string(n_gen), tg_s);
  fmt::print("\n");
  if (n_gen > 0)
    fmt::print("generation reads {} of weights per token: {:.1f} GB/s of weight traffic\n", engine::format_bytes(per_token), traffic);
  fmt::print("this machine, {} threads, {} buffer: read {:.1f} GB/s, copy {:.1f} GB/s", ctx.n_threads(), engine::format_bytes(bw.bytes),
             bw.read_gb_s, bw.copy_gb_s);
  if (n_gen > 0 && bw.read_gb_s > 0) fmt::print(" (generation at {:.0f}% of read bandwidth)", 100.0 * traffic / bw.read_gb_s);
  fmt::print("\n");
  return 0;
}

}  // namespace hearth::cli
