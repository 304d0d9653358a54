// engine/backend.h — the narrow interface between architectures and the hardware.
//
// A Backend is chosen once when a model loads (backend_factory.h is the only place that knows
// which backends exist). It binds weights — the CPU backend hands out zero-copy views into the
// GGUF mapping, a device backend uploads them once — and allocates persistent buffers (the KV
// cache). Computation happens on a Stream: one per Context, used by one thread at a time, owning
// the worker threads (CPU) or the device queue (CUDA) and a scratch arena for activations.
//
// Architecture files (engine/arch/*.cpp) express the forward pass with Stream ops only:
//
//   Tensor x = ops.embed(w.token_embd, batch);                 // {n_embd, T}
//   Tensor n = ops.rms_norm(x, layer.attn_norm, eps);
//   Tensor q = ops.matmul(layer.wq, n, layer.bq);              // quantized weight × f32 rows (+bias)
//   ops.rope(q, n_head, rope, batch);                          // in place, per-token positions
//   ops.store_kv(kv.layer(il), k, v, batch);                   // cache rows at (slot, position)
//   Tensor a = ops.attention(q, kv.layer(il), attn, batch);    // causal, GQA, per-token slot
//   ops.add_to(x, ops.matmul(layer.wo, a));
//
// Ops return tensors allocated in the stream's scratch arena; a ScratchScope releases everything
// allocated inside it (one per layer keeps the arena at one layer's worth of activations).
// Shapes and types are checked by every op (std::invalid_argument naming the shapes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "engine/tensor.h"
#include "gguf/reader.h"

namespace hearth::engine {

// What one forward pass computes: T entries, each a token at a position of a slot (a sequence
// with its own KV cells). `output_rows` (ascending indices into the entries) are the rows whose
// logits are wanted; the architecture skips the output head for all others.
struct ForwardBatch {
  std::span<const int32_t> tokens;
  std::span<const int32_t> positions;
  std::span<const int32_t> slots;
  std::span<const int32_t> output_rows;
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
};

enum class RopeMode {
  Normal,  // rotate adjacent pairs (2i, 2i+1): llama-arch files
  Neox,    // rotate (i, i + n_rot/2): qwen2, qwen3, gemma, phi3
};

// How an architecture rotates Q and K (spec §3.3). Also used to re-rope cached keys on a shift.
struct RopeConfig {
  RopeMode mode = RopeMode::Normal;
  int n_rot = 0;        // rotated dimensions per head (even, ≤ head_dim)
  int head_dim = 0;
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
  Tensor freq_factors;  // optional F32 {n_rot/2}: θ_i is divided by factor i (llama 3.1 rope_freqs)
  float ext_factor = 0.0f;  // YaRN; 0 = off
  float attn_factor = 1.0f;
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  int n_ctx_orig = 0;
};

struct AttentionConfig {
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  float scale = 0.0f;  // applied to q·k before the softmax
};

// One layer of the KV cache: K and V rows of n_head_kv·head_dim elements (F32, F16 or Q8_0),
// `cells_per_slot` consecutive rows per slot; the row of (slot s, position p) is s·cells + p.
struct KvLayer {
  Tensor k;  // {n_embd_k, n_slots · cells_per_slot}
  Tensor v;  // {n_embd_v, n_slots · cells_per_slot}
  int64_t cells_per_slot = 0;
};

// Persistent backend memory (zero-filled when allocated).
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual void* data() const = 0;
  virtual std::size_t size() const = 0;
};

class Stream {
 public:
  virtual ~Stream() = default;

  // ---- scratch arena ----
  // Activations allocated after a mark are freed by release(mark); ScratchScope does it on exit.
  virtual std::size_t scratch_mark() const = 0;
  virtual void scratch_release(std::size_t mark) = 0;
  virtual Tensor scratch(gguf::TensorType type, int64_t cols, int64_t rows) = 0;
  class ScratchScope {
   public:
    explicit ScratchScope(Stream& s) : stream_(s), mark_(s.scratch_mark()) {}
    ~ScratchScope() { stream_.scratch_release(mark_); }
    ScratchScope(const ScratchScope&) = delete;
    ScratchScope& operator=(const ScratchScope&) = delete;

   private:
    Stream& stream_;
    std::size_t mark_;
  };

  // Called once before the ops of a forward pass (a device backend uploads positions and slots).
  virtual void begin_batch(const ForwardBatch& batch) = 0;

