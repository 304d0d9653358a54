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

}  // namespace hearth::cli
