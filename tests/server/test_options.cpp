// The options map (spec §3.1): Ollama's defaults, layering (defaults ← model params ← request),
// `stop` replacement, numeric truncation, type errors with upstream's messages, removed options.
#include <catch2/catch.hpp>

#include "server/api_error.h"
#include "server/options.h"

using namespace hearth::server;
using hearth::Json;

TEST_CASE("defaults are Ollama's", "[server][options]") {
  ResolvedOptions o = resolve_options(nullptr, nullptr);
  const auto& g = o.generation;
  CHECK(g.num_predict == -1);
  CHECK(g.num_keep == 4);
  CHECK(g.sampling.temperature == Approx(0.8));
  CHECK(g.sampling.top_k == 40);
  CHECK(g.sampling.top_p == Approx(0.9));
  CHECK(g.sampling.min_p == 0);
  CHECK(g.sampling.typical_p == Approx(1.0));
  CHECK(g.sampling.repeat_last_n == 64);
  CHECK(g.sampling.repeat_penalty == Approx(1.0));
  CHECK_FALSE(g.sampling.seed.has_value());  // -1: random
  CHECK(g.stop.empty());
  CHECK_FALSE(o.num_ctx.has_value());  // automatic: never forces a reload
}

TEST_CASE("request options override model params key by key; stop replaces", "[server][options]") {
  Json model = Json::parse(R"({"temperature":0.6,"stop":["<|eot_id|>","<|end|>"],"top_k":20})");
  Json req = Json::parse(R"({"temperature":0,"stop":["###"],"num_ctx":2048,"seed":42,"num_predict":16.9})");
  ResolvedOptions o = resolve_options(&model, &req);
  CHECK(o.generation.sampling.temperature == 0);
  CHECK(o.generation.sampling.top_k == 20);  // inherited
  REQUIRE(o.generation.stop.size() == 1);
  CHECK(o.generation.stop[0] == "###");
  CHECK(o.num_ctx == 2048);
  CHECK(o.generation.sampling.seed == 42u);
  CHECK(o.generation.num_predict == 16);  // integers truncate any number
  ResolvedOptions inherited = resolve_options(&model, nullptr);
  CHECK(inherited.generation.stop.size() == 2);
}

TEST_CASE("type errors use upstream's messages", "[server][options]") {
  auto err = [](const char* json) {
    Json j = Json::parse(json);
    try {
      resolve_options(nullptr, &j);
    } catch (const ApiError& e) {
      CHECK(e.status() == 400);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(err(R"({"num_ctx":"big"})") == "option \"num_ctx\" must be of type integer");
  CHECK(err(R"({"temperature":"hot"})") == "option \"temperature\" must be of type float32");
  CHECK(err(R"({"use_mmap":1})") == "option \"use_mmap\" must be of type boolean");
  CHECK(err(R"({"stop":"x"})") == "option \"stop\" must be of type array");
  CHECK(err(R"({"stop":[1]})") == "option \"stop\" must be of an array of strings");
}

TEST_CASE("unknown and removed options are ignored with a warning", "[server][options]") {
  Json req = Json::parse(R"({"mirostat":2,"penalize_newline":true,"numa":false,"bogus":1,"top_p":0.5})");
  ResolvedOptions o = resolve_options(nullptr, &req);
  CHECK(o.warnings.size() == 4);
  CHECK(o.generation.sampling.top_p == Approx(0.5));
  CHECK(is_removed_option("tfs_z"));
  CHECK_FALSE(is_removed_option("top_k"));
}

TEST_CASE("load-time options reach the LoadSpec; num_ctx has a floor of 4", "[server][options]") {
  Json req = Json::parse(R"({"num_ctx":1,"num_gpu":0,"num_thread":3,"use_mmap":false,"num_batch":64})");
  ResolvedOptions o = resolve_options(nullptr, &req);
  hearth::sched::LoadSpec spec;
  apply_load_options(o, spec);
  CHECK(spec.num_ctx == 4);
  CHECK(spec.num_gpu == 0);
  CHECK(spec.num_thread == 3);
  CHECK(spec.use_mmap == false);
  CHECK(spec.num_batch == 64);
}

TEST_CASE("load specs: automatic values never force a reload", "[server][options]") {
  hearth::sched::LoadSpec loaded;
  loaded.model_path = "/m";
  loaded.default_num_ctx = 4096;
  hearth::sched::LoadSpec req = loaded;
  CHECK(req.served_by(loaded));
  req.num_ctx = 4096;  // explicit, equal to the loaded default
  CHECK(req.served_by(loaded));
  req.num_ctx = 8192;
  CHECK_FALSE(req.served_by(loaded));
  req.num_ctx.reset();
  req.num_gpu = -1;  // auto
  CHECK(req.served_by(loaded));
  req.num_gpu = 0;
  CHECK_FALSE(req.served_by(loaded));
}
