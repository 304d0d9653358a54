// engine/sampling/stop.h — stop sequences over streamed text.
//
// Generation streams text piece by piece (one detokenized token at a time, possibly splitting a
// multi-byte character or a stop sequence across pieces). The matcher sits between the
// detokenizer and the client: it never lets stop text through, holds back only the tail that
// could still grow into a stop sequence, and reports the first stop that completes, with the
// text that came before it.
//
//   StopMatcher m({"</s>", "\nUser:"});
//   for (piece : pieces) {
//     auto r = m.push(piece);
//     send(r.text);                   // safe to show now (may be empty)
//     if (r.stopped) break;           // r.stop says which sequence; its text was never sent
//   }
//   send(m.flush());                  // generation ended without a stop: release the held tail
//
// Matching is on bytes. When several stops complete in the same piece, the one that starts
// first in the text wins (longer first on equal starts). Empty stop strings are ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::sampling {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  struct Result {
    std::string text;      // text that may be emitted now
    bool stopped = false;  // a stop sequence completed; generation should end
    std::string stop;      // which one
  };

  // Feeds the next piece. After a stop, further pushes return nothing.
  Result push(std::string_view piece);
  // Releases whatever is held back (call when generation ends for another reason).
  std::string flush();

  bool stopped() const { return stopped_; }
  std::size_t held_bytes() const { return pending_.size(); }

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // text not yet emitted: a suffix that is a prefix of some stop
  bool stopped_ = false;
};

}  // namespace hearth::sampling
