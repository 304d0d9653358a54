#include "engine/cuda/cuda_backend.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/cuda/cuda_stream.h"
#include "engine/model_hparams.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_kernels.h"

namespace hearth::engine {

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& options) { return std::make_unique<cuda::CudaBackend>(options); }

namespace cuda {
namespace {

constexpr std::size_t kStagingBytes = std::size_t{32} << 20;

// Persistent zero-filled device memory (the KV cache).
class DeviceBuffer final : public Buffer {
 public:
  explicit DeviceBuffer(std::size_t bytes) : memory_(bytes, /*zero=*/true) {
    HEARTH_CUDA_CHECK(cudaDeviceSynchronize());  // the memset has finished before any stream uses it
  }
  void* data() const override { return memory_.get(); }
  std::size_t size() const override { return memory_.size(); }

 private:
  DeviceAllocation memory_;
};

// Device memory the run needs besides the weights: the KV cache of one context of `ctx` tokens
// (F16), one prefill batch of activations, the dequantized-weight buffer of the GEMM path,
// library workspaces and a margin for the CUDA context's own allocations.
uint64_t estimate_reserve(const ModelHParams& hp, int ctx) {
  const uint64_t kv = uint64_t{hp.n_layer} * static_cast<uint64_t>(ctx) * (hp.n_embd_k() + hp.n_embd_v()) * 2;
  const uint64_t width = std::max({hp.n_embd, hp.n_embd_q(), hp.n_embd_k() + hp.n_embd_v()});
  const uint64_t per_token = 10ull * width + 4ull * hp.n_ff + hp.n_vocab;
  const uint64_t activations = per_token * 512 * sizeof(float);
  return kv + activations + (uint64_t{64} << 20) + (uint64_t{512} << 20);
}

}  // namespace

CudaBackend::CudaBackend(const BackendOptions& options) : options_(options), device_(options.device), graphs_(options.cuda_graphs) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw BackendUnavailable(std::string("the CUDA backend found no usable GPU: ") + cudaGetErrorString(err));
  }
  if (device_ < 0 || device_ >= count)
    throw BackendUnavailable("CUDA device " + std::to_string(device_) + " does not exist (" + std::to_string(count) + " found)");
  HEARTH_CUDA_CHECK(cudaSetDevice(device_));
  HEARTH_CUDA_CHECK(cudaGetDeviceProperties(&props_, device_));
  HEARTH_CUDA_CHECK(cudaStreamCreateWithFlags(&upload_stream_, cudaStreamNonBlocking));
  for (auto& e : staging_done_) HEARTH_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
}

CudaBackend::~CudaBackend() {
  for (auto& e : staging_done_)
    if (e) cudaEventDestroy(e);
  if (upload_stream_) cudaStreamDestroy(upload_stream_);
}

bool CudaBackend::supports_weight_type(gguf::TensorType type) const { return hearth::cuda::gemv_supports(type); }
bool CudaBackend::supports_kv_type(gguf::TensorType type) const { return hearth::cuda::kv_cache_supports(type); }

void CudaBackend::plan_weights(const gguf::GgufFile& file) {
  HEARTH_CUDA_CHECK(cudaSetDevice(device_));
  const ModelHParams hp = read_hparams(file);
  PlacementInput in = placement_input(file, hp.n_layer);
  std::size_t free_bytes = 0, total_bytes = 0;
  HEARTH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  in.free_bytes = free_bytes;
  in.reserve_bytes = options_.device_reserve ? options_.device_reserve : estimate_reserve(hp, options_.context_hint);
  in.requested_layers = options_.gpu_layers;
  try {
    placement_ = plan_placement(in);
  } catch (const PlacementError& e) {
    throw ModelError(file.path(), std::string(e.what()) + " [" + hearth::cuda::describe_device(device_) + "]");
  }
  planned_bytes_ = placement_->device_bytes;
  pool_ = DeviceAllocation(planned_bytes_);
  pool_used_ = 0;
}

