// `hearth eval FILE.gguf --prompt TEXT [--continuation-tokens 5,17,…] [--top 10] [--kv-type f32]
//  [--threads N] [--numerics fast|llamacpp] [--json]`: teacher-forced scoring, no sampling.
//
// The prompt is tokenized as llama.cpp does for a completion (BOS as the vocabulary says, special
// tokens parsed); `--prompt-tokens 1,2,3` bypasses the tokenizer. Logits are taken after the
// prompt and after every continuation token, so the output has one step per continuation token
// (the distribution that token was drawn from) plus a final step after the last one.
// Numerics default to llamacpp (kernels/cpu/parity.h) with an F32 KV cache: the prompt is then
// decoded as one batch and the continuation one token at a time — the batches llama.cpp's server
// runs, which its arithmetic depends on — so the numbers reproduce llama.cpp's CPU logprobs.
// With --numerics fast (or another KV type) prompt and continuation run as one batch. Each step lists the top entries of the log-softmax of the raw
// logits over the whole vocabulary, best first — the format of fixtures/models/reference.json.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "common/json.h"
#include "engine/context.h"
#include "engine/tokenizer/tokenizer.h"
#include "numerics_flag.h"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "Usage: hearth eval FILE.gguf --prompt TEXT [--prompt-tokens IDS] [--continuation-tokens IDS] [--top N]\n"
    "                   [--kv-type f32|f16|q8_0|q4_0] [--threads N] [--numerics fast|llamacpp] [--json]";

std::vector<int32_t> parse_id_list(const std::string& text, const char* flag) {
  std::vector<int32_t> ids;
  std::string s = text;
  for (char& c : s)
    if (c == ',' || c == '[' || c == ']') c = ' ';
  std::istringstream in(s);
  std::string word;
  while (in >> word) {
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size() || v < 0 || v > INT32_MAX) throw UsageError{std::string(flag) + ": '" + word + "' is not a token id\n" + kUsage};
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

int parse_int(const std::string& text, const char* flag, int min) {
  std::size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < min) throw UsageError{std::string(flag) + " needs an integer ≥ " + std::to_string(min) + "\n" + kUsage};
  return v;
}

struct Step {
  std::vector<std::pair<int32_t, double>> top;
};

Step top_logprobs(std::span<const float> logits, int top_n) {
  double mx = -INFINITY;
  for (float l : logits) mx = std::max(mx, static_cast<double>(l));
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - mx);
  const double lse = mx + std::log(sum);
  std::vector<int32_t> ids(logits.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(top_n), ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(), [&](int32_t a, int32_t b) {
    return logits[static_cast<std::size_t>(a)] != logits[static_cast<std::size_t>(b)] ? logits[static_cast<std::size_t>(a)] > logits[static_cast<std::size_t>(b)] : a < b;
  });
  Step s;
  for (std::size_t i = 0; i < n; ++i) s.top.emplace_back(ids[i], static_cast<double>(logits[static_cast<std::size_t>(ids[i])]) - lse);
  return s;
}

}  // namespace

