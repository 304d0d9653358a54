// kernels/cuda/cublas_gemm.h — the prefill GEMM through cuBLAS, opened at run time.
//
// Prompt processing multiplies each weight with hundreds of token rows: tensor-core GEMM
// territory. Until hearth has its own tensor-core kernel on quantized weights, the backend
// dequantizes a weight (or a slice of its rows) to f16 and calls cublasGemmEx with f32
// accumulation. cuBLAS is loaded with dlopen on first use, so hearth's binaries start on a
// machine without it; available() is then false and callers fall back to the GEMV path.
//
//   CublasGemm gemm;                          // one per stream (holds a handle)
//   if (gemm.available()) gemm.gemm_wxt(...);  // Y = W·Xᵀ
#pragma once

#include <cuda_runtime_api.h>
#include <library_types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace hearth::cuda {

class CublasGemm {
 public:
  CublasGemm();
  ~CublasGemm();
  CublasGemm(const CublasGemm&) = delete;
  CublasGemm& operator=(const CublasGemm&) = delete;

  // Loads libcublas and creates a handle on the current device the first time; false (with the
  // reason in status()) when the library or a symbol is missing.
  bool available();
  const std::string& status() const { return status_; }

  // Y (T rows of `rows` f32, ldy apart) = W (rows × k, ldw elements apart) · Xᵀ (X: T × k, ldx
  // apart) + beta·Y, with f32 accumulation. W and X have the same element type: CUDA_R_16F,
  // CUDA_R_16BF or CUDA_R_32F. Throws CudaError on a cuBLAS failure.
  void gemm_wxt(int64_t rows, int64_t tokens, int64_t k, const void* w, int64_t ldw, const void* x, int64_t ldx, cudaDataType_t type,
                float* y, int64_t ldy, float beta, cudaStream_t stream);

 private:
  struct Library;
  std::unique_ptr<Library> lib_;
  void* handle_ = nullptr;
  bool tried_ = false;
  std::string status_ = "not loaded yet";
};

}  // namespace hearth::cuda
