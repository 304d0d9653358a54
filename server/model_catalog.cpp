#include "server/model_catalog.h"

#include <algorithm>

#include "engine/store/show.h"
#include "gguf/reader.h"

namespace hearth::server {

namespace {

std::string token_text(const gguf::Metadata& md, const char* id_key) {
  auto id = md.find_int(id_key);
  const gguf::Array* tokens = md.find_array("tokenizer.ggml.tokens");
  if (!id || tokens == nullptr || *id < 0 || static_cast<uint64_t>(*id) >= tokens->size()) return {};
  return tokens->strings()[static_cast<std::size_t>(*id)];
}

}  // namespace

bool ModelInfo::has_capability(std::string_view c) const {
  return std::find(capabilities.begin(), capabilities.end(), c) != capabilities.end();
}

std::shared_ptr<const ModelInfo> ModelCatalog::get(std::string_view name) {
  store::ResolvedModel resolved = store_.resolve(name);
  {
    std::lock_guard lk(mutex_);
    auto it = by_digest_.find(resolved.digest_hex);
    if (it != by_digest_.end() && it->second->resolved.modified == resolved.modified &&
        it->second->resolved.name == resolved.name)
      return it->second;
  }
  auto info = build(std::move(resolved));
  std::lock_guard lk(mutex_);
  if (by_digest_.size() > 256) by_digest_.clear();  // a bound, not a policy: entries are cheap to rebuild
  by_digest_[info->resolved.digest_hex] = info;
  return info;
}

std::shared_ptr<const ModelInfo> ModelCatalog::build(store::ResolvedModel resolved) {
  auto info = std::make_shared<ModelInfo>();
  info->full_name = resolved.name.full();
  info->display_name = resolved.name.display_shortest();
  info->details = store::details_json(resolved.config, resolved.parent_model);
  std::string jinja_source;
  if (!resolved.model_path.empty()) {
    auto weights = gguf::GgufFile::open(resolved.model_path);
    const gguf::Metadata& md = weights.metadata();
    info->capabilities = store::capabilities(resolved, &weights);
    std::string arch = weights.architecture();
    if (auto n = md.find_int(arch + ".context_length")) info->n_ctx_train = *n;
    info->bos_text = token_text(md, "tokenizer.ggml.bos_token_id");
    info->eos_text = token_text(md, "tokenizer.ggml.eos_token_id");
    jinja_source = md.get_string_or("tokenizer.chat_template", "");
  } else {
    info->capabilities = store::capabilities(resolved, nullptr);
  }
  try {
    if (resolved.template_text) {
      info->go_template = tmpl::ChatTemplate::go(*resolved.template_text);
      auto vars = store::template_vars(*resolved.template_text);
      info->template_uses_suffix = std::find(vars.begin(), vars.end(), "suffix") != vars.end();
    } else if (!jinja_source.empty()) {
      info->jinja_template = tmpl::ChatTemplate::jinja(jinja_source);
    }
  } catch (const std::exception& e) {
    info->template_error = e.what();
  }
  info->resolved = std::move(resolved);
  return info;
}

}  // namespace hearth::server
