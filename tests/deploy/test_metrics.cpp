// Prometheus metrics: the registry's text output read back by an independent parser of the
// exposition format (tests/deploy/prom_text.h), and hearth's metric set driven like the server
// drives it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <thread>

#include "deploy/prom_text.h"
#include "server/metrics.h"

using namespace hearth::server;
using hearth::test::check_histogram;
using hearth::test::parse_prometheus_text;
using Labels = std::map<std::string, std::string>;
using namespace std::chrono_literals;

TEST_CASE("metrics: an unlabelled metric is always written, a labelled one only once it has a child") {
  MetricsRegistry r;
  r.add(MetricType::Gauge, "up_now", "A gauge.");
  MetricFamily& by_dev = r.add(MetricType::Gauge, "mem_bytes", "Per device.", {"device"});
  auto doc = parse_prometheus_text(r.render());
  REQUIRE(doc.families.size() == 1);
  CHECK(doc.families[0].name == "up_now");
  CHECK(doc.families[0].type == "gauge");
  CHECK(doc.families[0].help == std::string("A gauge."));
  CHECK(doc.value("up_now") == 0.0);

  by_dev.gauge({"0"}).set(1234);
  doc = parse_prometheus_text(r.render());
  REQUIRE(doc.families.size() == 2);
  CHECK(doc.value("mem_bytes", {{"device", "0"}}) == 1234.0);
}

TEST_CASE("metrics: counters move and never go down") {
  MetricsRegistry r;
  MetricFamily& c = r.add(MetricType::Counter, "jobs_total", "Jobs.", {"kind"});
  c.counter({"a"}).inc();
  c.counter({"a"}).inc(2.5);
  c.counter({"b"}).inc();
  c.counter({"a"}).inc(-10);  // ignored
  c.counter({"a"}).inc(NAN);  // ignored
  auto doc = parse_prometheus_text(r.render());
  CHECK(doc.family("jobs_total")->type == "counter");
  CHECK(doc.value("jobs_total", {{"kind", "a"}}) == 3.5);
  CHECK(doc.value("jobs_total", {{"kind", "b"}}) == 1.0);
}

TEST_CASE("metrics: histogram buckets are cumulative, monotone, and +Inf equals the count") {
  MetricsRegistry r;
  MetricFamily& h = r.add(MetricType::Histogram, "lat_seconds", "Latency.", {"route"}, {0.005, 0.01, 0.1, 1});
  // le is "less than or equal": 1.0 lands in the le="1" bucket, 0.01 in le="0.01".
  std::vector<double> obs{0.003, 0.01, 0.007, 0.5, 1.0, 700, 0.0};
  for (double v : obs) h.histogram({"chat"}).observe(v);
  auto doc = parse_prometheus_text(r.render());
  auto buckets = check_histogram(doc, "lat_seconds", {{"route", "chat"}});
  // Expected counts computed from the observations directly.
  std::vector<double> bounds{0.005, 0.01, 0.1, 1, INFINITY};
  REQUIRE(buckets.size() == bounds.size());
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    double expected = 0;
    for (double v : obs) expected += v <= bounds[i] ? 1 : 0;
    CHECK(buckets[i].first == bounds[i]);
    CHECK(buckets[i].second == expected);
  }
  double sum = 0;
  for (double v : obs) sum += v;
  CHECK(doc.value("lat_seconds_sum", {{"route", "chat"}}) == Approx(sum));
  CHECK(doc.value("lat_seconds_count", {{"route", "chat"}}) == static_cast<double>(obs.size()));
  // Weighted observations count as that many.
  h.histogram({"chat"}).observe(0.05, 10);
  doc = parse_prometheus_text(r.render());
  CHECK(doc.value("lat_seconds_bucket", {{"route", "chat"}, {"le", "0.1"}}) == 4.0 + 10.0);
  CHECK(doc.value("lat_seconds_count", {{"route", "chat"}}) == 17.0);
}

TEST_CASE("metrics: label values and help text are escaped and read back unchanged") {
  MetricsRegistry r;
  std::string nasty = "we\"ird\\model\nname:latest";
  r.add(MetricType::Counter, "x_total", "Line one\nback\\slash", {"model"}).counter({nasty}).inc();
  std::string text = r.render();
  CHECK(text.find("we\\\"ird\\\\model\\nname:latest") != std::string::npos);
  auto doc = parse_prometheus_text(text);
  CHECK(doc.value("x_total", {{"model", nasty}}) == 1.0);
  CHECK(doc.family("x_total")->help == std::string("Line one\nback\\slash"));
  CHECK(escape_label_value("a\"b") == "a\\\"b");
  CHECK(escape_help("a\"b") == "a\"b");  // quotes are not escaped in HELP
}

