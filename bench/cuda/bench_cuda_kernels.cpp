// Ceilings, decode GEMV and small-kernel benchmarks of hearth_bench_cuda.
#include <cmath>
#include <string>
#include <vector>

#include "bench/cuda/bench_cuda.h"
#include "gguf/types.h"
#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cuda_kernels.h"

namespace hearth::bench {
namespace {

using gguf::TensorType;
namespace cu = hearth::cuda;

struct DeviceBytes {
  void* p = nullptr;
  explicit DeviceBytes(std::size_t n) { HEARTH_CUDA_CHECK(cudaMalloc(&p, n)); }
  ~DeviceBytes() { cudaFree(p); }
  DeviceBytes(const DeviceBytes&) = delete;
  DeviceBytes& operator=(const DeviceBytes&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(p); }
};

struct Shape {
  const char* model;
  const char* name;
  int64_t rows, k;
  int per_layer;  // matrices of this shape per block (gate and up: 2)
};

// Llama 3.2 1B (16 blocks) and Llama 3.1 8B (32 blocks); rows = output features, k = input.
const Shape kShapes[] = {
    {"1B", "attn_q/attn_output", 2048, 2048, 2}, {"1B", "attn_k/attn_v", 512, 2048, 2}, {"1B", "ffn_gate/ffn_up", 8192, 2048, 2},
    {"1B", "ffn_down", 2048, 8192, 1},           {"1B", "output", 128256, 2048, 0},     {"8B", "attn_q/attn_output", 4096, 4096, 2},
    {"8B", "attn_k/attn_v", 1024, 4096, 2},      {"8B", "ffn_gate/ffn_up", 14336, 4096, 2}, {"8B", "ffn_down", 4096, 14336, 1},
    {"8B", "output", 128256, 4096, 0},
};

std::string gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  return buf;
}

// One GEMV problem with enough weight copies to defeat the L2 cache.
struct GemvProblem {
  TensorType type;
  Shape shape;
  std::size_t bytes;  // of one weight copy
  int copies;
  std::unique_ptr<DeviceBytes> w, x, qs, ds, y;

  GemvProblem(TensorType t, const Shape& s, int tokens, std::size_t l2, cudaStream_t stream) : type(t), shape(s) {
    bytes = gguf::row_bytes(t, static_cast<uint64_t>(s.k)) * static_cast<std::size_t>(s.rows);
    const std::size_t want = std::max<std::size_t>(8 * l2, std::size_t{256} << 20);
    // Enough copies that one pass over them is ≥ 8× L2 (small matrices get hundreds of copies).
    copies = static_cast<int>(std::min<std::size_t>(4096, std::max<std::size_t>(1, (want + bytes - 1) / bytes)));
    const std::size_t stride = (bytes + 255) / 256 * 256;
    w = std::make_unique<DeviceBytes>(stride * static_cast<std::size_t>(copies));
    cu::fill_random_bytes(w->p, stride * static_cast<std::size_t>(copies) / 8 * 8, 1234 + static_cast<uint64_t>(t), stream);
    x = std::make_unique<DeviceBytes>(static_cast<std::size_t>(s.k * tokens) * 4);
    cu::fill_random_bytes(x->p, static_cast<std::size_t>(s.k * tokens) * 4, 99, stream);
    // Random bits as floats can be NaN/Inf; scale them into ordinary values through a quantize
    // of a normalized copy: simplest is to overwrite with a fixed pattern of finite values.
    cu::fill_f32(x->as<float>(), static_cast<std::size_t>(s.k * tokens), 0.37f, stream);
    qs = std::make_unique<DeviceBytes>(static_cast<std::size_t>(s.k * tokens));
    ds = std::make_unique<DeviceBytes>(static_cast<std::size_t>(s.k / 16 * tokens) * 4);
    if (cu::gemv_uses_q8_1(t)) cu::quantize_q8_1(x->as<float>(), s.k, s.k, tokens, qs->as<int8_t>(), ds->as<float>(), stream);
    y = std::make_unique<DeviceBytes>(static_cast<std::size_t>(s.rows * tokens) * 4);
  }

