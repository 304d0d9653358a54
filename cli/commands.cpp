#include "commands.h"

#include <array>

namespace hearth::cli {

std::span<const Command> commands() {
  static const Command table[] = {
      {"serve", "Start the Ollama-compatible server on OLLAMA_HOST (alias: start)", cmd_serve},
      {"start", "Same as serve", cmd_serve},
      {"pull", "Pull a model from a registry through the server (MODEL [--insecure])", cmd_pull},
      {"push", "Push a model to a registry through the server (MODEL [--insecure])", cmd_push},
      {"gguf", "Print a GGUF file's metadata and tensor table (--json for machines)", cmd_gguf},
      {"run", "Run a model: MODEL [PROMPT] through the server (interactive without PROMPT), or FILE.gguf PROMPT in-process", cmd_run_dispatch},
      {"list", "List models (alias: ls)", cmd_list},
      {"ls", "Same as list", cmd_list},
      {"ps", "List running models", cmd_ps},
      {"show", "Show information for a model (--license --modelfile --parameters --system --template -v)", cmd_show},
      {"create", "Create a model from a Modelfile (MODEL [-f Modelfile] [-q QUANT] [--from FILE.gguf])", cmd_create},
      {"cp", "Copy a model (SOURCE DESTINATION)", cmd_cp},
      {"rm", "Remove models (MODEL...)", cmd_rm},
      {"stop", "Stop a running model (MODEL)", cmd_stop},
      {"eval", "Teacher-forced top logprobs (FILE.gguf --prompt TEXT [--continuation-tokens IDS] [--json])", cmd_eval},
      {"bench", "Prompt and generation speed, llama-bench style (FILE.gguf [-p 512] [-n 128] [-t N] [--json])", cmd_bench},
      {"gen-model", "Write a random-weight model of a real shape (--preset NAME --type Q4_K_M -o FILE; --list)", cmd_gen_model},
      {"quantize", "Re-quantize a GGUF model (IN.gguf OUT.gguf TYPE [--threads N]), llama.cpp's type mixes", cmd_quantize},
      {"tokenize", "Print the token ids of a text as a JSON array (FILE.gguf [--no-special] [--no-bos] TEXT)", cmd_tokenize},
      {"detokenize", "Print the text of token ids (FILE.gguf IDS...)", cmd_detokenize},
      {"tokenizer", "Tokenizer tools: import a Hugging Face tokenizer.json into a vocab GGUF", cmd_tokenizer},
      {"template", "Render a chat template (render FILE.jinja|FILE.gotmpl --context CONTEXT.json [--now TIME])", cmd_template},
  };
  return table;
}

}  // namespace hearth::cli
