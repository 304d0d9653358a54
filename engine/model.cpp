#include "engine/model.h"

#include <map>

#include "engine/model_memory.h"

namespace hearth::engine {

std::unique_ptr<Model> Model::load(const std::filesystem::path& path, const ModelOptions& options) {
  return load(gguf::GgufFile::open(path), options);
}

std::unique_ptr<Model> Model::load(gguf::GgufFile file, const ModelOptions& options) {
  return std::unique_ptr<Model>(new Model(std::move(file), options));
}

Model::Model(gguf::GgufFile file, const ModelOptions& options) : file_(std::move(file)) {
  // The architecture first: for an unknown one, "unsupported" says more than its missing keys.
  if (const std::string arch = file_.architecture(); !arch.empty() && !is_supported_architecture(arch)) {
    std::string known;
    for (std::string_view a : supported_architectures()) known += (known.empty() ? "" : ", ") + std::string(a);
    throw ModelError(file_.path(), "unsupported architecture '" + arch + "' (supported: " + known + ")");
  }
  hp_ = read_hparams(file_);

  for (const gguf::TensorInfo& t : file_.tensors()) weight_bytes_ += t.nbytes;
  // Host memory only bounds CPU-resident weights; a device backend plans its own memory
  // (plan_weights below) and fails before allocating when the model does not fit.
  if (options.check_memory && options.backend.kind == BackendKind::Cpu) {
    const std::optional<uint64_t> available = options.available_memory ? options.available_memory : read_mem_available();
    if (available && weight_bytes_ > *available)
      throw ModelError(file_.path(), "the model needs " + format_bytes(weight_bytes_) + " of memory for its weights but only " +
                                         format_bytes(*available) + " is available");
  }

  backend_ = make_backend(options.backend);
  backend_->plan_weights(file_);
  arch_ = load_architecture(file_, hp_, *backend_);
}

std::string Model::describe() const {
  // The most common weight type among 2-D tensors names the file's quantization.
  std::map<std::string, uint64_t> by_type;
  for (const gguf::TensorInfo& t : file_.tensors())
    if (t.n_dims >= 2) by_type[std::string(gguf::type_name(t.type))] += t.nbytes;
  std::string main_type = "?";
  uint64_t best = 0;
  for (const auto& [name, bytes] : by_type)
    if (bytes > best) best = bytes, main_type = name;
  return hp_.arch + ", " + std::to_string(hp_.n_layer) + " layers, " + std::to_string(hp_.n_embd) + " wide, " +
         std::to_string(hp_.n_head) + " heads (" + std::to_string(hp_.n_head_kv) + " KV), vocab " + std::to_string(hp_.n_vocab) +
         ", " + main_type + " weights";
}

}  // namespace hearth::engine