TEST_CASE("metrics: sample values read back as Go floats") {
  for (double v : {0.0, 1.0, -3.0, 0.005, 2.5, 1e20, 123456789.0, 9007199254740993.0, 1e-9, 0.1 + 0.2}) {
    std::string s = format_sample_value(v);
    CHECK(std::strtod(s.c_str(), nullptr) == v);
  }
  CHECK(format_sample_value(1.0) == "1");
  CHECK(format_sample_value(INFINITY) == "+Inf");
  CHECK(format_sample_value(-INFINITY) == "-Inf");
  CHECK(format_sample_value(NAN) == "NaN");
}

TEST_CASE("metrics: registration rejects names the format or Prometheus would reject") {
  MetricsRegistry r;
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "9lives", "x"), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "has-dash", "x"), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Counter, "requests", "x"), MetricsError);  // counters end in _total
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "g", "x", {"__reserved"}), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "g", "x", {"a", "a"}), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Histogram, "h", "x", {"le"}, {1}), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Histogram, "h", "x", {}, {1, 1}), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Histogram, "h", "x", {}, {1, INFINITY}), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "g", "x", {}, {1}), MetricsError);
  r.add(MetricType::Histogram, "h", "x", {}, {1});
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "h", "x"), MetricsError);
  CHECK_THROWS_AS(r.add(MetricType::Gauge, "h_count", "x"), MetricsError);  // owned by histogram h
  MetricFamily& g = r.add(MetricType::Gauge, "g2", "x", {"a", "b"});
  CHECK_THROWS_AS(g.gauge({"only-one"}), MetricsError);
  CHECK_THROWS_AS(g.counter({"a", "b"}), MetricsError);  // wrong type
}

TEST_CASE("metrics: distinct label sets past the cap share one 'other' child") {
  MetricsRegistry r;
  MetricFamily& c = r.add(MetricType::Counter, "m_total", "x", {"model"}, {}, 3);
  for (int i = 0; i < 10; ++i) c.counter({"model" + std::to_string(i)}).inc();
  auto doc = parse_prometheus_text(r.render());
  CHECK(doc.family("m_total")->samples.size() == 4);
  CHECK(doc.value("m_total", {{"model", "other"}}) == 7.0);
}

TEST_CASE("metrics: concurrent updates are all counted") {
  MetricsRegistry r;
  Counter& c = r.add(MetricType::Counter, "n_total", "x").counter({});
  MetricFamily& h = r.add(MetricType::Histogram, "d_seconds", "x", {"t"}, {0.5});
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        c.inc();
        h.histogram({std::to_string(i % 2)}).observe(t % 2 ? 0.25 : 0.75);
        if (i % 1000 == 0) (void)parse_prometheus_text(r.render());  // scrapes in between stay valid
      }
    });
  for (auto& th : threads) th.join();
  auto doc = parse_prometheus_text(r.render());
  CHECK(doc.value("n_total") == double(kThreads * kEach));
  double total = *doc.value("d_seconds_count", {{"t", "0"}}) + *doc.value("d_seconds_count", {{"t", "1"}});
  CHECK(total == double(kThreads * kEach));
  check_histogram(doc, "d_seconds", {{"t", "0"}});
}

TEST_CASE("server metrics: requests by route, method and status, with durations and bytes") {
  ServerMetrics m("1.2.3");
  m.request_started();
  m.request_started();
  auto doc = parse_prometheus_text(m.render());
  CHECK(doc.value("hearth_http_requests_in_flight") == 2.0);
  CHECK(doc.value("hearth_build_info", {{"version", "1.2.3"}}) == 1.0);
  m.request_finished({"generate", "POST", 200, 1500ms, 4096});
  m.request_finished({"generate", "POST", 200, 20ms, 100});
  m.request_started();
  m.request_finished({"", "BREW", 404, 1ms, 18});
  doc = parse_prometheus_text(m.render());
  CHECK(doc.value("hearth_http_requests_in_flight") == 0.0);
  CHECK(doc.value("hearth_http_requests_total", {{"route", "generate"}, {"method", "POST"}, {"status", "200"}}) == 2.0);
  CHECK(doc.value("hearth_http_requests_total", {{"route", "unmatched"}, {"method", "OTHER"}, {"status", "404"}}) == 1.0);
  CHECK(doc.value("hearth_http_response_bytes_total", {{"route", "generate"}}) == 4196.0);
  auto b = check_histogram(doc, "hearth_http_request_duration_seconds", {{"route", "generate"}});
  CHECK(doc.value("hearth_http_request_duration_seconds_sum", {{"route", "generate"}}) == Approx(1.52));
  CHECK(doc.value("hearth_http_request_duration_seconds_bucket", {{"route", "generate"}, {"le", "1"}}) == 1.0);
  CHECK(b.back().second == 2.0);
}

