// engine/quantize/quantize_model.h — `hearth quantize`: rewrite a GGUF model in another file type.
//
//   QuantizeOptions opt;
//   opt.ftype = FileType::Q4_K_M;
//   opt.threads = 2;
//   QuantizeReport r = quantize_model("in.gguf", "out.gguf", opt);
//
// Every metadata key is copied (split keys dropped), general.quantization_version and
// general.file_type are set (appended last), tensors are written in llama-quantize's order (by
// layer, then name) and each gets the type plan_tensor_types chooses — from an F32 input the
// result is byte-identical to llama-quantize's file (tests/quantize checks this).
// Tensors are produced lazily by the GGUF writer, so memory holds one output tensor at a time;
// rows are quantized in parallel on a ThreadPool. Inputs may be F32, F16 or BF16; an input tensor
// that is already quantized is dequantized first (with a warning: requantizing loses accuracy),
// except that a tensor whose type does not change is copied untouched. The output file appears
// atomically (temporary file + rename). Errors throw QuantizeError naming the file and tensor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/quantize/file_types.h"
#include "gguf/types.h"

namespace hearth::quantize {

class QuantizeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TensorResult {
  std::string name;
  std::vector<uint64_t> ne;
  gguf::TensorType from, to;
  uint64_t bytes_in = 0, bytes_out = 0;
};

struct QuantizeOptions {
  FileType ftype = FileType::Q4_K_M;
  int threads = 0;  // 0: physical cores
  // Called after each tensor is written (index, total, result), e.g. for a progress line.
  std::function<void(size_t index, size_t total, const TensorResult&)> on_tensor;
};

struct QuantizeReport {
  std::vector<TensorResult> tensors;
  std::vector<std::string> warnings;  // requantized inputs, shape fallbacks
  uint64_t bytes_in = 0, bytes_out = 0;
};

QuantizeReport quantize_model(const std::filesystem::path& input, const std::filesystem::path& output,
                              const QuantizeOptions& options);

}  // namespace hearth::quantize
