// tests/deploy/prom_text.h — an independent reader of the Prometheus text exposition format 0.0.4.
//
// Written from the format's specification (prometheus.io "Exposition formats", text-based
// format), not from server/metrics.cpp, so the tests check hearth's output against the rules a
// real scraper applies:
//   - lines end in '\n'; empty lines are ignored; `# HELP name text` and `# TYPE name type` are
//     metadata (HELP text unescapes `\\` and `\n`), other `#` lines are comments;
//   - a sample is `name[{label="value",...}] value [timestamp]`, label values unescape `\\`,
//     `\"` and `\n`, a trailing comma inside the braces is allowed;
//   - values are Go floats, including `+Inf`, `-Inf`, `NaN`;
//   - a TYPE (and HELP) line comes at most once per family and before its first sample, and all
//     lines of one family are contiguous; a histogram family `x` owns `x_bucket` (with `le`),
//     `x_sum` and `x_count`; the same series (name + label set) appears once.
// `parse_prometheus_text` throws std::runtime_error naming the line for any violation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::test {

struct PromSample {
  std::string name;                           // as written (x_bucket, x_sum, ...)
  std::map<std::string, std::string> labels;  // unescaped
  double value = 0;
};

struct PromFamily {
  std::string name;
  std::string type = "untyped";
  std::optional<std::string> help;
  std::vector<PromSample> samples;
};

struct PromDocument {
  std::vector<PromFamily> families;  // in order of appearance

  const PromFamily* family(std::string_view name) const;
  // The value of the one sample with exactly these labels; nullopt when absent.
  std::optional<double> value(std::string_view sample_name, const std::map<std::string, std::string>& labels = {}) const;
};

PromDocument parse_prometheus_text(std::string_view text);

// Histogram invariants for one child (labels without `le`) of a histogram family: buckets in
// increasing `le` order ending with +Inf, cumulative counts non-decreasing, +Inf == _count.
// Throws std::runtime_error describing the first violation. Returns the (le, cumulative) pairs.
std::vector<std::pair<double, double>> check_histogram(const PromDocument& doc, std::string_view family,
                                                       const std::map<std::string, std::string>& labels);

}  // namespace hearth::test
