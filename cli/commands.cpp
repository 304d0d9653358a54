#include "commands.h"

#include <array>

namespace hearth::cli {

std::span<const Command> commands() {
  static const std::array<Command, 1> table = {{
      {"gguf", "Print a GGUF file's metadata and tensor table (--json for machines)", cmd_gguf},
  }};
  return table;
}

}  // namespace hearth::cli
