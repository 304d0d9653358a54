// engine/store/gguf_facts.h — the few GGUF facts the store needs (internal to the store).
//
// Create fills the config blob from these (family, parameter size, quantization), and show/tags
// derive capabilities, context and embedding lengths from them. Keys are read the way Ollama's KV
// helpers read them: architecture-scoped keys are `<general.architecture>.<key>`, the parameter
// count is the sum of the tensors' element counts (what Ollama stores as
// general.parameter_count), and `general.type` distinguishes adapters and projectors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gguf/reader.h"

namespace hearth::store {

struct GgufFacts {
  std::string architecture;  // general.architecture ("unknown" when absent, as Ollama reports it)
  std::string kind;          // general.type ("" when absent)
  std::optional<uint32_t> file_type;
  uint64_t parameter_count = 0;
  std::string chat_template;  // tokenizer.chat_template
  uint64_t block_count = 0;
  uint64_t vision_block_count = 0;  // <arch>.vision.block_count
  bool has_pooling_type = false;    // <arch>.pooling_type present (embedding model)
  bool has_vision_block_count = false;
  int64_t context_length = 0;
  int64_t embedding_length = 0;
  uint64_t split_count = 0;  // split.count (0 when not a split file)
  bool has_vision_encoder = false;
  bool has_audio_encoder = false;
};

GgufFacts read_gguf_facts(const gguf::GgufFile& file);

// True for GGUFs Ollama files as projector layers: general.type projector/mmproj, or a vision-only
// model (vision.block_count without block_count), or a clip file with an encoder and no blocks.
bool is_projector_gguf(const GgufFacts& facts);

}  // namespace hearth::store