  void launch(int copy, int tokens, const cu::GemvConfig& cfg, cudaStream_t stream) const {
    const std::size_t stride = (bytes + 255) / 256 * 256;
    cu::GemvMatrix m;
    m.w = w->as<uint8_t>() + stride * static_cast<std::size_t>(copy);
    m.row_stride = gguf::row_bytes(type, static_cast<uint64_t>(shape.k));
    m.rows = shape.rows, m.y = y->as<float>(), m.ldy = shape.rows;
    cu::GemvInput in;
    in.qs = qs->as<int8_t>(), in.ds = ds->as<float>(), in.x = x->as<float>(), in.ldx = shape.k;
    cu::gemv(type, shape.k, tokens, &m, 1, in, cfg, stream);
  }
};

}  // namespace

Ceilings measure_ceilings(cudaStream_t stream, const Options& o, Json& report) {
  Ceilings c;
  cudaDeviceProp p{};
  HEARTH_CUDA_CHECK(cudaGetDeviceProperties(&p, 0));
  c.sm_count = p.multiProcessorCount;
  c.l2_bytes = static_cast<std::size_t>(p.l2CacheSize);
  const std::size_t bytes = std::size_t{2} << 30;
  DeviceBytes a(bytes), b(bytes), sink(64);
  cu::fill_random_bytes(a.p, bytes, 1, stream);
  cu::fill_random_bytes(b.p, bytes, 2, stream);
  const int batches = o.quick ? 5 : 20;
  const double memcpy_ms = median_ms(stream, 1, batches, 2, [&](int) {
    HEARTH_CUDA_CHECK(cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice, stream));
  });
  const double kernel_ms = median_ms(stream, 1, batches, 2, [&](int) { cu::copy_bytes(b.p, a.p, bytes, stream); });
  const double read_ms = median_ms(stream, 1, batches, 2, [&](int) { cu::read_bytes(a.p, bytes, sink.as<unsigned>(), stream); });
  const double memcpy_gb = 2.0 * static_cast<double>(bytes) / (memcpy_ms * 1e6), kernel_gb = 2.0 * static_cast<double>(bytes) / (kernel_ms * 1e6);
  c.copy_gb_s = std::max(memcpy_gb, kernel_gb);
  c.read_gb_s = static_cast<double>(bytes) / (read_ms * 1e6);
  std::printf("\n== bandwidth ceilings (2 GiB buffers, median of %d; copy counts bytes read + written)\n", batches);
  std::printf("  cudaMemcpyAsync D2D   %8.3f ms  %7.0f GB/s\n", memcpy_ms, memcpy_gb);
  std::printf("  copy kernel (16 B)    %8.3f ms  %7.0f GB/s\n", kernel_ms, kernel_gb);
  std::printf("  read kernel (16 B)    %8.3f ms  %7.0f GB/s\n", read_ms, c.read_gb_s);
  std::printf("  copy ceiling used below: %.0f GB/s; SMs %d, L2 %.0f MiB\n", c.copy_gb_s, c.sm_count, static_cast<double>(c.l2_bytes) / 1048576.0);
  report["ceilings"] = Json::object({{"copy_gb_s", c.copy_gb_s}, {"memcpy_gb_s", memcpy_gb}, {"copy_kernel_gb_s", kernel_gb},
                                     {"read_gb_s", c.read_gb_s}, {"sm_count", c.sm_count}});
  return c;
}

