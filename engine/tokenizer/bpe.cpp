// Byte-level BPE (tokenizer.ggml.model = "gpt2"), spec §4.4.
#include <queue>

#include "engine/tokenizer/algorithms.h"

namespace hearth::tok {
namespace {

struct Symbol {
  int prev;
  int next;
  std::size_t offset;  // into the word
  std::size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  std::size_t size;
};

// Lowest rank first; ties go to the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& l, const Bigram& r) const {
    return l.rank > r.rank || (l.rank == r.rank && l.left > r.left);
  }
};

std::size_t utf8_len_from_lead(unsigned char c) {
  static constexpr std::size_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[c >> 4];
}

class BpeSession {
 public:
  explicit BpeSession(const Vocab& vocab) : vocab_(vocab) {}

  void word(std::string_view w, std::vector<int32_t>& out) {
    if (vocab_.ignore_merges) {
      int32_t id = vocab_.find(w);
      if (id >= 0) {
        out.push_back(id);
        return;
      }
    }
    word_ = w;
    symbols_.clear();
    queue_ = {};
    std::size_t offs = 0;
    int index = 0;
    while (offs < w.size()) {
      std::size_t len = std::min(utf8_len_from_lead(static_cast<unsigned char>(w[offs])), w.size() - offs);
      symbols_.push_back(Symbol{index - 1, offs + len == w.size() ? -1 : index + 1, offs, len});
      offs += len;
      ++index;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) add_bigram(i - 1, i);

    while (!queue_.empty()) {
      Bigram b = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[b.left];
      Symbol& right = symbols_[b.right];
      // Stale when either side was consumed or has grown since the pair was queued.
      if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = b.left;
      add_bigram(left.prev, b.left);
      add_bigram(b.left, left.next);
    }

    for (const Symbol& s : symbols_) {
      if (s.n == 0) continue;
      std::string_view text = w.substr(s.offset, s.n);
      int32_t id = vocab_.find(text);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      // Not a token: emit the symbol's bytes that are one-byte tokens, drop the rest (llama.cpp).
      for (char c : text) {
        int32_t b = vocab_.find(std::string_view(&c, 1));
        if (b >= 0) out.push_back(b);
      }
    }
  }

 private:
  void add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const Symbol& l = symbols_[left];
    const Symbol& r = symbols_[right];
    int32_t rank = vocab_.bpe_rank(word_.substr(l.offset, l.n), word_.substr(r.offset, r.n), scratch_);
    if (rank < 0) return;
    queue_.push(Bigram{left, right, rank, l.n + r.n});
  }

  const Vocab& vocab_;
  std::string_view word_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
  std::string scratch_;
};

}  // namespace

void bpe_tokenize(const Vocab& vocab, const PreTokenizer& pre, std::string_view text, std::vector<int32_t>& out) {
  BpeSession session(vocab);
  for (const std::string& w : pre.split(text)) session.word(w, out);
}

}  // namespace hearth::tok
