// engine/cuda/stream_ops.h — internal: the launches a CudaStream records (StepRecorder).
//
// Each struct holds every argument of one launch by value (device pointers and sizes, never host
// pointers to data that may change), and each run_* function turns it into launcher calls. Build
// them with zeroed<>() and assign fields one by one, so equal launches have equal bytes — that
// equality is what decides whether a captured CUDA graph may be replayed.
#pragma once

#include <cuda_runtime_api.h>
#include <library_types.h>

#include "kernels/cuda/cublas_gemm.h"
#include "kernels/cuda/cuda_kernels.h"

namespace hearth::engine::cuda {

namespace kern = hearth::cuda;

struct QuantizeOp {
  const float* x;
  int64_t ldx, cols, rows;
  int8_t* qs;
  float* ds;
};
inline void run_quantize(const QuantizeOp& a, cudaStream_t s) { kern::quantize_q8_1(a.x, a.ldx, a.cols, a.rows, a.qs, a.ds, s); }

struct GemvOp {
  gguf::TensorType type;
  int64_t k, tokens;
  int n_matrices;
  kern::GemvMatrix m[kern::kGemvMaxMatrices];
  kern::GemvInput in;
  kern::GemvConfig config;
};
inline void run_gemv(const GemvOp& a, cudaStream_t s) { kern::gemv(a.type, a.k, a.tokens, a.m, a.n_matrices, a.in, a.config, s); }

struct RmsNormOp {
  const float* x;
  int64_t ldx;
  const float* w;
  float* y;
  int64_t ldy, cols, rows;
  float eps;
  int8_t* qs;
  float* ds;
};
inline void run_rms_norm(const RmsNormOp& a, cudaStream_t s) { kern::rms_norm(a.x, a.ldx, a.w, a.y, a.ldy, a.cols, a.rows, a.eps, a.qs, a.ds, s); }

struct AddOp {
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float* y;
  int64_t ldy, cols, rows;
};
inline void run_add(const AddOp& a, cudaStream_t s) { kern::add(a.a, a.lda, a.b, a.ldb, a.y, a.ldy, a.cols, a.rows, s); }

struct AddBiasOp {
  float* y;
  int64_t ldy;
  const float* bias;
  int64_t cols, rows;
};
inline void run_add_bias(const AddBiasOp& a, cudaStream_t s) { kern::add_bias(a.y, a.ldy, a.bias, a.cols, a.rows, s); }

struct GluOp {
  kern::GluKind kind;
  const float* gate;
  int64_t ldg;
  const float* up;
  int64_t ldu;
  float* y;
  int64_t ldy, cols, rows;
  int8_t* qs;
  float* ds;
};
inline void run_glu(const GluOp& a, cudaStream_t s) { kern::glu(a.kind, a.gate, a.ldg, a.up, a.ldu, a.y, a.ldy, a.cols, a.rows, a.qs, a.ds, s); }

// RoPE of Q and/or K and the KV-cache store, by value (rope_store_kv takes the params by pointer).
struct RopeOp {
  float* q;
  int64_t ldq;
  int n_head_q;
  float* k;
  int64_t ldk;
  int n_head_k;
  const float* v;
  int64_t ldv;
  int64_t tokens;
  const int32_t* positions;
  const int32_t* slots;
  int has_rope;
  kern::RopeParams rope;
  kern::KvCacheView cache;
};
inline void run_rope(const RopeOp& a, cudaStream_t s) {
  kern::RopeStoreArgs r;
  r.q = a.q, r.ldq = a.ldq, r.n_head_q = a.n_head_q;
  r.k = a.k, r.ldk = a.ldk, r.n_head_k = a.n_head_k;
  r.v = a.v, r.ldv = a.ldv;
  r.tokens = a.tokens, r.positions = a.positions, r.slots = a.slots;
  r.rope = a.has_rope ? &a.rope : nullptr;
  r.cache = a.cache;
  kern::rope_store_kv(r, s);
}

struct AttentionOp {
  kern::AttentionArgs args;
};
inline void run_attention(const AttentionOp& a, cudaStream_t s) { kern::attention(a.args, s); }

struct EmbedOp {
  gguf::TensorType type;
  const void* table;
  std::size_t stride;
  int64_t cols, rows;
  const int32_t* ids;
  float* y;
  int64_t ldy;
};
inline void run_embed(const EmbedOp& a, cudaStream_t s) { kern::dequantize_rows_f32(a.type, a.table, a.stride, a.cols, a.rows, a.ids, a.y, a.ldy, s); }

struct GatherOp {
  float* x;
  int64_t ldx, cols;
  const int32_t* rows;
  int64_t n;
};
inline void run_gather(const GatherOp& a, cudaStream_t s) { kern::gather_rows_in_place(a.x, a.ldx, a.cols, a.rows, a.n, s); }

struct DequantF16Op {
  gguf::TensorType type;
  const void* src;
  std::size_t stride;
  int64_t cols, rows;
  uint16_t* dst;
  int64_t ldd;
};
inline void run_dequant_f16(const DequantF16Op& a, cudaStream_t s) { kern::dequantize_rows_f16(a.type, a.src, a.stride, a.cols, a.rows, a.dst, a.ldd, s); }

struct ConvertOp {
  int bf16;
  const float* x;
  int64_t ldx, cols, rows;
  uint16_t* y;
  int64_t ldy;
};
inline void run_convert(const ConvertOp& a, cudaStream_t s) {
  if (a.bf16) kern::convert_f32_to_bf16(a.x, a.ldx, a.cols, a.rows, a.y, a.ldy, s);
  else kern::convert_f32_to_f16(a.x, a.ldx, a.cols, a.rows, a.y, a.ldy, s);
}

// cuBLAS GEMM (prefill only, never inside a captured graph); the stream owns `gemm`.
struct GemmOp {
  kern::CublasGemm* gemm;
  int64_t rows, tokens, k;
  const void* w;
  int64_t ldw;
  const void* x;
  int64_t ldx;
  cudaDataType_t type;
  float* y;
  int64_t ldy;
  float beta;
};
inline void run_gemm(const GemmOp& a, cudaStream_t s) { a.gemm->gemm_wxt(a.rows, a.tokens, a.k, a.w, a.ldw, a.x, a.ldx, a.type, a.y, a.ldy, a.beta, s); }

struct TopKOp {
  const float* logits;
  int64_t ld, n_vocab, rows;
  int k;
  int32_t* ids;
  float* logprobs;
  float* lse;
};
inline void run_top_k(const TopKOp& a, cudaStream_t s) { kern::top_k_logprobs(a.logits, a.ld, a.n_vocab, a.rows, a.k, a.ids, a.logprobs, a.lse, s); }

}  // namespace hearth::engine::cuda
