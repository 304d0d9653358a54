// Regex matching: a backtracking matcher over code points (see regex.h).
#include "engine/tokenizer/regex.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"

namespace hearth::tok {


PreText::PreText(std::vector<char32_t> code_points) : cps(std::move(code_points)) {
  flags.resize(cps.size());
  for (std::size_t i = 0; i < cps.size(); ++i) flags[i] = unicode::flags(cps[i]);
}

bool Regex::CharSet::contains(char32_t cp, uint16_t f) const {
  bool m = (f & any_flags) != 0 || (static_cast<uint16_t>(~f) & without_flags) != 0;
  if (!m && categories != 0) m = (categories >> static_cast<unsigned>(unicode::category(cp))) & 1u;
  if (!m && !ranges.empty()) {
    if (ranges.size() <= 8) {
      for (const auto& [lo, hi] : ranges) {
        if (cp >= lo && cp <= hi) { m = true; break; }
      }
    } else {
      auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                 [](char32_t v, const std::pair<char32_t, char32_t>& r) { return v < r.first; });
      m = it != ranges.begin() && cp <= (it - 1)->second;
    }
  }
  return m != negated;
}

namespace {

bool is_ascii_word(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

// Backtracking matcher over one window of a PreText. Continuations of repeat bodies live in
// stack frames linked through `Frame::up`, so the matcher allocates nothing.
class RegexMatcher {
 public:
  RegexMatcher(const Regex& re, const PreText& t, std::size_t begin, std::size_t end)
      : re_(re), cps_(t.cps.data()), flags_(t.flags.data()), begin_(begin), end_(end) {}

  bool match_at(std::size_t pos, std::size_t& out_end) {
    if (!run(re_.start_, pos, nullptr, 0)) return false;
    out_end = match_end_;
    return true;
  }

 private:
  static constexpr int kMaxDepth = 10000;
  static constexpr std::size_t kSmallWindow = 256;
  static constexpr uint32_t kUnknownRun = UINT32_MAX;

  struct Frame {
    const Frame* up;
    int repeat;
    int count;
    std::size_t iter_start;
  };

  bool test_char(int set, std::size_t pos) const {
    return pos < end_ && re_.sets_[set].contains(cps_[pos], flags_[pos]);
  }

  // Width-one repeat body: lookahead tests then one character test, all at `pos`.
  bool test_one(int n, std::size_t pos) const {
    if (pos >= end_) return false;
    while (n >= 0) {
      const Regex::Node& node = re_.nodes_[n];
      if (node.kind == Regex::Kind::Char) return test_char(node.set, pos);
      bool ok = test_char(re_.nodes_[node.body].set, pos);
      if (ok == node.negative) return false;
      n = node.next;
    }
    return false;
  }

  bool is_word(std::size_t pos) const { return pos >= begin_ && pos < end_ && is_ascii_word(cps_[pos]); }

  bool run(int n, std::size_t pos, const Frame* k, int depth) {
    if (depth > kMaxDepth) throw TokenizerError("pre-tokenizer regex '" + re_.pattern_ + "': backtracking too deep");
    for (;;) {
      if (n < 0) {
        if (k == nullptr) {
          match_end_ = pos;
          return true;
        }
        const Regex::Node& r = re_.nodes_[k->repeat];
        if (pos == k->iter_start) {  // an empty iteration ends the loop
          if (k->count + 1 < r.min) return false;
          n = r.next;
          k = k->up;
          continue;
        }
        return repeat(k->repeat, pos, k->count + 1, k->up, depth + 1);
      }
      const Regex::Node& node = re_.nodes_[n];
      switch (node.kind) {
        case Regex::Kind::Char:
          if (!test_char(node.set, pos)) return false;
          ++pos;
          n = node.next;
          continue;
        case Regex::Kind::Start:
          if (pos != begin_) return false;
          n = node.next;
          continue;
        case Regex::Kind::End:
          if (pos != end_) return false;
          n = node.next;
          continue;
        case Regex::Kind::WordBoundary:
        case Regex::Kind::NotWordBoundary: {
          bool boundary = is_word(pos - 1) != is_word(pos);
          if (boundary != (node.kind == Regex::Kind::WordBoundary)) return false;
          n = node.next;
          continue;
        }
        case Regex::Kind::Look: {
          std::size_t saved = match_end_;
          bool ok = run(node.body, pos, nullptr, depth + 1);
          match_end_ = saved;
          if (ok == node.negative) return false;
          n = node.next;
          continue;
        }
        case Regex::Kind::Alt:
          for (int b : node.branches) {
            if (run(b, pos, k, depth + 1)) return true;
          }
          return false;
        case Regex::Kind::Repeat:
          if (node.width_one) return repeat_width_one(n, pos, k, depth);
          return repeat(n, pos, 0, k, depth + 1);
      }
    }
  }

  // Length of the run of positions from `pos` that the width-one body of repeat `rn` accepts.
  // Large windows remember run lengths per repeat, so scanning a long run from every start
  // position (a failing "\\s+$" over a megabyte of spaces) stays linear instead of quadratic.
  std::size_t run_length(int rn, std::size_t pos) {
    const int body = re_.nodes_[rn].body;
    if (end_ - begin_ <= kSmallWindow) {
      std::size_t n = 0;
      while (pos + n < end_ && test_one(body, pos + n)) ++n;
      return n;
    }
    std::vector<uint32_t>& memo = run_memo_[rn];
    if (memo.empty()) memo.assign(end_ - begin_ + 1, kUnknownRun);
    auto at = [&](std::size_t p) -> uint32_t& { return memo[p - begin_]; };
    std::size_t p = pos;
    while (p < end_ && at(p) == kUnknownRun && test_one(body, p)) ++p;
    uint32_t tail = (p < end_ && at(p) != kUnknownRun) ? at(p) : 0;
    if (p == end_) at(p) = 0;
    for (std::size_t q = p; q-- > pos;) at(q) = ++tail;
    if (p < end_ && at(p) == kUnknownRun) at(p) = 0;  // the body failed at p
    return at(pos);
  }

  bool repeat_width_one(int rn, std::size_t pos, const Frame* k, int depth) {
    const Regex::Node& r = re_.nodes_[rn];
    const std::size_t avail = end_ - pos;
    const std::size_t limit = r.max < 0 ? avail : std::min<std::size_t>(avail, static_cast<std::size_t>(r.max));
    const std::size_t mn = static_cast<std::size_t>(r.min);
    if (mn > limit) return false;
    const std::size_t count = std::min(run_length(rn, pos), limit);
    if (count < mn) return false;
    // Followed by "$": only the count that reaches the end of the window can succeed.
    if (r.next >= 0 && re_.nodes_[r.next].kind == Regex::Kind::End) {
      return pos + count == end_ && run(r.next, end_, k, depth + 1);
    }
    if (r.greedy) {
      for (std::size_t c = count + 1; c-- > mn;) {
        if (run(r.next, pos + c, k, depth + 1)) return true;
      }
      return false;
    }
    for (std::size_t c = mn; c <= count; ++c) {
      if (run(r.next, pos + c, k, depth + 1)) return true;
    }
    return false;
  }

  bool repeat(int rn, std::size_t pos, int count, const Frame* up, int depth) {
    const Regex::Node& r = re_.nodes_[rn];
    bool can_more = r.max < 0 || count < r.max;
    bool can_stop = count >= r.min;
    Frame f{up, rn, count, pos};
    if (r.greedy) {
      if (can_more && run(r.body, pos, &f, depth + 1)) return true;
      return can_stop && run(r.next, pos, up, depth + 1);
    }
    if (can_stop && run(r.next, pos, up, depth + 1)) return true;
    return can_more && run(r.body, pos, &f, depth + 1);
  }

  const Regex& re_;
  const char32_t* cps_;
  const uint16_t* flags_;
  std::size_t begin_, end_;
  std::size_t match_end_ = 0;
  std::unordered_map<int, std::vector<uint32_t>> run_memo_;  // repeat node → run length per position
};

RegexSearch::RegexSearch(const Regex& re, const PreText& text, std::size_t begin, std::size_t end)
    : matcher_(std::make_unique<RegexMatcher>(re, text, begin, end)), end_(end) {}

RegexSearch::~RegexSearch() = default;

bool RegexSearch::next(std::size_t from, std::size_t& match_begin, std::size_t& match_end) {
  for (std::size_t pos = from; pos < end_; ++pos) {
    std::size_t e;
    if (matcher_->match_at(pos, e)) {
      match_begin = pos;
      match_end = e;
      return true;
    }
  }
  return false;
}

bool Regex::search(const PreText& text, std::size_t begin, std::size_t end, std::size_t from,
                   std::size_t& match_begin, std::size_t& match_end) const {
  return RegexSearch(*this, text, begin, end).next(from, match_begin, match_end);
}

}  // namespace hearth::tok
