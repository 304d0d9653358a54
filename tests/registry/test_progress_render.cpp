// The CLI's progress rendering (cli/progress.h), fed a recorded-style NDJSON stream with a fake
// clock. Expected sizes follow Ollama's format.HumanBytes rules (decimal units; integer at >= 10,
// one decimal below unless whole), worked out by hand below.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "cli/progress.h"

using namespace hearth;
using namespace hearth::cli;
using Clock = std::chrono::steady_clock;

namespace {

// Captures what the renderer writes.
struct Capture {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&data, &size);
  ~Capture() {
    std::fclose(file);
    std::free(data);
  }
  std::string text() {
    std::fflush(file);
    return std::string(data, size);
  }
};

const char* kDigest = "sha256:dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff";

Json line(const std::string& status, int64_t total = 0, int64_t completed = 0) {
  Json j = Json::object({{"status", status}});
  if (total) {
    j["digest"] = kDigest;
    j["total"] = total;
  }
  if (completed) j["completed"] = completed;
  return j;
}

}  // namespace

TEST_CASE("format_size follows Ollama's format.HumanBytes", "[progress]") {
  CHECK(format_size(0) == "0 B");
  CHECK(format_size(999) == "999 B");
  CHECK(format_size(1000) == "1 KB");
  CHECK(format_size(1500) == "1.5 KB");
  CHECK(format_size(6'408'480) == "6.4 MB");
  CHECK(format_size(912'000'000) == "912 MB");
  CHECK(format_size(2'019'377'376) == "2.0 GB");
  CHECK(format_size(12'345'678'901) == "12 GB");
  CHECK(format_time_left(std::chrono::seconds(30)) == "30s");
  CHECK(format_time_left(std::chrono::seconds(90)) == "1m30s");
  CHECK(format_time_left(std::chrono::seconds(7500)) == "2h5m");
}

TEST_CASE("format_bar: percentage, cells, sizes, speed and time left", "[progress]") {
  // 2,000,000 of 8,000,000 bytes at 1,000,000 B/s: 25%, a quarter of 20 cells, 6 s left.
  std::string bar = format_bar("pulling dde5aa3fc5ff", 2'000'000, 8'000'000, 1'000'000, 20);
  CHECK(bar.rfind("pulling dde5aa3fc5ff:  25% \u2595", 0) == 0);
  std::string cells;
  for (int i = 0; i < 5; ++i) cells += "\u2588";
  CHECK(bar.find(cells + std::string(15, ' ') + "\u258f") != std::string::npos);
  CHECK(bar.find("2 MB/8 MB") != std::string::npos);
  CHECK(bar.find("1 MB/s") != std::string::npos);
  CHECK(bar.substr(bar.size() - 4) == "  6s");
  // Complete: just the total.
  std::string done = format_bar("pulling x", 8'000'000, 8'000'000, 0, 4);
  CHECK(done == "pulling x: 100% \u2595\u2588\u2588\u2588\u2588\u258f 8 MB");
}

TEST_CASE("plain output (not a terminal): statuses once, bars at quarters", "[progress]") {
  Capture cap;
  auto t = Clock::time_point{};
  ProgressRenderer r(cap.file, false, [&] { return t; });
  r.update(line("pulling manifest"));
  for (int64_t done : {0, 100, 200, 300, 500, 600, 800, 1000}) {
    r.update(line("pulling dde5aa3fc5ff", 1000, done));
    t += std::chrono::seconds(1);
  }
  r.update(line("verifying sha256 digest"));
  r.update(line("verifying sha256 digest"));
  r.update(line("success"));
  r.finish();
  std::string out = cap.text();
  CHECK(out.find('\x1b') == std::string::npos);  // no terminal control codes in logs
  CHECK(out.rfind("pulling manifest\n", 0) == 0);
  // First appearance (0%), 25%, 50%, 75% (at 800), 100%: five bar lines.
  std::size_t bars = 0;
  for (std::size_t p = out.find("pulling dde5aa3fc5ff:"); p != std::string::npos; p = out.find("pulling dde5aa3fc5ff:", p + 1))
    ++bars;
  CHECK(bars == 5);
  CHECK(out.find(" 50% ") != std::string::npos);
  CHECK(out.find("100% ") != std::string::npos);
  auto tail = out.substr(out.find("verifying"));
  CHECK(tail == "verifying sha256 digest\nsuccess\n");
}

TEST_CASE("terminal output redraws rows in place", "[progress]") {
  Capture cap;
  auto t = Clock::time_point{};
  ProgressRenderer r(cap.file, true, [&] { return t; });
  r.update(line("pulling manifest"));
  r.update(line("pulling dde5aa3fc5ff", 4'000'000, 0));
  t += std::chrono::seconds(1);
  r.update(line("pulling dde5aa3fc5ff", 4'000'000, 1'000'000));
  r.finish();
  std::string out = cap.text();
  CHECK(out.find("\x1b[2A") != std::string::npos);  // moved up over both rows to redraw
  CHECK(out.find("\x1b[2K") != std::string::npos);  // cleared the line
  CHECK(out.find(" 25% ") != std::string::npos);
  CHECK(out.find("1 MB/4 MB  1 MB/s  3s") != std::string::npos);
}
