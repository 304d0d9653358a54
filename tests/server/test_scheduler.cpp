// The scheduler against a deterministic fake model (fake_model.h): generation and its stop
// conditions, continuous batching across requests, the queue limit, cancellation, keep-alive,
// eviction, memory-aware admission, reloads, context shift, prefix reuse and shutdown.
// Expected texts follow from the fake model's rule (next byte = last byte + 1), not from output
// captured from the scheduler.
#include <catch2/catch.hpp>

#include <thread>

#include "engine/scheduler/scheduler.h"
#include "engine/scheduler/sequence.h"
#include "fake_model.h"

using namespace hearth;
using namespace hearth::sched;
using namespace std::chrono_literals;
using test::FakeLoader;
using test::FakeModelProbe;

namespace {

struct RecordingSink : JobSink {
  std::mutex m;
  std::condition_variable cv;
  std::string text;
  int tokens = 0;
  std::optional<Completion> done;
  std::optional<std::pair<int, std::string>> error;
  std::optional<EmbedResult> embeddings;

  void on_token(const TokenOutput& out) override {
    std::lock_guard lk(m);
    text += out.text;
    ++tokens;
    cv.notify_all();
  }
  void on_done(const Completion& c) override {
    std::lock_guard lk(m);
    done = c;
    cv.notify_all();
  }
  void on_embeddings(const EmbedResult& r) override {
    std::lock_guard lk(m);
    embeddings = r;
    cv.notify_all();
  }
  void on_error(int status, const std::string& message) override {
    std::lock_guard lk(m);
    error = {status, message};
    cv.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lk(m);
    return cv.wait_for(lk, timeout, [&] { return done || error || embeddings; });
  }
  bool wait_tokens(int n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lk(m);
    return cv.wait_for(lk, timeout, [&] { return tokens >= n || done || error; });
  }
};

std::shared_ptr<Job> gen_job(const std::string& path, const std::string& prompt, int num_predict,
                             std::shared_ptr<RecordingSink> sink) {
  auto job = std::make_shared<Job>();
  job->kind = JobKind::Generate;
  job->model.model_path = path;
  job->model.default_num_ctx = 64;
  job->params.sampling.temperature = 0;
  job->params.sampling.repeat_penalty = 1.0f;
  job->params.num_predict = num_predict;
  job->prepare = [prompt](const PromptContext& ctx) { return ctx.tokenizer.encode(prompt, true, true); };
  job->sink = std::move(sink);
  return job;
}

SchedulerConfig config(int parallel = 1, int max_loaded = 3, int max_queue = 512) {
  SchedulerConfig c;
  c.num_parallel = parallel;
  c.max_loaded_models = max_loaded;
  c.max_queue = max_queue;
  return c;
}

std::shared_ptr<Job> with_slots(std::shared_ptr<Job> job, int n) {
  job->model.n_slots = n;
  return job;
}

}  // namespace

TEST_CASE("fit_prompt keeps num_keep and drops per Ollama's formula", "[server][scheduler]") {
  std::vector<int32_t> p(20);
  for (int i = 0; i < 20; ++i) p[static_cast<std::size_t>(i)] = i;
  CHECK(fit_prompt(p, 32, 4, true, true) == p);  // fits (≤ n_ctx-1)
  // n_ctx 16, keep 4: remain = 16 - max((16-4)/2, 1) = 10 → tokens 0..3 then the last 6.
  std::vector<int32_t> fitted = fit_prompt(p, 16, 4, true, true);
  std::vector<int32_t> expected = {0, 1, 2, 3, 14, 15, 16, 17, 18, 19};
  CHECK(fitted == expected);
  CHECK_THROWS_AS(fit_prompt(p, 16, 4, true, false), JobError);
  CHECK_THROWS_AS(fit_prompt(p, 16, 4, false, true), JobError);
  try {
    fit_prompt(p, 16, 4, true, false);
  } catch (const JobError& e) {
    CHECK(e.status() == 400);
    CHECK(std::string(e.what()).find("the prompt is longer than the context length") == 0);
  }
}

TEST_CASE("logprobs are the log-softmax of the logits", "[server][scheduler]") {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  CHECK(token_logprob(logits, 2) == Approx(3.0 - lse));
  auto top = top_logprobs(logits, 2);
  REQUIRE(top.size() == 2);
  CHECK(top[0].first == 2);
  CHECK(top[1].first == 1);
  CHECK(top[1].second == Approx(2.0 - lse));
}

