#include "engine/tokenizer/vocab_tokenizer.h"

#include "common/utf8.h"
#include "engine/tokenizer/algorithms.h"
#include "engine/tokenizer/unicode.h"

namespace hearth::tok {
namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // "▁"

void escape_spaces(std::string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char c : s) {
    if (c == ' ') out += kEscapedSpace;
    else out += c;
  }
  s.swap(out);
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_metadata(const gguf::Metadata& metadata) {
  return std::make_unique<VocabTokenizer>(Vocab::from_metadata(metadata));
}

VocabTokenizer::VocabTokenizer(Vocab vocab) : vocab_(std::move(vocab)) {
  if (vocab_.kind == VocabKind::Bpe) pre_.emplace(*vocab_.pre_spec);
  pieces_.reserve(vocab_.tokens.size());
  for (int32_t id = 0; id < vocab_.n_tokens(); ++id) pieces_.push_back(compute_piece(id));
}

std::vector<int32_t> VocabTokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<int32_t> out;
  const std::vector<Fragment> fragments = partition_special(vocab_, text, parse_special);
  switch (vocab_.kind) {
    case VocabKind::Spm: {
      if (add_special && vocab_.add_bos) out.push_back(vocab_.bos);
      bool prev_special = true;  // the text start counts as "after a special token"
      std::string buf;
      for (const Fragment& f : fragments) {
        if (f.token >= 0) {
          out.push_back(f.token);
          prev_special = true;
          continue;
        }
        buf.clear();
        if (vocab_.add_space_prefix && prev_special) buf.push_back(' ');
        buf += f.text;
        escape_spaces(buf);
        spm_tokenize(vocab_, buf, out);
        prev_special = false;
      }
      if (add_special && vocab_.add_eos) out.push_back(vocab_.eos);
      break;
    }
    case VocabKind::Bpe: {
      if (add_special && vocab_.add_bos) out.push_back(vocab_.bos);
      for (const Fragment& f : fragments) {
        if (f.token >= 0) out.push_back(f.token);
        else bpe_tokenize(vocab_, *pre_, f.text, out);
      }
      if (add_special && vocab_.add_eos) out.push_back(vocab_.eos);
      break;
    }
    case VocabKind::Wpm: {
      if (add_special && vocab_.bos >= 0) out.push_back(vocab_.bos);
      for (const Fragment& f : fragments) {
        if (f.token >= 0) out.push_back(f.token);
        else wpm_tokenize(vocab_, f.text, out);
      }
      if (add_special && vocab_.sep >= 0) out.push_back(vocab_.sep);
      break;
    }
  }
  return out;
}

void VocabTokenizer::check_id(int32_t id) const {
  if (!vocab_.valid(id)) {
    throw TokenizerError("token id " + std::to_string(id) + " is out of range [0, " + std::to_string(vocab_.n_tokens()) + ")");
  }
}

const std::string& VocabTokenizer::token_text(int32_t id) const {
  check_id(id);
  return vocab_.tokens[id].text;
}

TokenType VocabTokenizer::token_type(int32_t id) const {
  check_id(id);
  return vocab_.tokens[id].type;
}

bool VocabTokenizer::is_control(int32_t id) const { return vocab_.valid(id) && (vocab_.tokens[id].attr & kAttrControl); }

