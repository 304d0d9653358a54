#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace hearth::server {

// ---- values ---------------------------------------------------------------------------------------

void Counter::inc(double amount) {
  if (!(amount > 0)) return;  // negative, zero or NaN: a counter never goes down
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i])) throw MetricsError("histogram bucket bounds must be finite (+Inf is implicit)");
    if (i > 0 && !(bounds_[i] > bounds_[i - 1])) throw MetricsError("histogram bucket bounds must be strictly increasing");
  }
  buckets_.assign(bounds_.size() + 1, 0);
}

void Histogram::observe(double value, uint64_t count) {
  if (count == 0 || std::isnan(value)) return;
  // First bucket whose bound is >= value (le means "less than or equal").
  std::size_t i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  std::lock_guard lk(mutex_);
  buckets_[i] += count;
  sum_ += value * static_cast<double>(count);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  s.upper_bounds.push_back(INFINITY);
  std::lock_guard lk(mutex_);
  s.cumulative.resize(buckets_.size());
  uint64_t running = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) s.cumulative[i] = running += buckets_[i];
  s.sum = sum_;
  s.count = running;
  return s;
}

// ---- text format ----------------------------------------------------------------------------------

namespace {

bool name_char(char c, bool first, bool colon_ok) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon_ok && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, colon_ok)) return false;
  return true;
}

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` (plus an optional extra pair such as le), or "" without labels.
void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, double value, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  append_labels(out, names, values, extra_name, extra_value);
  out += ' ';
  out += format_sample_value(value);
  out += '\n';
}

}  // namespace

bool valid_metric_name(std::string_view name) { return valid_name(name, true); }

bool valid_label_name(std::string_view name) {
  return valid_name(name, false) && !(name.size() >= 2 && name[0] == '_' && name[1] == '_');
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_sample_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integral values below 2^53 print as integers (counts, bytes) rather than in exponent form.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip representation
  return std::string(buf, r.ptr);
}

// ---- families -------------------------------------------------------------------------------------

MetricFamily::MetricFamily(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
                           std::vector<double> buckets, std::size_t max_children)
    : type_(type), name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
      buckets_(std::move(buckets)), max_children_(std::max<std::size_t>(max_children, 1)) {
  if (label_names_.empty()) child({}, type_);  // an unlabelled metric always has its one sample
}

MetricFamily::Child& MetricFamily::child(const std::vector<std::string>& values, MetricType wanted) {
  if (wanted != type_) throw MetricsError("metric '" + name_ + "' is a " + type_name(type_) + ", not a " + type_name(wanted));
  if (values.size() != label_names_.size())
    throw MetricsError("metric '" + name_ + "' has " + std::to_string(label_names_.size()) + " label(s), got " +
                       std::to_string(values.size()) + " value(s)");
  std::lock_guard lk(mutex_);
  auto it = children_.find(values);
  if (it != children_.end()) return it->second;
  std::vector<std::string> key = values;
  if (children_.size() >= max_children_) {
    key.assign(label_names_.size(), "other");
    it = children_.find(key);
    if (it != children_.end()) return it->second;
  }
  Child c;
  switch (type_) {
    case MetricType::Counter: c.counter = std::make_unique<Counter>(); break;
    case MetricType::Gauge: c.gauge = std::make_unique<Gauge>(); break;
    case MetricType::Histogram: c.histogram = std::make_unique<Histogram>(buckets_); break;
  }
  return children_.emplace(std::move(key), std::move(c)).first->second;
}

Counter& MetricFamily::counter(const std::vector<std::string>& v) { return *child(v, MetricType::Counter).counter; }
Gauge& MetricFamily::gauge(const std::vector<std::string>& v) { return *child(v, MetricType::Gauge).gauge; }
Histogram& MetricFamily::histogram(const std::vector<std::string>& v) { return *child(v, MetricType::Histogram).histogram; }

void MetricFamily::render(std::string& out) const {
  std::lock_guard lk(mutex_);
  if (children_.empty()) return;
  out += "# HELP " + name_ + ' ' + escape_help(help_) + '\n';
  out += "# TYPE " + name_ + ' ' + type_name(type_) + '\n';
  for (const auto& [values, c] : children_) {
    switch (type_) {
      case MetricType::Counter: append_sample(out, name_, "", label_names_, values, c.counter->value()); break;
      case MetricType::Gauge: append_sample(out, name_, "", label_names_, values, c.gauge->value()); break;
      case MetricType::Histogram: {
        Histogram::Snapshot s = c.histogram->snapshot();
        for (std::size_t i = 0; i < s.upper_bounds.size(); ++i)
          append_sample(out, name_, "_bucket", label_names_, values, static_cast<double>(s.cumulative[i]), "le",
                        format_sample_value(s.upper_bounds[i]));
        append_sample(out, name_, "_sum", label_names_, values, s.sum);
        append_sample(out, name_, "_count", label_names_, values, static_cast<double>(s.count));
        break;
      }
    }
  }
}

MetricFamily& MetricsRegistry::add(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
                                   std::vector<double> buckets, std::size_t max_children) {
  if (!valid_metric_name(name)) throw MetricsError("invalid metric name '" + name + "'");
  if (type == MetricType::Counter && (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0))
    throw MetricsError("counter '" + name + "' must end in _total");
  if (type != MetricType::Histogram && !buckets.empty()) throw MetricsError("only histograms have buckets ('" + name + "')");
  std::set<std::string> seen;
  for (const auto& l : label_names) {
    if (!valid_label_name(l)) throw MetricsError("invalid label name '" + l + "' on '" + name + "'");
    if (type == MetricType::Histogram && l == "le") throw MetricsError("histogram '" + name + "' cannot use the label 'le'");
    if (!seen.insert(l).second) throw MetricsError("duplicate label '" + l + "' on '" + name + "'");
  }
  // A histogram also owns name_bucket/_sum/_count; no other family may collide with them.
  auto owned = [](const MetricFamily& f) {
    std::vector<std::string> n{f.name()};
    if (f.type() == MetricType::Histogram) {
      n.push_back(f.name() + "_bucket");
      n.push_back(f.name() + "_sum");
      n.push_back(f.name() + "_count");
    }
    return n;
  };
  std::vector<std::string> new_names{name};
  if (type == MetricType::Histogram) {
    new_names.push_back(name + "_bucket");
    new_names.push_back(name + "_sum");
    new_names.push_back(name + "_count");
  }
  for (const auto& f : families_)
    for (const auto& existing : owned(*f))
      for (const auto& n : new_names)
        if (existing == n) throw MetricsError("metric name '" + n + "' is already registered");
  if (type == MetricType::Histogram) Histogram check(buckets);  // validates the bounds (throws)
  families_.push_back(std::make_unique<MetricFamily>(type, std::move(name), std::move(help), std::move(label_names),
                                                     std::move(buckets), max_children));
  return *families_.back();
}

std::string MetricsRegistry::render() const {
  std::string out;
  for (const auto& f : families_) f->render(out);
  return out;
}

// ---- hearth's metric set ------------------------------------------------------------------------

namespace {

const std::vector<double> kRequestSeconds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
const std::vector<double> kFirstTokenSeconds{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
const std::vector<double> kTokenSeconds{0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1};

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

std::string method_label(std::string_view m) {
  static constexpr std::string_view known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto k : known)
    if (m == k) return std::string(k);
  return "OTHER";  // arbitrary method text from a client must not become a label value
}

}  // namespace

ServerMetrics::ServerMetrics(std::string_view version)
    : requests_(registry_.add(MetricType::Counter, "hearth_http_requests_total",
                              "HTTP requests answered, by route, method and status code.", {"route", "method", "status"})),
      request_duration_(registry_.add(MetricType::Histogram, "hearth_http_request_duration_seconds",
                                      "Time from reading a request's header to the end of its response (streams included).",
                                      {"route"}, kRequestSeconds)),
      response_bytes_(registry_.add(MetricType::Counter, "hearth_http_response_bytes_total",
                                    "Response body bytes sent, by route.", {"route"})),
      in_flight_(registry_.add(MetricType::Gauge, "hearth_http_requests_in_flight", "Requests being served right now.")
                     .gauge({})),
      queue_depth_(registry_.add(MetricType::Gauge, "hearth_queue_depth",
                                 "Inference jobs waiting for a slot or a model load (OLLAMA_MAX_QUEUE bounds it).")
                       .gauge({})),
      loaded_models_(registry_.add(MetricType::Gauge, "hearth_loaded_models", "Models loaded or loading.").gauge({})),
      tokens_generated_(registry_.add(MetricType::Counter, "hearth_tokens_generated_total",
                                      "Tokens generated (eval_count), by model.", {"model"})),
      prompt_tokens_(registry_.add(MetricType::Counter, "hearth_prompt_tokens_total",
                                   "Prompt tokens processed (prompt_eval_count), by model.", {"model"})),
      time_to_first_token_(registry_.add(MetricType::Histogram, "hearth_time_to_first_token_seconds",
                                         "Time from receiving a generation request to its first token (queue, load and "
                                         "prefill), by model.",
                                         {"model"}, kFirstTokenSeconds)),
      inter_token_latency_(registry_.add(MetricType::Histogram, "hearth_inter_token_latency_seconds",
                                         "Decode time per generated token after the first (each request's mean "
                                         "interval, once per token), by model.",
                                         {"model"}, kTokenSeconds)),
      gpu_used_(registry_.add(MetricType::Gauge, "hearth_gpu_memory_used_bytes", "GPU memory in use, by device.",
                              {"device"})),
      gpu_total_(registry_.add(MetricType::Gauge, "hearth_gpu_memory_total_bytes", "GPU memory size, by device.",
                               {"device"})) {
  if (!version.empty())
    registry_.add(MetricType::Gauge, "hearth_build_info", "Always 1; the version label says which hearth is running.",
                  {"version"})
        .gauge({std::string(version)})
        .set(1);
}

void ServerMetrics::request_started() { in_flight_.add(1); }

void ServerMetrics::request_finished(const RequestObservation& r) {
  in_flight_.add(-1);
  std::string route(r.route.empty() ? "unmatched" : r.route);
  requests_.counter({route, method_label(r.method), std::to_string(r.status)}).inc();
  request_duration_.histogram({route}).observe(seconds(r.duration));
  response_bytes_.counter({route}).inc(static_cast<double>(r.response_bytes));
}

void ServerMetrics::set_queue_depth(std::size_t jobs) { queue_depth_.set(static_cast<double>(jobs)); }
void ServerMetrics::set_loaded_models(std::size_t models) { loaded_models_.set(static_cast<double>(models)); }

void ServerMetrics::set_gpu_memory(int device, uint64_t used_bytes, uint64_t total_bytes) {
  std::string d = std::to_string(device);
  gpu_used_.gauge({d}).set(static_cast<double>(used_bytes));
  gpu_total_.gauge({d}).set(static_cast<double>(total_bytes));
}

void ServerMetrics::observe_generation(const GenerationObservation& g) {
  std::string model(g.model);
  if (g.prompt_eval_count > 0) prompt_tokens_.counter({model}).inc(g.prompt_eval_count);
  if (g.eval_count <= 0) return;  // load-only or failed before the first token
  tokens_generated_.counter({model}).inc(g.eval_count);
  auto to_first = g.total_duration - g.eval_duration;
  if (to_first.count() >= 0) time_to_first_token_.histogram({model}).observe(seconds(to_first));
  if (g.eval_count >= 2 && g.eval_duration.count() >= 0) {
    double per_token = seconds(g.eval_duration) / (g.eval_count - 1);
    inter_token_latency_.histogram({model}).observe(per_token, static_cast<uint64_t>(g.eval_count - 1));
  }
}

}  // namespace hearth::server
