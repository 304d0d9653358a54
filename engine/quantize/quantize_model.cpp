#include "engine/quantize/quantize_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/quantize/type_plan.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/thread_pool.h"

namespace hearth::quantize {
namespace {

using gguf::TensorType;

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION

// llama-quantize writes tensors ordered by layer (tensors outside blk.N first), then by name; we
// follow it so that the per-layer counters of the type rules see the same sequence and the output
// file is identical to llama.cpp's.
std::vector<size_t> llama_tensor_order(const gguf::GgufFile& file) {
  auto layer_of = [](const std::string& name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    size_t i = 4;
    int layer = 0;
    bool digits = false;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') layer = layer * 10 + (name[i++] - '0'), digits = true;
    return digits ? layer : -1;
  };
  std::vector<size_t> order(file.tensors().size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string& na = file.tensors()[a].name;
    const std::string& nb = file.tensors()[b].name;
    const int la = layer_of(na), lb = layer_of(nb);
    return la != lb ? la < lb : na < nb;
  });
  return order;
}

bool can_read_as_f32(TensorType t) { return t == TensorType::F32 || cpu::is_supported_weight_type(t); }

// Converts one tensor: rows of `src` (type `from`) into `out` (type `to`), in parallel.
void convert_tensor(const gguf::TensorInfo& src, TensorType to, std::span<uint8_t> out, cpu::ThreadPool& pool,
                    const std::string& file) {
  const int64_t n = static_cast<int64_t>(src.ne[0]);
  const int64_t rows = static_cast<int64_t>(src.rows());
  const size_t in_row = src.row_bytes(), out_row = gguf::row_bytes(to, static_cast<uint64_t>(n));
  if (src.type == to) {
    std::memcpy(out.data(), src.data, out.size());
    return;
  }
  std::vector<std::vector<float>> scratch(static_cast<size_t>(pool.size()));
  std::vector<std::string> errors(static_cast<size_t>(pool.size()));
  pool.parallel_for(rows, [&](int64_t r0, int64_t r1, int thread) {
    std::vector<float>& buf = scratch[static_cast<size_t>(thread)];
    for (int64_t r = r0; r < r1 && errors[static_cast<size_t>(thread)].empty(); ++r) {
      const float* row;
      if (src.type == TensorType::F32) {
        row = reinterpret_cast<const float*>(src.data + r * in_row);
      } else {
        buf.resize(static_cast<size_t>(n));
        cpu::dequantize_row(src.type, src.data + r * in_row, buf.data(), n);
        row = buf.data();
      }
      for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(row[i])) {
          errors[static_cast<size_t>(thread)] = file + ": tensor " + src.name + " row " + std::to_string(r) + " element " +
                                                std::to_string(i) + " is not finite (" + std::to_string(row[i]) + ")";
          return;
        }
      }
      cpu::quantize_row(to, row, out.data() + r * out_row, n);
    }
  });
  for (const std::string& e : errors)
    if (!e.empty()) throw QuantizeError(e);
}

}  // namespace

QuantizeReport quantize_model(const std::filesystem::path& input, const std::filesystem::path& output,
                              const QuantizeOptions& options) {
  const gguf::GgufFile in = gguf::GgufFile::open(input);
  const std::string file = input.string();
  const std::vector<size_t> order = llama_tensor_order(in);
  const std::vector<TensorDesc> all = describe_tensors(in);
  std::vector<TensorDesc> descs;
  for (size_t i : order) descs.push_back(all[i]);
  const TypePlan plan = plan_tensor_types(model_info(in), descs, options.ftype);

  QuantizeReport report;
  for (const std::string& note : plan.notes) report.warnings.push_back(note);

  gguf::GgufWriter w;
  for (const auto& [key, value] : in.metadata().entries()) {
    if (key == "general.alignment" || key.rfind("split.", 0) == 0) continue;
    w.set(key, value);
  }
  w.set_alignment(in.alignment());
  // Appended last, as llama.cpp does (it removes and re-adds the keys it sets).
  w.metadata().erase("general.quantization_version");
  w.metadata().erase("general.file_type");
  w.set("general.quantization_version", gguf::Value::u32(kQuantizationVersion));
  w.set("general.file_type", gguf::Value::u32(static_cast<uint32_t>(options.ftype)));

  const int threads = options.threads > 0 ? options.threads : cpu::physical_core_count();
  cpu::ThreadPool pool(threads);
  const size_t total = in.tensors().size();
  report.tensors.resize(total);
  for (size_t i = 0; i < total; ++i) {
    const gguf::TensorInfo& t = in.tensors()[order[i]];
    const TensorType to = plan.types[i];
    if (to != t.type && !can_read_as_f32(t.type)) {
      throw QuantizeError(file + ": tensor " + t.name + " has type " + std::string(gguf::type_name(t.type)) +
                          ", which hearth cannot convert to " + std::string(gguf::type_name(to)));
    }
    if (to != t.type && !cpu::has_quantizer(to)) {
      throw QuantizeError(file + ": no quantizer for " + std::string(gguf::type_name(to)) + " (tensor " + t.name + ")");
    }
    if (to != t.type && gguf::traits(t.type).quantized) {
      report.warnings.push_back(t.name + " is already " + std::string(gguf::type_name(t.type)) +
                                "; dequantizing it to requantize as " + std::string(gguf::type_name(to)) +
                                " compounds the rounding error (quantize from F32/F16/BF16 when you can)");
    }
    std::vector<uint64_t> ne(t.ne.begin(), t.ne.begin() + t.n_dims);
    TensorResult& res = report.tensors[i];
    res = {t.name, ne, t.type, to, t.nbytes, gguf::row_bytes(to, t.ne[0]) * t.rows()};
    report.bytes_in += res.bytes_in;
    report.bytes_out += res.bytes_out;
    w.add_tensor_lazy(t.name, to, ne, [&, i](std::span<uint8_t> out) {
      convert_tensor(in.tensors()[order[i]], plan.types[i], out, pool, file);
      if (options.on_tensor) options.on_tensor(i, total, report.tensors[i]);
    });
  }
  w.write(output);
  return report;
}

}  // namespace hearth::quantize