std::string VocabTokenizer::compute_piece(int32_t id) const {
  const TokenData& t = vocab_.tokens[id];
  if (t.attr & (kAttrUnknown | kAttrControl | kAttrUserDefined)) return t.text;
  if (t.attr & kAttrNormal) {
    if (vocab_.kind != VocabKind::Bpe) {
      std::string out;
      std::string_view s = t.text;
      for (std::size_t i = 0; i < s.size();) {
        if (s.compare(i, kEscapedSpace.size(), kEscapedSpace) == 0) {
          out += ' ';
          i += kEscapedSpace.size();
        } else {
          out += s[i++];
        }
      }
      return out;
    }
    // Byte-level: each code point of the text stands for one byte.
    std::string out;
    for (char32_t cp : unicode::decode_utf8(t.text)) {
      int b = unicode::codepoint_to_byte(cp);
      if (b >= 0) {
        out += static_cast<char>(b);
        continue;
      }
      std::string utf8;
      unicode::append_utf8(utf8, cp);
      static constexpr char kHex[] = "0123456789abcdef";
      out += "[UNK_BYTE_0x";
      for (unsigned char c : utf8) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      out += t.text + "]";  // llama.cpp appends the whole token text here
    }
    return out;
  }
  if (t.attr & kAttrByte) {
    // "<0xHH>": the byte is the hex number at offset 3 (parsed like strtol: stops at a non-digit).
    unsigned value = 0;
    for (std::size_t i = 3; i < 5 && i < t.text.size(); ++i) {
      char c = t.text[i];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) break;
      value = value * 16 + static_cast<unsigned>(d);
    }
    return std::string(1, static_cast<char>(value));
  }
  return {};  // undefined and unused tokens have no text
}

std::string VocabTokenizer::token_to_piece(int32_t id, bool special) const {
  check_id(id);
  if (!special && (vocab_.tokens[id].attr & (kAttrUnknown | kAttrControl))) return {};
  return pieces_[id];
}

std::string VocabTokenizer::decode(std::span<const int32_t> ids, bool remove_special, bool unparse_special) const {
  for (int32_t id : ids) check_id(id);
  bool remove_space = vocab_.add_space_prefix;
  if (remove_special && vocab_.add_bos && !ids.empty() && ids.front() == vocab_.bos) {
    remove_space = false;  // llama.cpp keeps the space when it drops the BOS
    ids = ids.subspan(1);
  }
  if (remove_special && vocab_.add_eos && !ids.empty() && ids.back() == vocab_.eos) ids = ids.first(ids.size() - 1);

  std::string text;
  for (int32_t id : ids) {
    std::string piece = token_to_piece(id, unparse_special);
    if (remove_space && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
    remove_space = false;
    text += piece;
  }
  if (vocab_.clean_spaces) clean_up_spaces(text);
  return text;
}

void clean_up_spaces(std::string& s) {
  // A literal port of llama.cpp's three in-place passes, including how the second pass blanks
  // the space after " ' " (so the next character no longer sees a space before it).
  std::size_t total = s.size();
  char* text = s.data();

  const std::size_t total1 = total;
  total = total ? 1 : 0;
  for (std::size_t i = 1; i < total1; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;
    text[total++] = x;
  }

  const std::size_t total2 = total;
  total = total ? 1 : 0;
  for (std::size_t i = 1; i < total2; ++i) {
    const char x = text[i];
    if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
      --total;
      text[++i] = '\0';
    }
    text[total++] = x;
  }

  const std::size_t total3 = total;
  total = total ? 1 : 0;
  for (std::size_t i = 1; i < total3; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
      const char x1 = text[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --total;
      } else if (i + 2 < total3) {
        const char x2 = text[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
      }
    }
    text[total++] = x;
  }
  s.resize(total);
}

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool special)
    : StreamingDetokenizer(tokenizer, special, true) {}

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool special, bool strip_leading_space)
    : tokenizer_(tokenizer), special_(special), strip_leading_space_(strip_leading_space) {}

std::string StreamingDetokenizer::push(int32_t id) {
  std::string piece = tokenizer_.token_to_piece(id, special_);
  if (first_) {
    first_ = false;
    if (strip_leading_space_ && tokenizer_.add_space_prefix() && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
  }
  pending_ += piece;
  const std::size_t keep = utf8_incomplete_tail(pending_);
  std::string out = pending_.substr(0, pending_.size() - keep);
  pending_.erase(0, pending_.size() - keep);
  return out;
}

std::string StreamingDetokenizer::flush() {
  std::string out;
  std::size_t pos = 0;
  while (pos < pending_.size()) utf8_append(out, utf8_decode(pending_, pos));
  pending_.clear();
  return out;
}

}  // namespace hearth::tok