void bench_gemv(cudaStream_t stream, const Ceilings& c, const Options& o, Json& report) {
  const std::vector<TensorType> types =
      o.quick ? std::vector<TensorType>{TensorType::Q4_K, TensorType::Q6_K, TensorType::Q8_0, TensorType::F16}
              : std::vector<TensorType>{TensorType::Q4_K, TensorType::Q6_K, TensorType::Q4_0, TensorType::Q8_0, TensorType::F16,
                                        TensorType::BF16, TensorType::Q5_K, TensorType::Q3_K, TensorType::Q2_K, TensorType::IQ4_XS,
                                        TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::IQ4_NL};
  const int batches = o.quick ? 5 : 15;
  Json& out = report["gemv"];
  std::printf("\n== decode GEMV, 1 token, default launch shape (128 threads × 1 row); weights rotated over copies ≥ 8× L2\n");
  std::printf("  %-3s %-20s %-7s %11s %10s %8s %8s %7s\n", "", "matrix", "type", "weights", "time µs", "GB/s", "% copy", "% read");
  for (TensorType t : types) {
    double layer_us[2] = {0, 0}, output_us[2] = {0, 0};
    for (const Shape& s : kShapes) {
      GemvProblem prob(t, s, 1, c.l2_bytes, stream);
      const double ms = median_ms(stream, prob.copies, batches, 2, [&](int i) { prob.launch(i, 1, {}, stream); });
      const double gbs = static_cast<double>(prob.bytes) / (ms * 1e6);
      std::printf("  %-3s %-20s %-7s %11s %10.1f %8.0f %7.0f%% %6.0f%%\n", s.model, s.name, std::string(gguf::type_name(t)).c_str(),
                  gb(static_cast<double>(prob.bytes)).c_str(), ms * 1e3, gbs, 100 * gbs / c.copy_gb_s, 100 * gbs / c.read_gb_s);
      out.push_back(Json::object({{"model", s.model}, {"matrix", s.name}, {"type", std::string(gguf::type_name(t))},
                                  {"bytes", static_cast<double>(prob.bytes)}, {"us", ms * 1e3}, {"gb_s", gbs},
                                  {"pct_copy", 100 * gbs / c.copy_gb_s}}));
      const int m = s.model[0] == '1' ? 0 : 1;
      if (s.per_layer > 0) layer_us[m] += s.per_layer * ms * 1e3;
      else output_us[m] = ms * 1e3;
    }
    for (int m = 0; m < 2; ++m) {
      const double token_us = layer_us[m] * (m == 0 ? 16 : 32) + output_us[m];
      std::printf("  %-3s all matrices of one token in %-7s (GEMV only): %8.0f µs → ≤ %.0f tokens/s\n", m == 0 ? "1B" : "8B",
                  std::string(gguf::type_name(t)).c_str(), token_us, 1e6 / token_us);
    }
    std::fflush(stdout);
  }

  std::printf("\n== launch-shape sweep (1 token): GB/s per (threads × rows per block); auto = the backend's choice\n");
  const cu::GemvConfig configs[] = {{0, 0}, {128, 1}, {128, 2}, {128, 4}, {64, 1}, {256, 1}};
  std::printf("  %-20s %-7s", "model / matrix", "type");
  for (const auto& cfg : configs) {
    if (cfg.threads) std::printf(" %6d×%d", cfg.threads, cfg.rows_per_block);
    else std::printf(" %8s", "auto");
  }
  std::printf("\n");
  Json& sweep = report["gemv_sweep"];
  for (TensorType t : {TensorType::Q4_K, TensorType::Q6_K, TensorType::Q8_0, TensorType::Q4_0, TensorType::F16}) {
    for (const Shape& s : kShapes) {
      if (o.quick && s.model[0] != '8') continue;
      GemvProblem prob(t, s, 1, c.l2_bytes, stream);
      std::printf("  %-3s %-16s %-7s", s.model, s.name, std::string(gguf::type_name(t)).c_str());
      for (const auto& cfg : configs) {
        const double ms = median_ms(stream, prob.copies, batches, 2, [&](int i) { prob.launch(i, 1, cfg, stream); });
        const double gbs = static_cast<double>(prob.bytes) / (ms * 1e6);
        std::printf(" %8.0f", gbs);
        sweep.push_back(Json::object({{"model", s.model}, {"matrix", s.name}, {"type", std::string(gguf::type_name(t))}, {"threads", cfg.threads},
                                      {"rows_per_block", cfg.rows_per_block}, {"gb_s", gbs}}));
      }
      std::printf("\n");
    }
    std::fflush(stdout);
  }

  std::printf("\n== batched decode: 8B ffn_gate (14336 × 4096), T tokens per launch (weights read once)\n");
  std::printf("  %-7s %3s %10s %12s %12s\n", "type", "T", "time µs", "weight GB/s", "µs per token");
  Json& batched = report["gemv_batched"];
  for (TensorType t : {TensorType::Q4_K, TensorType::Q8_0, TensorType::Q6_K, TensorType::F16}) {
    GemvProblem prob(t, kShapes[7], cu::kGemvMaxTokens, c.l2_bytes, stream);
    for (int T : {1, 2, 4, 8}) {
      const double ms = median_ms(stream, prob.copies, batches, 2, [&](int i) { prob.launch(i, T, {}, stream); });
      const double gbs = static_cast<double>(prob.bytes) / (ms * 1e6);
      std::printf("  %-7s %3d %10.1f %12.0f %12.1f\n", std::string(gguf::type_name(t)).c_str(), T, ms * 1e3, gbs, ms * 1e3 / T);
      batched.push_back(Json::object({{"type", std::string(gguf::type_name(t))}, {"tokens", T}, {"us", ms * 1e3}, {"gb_s", gbs}}));
    }
  }

  // Prefill GEMM through cuBLAS (the part-2 fallback): dequantize to f16 + GemmEx, 512 tokens.
  cu::CublasGemm gemm;
  if (!gemm.available()) {
    std::printf("\n== prefill GEMM: SKIPPED (%s)\n", gemm.status().c_str());
    return;
  }
  std::printf("\n== prefill GEMM (cuBLAS, f16 operands, f32 accumulation), 512 tokens, 8B ffn_gate (14336 × 4096)\n");
  const int64_t T = 512, rows = 14336, k = 4096;
  DeviceBytes xh(static_cast<std::size_t>(T * k) * 2), wh(static_cast<std::size_t>(rows * k) * 2), y(static_cast<std::size_t>(T * rows) * 4);
  DeviceBytes xf(static_cast<std::size_t>(T * k) * 4);
  cu::fill_f32(xf.as<float>(), static_cast<std::size_t>(T * k), 0.25f, stream);
  cu::convert_f32_to_f16(xf.as<float>(), k, k, T, xh.as<uint16_t>(), k, stream);
  for (TensorType t : {TensorType::Q4_K, TensorType::Q8_0, TensorType::F16}) {
    GemvProblem prob(t, kShapes[7], 1, 0, stream);
    const std::size_t rb = gguf::row_bytes(t, static_cast<uint64_t>(k));
    const double dq_ms = t == TensorType::F16 ? 0.0 : median_ms(stream, 1, batches, 1, [&](int) {
      cu::dequantize_rows_f16(t, prob.w->p, rb, k, rows, wh.as<uint16_t>(), k, stream);
    });
    const void* wsrc = t == TensorType::F16 ? prob.w->p : wh.p;
    const double mm_ms = median_ms(stream, 1, batches, 1, [&](int) {
      gemm.gemm_wxt(rows, T, k, wsrc, k, xh.p, k, CUDA_R_16F, y.as<float>(), rows, 0.0f, stream);
    });
    const double tflops = 2.0 * static_cast<double>(T * rows * k) / (mm_ms * 1e9);
    std::printf("  %-7s dequantize %8.1f µs, GEMM %8.1f µs (%.0f TFLOP/s), %.0f tokens/s for this matrix\n", std::string(gguf::type_name(t)).c_str(),
                dq_ms * 1e3, mm_ms * 1e3, tflops, static_cast<double>(T) / ((dq_ms + mm_ms) * 1e-3));
    report["gemm"].push_back(Json::object({{"type", std::string(gguf::type_name(t))}, {"dequant_us", dq_ms * 1e3}, {"gemm_us", mm_ms * 1e3},
                                           {"tflops", tflops}}));
  }
}

