#include "embedding_support.h"

#include <stdexcept>

#include "gguf/writer.h"
#include "kernels/cpu/quant.h"
#include "support/fixtures.h"

namespace hearth::test {

OutputHead read_output_head(const gguf::GgufFile& file) {
  const gguf::TensorInfo* w = file.find_tensor("output.weight");
  if (!w) w = file.find_tensor("token_embd.weight");  // tied embeddings
  if (!w) throw std::invalid_argument(file.path() + " has neither output.weight nor token_embd.weight");
  OutputHead head;
  head.n_embd = static_cast<int64_t>(w->ne[0]);
  head.n_vocab = static_cast<int64_t>(w->rows());
  head.weight.resize(static_cast<std::size_t>(head.n_embd * head.n_vocab));
  for (int64_t r = 0; r < head.n_vocab; ++r)
    cpu::dequantize_row(w->type, w->data + static_cast<std::size_t>(r) * w->row_bytes(), head.weight.data() + r * head.n_embd, head.n_embd);
  if (const gguf::TensorInfo* b = file.find_tensor("output.bias")) {
    head.bias.resize(static_cast<std::size_t>(head.n_vocab));
    cpu::dequantize_row(b->type, b->data, head.bias.data(), head.n_vocab);
  }
  return head;
}

std::vector<float> apply_head(const OutputHead& head, std::span<const float> hidden) {
  if (static_cast<int64_t>(hidden.size()) != head.n_embd)
    throw std::invalid_argument("hidden state of " + std::to_string(hidden.size()) + " values for an output matrix " +
                                std::to_string(head.n_embd) + " wide");
  std::vector<float> logits(static_cast<std::size_t>(head.n_vocab));
  for (int64_t v = 0; v < head.n_vocab; ++v) {
    const float* row = head.weight.data() + v * head.n_embd;
    double sum = head.bias.empty() ? 0.0 : head.bias[static_cast<std::size_t>(v)];
    for (int64_t j = 0; j < head.n_embd; ++j) sum += static_cast<double>(row[j]) * hidden[static_cast<std::size_t>(j)];
    logits[static_cast<std::size_t>(v)] = static_cast<float>(sum);
  }
  return logits;
}

std::unique_ptr<engine::Model> load_with_pooling(const std::string& file_name, int32_t pooling, const engine::ModelOptions& options) {
  const auto source = gguf::GgufFile::open(fixture_path("models/" + file_name));
  gguf::GgufWriter w;
  w.set_alignment(source.alignment());
  for (const auto& [key, value] : source.metadata().entries())
    if (key != "general.alignment") w.set(key, value);
  w.set(source.architecture() + ".pooling_type", gguf::Value::i32(pooling));
  for (const gguf::TensorInfo& t : source.tensors())
    w.add_tensor(t.name, t.type, std::vector<uint64_t>(t.ne.begin(), t.ne.begin() + t.n_dims), t.bytes());
  return engine::Model::load(gguf::GgufFile::from_bytes(w.to_bytes(), file_name + " (pooling_type " + std::to_string(pooling) + ")"), options);
}

}  // namespace hearth::test