int cmd_eval(Args args) {
  std::string path, prompt;
  bool have_prompt = false, json = false;
  std::vector<int32_t> prompt_tokens, continuation;
  bool have_prompt_tokens = false;
  int top = 10, threads = 0;
  engine::KvCacheType kv_type = engine::KvCacheType::F32;
  std::optional<engine::Numerics> numerics;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value\n" + kUsage};
      return args[++i];
    };
    if (a == "--prompt") prompt = value(), have_prompt = true;
    else if (a == "--prompt-tokens") prompt_tokens = parse_id_list(value(), "--prompt-tokens"), have_prompt_tokens = true;
    else if (a == "--continuation-tokens") continuation = parse_id_list(value(), "--continuation-tokens");
    else if (a == "--top") top = parse_int(value(), "--top", 1);
    else if (a == "--threads" || a == "-t") threads = parse_int(value(), "--threads", 1);
    else if (a == "--kv-type") {
      auto t = engine::parse_kv_cache_type(value());
      if (!t) throw UsageError{"--kv-type must be f32, f16, q8_0 or q4_0\n" + std::string(kUsage)};
      kv_type = *t;
    } else if (a == "--numerics") numerics = parse_numerics_flag(value());
    else if (a == "--json") json = true;
    else if (!a.empty() && a[0] == '-') throw UsageError{"unknown flag " + a + "\n" + kUsage};
    else if (path.empty()) path = a;
    else throw UsageError{"unexpected argument '" + a + "'\n" + kUsage};
  }
  if (path.empty()) throw UsageError{"missing FILE\n" + std::string(kUsage)};
  // llama.cpp numerics need an F32 cache; with another cache type the default is the fast path.
  if (!numerics) numerics = default_numerics(kv_type == engine::KvCacheType::F32 ? engine::Numerics::LlamaCpp : engine::Numerics::Fast);
  if (have_prompt == have_prompt_tokens) throw UsageError{"give exactly one of --prompt and --prompt-tokens\n" + std::string(kUsage)};

  auto model = engine::Model::load(path);
  std::unique_ptr<tok::Tokenizer> tokenizer;
  if (have_prompt) {
    tokenizer = tok::Tokenizer::from_metadata(model->file().metadata());
    prompt_tokens = tokenizer->encode(prompt, /*add_special=*/true, /*parse_special=*/true);
  }
  if (prompt_tokens.empty()) throw UsageError{"the prompt has no tokens"};

  engine::ContextOptions options;
  options.n_ctx = static_cast<int>(prompt_tokens.size() + continuation.size());
  options.kv_type = kv_type;
  options.n_threads = threads;
  options.numerics = model->backend().name() == "cpu" ? *numerics : engine::Numerics::Fast;
  engine::Context ctx(*model, options);
  std::vector<Step> steps;
  engine::Batch batch;
  for (std::size_t i = 0; i < prompt_tokens.size(); ++i)
    batch.add(prompt_tokens[i], static_cast<int32_t>(i), 0, i + 1 == prompt_tokens.size());
  if (options.numerics == engine::Numerics::LlamaCpp) {
    // The server's batches: the prompt, then one token per step.
    ctx.decode(batch);
    steps.push_back(top_logprobs(ctx.logits(0), top));
    for (std::size_t i = 0; i < continuation.size(); ++i) {
      batch.clear();
      batch.add(continuation[i], static_cast<int32_t>(prompt_tokens.size() + i), 0, true);
      ctx.decode(batch);
      steps.push_back(top_logprobs(ctx.logits(0), top));
    }
  } else {
    for (std::size_t i = 0; i < continuation.size(); ++i)
      batch.add(continuation[i], static_cast<int32_t>(prompt_tokens.size() + i), 0, true);
    ctx.decode(batch);
    for (std::size_t i = 0; i < ctx.n_outputs(); ++i) steps.push_back(top_logprobs(ctx.logits(i), top));
  }

  if (json) {
    Json ids = Json::array();
    for (int32_t t : prompt_tokens) ids.push_back(t);
    Json out_steps = Json::array();
    for (const Step& s : steps) {
      Json entries = Json::array();
      for (const auto& [id, lp] : s.top) entries.push_back(Json::array({id, lp}));
      out_steps.push_back(Json::object({{"top", entries}}));
    }
    fmt::print("{}\n", Json::object({{"prompt_tokens", ids}, {"steps", out_steps}}).dump());
    return 0;
  }
  fmt::print("{}\nprompt: {} tokens; {} continuation tokens; KV cache {}; {} numerics\n", model->describe(), prompt_tokens.size(),
             continuation.size(), engine::kv_cache_type_name(kv_type), engine::numerics_name(options.numerics));
  if (!tokenizer) tokenizer = tok::Tokenizer::from_metadata(model->file().metadata());
  for (std::size_t s = 0; s < steps.size(); ++s) {
    if (s < continuation.size()) fmt::print("\nstep {} (next: {})\n", s, continuation[s]);
    else fmt::print("\nstep {} (after the last token)\n", s);
    for (const auto& [id, lp] : steps[s].top) {
      Json piece(tokenizer->token_to_piece(id, true));
      fmt::print("  {:>8} {:>12.6f}  {}\n", id, lp, piece.dump());
    }
  }
  return 0;
}

}  // namespace hearth::cli
