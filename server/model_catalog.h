// server/model_catalog.h — what the API needs to know about a model, resolved once and cached.
//
// For a model name the catalog asks the store for the manifest (weights path, template, system,
// params, messages), reads the GGUF metadata once for capabilities, the trained context length,
// the BOS/EOS token texts and the Jinja chat template, and parses the prompt template. Entries are
// keyed by the manifest's content digest, so a re-created model is picked up and an unchanged one
// costs one manifest read per request.
//
// Template choice follows Ollama (spec §9.1): the manifest's Go TEMPLATE; else the GGUF
// `tokenizer.chat_template` rendered as Jinja (add_generation_prompt, bos/eos tokens); else
// `{{ .Prompt }}` for generate and ChatML for chat (llama.cpp's default).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "engine/store/store.h"
#include "engine/template/chat_template.h"

namespace hearth::server {

struct ModelInfo {
  store::ResolvedModel resolved;
  std::string full_name;                      // registry.ollama.ai/library/x:latest
  std::string display_name;                   // x:latest
  std::vector<std::string> capabilities;
  Json details;                               // as in /api/tags (without lengths)
  int64_t n_ctx_train = 0;
  std::string bos_text;                       // "" when the vocabulary has none
  std::string eos_text;
  std::optional<tmpl::ChatTemplate> go_template;     // manifest TEMPLATE layer
  std::optional<tmpl::ChatTemplate> jinja_template;  // GGUF chat template (when no Go template)
  std::string template_error;                        // why a template failed to parse, if it did
  bool template_uses_suffix = false;

  bool has_capability(std::string_view c) const;
};

class ModelCatalog {
 public:
  explicit ModelCatalog(store::ModelStore& store) : store_(store) {}

  // Throws store::ModelNotFoundError, store::InvalidNameError, store::StoreError.
  std::shared_ptr<const ModelInfo> get(std::string_view name);
  store::ModelStore& store() { return store_; }

 private:
  std::shared_ptr<const ModelInfo> build(store::ResolvedModel resolved);

  store::ModelStore& store_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ModelInfo>> by_digest_;
};

}  // namespace hearth::server