TEST_CASE("server metrics: queue depth, loaded models and GPU memory gauges") {
  ServerMetrics m;
  auto doc = parse_prometheus_text(m.render());
  CHECK(doc.value("hearth_queue_depth") == 0.0);
  CHECK(doc.value("hearth_loaded_models") == 0.0);
  CHECK(doc.family("hearth_gpu_memory_used_bytes") == nullptr);  // absent on a CPU-only server
  CHECK(doc.family("hearth_build_info") == nullptr);
  m.set_queue_depth(7);
  m.set_loaded_models(2);
  m.set_gpu_memory(0, 3ull << 30, 80ull << 30);
  m.set_gpu_memory(1, 1ull << 30, 80ull << 30);
  doc = parse_prometheus_text(m.render());
  CHECK(doc.family("hearth_queue_depth")->type == "gauge");
  CHECK(doc.value("hearth_queue_depth") == 7.0);
  CHECK(doc.value("hearth_loaded_models") == 2.0);
  CHECK(doc.value("hearth_gpu_memory_used_bytes", {{"device", "0"}}) == double(3ull << 30));
  CHECK(doc.value("hearth_gpu_memory_total_bytes", {{"device", "1"}}) == double(80ull << 30));
}

TEST_CASE("server metrics: tokens, time to first token and per-token latency from a generation") {
  ServerMetrics m;
  // 2.0 s total, 1.5 s decoding 31 tokens after the first: first token at 0.5 s, 50 ms/token.
  m.observe_generation({"llama3.2:latest", 2000ms, 1500ms, 31, 12});
  // A load-only request: no tokens, no latency observations.
  m.observe_generation({"llama3.2:latest", 300ms, 0ms, 0, 0});
  // One token: a first-token time but no interval.
  m.observe_generation({"qwen3:0.6b", 100ms, 0ms, 1, 5});
  auto doc = parse_prometheus_text(m.render());
  CHECK(doc.value("hearth_tokens_generated_total", {{"model", "llama3.2:latest"}}) == 31.0);
  CHECK(doc.value("hearth_tokens_generated_total", {{"model", "qwen3:0.6b"}}) == 1.0);
  CHECK(doc.value("hearth_prompt_tokens_total", {{"model", "llama3.2:latest"}}) == 12.0);
  CHECK(doc.value("hearth_time_to_first_token_seconds_count", {{"model", "llama3.2:latest"}}) == 1.0);
  CHECK(doc.value("hearth_time_to_first_token_seconds_sum", {{"model", "llama3.2:latest"}}) == Approx(0.5));
  CHECK(doc.value("hearth_time_to_first_token_seconds_bucket", {{"model", "llama3.2:latest"}, {"le", "0.25"}}) == 0.0);
  CHECK(doc.value("hearth_time_to_first_token_seconds_bucket", {{"model", "llama3.2:latest"}, {"le", "0.5"}}) == 1.0);
  check_histogram(doc, "hearth_time_to_first_token_seconds", {{"model", "qwen3:0.6b"}});
  auto itl = check_histogram(doc, "hearth_inter_token_latency_seconds", {{"model", "llama3.2:latest"}});
  CHECK(itl.back().second == 30.0);
  CHECK(doc.value("hearth_inter_token_latency_seconds_sum", {{"model", "llama3.2:latest"}}) == Approx(1.5));
  CHECK(doc.value("hearth_inter_token_latency_seconds_bucket", {{"model", "llama3.2:latest"}, {"le", "0.03"}}) == 0.0);
  CHECK(doc.value("hearth_inter_token_latency_seconds_bucket", {{"model", "llama3.2:latest"}, {"le", "0.05"}}) == 30.0);
  CHECK_FALSE(doc.value("hearth_inter_token_latency_seconds_count", {{"model", "qwen3:0.6b"}}).has_value());
}

TEST_CASE("server metrics: the parser itself rejects malformed exposition text") {
  // The reader must be able to fail, or the checks above prove nothing.
  CHECK_THROWS(parse_prometheus_text("a 1"));                                      // no final newline
  CHECK_THROWS(parse_prometheus_text("a{x=\"1} 1\n"));                             // unterminated value
  CHECK_THROWS(parse_prometheus_text("a 1\nb 1\na 2\n"));                          // family split
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\na -1\n"));                 // negative counter
  CHECK_THROWS(parse_prometheus_text("a 1\na 2\n"));                               // duplicate series
  CHECK_THROWS(parse_prometheus_text("a 1\n# TYPE a gauge\n"));                    // TYPE after samples
  CHECK_THROWS(parse_prometheus_text("a{x=\"\\q\"} 1\n"));                         // bad escape
  auto doc = parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n");
  CHECK_THROWS(check_histogram(doc, "h", {}));                                     // not cumulative
  doc = parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n");
  CHECK_THROWS(check_histogram(doc, "h", {}));                                     // +Inf != count
}
