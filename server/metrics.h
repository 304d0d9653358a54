// server/metrics.h — Prometheus metrics: a thread-safe registry and hearth's own metric set.
//
// `MetricsRegistry` holds metric families (counter, gauge, histogram), each with fixed label
// names and one child per distinct set of label values, and renders them in the Prometheus text
// exposition format 0.0.4: a `# HELP` and a `# TYPE` line per family, then one sample line per
// child (`name{label="value"} 12`); histograms write cumulative `_bucket{le="…"}` lines ending
// with `le="+Inf"`, then `_sum` and `_count`. Label values are escaped (`\\`, `\"`, `\n`), HELP
// text too (`\\`, `\n`). A labelled family with no child yet is not written at all, so a metric
// that does not apply (GPU memory on a CPU-only server) is simply absent.
//
// Values are atomics (counters, gauges) or a small mutex per histogram child, so the I/O threads,
// the engine threads and a scrape may touch them concurrently. Families are registered once, up
// front; a child reference stays valid for the registry's lifetime. Nothing here is global: the
// server owns one `ServerMetrics` and hands a pointer to whoever observes something.
//
//   ServerMetrics metrics;
//   metrics.request_finished({"generate", "POST", 200, 1.2s, 5120});
//   metrics.observe_generation({"llama3.2:latest", total, eval_duration, 128, 42});
//   metrics.set_queue_depth(3);
//   respond(200, ServerMetrics::kContentType, metrics.render());
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::server {

// A metric or label name that breaks the exposition format's rules, a histogram with unsorted
// buckets, or a child asked for with the wrong number of label values.
class MetricsError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class MetricType { Counter, Gauge, Histogram };

// Only goes up. Increments that are negative or NaN are ignored (a counter never decreases).
class Counter {
 public:
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets with the given finite upper bounds (strictly increasing);
// the `+Inf` bucket is implicit. NaN observations are ignored.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value) { observe(value, 1); }
  // `count` observations of the same value at once (count 0 is a no-op).
  void observe(double value, uint64_t count);

  struct Snapshot {
    std::vector<double> upper_bounds;  // finite bounds, then +Inf
    std::vector<uint64_t> cumulative;  // same length: observations <= bound
    double sum = 0;
    uint64_t count = 0;                // == cumulative.back()
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;  // finite, increasing
  mutable std::mutex mutex_;
  std::vector<uint64_t> buckets_;  // per bucket (not cumulative), bounds_.size() + 1 entries
  double sum_ = 0;
};

// One metric family: its name, help, label names and children keyed by label values.
class MetricFamily {
 public:
  MetricFamily(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> buckets, std::size_t max_children);
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // The child for these label values (created on first use). Throws MetricsError when the
  // number of values differs from the number of label names. Past `max_children` distinct
  // children, new label sets share one child whose values are all "other", so a stream of
  // distinct values cannot grow memory without bound.
  Counter& counter(const std::vector<std::string>& label_values);
  Gauge& gauge(const std::vector<std::string>& label_values);
  Histogram& histogram(const std::vector<std::string>& label_values);

  // Appends this family in text format 0.0.4 (nothing when it has no children).
  void render(std::string& out) const;

 private:
  struct Child {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Child& child(const std::vector<std::string>& label_values, MetricType wanted);

  MetricType type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  std::size_t max_children_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, Child> children_;  // sorted: deterministic output
};

class MetricsRegistry {
 public:
  static constexpr std::size_t kDefaultMaxChildren = 1000;

  // Registers a family; throws MetricsError for an invalid or duplicate name, an invalid or
  // reserved label name (`le` on histograms, names starting with `__`), a counter whose name does
  // not end in `_total`, or histogram buckets that are not finite and strictly increasing.
  MetricFamily& add(MetricType type, std::string name, std::string help, std::vector<std::string> label_names = {},
                    std::vector<double> buckets = {}, std::size_t max_children = kDefaultMaxChildren);

  // Every family in registration order, text format 0.0.4.
  std::string render() const;

 private:
  std::vector<std::unique_ptr<MetricFamily>> families_;  // only appended to, during setup
};

// ---- text-format pieces (exposed for tests and for other writers) ----------------------------

// `[a-zA-Z_:][a-zA-Z0-9_:]*`
bool valid_metric_name(std::string_view name);
// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved for Prometheus itself).
bool valid_label_name(std::string_view name);
// Label value escaping: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);
// HELP text escaping: backslash and line feed.
std::string escape_help(std::string_view help);
// A sample value as Go's ParseFloat reads it: integers exactly, else the shortest round-trip
// decimal; `+Inf`, `-Inf`, `NaN`.
std::string format_sample_value(double value);

// ---- hearth's metrics ------------------------------------------------------------------------

// One finished HTTP request, as the session saw it.
struct RequestObservation {
  std::string_view route;   // route_name(...) for a matched route; "unmatched" otherwise
  std::string_view method;  // "GET", "POST", ... (anything else is counted as "OTHER")
  int status = 200;
  std::chrono::nanoseconds duration{0};
  uint64_t response_bytes = 0;  // body bytes sent
};

// One finished generation (the numbers Ollama reports in its final object).
struct GenerationObservation {
  std::string_view model;                   // display name, e.g. "llama3.2:latest"
  std::chrono::nanoseconds total_duration{0};  // request received → last token
  std::chrono::nanoseconds eval_duration{0};   // first token → last token
  int eval_count = 0;                          // tokens generated
  int prompt_eval_count = 0;                   // prompt tokens
};

class ServerMetrics {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  explicit ServerMetrics(std::string_view version = "");

  // HTTP: call request_started when a request's header has been read and request_finished
  // exactly once when its response is complete (or the connection died while serving it).
  void request_started();
  void request_finished(const RequestObservation& r);

  // Sampled state, typically set right before render() from the scheduler's view.
  void set_queue_depth(std::size_t jobs);
  void set_loaded_models(std::size_t models);
  // GPU memory per device, bytes; the CUDA backend (or the /metrics handler asking it) sets it.
  // Until it is called these series do not exist.
  void set_gpu_memory(int device, uint64_t used_bytes, uint64_t total_bytes);

  // Inference. Time to first token = total − eval duration (request received → first token
  // sampled: queueing, load and prefill). Per-token latency: the request's mean decode interval
  // eval_duration / (eval_count − 1), observed once per token after the first, so the histogram
  // weighs requests by the tokens they produced.
  void observe_generation(const GenerationObservation& g);

  std::string render() const { return registry_.render(); }
  MetricsRegistry& registry() { return registry_; }

 private:
  MetricsRegistry registry_;
  MetricFamily& requests_;
  MetricFamily& request_duration_;
  MetricFamily& response_bytes_;
  Gauge& in_flight_;
  Gauge& queue_depth_;
  Gauge& loaded_models_;
  MetricFamily& tokens_generated_;
  MetricFamily& prompt_tokens_;
  MetricFamily& time_to_first_token_;
  MetricFamily& inter_token_latency_;
  MetricFamily& gpu_used_;
  MetricFamily& gpu_total_;
};

}  // namespace hearth::server
