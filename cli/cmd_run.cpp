// `hearth run FILE.gguf "prompt" [--chat] [sampling options]`: generate text in-process (no server).
//
// The prompt is used as is (a completion), or with --chat rendered through the model's Jinja chat
// template (`tokenizer.chat_template`) as one user message (plus --system). Tokens are streamed
// to stdout as whole UTF-8 characters. When the context fills, the oldest tokens after num_keep
// are discarded the way Ollama does (Context::shift_discard_count) and generation goes on.
// --verbose prints load, prompt and generation timings to stderr.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <type_traits>

#include "backend_flags.h"
#include "commands.h"
#include "common/json.h"
#include "engine/context.h"
#include "engine/sampling/sampler.h"
#include "engine/template/chat_template.h"
#include "engine/tokenizer/tokenizer.h"
#include "numerics_flag.h"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "Usage: hearth run FILE.gguf PROMPT [--chat] [--system TEXT] [--num-predict N] [--num-ctx N] [--num-keep N]\n"
    "                  [--temperature F] [--top-k N] [--top-p F] [--min-p F] [--typical-p F] [--repeat-penalty F]\n"
    "                  [--repeat-last-n N] [--presence-penalty F] [--frequency-penalty F] [--seed N]\n"
    "                  [--threads N] [--kv-type f16|f32|q8_0|q4_0] [--numerics fast|llamacpp] [--verbose]\n"
    "                  [--backend cpu|cuda] [--gpu-layers N]     (PROMPT \"-\" reads stdin)";

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

template <typename T>
T parse_number(const std::string& text, const std::string& flag) {
  std::size_t used = 0;
  T v{};
  try {
    if constexpr (std::is_floating_point_v<T>) v = static_cast<T>(std::stod(text, &used));
    else v = static_cast<T>(std::stoll(text, &used));
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) throw UsageError{flag + ": '" + text + "' is not a number\n" + kUsage};
  return v;
}

std::string render_chat(const engine::Model& model, const tok::Tokenizer& tokenizer, const std::string& system, const std::string& user) {
  const gguf::Value* source = model.file().metadata().find("tokenizer.chat_template");
  if (!source || source->type() != gguf::ValueType::STRING)
    throw std::runtime_error(model.path() + " has no tokenizer.chat_template; run without --chat for a plain completion");
  auto tmpl = tmpl::ChatTemplate::jinja(source->as_string());
  Json messages = Json::array();
  if (!system.empty()) messages.push_back(Json::object({{"role", "system"}, {"content", system}}));
  messages.push_back(Json::object({{"role", "user"}, {"content", user}}));
  auto special = [&](int32_t id) { return id >= 0 ? tokenizer.token_text(id) : std::string(); };
  return tmpl.render(Json::object({{"messages", messages},
                                   {"add_generation_prompt", true},
                                   {"bos_token", special(tokenizer.bos_id())},
                                   {"eos_token", special(tokenizer.eos_id())}}));
}

}  // namespace