TEST_CASE("a generation streams the model's greedy tokens and stops at num_predict", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto sink = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "ab", 5, sink));
  REQUIRE(sink->wait());
  REQUIRE(sink->done);
  CHECK(sink->text == "cdefg");
  CHECK(sink->done->reason == DoneReason::Length);
  CHECK(sink->done->prompt_eval_count == 3);  // BOS a b
  CHECK(sink->done->eval_count == 5);
  std::vector<int32_t> ctx = {256, 'a', 'b', 'c', 'd', 'e', 'f', 'g'};
  CHECK(sink->done->context == ctx);
}

TEST_CASE("EOS ends a generation with done_reason stop", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  auto loader = std::make_shared<FakeLoader>(probe);
  loader->configs["/m"].eos_after = 6;  // BOS a b c d e → EOS
  Scheduler s(config(), loader);
  auto sink = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "ab", 50, sink));
  REQUIRE(sink->wait());
  REQUIRE(sink->done);
  CHECK(sink->text == "cde");
  CHECK(sink->done->reason == DoneReason::Stop);
  CHECK(sink->done->eval_count == 4);  // c d e + EOS
}

TEST_CASE("stop strings end generation and are not emitted", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto sink = std::make_shared<RecordingSink>();
  auto job = gen_job("/m", "ab", 50, sink);
  job->params.stop = {"fg"};
  s.submit(job);
  REQUIRE(sink->wait());
  REQUIRE(sink->done);
  CHECK(sink->text == "cde");
  CHECK(sink->done->reason == DoneReason::Stop);
}

TEST_CASE("continuous batching: a new request joins the running batch", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  probe->decode_delay_ms = 2;
  Scheduler s(config(2), std::make_shared<FakeLoader>(probe));
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  s.submit(with_slots(gen_job("/m", "a", 200, a), 2));
  REQUIRE(a->wait_tokens(10));
  s.submit(with_slots(gen_job("/m", "A", 5, b), 2));
  REQUIRE(b->wait());
  // B finished while A was still generating: it did not wait for A.
  {
    std::lock_guard lk(a->m);
    CHECK_FALSE(a->done.has_value());
  }
  REQUIRE(b->done);
  CHECK(b->text == "BCDEF");
  CHECK(probe->max_slots_in_one_batch() == 2);  // one forward pass served both
  REQUIRE(a->wait());
  CHECK(a->done->eval_count == 200);
}

TEST_CASE("prompts are prefilled in chunks of the batch size", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  auto loader = std::make_shared<FakeLoader>(probe);
  loader->configs["/m"].max_batch = 4;
  Scheduler s(config(), loader);
  auto sink = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "abcdefghij", 2, sink));  // 11 tokens with BOS
  REQUIRE(sink->wait());
  REQUIRE(sink->done);
  CHECK(sink->text == "kl");
  std::lock_guard lk(probe->mutex);
  REQUIRE(probe->batches.size() >= 3);
  CHECK(probe->batches[0].size() == 4);
  CHECK(probe->batches[1].size() == 4);
  CHECK(probe->batches[2].size() == 3);
}

TEST_CASE("the queue limit answers 503 with Ollama's message", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  probe->pause();
  Scheduler s(config(1, 3, 1), std::make_shared<FakeLoader>(probe));
  auto a = std::make_shared<RecordingSink>(), b = std::make_shared<RecordingSink>(), c = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "a", 3, a));
  REQUIRE(probe->wait_for([&] { return !probe->batches.empty() || probe->loads > 0; }));
  probe->wait_for([&] { return false; }, 50ms);  // let A take the slot
  s.submit(gen_job("/m", "b", 3, b));              // waits for the slot: the queue is now full
  try {
    s.submit(gen_job("/m", "c", 3, c));
    FAIL("expected a 503");
  } catch (const JobError& e) {
    CHECK(e.status() == 503);
    CHECK(std::string(e.what()) == "server busy, please try again.  maximum pending requests exceeded");
  }
  probe->resume();
  REQUIRE(a->wait());
  REQUIRE(b->wait());
  CHECK(a->done);
  CHECK(b->done);
}

TEST_CASE("cancelling a running request stops it within a step and frees its slot", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  probe->decode_delay_ms = 1;
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto a = std::make_shared<RecordingSink>();
  auto job = gen_job("/m", "a", 100000, a);
  s.submit(job);
  REQUIRE(a->wait_tokens(3));
  std::size_t batches_before;
  {
    std::lock_guard lk(probe->mutex);
    batches_before = probe->batches.size();
  }
  job->cancel->cancel();
  REQUIRE(a->wait());
  REQUIRE(a->error);
  CHECK(a->error->first == 499);
  {
    std::lock_guard lk(probe->mutex);
    CHECK(probe->batches.size() <= batches_before + 1);  // at most the step already in flight
  }
  auto b = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "x", 2, b));
  REQUIRE(b->wait());
  CHECK(b->text == "yz");
}

