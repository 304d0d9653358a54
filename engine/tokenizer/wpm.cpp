// WordPiece (tokenizer.ggml.model = "bert"), as llama.cpp's llm_tokenizer_wpm.
#include "engine/tokenizer/algorithms.h"
#include "engine/tokenizer/unicode.h"

namespace hearth::tok {
namespace {

// CJK ideograph blocks that BERT splits into single-character words (the ranges of Hugging Face's
// BasicTokenizer, including its 0x2B920 start of the fifth block).
bool is_chinese_char(char32_t cp) {
  return (cp >= 0x04E00 && cp <= 0x09FFF) || (cp >= 0x03400 && cp <= 0x04DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0x0F900 && cp <= 0x0FAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// BERT normalization and splitting: whitespace separates words; punctuation, ASCII symbols and
// CJK ideographs are words of their own; control characters vanish.
std::vector<std::string> preprocess(const Vocab& vocab, std::string_view text) {
  std::vector<std::string> words(1);
  for (char32_t cp : unicode::decode_utf8(text)) {
    if (vocab.wpm_strip_accents) cp = unicode::nfd_first(cp);
    const uint16_t f = unicode::flags(cp);
    if (f & unicode::kWhitespace) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (cp == 0 || cp == 0xFFFD || (f & unicode::kControl)) continue;
    if (vocab.wpm_strip_accents && (f & unicode::kMark)) continue;
    std::string s;
    unicode::append_utf8(s, vocab.wpm_lowercase ? unicode::to_lower(cp) : cp);
    if ((f & unicode::kPunctuation) || (cp < 0x7F && (f & unicode::kSymbol)) || is_chinese_char(cp)) {
      if (!words.back().empty()) words.emplace_back();
      words.back() = std::move(s);
      words.emplace_back();
    } else {
      words.back() += s;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

}  // namespace

void wpm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  for (const std::string& word : preprocess(vocab, text)) {
    if (word.empty()) continue;
    const std::string word1 = "\xE2\x96\x81" + word;  // phantom space marks a word start
    const std::string_view w(word1);
    const std::size_t n = w.size();
    const std::size_t before = out.size();
    for (std::size_t i = 0; i < n; ++i) {
      bool matched = false;
      for (std::size_t j = std::min(n, i + vocab.max_token_len + 1); j > i; --j) {
        int32_t id = vocab.find(w.substr(i, j - i));
        if (id >= 0) {
          out.push_back(id);
          matched = true;
          i = j - 1;
          break;
        }
      }
      if (!matched) {  // the whole word becomes unknown
        out.resize(before);
        break;
      }
    }
    if (out.size() == before && vocab.unk >= 0) out.push_back(vocab.unk);
  }
}

}  // namespace hearth::tok
