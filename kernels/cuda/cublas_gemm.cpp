#include "kernels/cuda/cublas_gemm.h"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <string>

#include "kernels/cuda/cuda_check.h"

namespace hearth::cuda {

struct CublasGemm::Library {
  void* so = nullptr;
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  // Spelled out: C++ sees cublasGemmEx overloaded (a legacy cudaDataType compute-type form).
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*, const void*, cudaDataType, int,
                            const void*, cudaDataType, int, const void*, void*, cudaDataType, int, cublasComputeType_t,
                            cublasGemmAlgo_t) = nullptr;
  ~Library() {
    if (so) dlclose(so);
  }
};

CublasGemm::CublasGemm() = default;

CublasGemm::~CublasGemm() {
  if (handle_ && lib_ && lib_->destroy) lib_->destroy(static_cast<cublasHandle_t>(handle_));
}

bool CublasGemm::available() {
  if (tried_) return handle_ != nullptr;
  tried_ = true;
  auto lib = std::make_unique<Library>();
  for (const char* name : {"libcublas.so.13", "libcublas.so"}) {
    lib->so = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib->so) break;
  }
  if (!lib->so) {
    status_ = std::string("libcublas.so.13 not found (") + dlerror() + "); prefill falls back to the GEMV kernels";
    return false;
  }
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib->so, name));
    return fn != nullptr;
  };
  if (!sym(lib->create, "cublasCreate_v2") || !sym(lib->destroy, "cublasDestroy_v2") || !sym(lib->set_stream, "cublasSetStream_v2") ||
      !sym(lib->gemm_ex, "cublasGemmEx")) {
    status_ = "libcublas lacks a needed symbol; prefill falls back to the GEMV kernels";
    return false;
  }
  cublasHandle_t h = nullptr;
  const cublasStatus_t st = lib->create(&h);
  if (st != CUBLAS_STATUS_SUCCESS) {
    status_ = "cublasCreate failed with status " + std::to_string(static_cast<int>(st));
    return false;
  }
  handle_ = h;
  lib_ = std::move(lib);
  status_ = "cuBLAS loaded";
  return true;
}

void CublasGemm::gemm_wxt(int64_t rows, int64_t tokens, int64_t k, const void* w, int64_t ldw, const void* x, int64_t ldx, cudaDataType_t type,
                          float* y, int64_t ldy, float beta, cudaStream_t stream) {
  if (!available()) throw CudaError(cudaErrorNotSupported, "cuBLAS is not available: " + status_);
  if (rows <= 0 || tokens <= 0 || k <= 0) return;
  const auto h = static_cast<cublasHandle_t>(handle_);
  cublasStatus_t st = lib_->set_stream(h, stream);
  const float alpha = 1.0f;
  if (st == CUBLAS_STATUS_SUCCESS)
    st = lib_->gemm_ex(h, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(rows), static_cast<int>(tokens), static_cast<int>(k), &alpha, w, type,
                       static_cast<int>(ldw), x, type, static_cast<int>(ldx), &beta, y, CUDA_R_32F, static_cast<int>(ldy), CUBLAS_COMPUTE_32F,
                       CUBLAS_GEMM_DEFAULT);
  if (st != CUBLAS_STATUS_SUCCESS)
    throw CudaError(cudaErrorUnknown, "cublasGemmEx (" + std::to_string(rows) + " × " + std::to_string(tokens) + " × " + std::to_string(k) +
                                          ") failed with status " + std::to_string(static_cast<int>(st)));
}

}  // namespace hearth::cuda
