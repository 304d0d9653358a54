// kernels/cuda/cuda_kernels.h — every host launcher of hearth's CUDA kernels.
//
// Three layers, as in the design guide: file-local __global__ kernels (one op family per .cu
// file), the launchers declared here — raw device pointers, sizes and a stream; each checks
// sizes, divisibility and alignment (std::invalid_argument naming the problem) and the launch
// error (CudaError) — and the backend (engine/cuda) that checks tensor types and shapes and picks
// a launcher. Launchers are asynchronous: they enqueue work on `stream` and return.
//
// Conventions: matrices are row-major with a leading dimension in elements (`ld*`), activations
// are F32 rows of `cols` elements, T = tokens (rows of activations). Weight rows keep their GGUF
// block layout byte for byte (no repacking), `row_stride` bytes apart.
//
//   quantize_q8_1(x, ldx, k, T, act.qs, act.ds, stream);          // once per step and input
//   gemv(type, k, T, &matrix, 1, {act.qs, act.ds}, {}, stream);    // decode: y = W·x (+bias)
//   attention(args, stream);                                       // split-K over the KV cache
//   top_k_logprobs(logits, ld, n_vocab, rows, k, ids, logprobs, lse, stream);
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "gguf/types.h"

namespace hearth::cuda {

using gguf::TensorType;

// ---- activations in Q8_1 (llama.cpp's CUDA convention, spec §2.5) ------------------------------
// T rows of k floats (k % 32 == 0) → qs: T×k int8 (row r at qs + r·k, 16-byte aligned base) and
// ds: T×(k/32) pairs (d = amax/127, Σx) as floats (row r at ds + r·k/16).
void quantize_q8_1(const float* x, int64_t ldx, int64_t k, int64_t rows, int8_t* qs, float* ds, cudaStream_t stream);

// ---- GEMV: decode-size matrix products ---------------------------------------------------------

inline constexpr int kGemvMaxTokens = 8;    // activation rows per launch (more: several launches)
inline constexpr int kGemvMaxMatrices = 3;  // matrices sharing one input per launch (Q, K, V)

// One weight matrix of `rows` rows of k elements and where its output goes.
struct GemvMatrix {
  const void* w = nullptr;
  std::size_t row_stride = 0;  // bytes; ≥ row bytes, a multiple of the type's alignment
  int64_t rows = 0;
  float* y = nullptr;          // T rows of `rows` outputs, ldy apart
  int64_t ldy = 0;
  const float* bias = nullptr; // optional, `rows` floats added to every output row
  bool accumulate = false;     // y += W·x (+bias) instead of y = W·x (+bias)
  float* add_to = nullptr;     // optional: also z += (the value written to y), z rows ld_add apart
  int64_t ld_add = 0;          //   (a residual add fused into the product; z must not alias y or x)
};

// The shared input: Q8_1 rows (quantized weight types) or f32 rows (F32/F16/BF16 weights).
struct GemvInput {
  const int8_t* qs = nullptr;  // Q8_1 quants, row r at qs + r·k
  const float* ds = nullptr;   // Q8_1 (d, Σx) pairs, row r at ds + r·(k/16)
  const float* x = nullptr;    // f32 rows, ldx apart
  int64_t ldx = 0;
};

// Launch shape: CUDA threads per block and weight rows per block (each row gets a group of
// threads/rows threads, a multiple of 32). threads = 0 (the default, what the backend uses):
// 128 threads with 1, 2 or 4 rows chosen by the row's width. T == 1 offers 128×{1,2,4}, 64×1
// and 256×1 (benchmarks sweep them); T > 1 offers 128×{1,2}.
struct GemvConfig {
  int threads = 0;
  int rows_per_block = 0;
};

bool gemv_supports(TensorType type);
// True when the type's GEMV consumes Q8_1 activations (all quantized types).
bool gemv_uses_q8_1(TensorType type);
// y_m = W_m · x for 1..kGemvMaxMatrices matrices of one type and width k, T ≤ kGemvMaxTokens.
void gemv(TensorType type, int64_t k, int64_t tokens, const GemvMatrix* matrices, int n_matrices, const GemvInput& input,
          const GemvConfig& config, cudaStream_t stream);

// ---- dequantization, embedding lookup, conversions --------------------------------------------

bool dequantize_supports(TensorType type);  // every GEMV type, including F32/F16/BF16
// dst row r (ldd floats apart) = dequantized source row ids[r] (or r when ids is null, a device
// array of `rows` int32). Bit-exact with the CPU's dequantize_row.
void dequantize_rows_f32(TensorType type, const void* src, std::size_t src_stride, int64_t cols, int64_t rows,
                         const int32_t* ids, float* dst, int64_t ldd, cudaStream_t stream);
// As above into IEEE half (uint16_t bits), for the tensor-core GEMM path.
void dequantize_rows_f16(TensorType type, const void* src, std::size_t src_stride, int64_t cols, int64_t rows,
                         uint16_t* dst, int64_t ldd, cudaStream_t stream);
// f32 rows → half / bfloat16 rows (round to nearest even).
void convert_f32_to_f16(const float* x, int64_t ldx, int64_t cols, int64_t rows, uint16_t* y, int64_t ldy, cudaStream_t stream);
void convert_f32_to_bf16(const float* x, int64_t ldx, int64_t cols, int64_t rows, uint16_t* y, int64_t ldy, cudaStream_t stream);

// ---- normalization and element-wise ops --------------------------------------------------------

// y = x / sqrt(mean(x²) + eps) · w (w may be null) per row. When q8_qs is given (cols % 32 == 0),
// also writes y as Q8_1 rows (see quantize_q8_1), sparing the next matmul its quantization.
void rms_norm(const float* x, int64_t ldx, const float* w, float* y, int64_t ldy, int64_t cols, int64_t rows, float eps,
              int8_t* q8_qs, float* q8_ds, cudaStream_t stream);
// y = a + b (y may alias a or b).
void add(const float* a, int64_t lda, const float* b, int64_t ldb, float* y, int64_t ldy, int64_t cols, int64_t rows,
         cudaStream_t stream);
// y += bias (one row of `cols` floats added to every row).
void add_bias(float* y, int64_t ldy, const float* bias, int64_t cols, int64_t rows, cudaStream_t stream);

enum class GluKind { Silu, GeluTanh };
// y = act(gate) ⊙ up (y may alias gate or up). With q8_qs (cols % 32 == 0) y is also written as
// Q8_1 rows, the input format of the down projection.
void glu(GluKind kind, const float* gate, int64_t ldg, const float* up, int64_t ldu, float* y, int64_t ldy, int64_t cols,
         int64_t rows, int8_t* q8_qs, float* q8_ds, cudaStream_t stream);
// In place: row i of x becomes row rows[i] (rows: device array of n ascending indices ≥ i).
void gather_rows_in_place(float* x, int64_t ldx, int64_t cols, const int32_t* rows, int64_t n, cudaStream_t stream);

// ---- RoPE and the KV cache ---------------------------------------------------------------------

struct RopeParams {
  int neox = 0;       // 0: rotate (2i, 2i+1) (llama); 1: rotate (i, i + n_rot/2) (qwen, gemma, phi3)
  int n_rot = 0;      // even, ≤ head_dim
  int head_dim = 0;
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
  const float* freq_factors = nullptr;  // device, n_rot/2 divisors of θ_i, or null
  float ext_factor = 0.0f;              // YaRN
  float attn_factor = 1.0f;
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  int n_ctx_orig = 0;
};

// One layer of the cache: K and V rows of n_embd elements of `type` (F32, F16 or Q8_0),
// row_stride bytes apart; the row of (slot s, position p) is s·cells_per_slot + p.
struct KvCacheView {
  void* k = nullptr;
  void* v = nullptr;
  TensorType type = TensorType::F16;
  std::size_t row_stride = 0;
  int64_t n_embd_k = 0, n_embd_v = 0;
  int64_t cells_per_slot = 0;
  int64_t n_rows = 0;  // slots × cells_per_slot (rows outside are never written)
};

bool kv_cache_supports(TensorType type);

// One launch for the attention input of a layer: RoPE of Q and K rows in place (when rope is
// given), then the K and V rows stored into their cache cells (when cache.k is given). Any of
// q / k / v may be null. positions and slots are device arrays of T int32.
struct RopeStoreArgs {
  float* q = nullptr;
  int64_t ldq = 0;
  int n_head_q = 0;
  float* k = nullptr;
  int64_t ldk = 0;
  int n_head_k = 0;
  const float* v = nullptr;
  int64_t ldv = 0;
  int64_t tokens = 0;
  const int32_t* positions = nullptr;
  const int32_t* slots = nullptr;
  const RopeParams* rope = nullptr;  // host pointer; null = no rotation
  KvCacheView cache;                 // cache.k == null: no store
};
void rope_store_kv(const RopeStoreArgs& args, cudaStream_t stream);

// Rotates n cached K rows starting at `first_row` by the angles in cos_sin (device, n_rot floats:
// cos θ_i, sin θ_i pairs), converting each row from and back to the cache type (a context shift).
void kv_rotate_rows(const KvCacheView& cache, int64_t first_row, int64_t n, int n_head_kv, int head_dim, int n_rot, int neox,
                    const float* cos_sin, cudaStream_t stream);

// ---- attention ---------------------------------------------------------------------------------

// Causal attention of T query rows over their slots' cached cells 0..position, n_head query
// heads of head_dim sharing n_head_kv KV heads (GQA). The keys of a (token, KV head) are split
// among n_chunks chunk blocks (flash-decoding) whose partial results a second kernel merges. The
// split follows each token's current length (read from `positions` on the device): pieces of
// max(chunk_keys, ⌈length / n_chunks⌉) keys, so chunk blocks past the sequence exit at once and a
// captured CUDA graph stays valid while sequences grow (attention_math.h).
struct AttentionArgs {
  const float* q = nullptr;
  int64_t ldq = 0;
  float* out = nullptr;
  int64_t ldo = 0;
  int64_t tokens = 0;
  int n_head = 0, n_head_kv = 0, head_dim = 0;
  float scale = 0.0f;
  float softcap = 0.0f;  // > 0: score = softcap·tanh(score/softcap)
  KvCacheView cache;
  const int32_t* positions = nullptr;  // device, T
  const int32_t* slots = nullptr;      // device, T
  int n_chunks = 1;                    // from plan_attention; 1..256
  int64_t chunk_keys = 32;             // fewest keys per chunk (a shorter sequence uses fewer chunks)
  float* workspace = nullptr;          // attention_workspace_floats() floats (16-byte aligned) when n_chunks > 1
};

struct AttentionPlan {
  int n_chunks = 1;
  int64_t chunk_keys = 32;
};
// Chunk count for a launch: enough (token, KV head, chunk) blocks to give every multiprocessor
// about four when the sequences are long, at most kAttentionMaxChunks, never chunks of fewer than
// 32 keys of a full slot. Depends only on the shapes, so a captured CUDA graph stays valid while
// positions grow; prefill-sized T gets one chunk.
inline constexpr int kAttentionMaxChunks = 64;
AttentionPlan plan_attention(int64_t tokens, int64_t cells_per_slot, int n_head, int n_head_kv, int sm_count);
std::size_t attention_workspace_floats(int64_t tokens, int n_head, int head_dim, int n_chunks);
// Largest GQA group (n_head / n_head_kv) and head size the kernel accepts.
inline constexpr int kAttentionMaxGroup = 16;
inline constexpr int kAttentionMaxHeadDim = 512;
void attention(const AttentionArgs& args, cudaStream_t stream);

// ---- sampling support --------------------------------------------------------------------------

// Per row of logits: lse = log Σ exp, and the k largest entries (ties: lower index first) as ids
// and log-probabilities (logit − lse), best first. Outputs are device arrays of rows×k (ids,
// logprobs) and rows (lse); entries past the vocabulary are id −1. k ≤ kTopKMax.
inline constexpr int kTopKMax = 64;
void top_k_logprobs(const float* logits, int64_t ld, int64_t n_vocab, int64_t rows, int k, int32_t* ids, float* logprobs,
                    float* lse, cudaStream_t stream);

// ---- memory ------------------------------------------------------------------------------------

// dst = src with 16-byte loads and stores (both 16-byte aligned, bytes % 16 == 0): the
// device-to-device copy the benchmarks use as the bandwidth ceiling.
void copy_bytes(void* dst, const void* src, std::size_t bytes, cudaStream_t stream);
// Sets n floats to `value` (tests poison outputs with NaN before every run).
void fill_f32(float* dst, std::size_t n, float value, cudaStream_t stream);
// Fills `bytes` (a multiple of 8, 8-byte aligned) with pseudo-random bits from `seed` (splitmix64
// of the word index): benchmark inputs that are neither zeros nor copied from the host.
void fill_random_bytes(void* dst, std::size_t bytes, uint64_t seed, cudaStream_t stream);
// Device-wide sum of `bytes` (16-byte aligned, a multiple of 16) as 32-bit words into *sink:
// a pure streaming read, the bandwidth ceiling of kernels that only read (GEMV).
void read_bytes(const void* src, std::size_t bytes, unsigned* sink, cudaStream_t stream);

}  // namespace hearth::cuda
