// engine/model.h — a loaded model: the mapped GGUF file, its validated hyper-parameters, the
// backend chosen for it, and the architecture with its weights bound.
//
//   auto model = Model::load("llama.gguf");                 // throws ModelError / GgufError
//   Context ctx(*model, {.n_ctx = 4096, .n_slots = 4});      // see context.h
//
// A Model is immutable after load and may be shared by several Contexts (each has its own KV
// cache, scratch and threads). Loading validates everything that can be known from the file —
// hyper-parameters, every tensor's presence, shape and type — and checks that the weights fit in
// the memory this machine has available, so a model that cannot run fails here with a message
// instead of crashing or being OOM-killed later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/arch/architecture.h"
#include "engine/backend.h"
#include "engine/backend_factory.h"
#include "engine/errors.h"
#include "engine/model_hparams.h"
#include "gguf/reader.h"

namespace hearth::engine {

struct ModelOptions {
  BackendOptions backend;
  bool check_memory = true;
  // Bytes the model may use; nullopt = MemAvailable (model_memory.h).
  std::optional<uint64_t> available_memory;
};

class Model {
 public:
  static std::unique_ptr<Model> load(const std::filesystem::path& path, const ModelOptions& options = {});
  // From an already opened (e.g. in-memory) file; the Model keeps it.
  static std::unique_ptr<Model> load(gguf::GgufFile file, const ModelOptions& options = {});

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const gguf::GgufFile& file() const { return file_; }
  const std::string& path() const { return file_.path(); }
  const ModelHParams& hparams() const { return hp_; }
  const Architecture& architecture() const { return *arch_; }
  Backend& backend() const { return *backend_; }
  int32_t n_vocab() const { return static_cast<int32_t>(hp_.n_vocab); }
  // Bytes of tensor data in the file (what one forward pass reads, at most).
  uint64_t weight_bytes() const { return weight_bytes_; }
  // "llama, 4 layers, 256 wide, 8 heads (4 KV), vocab 4096, Q8_0 weights"
  std::string describe() const;

 private:
  Model(gguf::GgufFile file, const ModelOptions& options);

  gguf::GgufFile file_;
  ModelHParams hp_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Architecture> arch_;
  uint64_t weight_bytes_ = 0;
};

}  // namespace hearth::engine