void bench_small_kernels(cudaStream_t stream, const Options& o, Json& report) {
  // 8B geometry: 4096 wide, 32 heads of 128, 8 KV heads; an F16 cache of 4096 cells.
  const int64_t n_embd = 4096, n_ff = 14336, vocab = 128256, head_dim = 128, n_head = 32, n_head_kv = 8, cells = 4096;
  DeviceBytes x(n_embd * 4 * 2), w(n_embd * 4), y(n_embd * 4 * 2), qs(n_ff), ds(n_ff / 16 * 4), q(n_head * head_dim * 4), k(n_head_kv * head_dim * 4),
      v(n_head_kv * head_dim * 4), g(n_ff * 4), u(n_ff * 4), h(n_ff * 4), logits(vocab * 4), ids(64 * 4), lp(64 * 4), lse(16);
  const std::size_t kv_row = static_cast<std::size_t>(n_head_kv * head_dim) * 2;
  DeviceBytes kc(kv_row * cells), vc(kv_row * cells), pos(4), slot(4), ws(64 << 20);
  cu::fill_f32(x.as<float>(), static_cast<std::size_t>(2 * n_embd), 0.5f, stream);
  cu::fill_f32(w.as<float>(), static_cast<std::size_t>(n_embd), 1.1f, stream);
  cu::fill_f32(q.as<float>(), static_cast<std::size_t>(n_head * head_dim), 0.3f, stream);
  for (auto* b : {&k, &v}) cu::fill_f32(b->as<float>(), static_cast<std::size_t>(n_head_kv * head_dim), 0.2f, stream);
  for (auto* b : {&g, &u, &h}) cu::fill_f32(b->as<float>(), static_cast<std::size_t>(n_ff), 0.7f, stream);
  // Finite f16 values (random bits would hold NaN/Inf): each float 0.5f is the halves 0 and 1.75.
  cu::fill_f32(kc.as<float>(), kv_row * cells / 4, 0.5f, stream);
  cu::fill_f32(vc.as<float>(), kv_row * cells / 4, 0.25f, stream);
  cu::fill_f32(logits.as<float>(), static_cast<std::size_t>(vocab), 1.0f, stream);
  const int32_t zero = 0;
  HEARTH_CUDA_CHECK(cudaMemcpy(slot.p, &zero, 4, cudaMemcpyHostToDevice));
  cu::KvCacheView cache;
  cache.k = kc.p, cache.v = vc.p, cache.type = TensorType::F16, cache.row_stride = kv_row, cache.n_embd_k = cache.n_embd_v = n_head_kv * head_dim;
  cache.cells_per_slot = cells, cache.n_rows = cells;
  cu::RopeParams rope;
  rope.n_rot = rope.head_dim = static_cast<int>(head_dim), rope.freq_base = 500000.f;

  struct Kernel {
    const char* name;
    std::function<void()> launch;
  };
  int sm_count = 0;
  HEARTH_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, 0));
  // The position is copied once before timing, so the figure is the kernels alone.
  auto attention_at = [&](int32_t position) {
    HEARTH_CUDA_CHECK(cudaMemcpy(pos.p, &position, 4, cudaMemcpyHostToDevice));
    return [&] {
      cu::AttentionArgs a;
      a.q = q.as<float>(), a.ldq = n_head * head_dim, a.out = y.as<float>(), a.ldo = n_head * head_dim, a.tokens = 1;
      a.n_head = static_cast<int>(n_head), a.n_head_kv = static_cast<int>(n_head_kv), a.head_dim = static_cast<int>(head_dim);
      a.scale = 0.088f, a.cache = cache, a.positions = pos.as<int32_t>(), a.slots = slot.as<int32_t>();
      const auto plan = cu::plan_attention(1, cells, static_cast<int>(n_head), static_cast<int>(n_head_kv), sm_count);
      a.n_chunks = plan.n_chunks, a.chunk_keys = plan.chunk_keys, a.workspace = ws.as<float>();
      cu::attention(a, stream);
    };
  };
  const std::vector<Kernel> kernels = {
      {"rms_norm + Q8_1 (4096)", [&] { cu::rms_norm(x.as<float>(), n_embd, w.as<float>(), y.as<float>(), n_embd, n_embd, 1, 1e-5f, qs.as<int8_t>(), ds.as<float>(), stream); }},
      {"quantize Q8_1 (14336)", [&] { cu::quantize_q8_1(h.as<float>(), n_ff, n_ff, 1, qs.as<int8_t>(), ds.as<float>(), stream); }},
      {"swiglu + Q8_1 (14336)", [&] { cu::glu(cu::GluKind::Silu, g.as<float>(), n_ff, u.as<float>(), n_ff, h.as<float>(), n_ff, n_ff, 1, qs.as<int8_t>(), ds.as<float>(), stream); }},
      {"add (4096)", [&] { cu::add(x.as<float>(), n_embd, y.as<float>(), n_embd, x.as<float>(), n_embd, n_embd, 1, stream); }},
      {"rope Q,K + store F16 KV", [&] {
         cu::RopeStoreArgs a;
         a.q = q.as<float>(), a.ldq = n_head * head_dim, a.n_head_q = static_cast<int>(n_head);
         a.k = k.as<float>(), a.ldk = n_head_kv * head_dim, a.n_head_k = static_cast<int>(n_head_kv);
         a.v = v.as<float>(), a.ldv = n_head_kv * head_dim, a.tokens = 1, a.positions = pos.as<int32_t>(), a.slots = slot.as<int32_t>();
         a.rope = &rope, a.cache = cache;
         cu::rope_store_kv(a, stream);
       }},
      {"top-10 log-softmax (128256)", [&] { cu::top_k_logprobs(logits.as<float>(), vocab, vocab, 1, 10, ids.as<int32_t>(), lp.as<float>(), lse.as<float>(), stream); }},
  };
  HEARTH_CUDA_CHECK(cudaMemcpy(pos.p, &zero, 4, cudaMemcpyHostToDevice));
  const int calls = 100, batches = o.quick ? 5 : 20;
  std::printf("\n== small kernels (8B geometry): µs per launch, %d back-to-back launches eagerly vs replayed from one CUDA graph\n", calls);
  std::printf("  %-30s %10s %10s\n", "kernel", "eager", "graph");
  Json& out = report["small_kernels"];
  for (const Kernel& kern : kernels) {
    const double eager = median_ms(stream, calls, batches, 2, [&](int) { kern.launch(); }) * 1e3;
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    HEARTH_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < calls; ++i) kern.launch();
    HEARTH_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    HEARTH_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    const double replay = median_ms(stream, 1, batches, 2, [&](int) { HEARTH_CUDA_CHECK(cudaGraphLaunch(exec, stream)); }) * 1e3 / calls;
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    std::printf("  %-30s %10.2f %10.2f\n", kern.name, eager, replay);
    out.push_back(Json::object({{"kernel", kern.name}, {"eager_us", eager}, {"graph_us", replay}}));
  }
  // Attention at two context lengths, eager launches.
  for (int32_t position : {511, 4095}) {
    auto launch = attention_at(position);
    const double us = median_ms(stream, 20, batches, 2, [&](int) { launch(); }) * 1e3;
    const double kv_bytes = 2.0 * static_cast<double>(kv_row) * (position + 1);
    std::printf("  attention, 1 token at position %-5d %8.2f µs, KV %.1f MB → %.0f GB/s\n", position, us,
                kv_bytes / 1e6, kv_bytes / (us * 1e3));
    out.push_back(Json::object({{"kernel", "attention@" + std::to_string(position)}, {"eager_us", us}}));
  }
}

}  // namespace hearth::bench
