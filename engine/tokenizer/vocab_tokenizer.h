// engine/tokenizer/vocab_tokenizer.h — the Tokenizer implementation over a loaded Vocab.
//
// encode(): pre-partition at special tokens (spec §4.2), then the model algorithm per raw
// fragment (SPM / BPE / WPM) with BOS/EOS/SEP as llama.cpp adds them. token_to_piece() and
// decode() follow llama.cpp's detokenizer (§4.6); pieces are computed once at construction.
// Tokenizer::from_metadata returns one of these.
#pragma once

#include <optional>

#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/vocab.h"

namespace hearth::tok {

class VocabTokenizer final : public Tokenizer {
 public:
  explicit VocabTokenizer(Vocab vocab);

  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const override;
  std::string token_to_piece(int32_t id, bool special) const override;
  std::string decode(std::span<const int32_t> ids, bool remove_special, bool unparse_special) const override;

  int32_t n_vocab() const override { return vocab_.n_tokens(); }
  const std::string& token_text(int32_t id) const override;
  TokenType token_type(int32_t id) const override;
  int32_t bos_id() const override { return vocab_.bos; }
  int32_t eos_id() const override { return vocab_.eos; }
  bool add_bos() const override { return vocab_.add_bos; }
  bool add_eos() const override { return vocab_.add_eos; }
  bool is_eog(int32_t id) const override { return vocab_.is_eog(id); }
  bool is_control(int32_t id) const override;
  int32_t eot_id() const override { return vocab_.eot; }
  int32_t find_token(std::string_view text) const override { return vocab_.find(text); }
  bool add_space_prefix() const override { return vocab_.add_space_prefix; }

  const Vocab& vocab() const { return vocab_; }

 private:
  void check_id(int32_t id) const;
  std::string compute_piece(int32_t id) const;  // the piece with special = true

  Vocab vocab_;
  std::optional<PreTokenizer> pre_;
  std::vector<std::string> pieces_;
};

// llama.cpp's clean_up_tokenization_spaces passes over decoded text (spec §4.6).
void clean_up_spaces(std::string& text);

}  // namespace hearth::tok
