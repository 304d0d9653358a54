// cli/progress.h — rendering Ollama progress streams (pull, push, create) for people.
//
// The server streams objects like {"status":"pulling dde5aa3fc5ff","digest":"sha256:…",
// "total":2019377376,"completed":241970}. On a terminal each digest gets a live bar that is
// redrawn in place — percentage, bar, done/total size, speed and time left — and plain statuses get
// one line each, as `ollama pull` shows them:
//
//   pulling manifest
//   pulling dde5aa3fc5ff:  45% ▕███████         ▏ 912 MB/2.0 GB   36 MB/s     30s
//   verifying sha256 digest
//
// When the output is not a terminal (a log file, CI) nothing is redrawn: each status is printed
// once, and a bar only when it first appears, at each quarter and when complete, so logs stay
// short. The clock is injectable so tests can check speed and ETA exactly.
//
//   ProgressRenderer r(stdout, isatty(1));
//   for each NDJSON line: r.update(Json::parse(line));
//   r.finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "common/json.h"

namespace hearth::cli {

// Ollama's format.HumanBytes: decimal units, "6.4 MB", "912 MB", "2.0 GB" style. (Named apart from
// cmd_client.h's human_bytes so the two never meet as overloads.)
std::string format_size(uint64_t bytes);
// "30s", "1m30s", "2h5m" (what Ollama's bar shows as time left).
std::string format_time_left(std::chrono::seconds d);

// One bar line without terminal control codes; `width` is the bar's inner width in cells.
std::string format_bar(const std::string& label, uint64_t completed, uint64_t total, double bytes_per_second,
                       int width = 25);

class ProgressRenderer {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  ProgressRenderer(std::FILE* out, bool terminal, Clock clock = [] { return std::chrono::steady_clock::now(); });

  void update(const Json& progress);
  // Final redraw (terminal) so completed bars show their last state.
  void finish();

 private:
  struct Row {
    std::string key;    // digest for bars, status text otherwise
    std::string label;  // status text
    bool bar = false;
    uint64_t total = 0, completed = 0;
    std::deque<std::pair<std::chrono::steady_clock::time_point, uint64_t>> samples;  // for speed
    int last_quarter = -1;                                                          // plain mode
  };
  double speed(const Row& row) const;
  std::string render(const Row& row) const;
  void redraw();

  std::FILE* out_;
  bool terminal_;
  Clock clock_;
  std::vector<Row> rows_;
  int lines_on_screen_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace hearth::cli
