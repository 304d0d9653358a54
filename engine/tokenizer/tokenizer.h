// engine/tokenizer/tokenizer.h — text ⇄ token ids, exactly as llama.cpp does it.
//
// A Tokenizer is built from a GGUF file's `tokenizer.ggml.*` metadata (spec §4) and picks the
// algorithm from `tokenizer.ggml.model`: SentencePiece-style ("llama"), byte-level BPE ("gpt2",
// with the pre-tokenizer named by `tokenizer.ggml.pre`) or WordPiece ("bert").
//
//   auto tok = Tokenizer::from_metadata(file.metadata());          // throws TokenizerError
//   std::vector<int32_t> ids = tok->encode("Hello", /*add_special=*/true, /*parse_special=*/true);
//   StreamingDetokenizer out(*tok);
//   for (int32_t id : generated) send(out.push(id));   // never emits half a UTF-8 character
//   send(out.flush());
//
// Tokenizers are immutable after construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/value.h"

namespace hearth::tok {

class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class TokenType : int32_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  static std::unique_ptr<Tokenizer> from_metadata(const gguf::Metadata& metadata);

  // Text → ids. add_special adds BOS/EOS as the vocabulary says; parse_special matches control
  // tokens written as text (e.g. "<|eot_id|>") as single tokens.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const = 0;

  // The bytes of one token (byte-fallback/byte-level pieces may be partial UTF-8). Control tokens
  // give "" unless `special` is true. Throws TokenizerError for an id out of range.
  virtual std::string token_to_piece(int32_t id, bool special) const = 0;
  // Whole-sequence decode with llama.cpp's rules (space-prefix removal, clean-up of spaces).
  virtual std::string decode(std::span<const int32_t> ids, bool remove_special, bool unparse_special) const = 0;

  virtual int32_t n_vocab() const = 0;
  virtual const std::string& token_text(int32_t id) const = 0;
  virtual TokenType token_type(int32_t id) const = 0;
  virtual int32_t bos_id() const = 0;   // -1 when the vocabulary has none
  virtual int32_t eos_id() const = 0;   // -1 when none
  virtual bool add_bos() const = 0;
  virtual bool add_eos() const = 0;
  // End-of-generation: eos, eot, eom and the other tokens llama.cpp stops on (spec §4.5).
  virtual bool is_eog(int32_t id) const = 0;
  virtual bool is_control(int32_t id) const = 0;

  // Extensions (defaults keep other implementations of this interface compiling).
  virtual int32_t eot_id() const { return -1; }  // end-of-turn token, -1 when none
  // Id of the token whose text is exactly `text`, or -1.
  virtual int32_t find_token(std::string_view /*text*/) const { return -1; }
  // SPM-style vocabularies prepend a space to the text; decode() removes it again.
  virtual bool add_space_prefix() const { return false; }
};

// Turns a stream of token ids into text chunks that are always whole UTF-8 characters.
// Like decode(ids, false, special), the first token loses one leading space when the vocabulary
// adds a space prefix; pass strip_leading_space = false when the ids continue earlier text (a
// generation after its prompt), where that space is real.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool special = false);
  StreamingDetokenizer(const Tokenizer& tokenizer, bool special, bool strip_leading_space);
  std::string push(int32_t id);  // text that became complete with this token (may be empty)
  std::string flush();           // whatever is still buffered (invalid bytes become U+FFFD)

 private:
  const Tokenizer& tokenizer_;
  bool special_;
  bool first_ = true;
  bool strip_leading_space_ = true;
  std::string pending_;
};

}  // namespace hearth::tok
