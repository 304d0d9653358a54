#include "engine/cpu/cpu_backend.h"

#include <sys/mman.h>

#include <cerrno>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include "engine/cpu/cpu_stream.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"

namespace hearth::engine {
namespace {

// Anonymous private mapping: zero-filled, page-aligned, and pages cost memory only once touched,
// so a large KV cache for a long num_ctx commits memory as the context fills.
class HostBuffer final : public Buffer {
 public:
  explicit HostBuffer(std::size_t bytes) : size_(bytes) {
    if (bytes == 0) return;
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      throw std::system_error(errno, std::generic_category(), "cannot allocate " + std::to_string(bytes) + " bytes of host memory");
    data_ = p;
  }
  ~HostBuffer() override {
    if (data_) ::munmap(data_, size_);
  }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  void* data() const override { return data_; }
  std::size_t size() const override { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_;
};

class CpuBackend final : public Backend {
 public:
  std::string_view name() const override { return "cpu"; }

  bool supports_weight_type(gguf::TensorType type) const override { return cpu::is_supported_weight_type(type); }
  bool supports_kv_type(gguf::TensorType type) const override { return cpu::is_supported_kv_type(type); }

  Tensor bind_weight(const gguf::TensorInfo& info) override {
    if (!supports_weight_type(info.type))
      throw std::invalid_argument("tensor '" + info.name + "' has type " + std::string(gguf::type_name(info.type)) +
                                  ", which the CPU backend cannot compute with");
    if (info.ne[2] != 1 || info.ne[3] != 1)
      throw std::invalid_argument("tensor '" + info.name + "' has shape " + info.shape_string() + "; only 1-D and 2-D weights are used");
    // Zero-copy: the tensor points into the read-only mapping (ops never write to weights).
    return make_tensor(info.type, static_cast<int64_t>(info.ne[0]), static_cast<int64_t>(info.ne[1]),
                       const_cast<uint8_t*>(info.data), info.name);
  }
  uint64_t bound_weight_bytes() const override { return 0; }

  std::unique_ptr<Buffer> allocate(std::size_t bytes) override { return std::make_unique<HostBuffer>(bytes); }

  std::unique_ptr<Stream> create_stream(const StreamOptions& options) override {
    return std::make_unique<CpuStream>(options.n_threads, options.numerics);
  }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace hearth::engine
