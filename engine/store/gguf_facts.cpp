#include "engine/store/gguf_facts.h"

namespace hearth::store {

namespace {

uint64_t uint_or_zero(const gguf::Metadata& m, const std::string& key) {
  const gguf::Value* v = m.find(key);
  if (!v || !v->is_integer()) return 0;
  if (v->type() == gguf::ValueType::UINT64) return v->as_u64();
  int64_t i = v->as_int();
  return i < 0 ? 0 : static_cast<uint64_t>(i);
}

bool bool_or_false(const gguf::Metadata& m, const std::string& key) {
  const gguf::Value* v = m.find(key);
  return v && v->type() == gguf::ValueType::BOOL && v->as_bool();
}

}  // namespace

GgufFacts read_gguf_facts(const gguf::GgufFile& file) {
  const gguf::Metadata& m = file.metadata();
  GgufFacts f;
  f.architecture = file.architecture();
  if (f.architecture.empty()) f.architecture = "unknown";
  if (const gguf::Value* v = m.find("general.type"); v && v->type() == gguf::ValueType::STRING) f.kind = v->as_string();
  if (const gguf::Value* v = m.find("general.file_type"); v && v->is_integer()) {
    int64_t t = v->as_int();
    if (t >= 0 && t <= UINT32_MAX) f.file_type = static_cast<uint32_t>(t);
  }
  for (const gguf::TensorInfo& t : file.tensors()) f.parameter_count += t.n_elements;
  if (const gguf::Value* v = m.find("tokenizer.chat_template"); v && v->type() == gguf::ValueType::STRING)
    f.chat_template = v->as_string();
  const std::string a = f.architecture + ".";
  f.block_count = uint_or_zero(m, a + "block_count");
  f.has_vision_block_count = m.contains(a + "vision.block_count");
  f.vision_block_count = uint_or_zero(m, a + "vision.block_count");
  f.has_pooling_type = m.contains(a + "pooling_type");
  f.context_length = static_cast<int64_t>(uint_or_zero(m, a + "context_length"));
  f.embedding_length = static_cast<int64_t>(uint_or_zero(m, a + "embedding_length"));
  f.split_count = uint_or_zero(m, "split.count");
  f.has_vision_encoder = bool_or_false(m, a + "has_vision_encoder");
  f.has_audio_encoder = bool_or_false(m, a + "has_audio_encoder");
  return f;
}

bool is_projector_gguf(const GgufFacts& f) {
  if (f.kind == "projector" || f.kind == "mmproj") return true;
  if (f.block_count == 0 && f.vision_block_count > 0) return true;
  return f.architecture == "clip" && f.block_count == 0 && (f.has_vision_encoder || f.has_audio_encoder);
}

}  // namespace hearth::store