int cmd_run(Args args) {
  std::string path, prompt, system;
  bool have_prompt = false, chat = false, verbose = false;
  int num_predict = -1, num_ctx = 4096, num_keep = 4, threads = 0;
  std::optional<engine::KvCacheType> kv_type;
  engine::Numerics numerics = default_numerics(engine::Numerics::Fast);
  sampling::SamplingParams sp;
  BackendFlags backend_flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (take_backend_flag(args, i, backend_flags)) continue;
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value\n" + kUsage};
      return args[++i];
    };
    if (a == "--chat") chat = true;
    else if (a == "--verbose") verbose = true;
    else if (a == "--system") system = value();
    else if (a == "--num-predict" || a == "-n") num_predict = parse_number<int>(value(), a);
    else if (a == "--num-ctx") num_ctx = parse_number<int>(value(), a);
    else if (a == "--num-keep") num_keep = parse_number<int>(value(), a);
    else if (a == "--threads" || a == "-t") threads = parse_number<int>(value(), a);
    else if (a == "--temperature") sp.temperature = parse_number<float>(value(), a);
    else if (a == "--top-k") sp.top_k = parse_number<int32_t>(value(), a);
    else if (a == "--top-p") sp.top_p = parse_number<float>(value(), a);
    else if (a == "--min-p") sp.min_p = parse_number<float>(value(), a);
    else if (a == "--typical-p") sp.typical_p = parse_number<float>(value(), a);
    else if (a == "--repeat-penalty") sp.repeat_penalty = parse_number<float>(value(), a);
    else if (a == "--repeat-last-n") sp.repeat_last_n = parse_number<int32_t>(value(), a);
    else if (a == "--presence-penalty") sp.presence_penalty = parse_number<float>(value(), a);
    else if (a == "--frequency-penalty") sp.frequency_penalty = parse_number<float>(value(), a);
    else if (a == "--seed") sp.seed = parse_number<uint64_t>(value(), a);
    else if (a == "--kv-type") {
      auto t = engine::parse_kv_cache_type(value());
      if (!t) throw UsageError{"--kv-type must be f16, f32, q8_0 or q4_0\n" + std::string(kUsage)};
      kv_type = *t;
    } else if (a == "--numerics") numerics = parse_numerics_flag(value());
    else if (!a.empty() && a[0] == '-' && a != "-") throw UsageError{"unknown flag " + a + "\n" + kUsage};
    else if (path.empty()) path = a;
    else if (!have_prompt) prompt = a, have_prompt = true;
    else throw UsageError{"unexpected argument '" + a + "' (quote the prompt)\n" + kUsage};
  }
  if (path.empty() || !have_prompt) throw UsageError{"missing FILE or PROMPT\n" + std::string(kUsage)};
  if (prompt == "-") prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (num_ctx < 4) throw UsageError{"--num-ctx must be at least 4\n" + std::string(kUsage)};

  const auto t_load = Clock::now();
  engine::ModelOptions model_options;
  model_options.backend = backend_options(backend_flags, num_ctx);
  auto model = engine::Model::load(path, model_options);
  auto tokenizer = tok::Tokenizer::from_metadata(model->file().metadata());
  num_ctx = std::min(num_ctx, static_cast<int>(model->hparams().n_ctx_train));
  engine::ContextOptions options;
  options.n_ctx = num_ctx;
  // llama.cpp numerics need (and so default to) an F32 cache; otherwise F16 like Ollama.
  const bool parity = numerics == engine::Numerics::LlamaCpp && model->backend().name() == "cpu";
  options.kv_type = kv_type.value_or(parity ? engine::KvCacheType::F32 : engine::KvCacheType::F16);
  options.n_threads = threads;
  options.numerics = parity ? engine::Numerics::LlamaCpp : engine::Numerics::Fast;
  engine::Context ctx(*model, options);
  const double load_s = seconds_since(t_load);

  const std::string text = chat ? render_chat(*model, *tokenizer, system, prompt) : prompt;
  std::vector<int32_t> tokens = tokenizer->encode(text, /*add_special=*/true, /*parse_special=*/true);
  // A template that writes the BOS text itself would otherwise get a second BOS from encode().
  if (tokens.size() >= 2 && tokens[0] == tokenizer->bos_id() && tokens[1] == tokenizer->bos_id()) tokens.erase(tokens.begin());
  if (tokens.empty()) throw UsageError{"the prompt has no tokens"};
  if (static_cast<int>(tokens.size()) >= num_ctx)
    throw std::runtime_error("the prompt has " + std::to_string(tokens.size()) + " tokens, more than the context (" +
                             std::to_string(num_ctx) + ") allows; raise --num-ctx");
  if (tokenizer->add_bos()) ++num_keep;  // Ollama keeps BOS on top of num_keep
  num_keep = std::clamp(num_keep, 0, static_cast<int>(tokens.size()));

  sp.n_ctx = num_ctx;
  sampling::Sampler sampler(sp, model->n_vocab());
  for (int32_t t : tokens) sampler.accept(t);

  const auto t_prompt = Clock::now();
  engine::Batch batch;
  batch.add_sequence(tokens, 0, 0, true);
  ctx.decode(batch);
  const double prompt_s = seconds_since(t_prompt);

  tok::StreamingDetokenizer detok(*tokenizer, /*special=*/false, /*strip_leading_space=*/false);
  const auto t_gen = Clock::now();
  int generated = 0, shifts = 0;
  while (num_predict < 0 || generated < num_predict) {
    const int32_t next = sampler.sample(ctx.logits(0));
    if (tokenizer->is_eog(next)) break;
    ++generated;
    std::fputs(detok.push(next).c_str(), stdout);
    std::fflush(stdout);
    if (ctx.slot_length(0) >= ctx.n_ctx()) {
      ctx.shift_slot(0, num_keep, engine::Context::shift_discard_count(ctx.n_ctx(), ctx.slot_length(0), num_keep));
      ++shifts;
    }
    batch.clear();
    batch.add(next, ctx.slot_length(0), 0, true);
    ctx.decode(batch);
  }
  std::fputs(detok.flush().c_str(), stdout);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  const double gen_s = seconds_since(t_gen);

  if (verbose) {
    fmt::print(stderr, "model:        {}\n", model->describe());
    fmt::print(stderr, "load:         {:.3f} s (context {} tokens, {} KV cache, {} threads)\n", load_s, num_ctx,
               engine::kv_cache_type_name(options.kv_type), ctx.n_threads());
    fmt::print(stderr, "prompt eval:  {} tokens in {:.3f} s ({:.2f} tokens/s)\n", tokens.size(), prompt_s,
               static_cast<double>(tokens.size()) / prompt_s);
    fmt::print(stderr, "eval:         {} tokens in {:.3f} s ({:.2f} tokens/s){}\n", generated, gen_s,
               generated > 0 ? generated / gen_s : 0.0, shifts ? fmt::format(", {} context shifts", shifts) : "");
    fmt::print(stderr, "seed:         {}\n", sampler.seed());
  }
  return 0;
}

}  // namespace hearth::cli
