#include "cli/progress.h"

#include <algorithm>
#include <cmath>

namespace hearth::cli {

std::string format_size(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 5) {
    value /= 1000;
    ++unit;
  }
  char buf[32];
  if (value >= 10 || value == std::trunc(value) || unit == 0)
    std::snprintf(buf, sizeof buf, "%d %s", static_cast<int>(value), units[unit]);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
  return buf;
}

std::string format_time_left(std::chrono::seconds d) {
  long s = static_cast<long>(d.count());
  if (s < 0) s = 0;
  long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m";
  if (m > 0) return std::to_string(m) + "m" + std::to_string(sec) + "s";
  return std::to_string(sec) + "s";
}

std::string format_bar(const std::string& label, uint64_t completed, uint64_t total, double bytes_per_second, int width) {
  completed = std::min(completed, total);
  int percent = total ? static_cast<int>(completed * 100 / total) : 0;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", percent);
  int filled = total ? static_cast<int>(static_cast<double>(completed) / static_cast<double>(total) * width) : 0;
  std::string bar = "\u2595";
  for (int i = 0; i < width; ++i) bar += i < filled ? "\u2588" : " ";
  bar += "\u258f";
  std::string line = label + ": " + pct + " " + bar + " ";
  if (completed >= total) {
    line += format_size(total);
    return line;
  }
  line += format_size(completed) + "/" + format_size(total);
  if (bytes_per_second > 0) {
    line += "  " + format_size(static_cast<uint64_t>(bytes_per_second)) + "/s";
    auto left = std::chrono::seconds(static_cast<long>(std::ceil(static_cast<double>(total - completed) / bytes_per_second)));
    line += "  " + format_time_left(left);
  }
  return line;
}

ProgressRenderer::ProgressRenderer(std::FILE* out, bool terminal, Clock clock)
    : out_(out), terminal_(terminal), clock_(std::move(clock)) {}

double ProgressRenderer::speed(const Row& row) const {
  if (row.samples.size() < 2) return 0;
  const auto& first = row.samples.front();
  const auto& last = row.samples.back();
  double seconds = std::chrono::duration<double>(last.first - first.first).count();
  if (seconds <= 0 || last.second < first.second) return 0;
  return static_cast<double>(last.second - first.second) / seconds;
}

std::string ProgressRenderer::render(const Row& row) const {
  if (!row.bar) return row.label;
  return format_bar(row.label, row.completed, row.total, speed(row));
}

void ProgressRenderer::update(const Json& progress) {
  std::string status = progress.get_string("status");
  std::string digest = progress.get_string("digest");
  int64_t total = progress.get_int("total"), completed = progress.get_int("completed");
  const bool bar = !digest.empty() && total > 0;
  const std::string key = bar ? digest : status;
  auto now = clock_();

  auto it = std::find_if(rows_.begin(), rows_.end(), [&](const Row& r) { return r.key == key; });
  bool fresh = it == rows_.end();
  if (fresh) {
    if (!bar && !rows_.empty() && !rows_.back().bar && rows_.back().label == status) return;
    rows_.push_back(Row{key, status, bar});
    it = rows_.end() - 1;
  }
  Row& row = *it;
  if (bar) {
    row.total = static_cast<uint64_t>(total);
    row.completed = static_cast<uint64_t>(std::max<int64_t>(0, completed));
    row.samples.emplace_back(now, row.completed);
    while (row.samples.size() > 2 && now - row.samples.front().first > std::chrono::seconds(5)) row.samples.pop_front();
  }

  if (!terminal_) {
    if (!bar) {
      if (fresh) std::fprintf(out_, "%s\n", status.c_str());
    } else {
      int quarter = row.total ? static_cast<int>(row.completed * 4 / row.total) : 0;
      if (fresh || quarter > row.last_quarter) {
        row.last_quarter = quarter;
        std::fprintf(out_, "%s\n", render(row).c_str());
      }
    }
    std::fflush(out_);
    return;
  }
  // Terminal: redraw at most every 100 ms, but at once for new rows and completions.
  if (fresh || row.completed >= row.total || now - last_draw_ >= std::chrono::milliseconds(100)) {
    last_draw_ = now;
    redraw();
  }
}

void ProgressRenderer::redraw() {
  std::string out;
  if (lines_on_screen_ > 0) out += "\x1b[" + std::to_string(lines_on_screen_) + "A";  // back to the first row
  for (const Row& row : rows_) out += "\r\x1b[2K" + render(row) + "\n";
  lines_on_screen_ = static_cast<int>(rows_.size());
  std::fputs(out.c_str(), out_);
  std::fflush(out_);
}

void ProgressRenderer::finish() {
  if (terminal_ && !rows_.empty()) redraw();
}

}  // namespace hearth::cli
