// cli/commands.h — the `hearth` command table.
//
// Each command is a function taking its own arguments (argv after the verb) and returning the
// process exit code. Commands live in cmd_*.cpp files grouped by family; main.cpp only dispatches.
// Errors are reported by throwing; main prints "Error: <message>" and exits 1, like ollama.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::cli {

using Args = std::span<const std::string>;

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(Args args);
};

// All commands, in the order `hearth help` lists them.
std::span<const Command> commands();

// A usage error: main prints the message and the command's usage line and exits 2.
struct UsageError {
  std::string message;
};

int cmd_gguf(Args args);
int cmd_gen_model(Args args);
int cmd_quantize(Args args);
int cmd_tokenize(Args args);
int cmd_detokenize(Args args);
int cmd_tokenizer(Args args);
int cmd_template(Args args);

// In-process inference on a GGUF file (cmd_run.cpp, cmd_eval.cpp, cmd_bench.cpp).
int cmd_run(Args args);
int cmd_eval(Args args);
int cmd_bench(Args args);

// Server and API client commands (cmd_serve.cpp, cmd_client*.cpp).
int cmd_serve(Args args);
int cmd_run_dispatch(Args args);  // FILE.gguf → cmd_run (in-process), MODEL → cmd_run_client
int cmd_run_client(Args args);
int cmd_list(Args args);
int cmd_ps(Args args);
int cmd_show(Args args);
int cmd_create(Args args);
int cmd_cp(Args args);
int cmd_rm(Args args);
int cmd_stop(Args args);
int cmd_version(Args args);  // `--version`: asks the server, like `ollama -v`
// Registry transfers through the server (cmd_pull.cpp).
int cmd_pull(Args args);
int cmd_push(Args args);

}  // namespace hearth::cli
