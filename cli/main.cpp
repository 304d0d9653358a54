// hearth — entry point. Dispatches to the command table; answers to `ollama` identically.
#include <fmt/core.h>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"

namespace {

const char* kVersion = "0.1.0";

void print_help() {
  fmt::print("hearth {} — a self-contained LLM inference server, compatible with Ollama\n\n", kVersion);
  fmt::print("Usage:\n  hearth <command> [arguments]\n\nCommands:\n");
  for (const auto& c : hearth::cli::commands()) fmt::print("  {:<12} {}\n", c.name, c.summary);
  fmt::print("\nFlags:\n  -h, --help      help for hearth\n  -v, --version   show version information\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
    print_help();
    return 0;
  }
  if (args[0] == "-v" || args[0] == "--version") return hearth::cli::cmd_version({});  // asks the server, like ollama
  for (const auto& c : hearth::cli::commands()) {
    if (c.name != args[0]) continue;
    bool wants_help = args.size() == 2 && (args[1] == "-h" || args[1] == "--help");
    try {
      return c.run(hearth::cli::Args(args).subspan(1));
    } catch (const hearth::cli::UsageError& e) {
      // Commands describe themselves in their usage errors: `hearth VERB --help` shows that text.
      if (auto at = e.message.find("Usage:"); wants_help && at != std::string::npos) {
        fmt::print("{}\n", e.message.substr(at));
        return 0;
      }
      fmt::print(stderr, "Error: {}\n", e.message);
      return 2;
    } catch (const std::exception& e) {
      fmt::print(stderr, "Error: {}\n", e.what());
      return 1;
    }
  }
  fmt::print(stderr, "Error: unknown command \"{}\" for \"hearth\"\nRun 'hearth --help' for usage.\n", args[0]);
  return 2;
}
