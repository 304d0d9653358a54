#include <cstring>
#include <random>

#include "bench_support.h"
#include "kernels/cpu/quant.h"

namespace hearth::bench {

WeightSet make_weights(gguf::TensorType type, int64_t rows, int64_t k, size_t min_total_bytes) {
  WeightSet w;
  w.type = type, w.rows = rows, w.k = k;
  const size_t row_bytes = gguf::row_bytes(type, static_cast<uint64_t>(k));
  w.matrix_bytes = row_bytes * static_cast<size_t>(rows);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  const int64_t distinct = 64;
  std::vector<float> src(static_cast<size_t>(k));
  std::vector<uint8_t> seed_rows(row_bytes * distinct);
  for (int64_t r = 0; r < distinct; ++r) {
    for (auto& v : src) v = normal(rng);
    cpu::quantize_row(type, src.data(), seed_rows.data() + r * row_bytes, k);
  }
  const size_t n_copies = std::max<size_t>(1, (min_total_bytes + w.matrix_bytes - 1) / w.matrix_bytes);
  for (size_t c = 0; c < n_copies; ++c) {
    std::vector<uint8_t> m(w.matrix_bytes);
    for (int64_t r = 0; r < rows; ++r) std::memcpy(m.data() + r * row_bytes, seed_rows.data() + (r % distinct) * row_bytes, row_bytes);
    w.copies.push_back(std::move(m));
  }
  return w;
}

std::vector<float> random_activations(int64_t tokens, int64_t k) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  std::vector<float> x(static_cast<size_t>(tokens * k));
  for (auto& v : x) v = normal(rng);
  return x;
}

}  // namespace hearth::bench
