// `hearth eval --json` end to end (tokenizer included) against reference.json, and the
// argument errors of eval / run / bench.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "common/json.h"
#include "reference_data.h"
#include "support/fixtures.h"

using namespace hearth;

namespace {

bool have_binary() { return std::filesystem::exists(HEARTH_BINARY); }

std::string quote(const std::string& s) {
  std::string out(1, '\'');
  for (char c : s) {
    if (c == '\'') out.append("'\\''");
    else out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

int run(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return ::pclose(p);
}

}  // namespace

TEST_CASE("hearth eval --json reproduces the reference for a tokenized prompt", "[engine][cli]") {
  SKIP_WITHOUT_FIXTURES();
  if (!have_binary()) {
    WARN("SKIPPED: " << HEARTH_BINARY << " is not built");
    return;
  }
  for (const test::ReferenceModel& m : test::load_reference()) {
    if (m.file != "llama-spm-tiny.f32.gguf" && m.file != "llama3-bpe-tiny.q8_0.gguf") continue;
    const test::ReferenceCase& c = m.cases[2];  // "Hello world! 123 + 456 = 579; naïve café"
    std::string ids;
    for (std::size_t i = 0; i + 1 < c.tokens.size(); ++i) ids.append(i ? "," : "").append(std::to_string(c.tokens[i]));
    std::string out;
    const std::string cmd = std::string(HEARTH_BINARY) + " eval " + quote(test::fixture_path("models/" + m.file).string()) +
                            " --prompt " + quote(c.prompt) + " --continuation-tokens " + ids + " --kv-type f32 --threads 2 --json";
    INFO(cmd);
    REQUIRE(run(cmd, out) == 0);
    const Json result = Json::parse(out);
    std::vector<int32_t> prompt_tokens;
    for (const Json& t : result.at("prompt_tokens").as_array()) prompt_tokens.push_back(static_cast<int32_t>(t.as_int()));
    CHECK(prompt_tokens == c.prompt_tokens);
    const auto& steps = result.at("steps").as_array();
    REQUIRE(steps.size() == c.tokens.size());  // one per continuation token (len − 1) plus the final one
    test::Deviation dev;
    for (std::size_t s = 0; s < c.steps.size(); ++s) {
      const auto& top = steps[s].at("top").as_array();
      REQUIRE(top.size() == 10);
      // Rebuild a sparse distribution from the printed top entries; the reference's top ids must
      // be among them (compare_step looks them up by id).
      std::vector<double> ours(4096, -1e9);
      double previous = 1e9;
      for (const Json& e : top) {
        const double lp = e.as_array()[1].as_double();
        CHECK(lp <= previous);  // sorted best first
        previous = lp;
        ours[static_cast<std::size_t>(e.as_array()[0].as_int())] = lp;
      }
      dev.add_step(c.steps[s], ours, "step " + std::to_string(s));
    }
    // A reference top-10 id missing from our printed top-10 shows up as a deviation of ~1e9.
    INFO(m.file);
    CHECK(dev.violations(test::parity_bar(m.file)) == "");
  }
}

TEST_CASE("eval, run and bench reject bad arguments with a usage error", "[engine][cli]") {
  if (!have_binary()) {
    WARN("SKIPPED: " << HEARTH_BINARY << " is not built");
    return;
  }
  std::string out;
  const std::string bin = HEARTH_BINARY;
  CHECK(WEXITSTATUS(run(bin + " eval", out)) == 2);
  CHECK(WEXITSTATUS(run(bin + " eval x.gguf --prompt a --prompt-tokens 1", out)) == 2);
  CHECK(WEXITSTATUS(run(bin + " eval x.gguf --prompt a --kv-type q2", out)) == 2);
  CHECK(WEXITSTATUS(run(bin + " run x.gguf", out)) == 2);
  CHECK(WEXITSTATUS(run(bin + " bench x.gguf -p -3", out)) == 2);
  CHECK(WEXITSTATUS(run(bin + " bench /nonexistent.gguf", out)) == 1);
}