bool CudaBackend::is_host_weight(const void* data) const {
  const auto* p = static_cast<const uint8_t*>(data);
  auto it = std::upper_bound(host_ranges_.begin(), host_ranges_.end(), p,
                             [](const uint8_t* v, const std::pair<const uint8_t*, const uint8_t*>& r) { return v < r.first; });
  if (it == host_ranges_.begin()) return false;
  --it;
  return p >= it->first && p < it->second;
}

Tensor CudaBackend::bind_weight(const gguf::TensorInfo& info) {
  if (!supports_weight_type(info.type))
    throw std::invalid_argument("tensor '" + info.name + "' has type " + std::string(gguf::type_name(info.type)) +
                                ", which the CUDA backend cannot compute with");
  if (info.ne[2] != 1 || info.ne[3] != 1)
    throw std::invalid_argument("tensor '" + info.name + "' has shape " + info.shape_string() + "; only 1-D and 2-D weights are used");
  const auto cols = static_cast<int64_t>(info.ne[0]), rows = static_cast<int64_t>(info.ne[1]);

  if (placement_ && is_offloadable(info) && !placement_->on_gpu(tensor_layer(info.name))) {
    // Hybrid offload: the block's matrices stay in the mapping; their products run on the CPU.
    const uint8_t* begin = info.data;
    host_ranges_.insert(std::upper_bound(host_ranges_.begin(), host_ranges_.end(), std::make_pair(begin, begin + info.nbytes)),
                        std::make_pair(begin, begin + info.nbytes));
    return make_tensor(info.type, cols, rows, const_cast<uint8_t*>(info.data), info.name);
  }

  HEARTH_CUDA_CHECK(cudaSetDevice(device_));
  void* dst = nullptr;
  const uint64_t pooled = pooled_bytes(info.nbytes);
  if (placement_ && pool_used_ + pooled <= pool_.size()) {
    dst = static_cast<uint8_t*>(pool_.get()) + pool_used_;
    pool_used_ += pooled;
  } else {
    loose_.emplace_back(pooled);
    dst = loose_.back().get();
  }
  upload(dst, info.data, info.nbytes);
  bound_bytes_ += info.nbytes;
  if (options_.upload_progress) options_.upload_progress(bound_bytes_, std::max(planned_bytes_, bound_bytes_));
  return make_tensor(info.type, cols, rows, dst, info.name);
}

// Copies through two pinned staging buffers so the host copy of one chunk (which also pages the
// file in) overlaps the DMA of the previous one.
void CudaBackend::upload(void* dst, const uint8_t* src, uint64_t bytes) {
  if (bytes == 0) return;
  for (auto& s : staging_)
    if (!s.get()) s = PinnedAllocation(kStagingBytes);
  uint64_t done = 0;
  int which = 0;
  while (done < bytes) {
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(kStagingBytes, bytes - done));
    HEARTH_CUDA_CHECK(cudaEventSynchronize(staging_done_[which]));
    std::memcpy(staging_[which].get(), src + done, n);
    HEARTH_CUDA_CHECK(cudaMemcpyAsync(static_cast<uint8_t*>(dst) + done, staging_[which].get(), n, cudaMemcpyHostToDevice, upload_stream_));
    HEARTH_CUDA_CHECK(cudaEventRecord(staging_done_[which], upload_stream_));
    done += n;
    which ^= 1;
  }
  HEARTH_CUDA_CHECK(cudaStreamSynchronize(upload_stream_));
}

std::unique_ptr<Buffer> CudaBackend::allocate(std::size_t bytes) {
  HEARTH_CUDA_CHECK(cudaSetDevice(device_));
  return std::make_unique<DeviceBuffer>(bytes);
}

std::unique_ptr<Stream> CudaBackend::create_stream(const StreamOptions& options) { return std::make_unique<CudaStream>(*this, options.n_threads); }

}  // namespace cuda
}  // namespace hearth::engine