TEST_CASE("a cancelled queued request never runs", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  probe->pause();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto a = std::make_shared<RecordingSink>(), b = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "a", 2, a));
  auto jb = gen_job("/m", "q", 2, b);
  s.submit(jb);
  jb->cancel->cancel();
  REQUIRE(b->wait());
  REQUIRE(b->error);
  CHECK(b->error->first == 499);
  probe->resume();
  REQUIRE(a->wait());
  CHECK(a->text == "bc");
  std::lock_guard lk(probe->mutex);
  for (const auto& batch : probe->batches)
    for (const auto& t : batch) CHECK(t.token != 'q');
}

TEST_CASE("keep_alive 0 unloads after the request; a short keep_alive expires", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto a = std::make_shared<RecordingSink>();
  auto job = gen_job("/m", "a", 2, a);
  job->keep_alive = Nanos(0);
  s.submit(job);
  REQUIRE(a->wait());
  CHECK(probe->wait_for([&] { return probe->unloads == 1; }));
  CHECK(s.loaded().empty());

  auto b = std::make_shared<RecordingSink>();
  auto jb = gen_job("/m", "a", 2, b);
  jb->keep_alive = std::chrono::milliseconds(100);
  s.submit(jb);
  REQUIRE(b->wait());
  CHECK(s.loaded().size() == 1);
  CHECK(probe->wait_for([&] { return probe->unloads == 2; }, 3s));
}

TEST_CASE("load-only jobs and explicit unload", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto sink = std::make_shared<RecordingSink>();
  auto job = std::make_shared<Job>();
  job->kind = JobKind::Load;
  job->model.model_path = "/m";
  job->sink = sink;
  s.submit(job);
  REQUIRE(sink->wait());
  REQUIRE(sink->done);
  CHECK(sink->done->reason == DoneReason::Load);
  auto loaded = s.loaded();
  REQUIRE(loaded.size() == 1);
  CHECK(loaded[0].model_path == "/m");
  CHECK(s.unload("/m"));
  CHECK(probe->wait_for([&] { return probe->unloads == 1; }));
  CHECK_FALSE(s.unload("/other"));
}

TEST_CASE("OLLAMA_MAX_LOADED_MODELS evicts the least recently used idle model", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(1, 2), std::make_shared<FakeLoader>(probe));
  for (const char* path : {"/x", "/y", "/x", "/z"}) {
    auto sink = std::make_shared<RecordingSink>();
    s.submit(gen_job(path, "a", 1, sink));
    REQUIRE(sink->wait());
    REQUIRE(sink->done);
  }
  // /y was the least recently used when /z needed room.
  auto loaded = s.loaded();
  REQUIRE(loaded.size() == 2);
  std::set<std::string> paths;
  for (const auto& m : loaded) paths.insert(m.model_path);
  CHECK(paths == std::set<std::string>{"/x", "/z"});
  std::lock_guard lk(probe->mutex);
  CHECK(probe->load_order == std::vector<std::string>{"/x", "/y", "/z"});
}

