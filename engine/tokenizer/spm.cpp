// SentencePiece-style tokenizer (tokenizer.ggml.model = "llama"), spec §4.3.
#include <queue>
#include <string_view>
#include <unordered_map>

#include "engine/tokenizer/algorithms.h"

namespace hearth::tok {
namespace {

struct Symbol {
  int prev;
  int next;
  std::size_t offset;  // into the fragment text
  std::size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  std::size_t size;
};

// Highest score first; ties go to the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& l, const Bigram& r) const {
    return l.score < r.score || (l.score == r.score && l.left > r.left);
  }
};

std::size_t utf8_len_from_lead(unsigned char c) {
  static constexpr std::size_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[c >> 4];
}

class SpmSession {
 public:
  SpmSession(const Vocab& vocab, std::string_view text) : vocab_(vocab), text_(text) {}

  void run(std::vector<int32_t>& out) {
    std::size_t offs = 0;
    int index = 0;
    while (offs < text_.size()) {
      std::size_t len = std::min(utf8_len_from_lead(static_cast<unsigned char>(text_[offs])), text_.size() - offs);
      Symbol s{index - 1, offs + len == text_.size() ? -1 : index + 1, offs, len};
      offs += len;
      ++index;
      symbols_.push_back(s);
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add_bigram(i - 1, i);

    while (!queue_.empty()) {
      Bigram b = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[b.left];
      Symbol& right = symbols_[b.right];
      if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;  // stale
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = b.left;
      try_add_bigram(left.prev, b.left);
      try_add_bigram(b.left, left.next);
    }

    if (symbols_.empty()) return;
    for (int i = 0; i != -1; i = symbols_[i].next) resegment(i, out, 0);
  }

 private:
  std::string_view view(const Symbol& s) const { return text_.substr(s.offset, s.n); }

  void try_add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    std::string_view joined = text_.substr(symbols_[left].offset, symbols_[left].n + symbols_[right].n);
    int32_t id = vocab_.find(joined);
    if (id < 0) return;
    queue_.push(Bigram{left, right, vocab_.tokens[id].score, joined.size()});
    rev_merge_[joined] = {left, right};
  }

  void emit_bytes(std::string_view s, std::vector<int32_t>& out) const {
    for (unsigned char c : s) {
      int32_t id = spm_byte_token(vocab_, c);
      if (id < 0) id = vocab_.unk;  // llama.cpp throws here; an unknown token keeps going
      if (id >= 0) out.push_back(id);
    }
  }

  void resegment(int index, std::vector<int32_t>& out, int depth) {
    std::string_view s = view(symbols_[index]);
    int32_t id = vocab_.find(s);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
    auto it = rev_merge_.find(s);
    // Every merge creates a token, so a recorded split is only reached with odd vocabularies;
    // the depth bound keeps a self-referencing record from recursing forever.
    if (it == rev_merge_.end() || depth > 64) {
      emit_bytes(s, out);
      return;
    }
    auto [l, r] = it->second;
    resegment(l, out, depth + 1);
    resegment(r, out, depth + 1);
  }

  const Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
  std::unordered_map<std::string_view, std::pair<int, int>> rev_merge_;
};

}  // namespace

int32_t spm_byte_token(const Vocab& vocab, uint8_t byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char buf[6] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
  int32_t id = vocab.find(std::string_view(buf, 6));
  if (id >= 0) return id;
  const char one = static_cast<char>(byte);
  return vocab.find(std::string_view(&one, 1));
}

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  SpmSession(vocab, text).run(out);
}

}  // namespace hearth::tok