  // ---- forward-pass ops (all activations are F32 {width, T}) ----
  // Rows of `table` ({n_embd, n_vocab}, any supported weight type) for each batch token.
  virtual Tensor embed(const Tensor& table, const ForwardBatch& batch) = 0;
  // Per row: x / sqrt(mean(x²) + eps) · weight (weight F32 {cols}).
  virtual Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps) = 0;
  // w {k, n} (any supported weight type) × x {k, T} → {n, T}, plus bias {n} when given.
  virtual Tensor matmul(const Tensor& w, const Tensor& x, const Tensor& bias = {}) = 0;
  // x += y (same shapes).
  virtual void add_to(const Tensor& x, const Tensor& y) = 0;
  // Rotates n_head heads of every row of x in place at each token's position.
  virtual void rope(const Tensor& x, int n_head, const RopeConfig& rope, const ForwardBatch& batch) = 0;
  // Writes each token's K and V rows into its (slot, position) cell, converting to the cache type.
  virtual void store_kv(const KvLayer& kv, const Tensor& k, const Tensor& v, const ForwardBatch& batch) = 0;
  // Causal attention of q {n_head·head_dim, T} over the cells 0..position of each token's slot.
  virtual Tensor attention(const Tensor& q, const KvLayer& kv, const AttentionConfig& config, const ForwardBatch& batch) = 0;
  // silu(gate) ⊙ up and gelu(gate) ⊙ up.
  virtual Tensor swiglu(const Tensor& gate, const Tensor& up) = 0;
  virtual Tensor gelu_glu(const Tensor& gate, const Tensor& up) = 0;
  // Moves rows[i] to row i in place (rows ascending) and returns the first rows.size() rows.
  virtual Tensor keep_rows(const Tensor& x, std::span<const int32_t> rows) = 0;
  // Copies an F32 tensor to host memory, rows packed (out.size() == elements()).
  virtual void to_host(const Tensor& x, std::span<float> out) = 0;

  // ---- KV cache maintenance ----
  // Copies n cells (K and V) from (src_slot, src_cell) to (dst_slot, dst_cell); ranges may overlap.
  virtual void kv_copy(const KvLayer& kv, int src_slot, int64_t src_cell, int dst_slot, int64_t dst_cell, int64_t n) = 0;
  // Rotates the cached keys of n cells of `slot` by `delta` positions (a context shift).
  virtual void kv_rope_shift(const KvLayer& kv, int slot, int64_t first_cell, int64_t n, int32_t delta,
                             const RopeConfig& rope, int n_head_kv) = 0;
  // Reads one cached row back as floats (K when `value` is false), for tests and diagnostics.
  virtual void kv_read_row(const KvLayer& kv, bool value, int slot, int64_t cell, std::span<float> out) = 0;

  // Waits for queued work (no-op on the CPU, where ops complete before returning).
  virtual void synchronize() = 0;
};

// Which arithmetic a stream uses. Fast: hearth's own kernels (any summation order, results agree
// with llama.cpp to f32 rounding). LlamaCpp: the CPU backend reproduces llama.cpp's x86 AVX-512
// CPU build operation for operation (kernels/cpu/parity.h) — bit-identical activations, so
// logprobs match llama.cpp's to ~1e-6 even where activation re-quantization makes a model
// chaotic; slower, F32 KV cache only. Device backends ignore it.
enum class Numerics { Fast, LlamaCpp };

// "fast" / "llamacpp" (also "llama.cpp"), case-insensitive; nullopt otherwise.
std::optional<Numerics> parse_numerics(std::string_view name);
std::string_view numerics_name(Numerics n);

struct StreamOptions {
  int n_threads = 0;  // 0 = the backend's default (CPU: physical cores)
  Numerics numerics = Numerics::Fast;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;

  virtual bool supports_weight_type(gguf::TensorType type) const = 0;
  virtual bool supports_kv_type(gguf::TensorType type) const = 0;
  // Called once by Model, before the first bind_weight, with the whole file. A device backend
  // decides here which weights it keeps in device memory and throws — before allocating
  // anything — when the model cannot run on it; the CPU backend has nothing to decide.
  virtual void plan_weights(const gguf::GgufFile& file) { (void)file; }
  // Makes a GGUF tensor usable by the ops (CPU: a view of the mapped bytes; device: an upload).
  // 1-D tensors become {ne0, 1}. Throws std::invalid_argument for an unsupported type.
  virtual Tensor bind_weight(const gguf::TensorInfo& info) = 0;
  // Bytes of weights copied into backend memory so far (0 for the CPU's zero-copy views).
  virtual uint64_t bound_weight_bytes() const = 0;
  // Persistent zero-filled memory, e.g. the KV cache.
  virtual std::unique_ptr<Buffer> allocate(std::size_t bytes) = 0;
  virtual std::unique_ptr<Stream> create_stream(const StreamOptions& options) = 0;
};

}  // namespace hearth::engine