TEST_CASE("a model too large for memory is refused while others keep serving", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  auto loader = std::make_shared<FakeLoader>(probe, 10'000);
  loader->sizes["/huge"] = 50'000;
  loader->sizes["/small"] = 4'000;
  Scheduler s(config(), loader);
  auto small = std::make_shared<RecordingSink>();
  s.submit(gen_job("/small", "a", 3, small));
  REQUIRE(small->wait());
  auto huge = std::make_shared<RecordingSink>();
  s.submit(gen_job("/huge", "a", 3, huge));
  REQUIRE(huge->wait());
  REQUIRE(huge->error);
  CHECK(huge->error->first == 507);
  CHECK(huge->error->second.find("requires more memory") != std::string::npos);
  auto again = std::make_shared<RecordingSink>();
  s.submit(gen_job("/small", "x", 2, again));
  REQUIRE(again->wait());
  CHECK(again->text == "yz");
}

TEST_CASE("models that fit together share memory; one that needs room evicts an idle one", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  auto loader = std::make_shared<FakeLoader>(probe, 10'000);
  loader->sizes["/a"] = 6'000;
  loader->sizes["/b"] = 6'000;
  Scheduler s(config(), loader);
  for (const char* path : {"/a", "/b"}) {
    auto sink = std::make_shared<RecordingSink>();
    s.submit(gen_job(path, "a", 1, sink));
    REQUIRE(sink->wait());
    REQUIRE(sink->done);
  }
  CHECK(s.loaded().size() == 1);
  CHECK(s.loaded()[0].model_path == "/b");
}

TEST_CASE("a load failure fails the waiting requests with the loader's message", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  auto loader = std::make_shared<FakeLoader>(probe);
  loader->failing.insert("/bad");
  Scheduler s(config(), loader);
  auto sink = std::make_shared<RecordingSink>();
  s.submit(gen_job("/bad", "a", 1, sink));
  REQUIRE(sink->wait());
  REQUIRE(sink->error);
  CHECK(sink->error->first == 500);
  CHECK(sink->error->second.find("broken file") != std::string::npos);
  CHECK(s.loaded().empty());
}

TEST_CASE("a different num_ctx reloads the model; automatic values do not", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto run = [&](std::optional<int> num_ctx) {
    auto sink = std::make_shared<RecordingSink>();
    auto job = gen_job("/m", "a", 1, sink);
    job->model.num_ctx = num_ctx;
    s.submit(job);
    REQUIRE(sink->wait());
    REQUIRE(sink->done);
  };
  run(std::nullopt);
  run(64);  // equals the default the runner was loaded with
  CHECK(probe->loads == 1);
  run(128);
  CHECK(probe->loads == 2);
  CHECK(s.loaded().at(0).context_length == 128);
  run(std::nullopt);
  CHECK(probe->loads == 2);
}

TEST_CASE("context shift keeps generating; without shift the window ends it", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto shifting = std::make_shared<RecordingSink>();
  auto job = gen_job("/m", "abc", 40, shifting);
  job->model.num_ctx = 16;
  s.submit(job);
  REQUIRE(shifting->wait());
  REQUIRE(shifting->done);
  CHECK(shifting->done->eval_count == 40);
  CHECK(shifting->done->reason == DoneReason::Length);
  CHECK(probe->shifts > 0);

  auto fixed = std::make_shared<RecordingSink>();
  auto job2 = gen_job("/m", "abc", 40, fixed);
  job2->model.num_ctx = 16;
  job2->params.shift = false;
  s.submit(job2);
  REQUIRE(fixed->wait());
  REQUIRE(fixed->done);
  CHECK(fixed->done->reason == DoneReason::Length);
  CHECK(fixed->done->eval_count == 16 - 4 + 1);  // 4 prompt tokens; the 16th position ends it
}

TEST_CASE("an over-long prompt without shift is a 400 before generation", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto sink = std::make_shared<RecordingSink>();
  auto job = gen_job("/m", std::string(40, 'x'), 4, sink);
  job->model.num_ctx = 16;
  job->params.shift = false;
  s.submit(job);
  REQUIRE(sink->wait());
  REQUIRE(sink->error);
  CHECK(sink->error->first == 400);
}

TEST_CASE("a request sharing a prefix with a slot's cache reuses it", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto first = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "hello world", 2, first));
  REQUIRE(first->wait());
  auto second = std::make_shared<RecordingSink>();
  s.submit(gen_job("/m", "hello there", 2, second));
  REQUIRE(second->wait());
  REQUIRE(second->done);
  CHECK(second->text == "fg");  // 'e' + 1, 'f' + 1
  std::lock_guard lk(probe->mutex);
  REQUIRE_FALSE(probe->truncations.empty());
  CHECK(probe->truncations.back().second == 7);  // BOS + "hello " kept
}

TEST_CASE("embedding jobs return one vector per input", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  Scheduler s(config(), std::make_shared<FakeLoader>(probe));
  auto sink = std::make_shared<RecordingSink>();
  auto job = std::make_shared<Job>();
  job->kind = JobKind::Embed;
  job->model.model_path = "/m";
  job->inputs = {"ab", "c"};
  job->sink = sink;
  s.submit(job);
  REQUIRE(sink->wait());
  REQUIRE(sink->embeddings);
  REQUIRE(sink->embeddings->embeddings.size() == 2);
  // BOS(256%4=0) a(97%4=1) b(98%4=2)
  CHECK(sink->embeddings->embeddings[0] == std::vector<float>{1, 1, 1, 0});
  CHECK(sink->embeddings->prompt_eval_count == 5);
}

TEST_CASE("shutdown ends running and queued requests with an error", "[server][scheduler]") {
  auto probe = std::make_shared<FakeModelProbe>();
  probe->decode_delay_ms = 1;
  auto s = std::make_unique<Scheduler>(config(), std::make_shared<FakeLoader>(probe));
  auto a = std::make_shared<RecordingSink>(), b = std::make_shared<RecordingSink>();
  s->submit(gen_job("/m", "a", 100000, a));
  s->submit(gen_job("/m", "b", 10, b));
  REQUIRE(a->wait_tokens(2));
  s->shutdown("server shutting down");
  REQUIRE(a->wait());
  REQUIRE(b->wait());
  CHECK(a->error == std::make_pair(503, std::string("server shutting down")));
  CHECK(b->error.has_value());
  CHECK(probe->unloads == 1);
  CHECK_THROWS_AS(s->submit(gen_job("/m", "c", 1, std::make_shared<RecordingSink>())), JobError);
}
