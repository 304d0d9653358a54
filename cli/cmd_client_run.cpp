// `hearth run MODEL [PROMPT...]` — the Ollama client flow, and the dispatch between it and the
// in-process mode: an argument that names an existing .gguf file runs that file directly
// (cmd_run.cpp, no server); anything else is a model name served by `hearth serve`.
//
// Client flow (spec §10): POST /api/show (404 → POST /api/pull, then show again). Embedding
// models get POST /api/embed and the vector printed as JSON. With a prompt (arguments and/or
// piped stdin, stdin first) one streaming POST /api/generate. Without one, on a terminal, an
// interactive chat: the model is preloaded, then each turn sends the whole history to
// /api/chat and streams the reply. REPL commands: /set parameter K V, /set system TEXT,
// /set verbose|quiet, /show info|license|modelfile|parameters|system|template, /clear, /load MODEL,
// /bye (/exit), /? ; """ starts and ends multi-line input.
#include <fmt/core.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <iterator>

#include "cmd_client.h"
#include "commands.h"
#include "engine/store/modelfile.h"
#include "server/duration.h"

namespace hearth::cli {

namespace {

constexpr const char* kUsage =
    "Usage: hearth run MODEL [PROMPT...] [--verbose] [--keepalive DURATION] [--nowordwrap] [--think[=false]]\n"
    "       hearth run FILE.gguf PROMPT [options]     (in-process, no server; see its own usage)";

struct RunOptions {
  std::string model;
  std::string prompt;
  bool verbose = false;
  std::optional<std::string> keep_alive;
  Json options = Json::object();
  std::string system;
};

void print_stats(const Json& done) {
  auto dur = [&](const char* key) { return server::format_go_duration(server::Nanos(done.get_int(key))); };
  auto rate = [&](const char* count, const char* duration) {
    double d = static_cast<double>(done.get_int(duration));
    return d > 0 ? fmt::format("{:.2f} tokens/s", static_cast<double>(done.get_int(count)) / d * 1e9) : std::string("n/a");
  };
  fmt::print(stderr, "total duration:       {}\n", dur("total_duration"));
  fmt::print(stderr, "load duration:        {}\n", dur("load_duration"));
  fmt::print(stderr, "prompt eval count:    {} token(s)\n", done.get_int("prompt_eval_count"));
  fmt::print(stderr, "prompt eval duration: {}\n", dur("prompt_eval_duration"));
  fmt::print(stderr, "prompt eval rate:     {}\n", rate("prompt_eval_count", "prompt_eval_duration"));
  fmt::print(stderr, "eval count:           {} token(s)\n", done.get_int("eval_count"));
  fmt::print(stderr, "eval duration:        {}\n", dur("eval_duration"));
  fmt::print(stderr, "eval rate:            {}\n", rate("eval_count", "eval_duration"));
}

Json keep_alive_json(const RunOptions& o) {
  if (!o.keep_alive) return Json();
  return Json(*o.keep_alive);
}

// Makes sure the model exists on the server (pulling it if the server can), returns /api/show.
Json show_or_pull(server::ApiClient& c, const std::string& model) {
  try {
    return c.post_json("/api/show", Json::object({{"model", model}}));
  } catch (const server::ClientError& e) {
    if (e.status() != 404) throw;
  }
  std::string last;
  c.stream("/api/pull", Json::object({{"model", model}}), [&](const Json& p) {
    std::string status = p.get_string("status");
    if (status != last) fmt::print(stderr, "{}\n", status);
    last = status;
  });
  return c.post_json("/api/show", Json::object({{"model", model}}));
}

bool has_capability(const Json& show, std::string_view cap) {
  if (const Json* caps = show.find("capabilities"); caps && caps->is_array())
    for (const Json& c : caps->as_array())
      if (c.is_string() && c.as_string() == cap) return true;
  return false;
}

int generate_once(server::ApiClient& c, const RunOptions& o) {
  Json body = Json::object({{"model", o.model}, {"prompt", o.prompt}});
  if (o.options.size() > 0) body["options"] = o.options;
  if (o.keep_alive) body["keep_alive"] = keep_alive_json(o);
  Json last;
  c.stream("/api/generate", body, [&](const Json& chunk) {
    fmt::print("{}", chunk.get_string("response"));
    std::fflush(stdout);
    if (chunk.get_bool("done")) last = chunk;
  });
  fmt::print("\n");
  if (o.verbose && last.is_object()) print_stats(last);
  return 0;
}

int embed_once(server::ApiClient& c, const RunOptions& o) {
  Json r = c.post_json("/api/embed", Json::object({{"model", o.model}, {"input", o.prompt}}));
  if (const Json* e = r.find("embeddings"); e && e->is_array() && e->size() > 0) fmt::print("{}\n", e->as_array()[0].dump());
  return 0;
}

void repl_help() {
  fmt::print(
      "Available Commands:\n"
      "  /set            Set session variables (parameter K V, system TEXT, verbose, quiet)\n"
      "  /show           Show model information (info, license, modelfile, parameters, system, template)\n"
      "  /load <model>   Load a session or model\n"
      "  /clear          Clear session context\n"
      "  /bye            Exit\n"
      "  /?, /help       Help for a command\n\n"
      "Use \"\"\" to begin a multi-line message.\n\n");
}

void repl_show(server::ApiClient& c, const RunOptions& o, const std::string& what) {
  if (what == "info" || what.empty()) {
    std::string model = o.model;
    std::vector<std::string> args = {model};
    cmd_show(Args(args));
    return;
  }
  Json r = c.post_json("/api/show", Json::object({{"model", o.model}}));
  if (what == "license" || what == "modelfile" || what == "parameters" || what == "template") {
    fmt::print("{}\n", r.get_string(what));
  } else if (what == "system") {
    fmt::print("{}\n", o.system.empty() ? r.get_string("system") : o.system);
  } else {
    fmt::print("Unknown command '/show {}'. Type /? for help\n", what);
  }
}

int interactive(server::ApiClient& c, RunOptions o) {
  Json preload = Json::object({{"model", o.model}});
  if (o.keep_alive) preload["keep_alive"] = keep_alive_json(o);
  c.post_json("/api/generate", preload);
  Json history = Json::array();
  std::string line;
  for (;;) {
    fmt::print(">>> ");
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) {
      fmt::print("\n");
      return 0;
    }
    std::string input = line;
    if (line.rfind("\"\"\"", 0) == 0) {
      input = line.substr(3);
      bool closed = input.size() >= 3 && input.compare(input.size() - 3, 3, "\"\"\"") == 0;
      if (closed) input.resize(input.size() - 3);
      while (!closed) {
        fmt::print("... ");
        std::fflush(stdout);
        if (!std::getline(std::cin, line)) return 0;
        closed = line.size() >= 3 && line.compare(line.size() - 3, 3, "\"\"\"") == 0;
        input += "\n" + (closed ? line.substr(0, line.size() - 3) : line);
      }
    }
    if (input.empty()) continue;
    if (input[0] == '/' && line.rfind("\"\"\"", 0) != 0) {
      std::istringstream words(input);
      std::string cmd, a, b;
      words >> cmd >> a;
      if (cmd == "/bye" || cmd == "/exit") return 0;
      if (cmd == "/?" || cmd == "/help") {
        repl_help();
      } else if (cmd == "/clear") {
        history = Json::array();
        fmt::print("Cleared session context\n");
      } else if (cmd == "/show") {
        repl_show(c, o, a);
      } else if (cmd == "/load") {
        if (a.empty()) {
          fmt::print("Usage:\n  /load <modelname>\n");
          continue;
        }
        o.model = a;
        history = Json::array();
        fmt::print("Loading model '{}'\n", a);
        show_or_pull(c, a);
        c.post_json("/api/generate", Json::object({{"model", a}}));
      } else if (cmd == "/set") {
        if (a == "verbose") {
          o.verbose = true;
          fmt::print("Set 'verbose' mode.\n");
        } else if (a == "quiet") {
          o.verbose = false;
          fmt::print("Set 'quiet' mode.\n");
        } else if (a == "system") {
          std::string rest;
          std::getline(words, rest);
          o.system = rest.empty() ? rest : rest.substr(rest.find_first_not_of(' ') == std::string::npos ? 0 : rest.find_first_not_of(' '));
          fmt::print("Set system message.\n");
        } else if (a == "parameter") {
          words >> b;
          std::string value;
          std::getline(words, value);
          value.erase(0, value.find_first_not_of(' '));
          try {
            store::TypedParameter p = store::parse_parameter(b, value);
            if (b == "stop" && o.options.find("stop") && o.options["stop"].is_array()) {
              for (const Json& s : p.value.as_array()) o.options["stop"].push_back(s);
            } else {
              o.options[b] = p.value;
            }
            fmt::print("Set parameter '{}' to '{}'\n", b, value);
          } catch (const std::exception& e) {
            fmt::print("Couldn't set parameter: {}\n", e.what());
          }
        } else if (a == "wordwrap" || a == "nowordwrap" || a == "history" || a == "nohistory") {
          fmt::print("Set '{}' mode.\n", a);
        } else if (a == "format" || a == "noformat" || a == "think" || a == "nothink") {
          fmt::print("'/set {}' is not supported by hearth yet\n", a);
        } else {
          fmt::print("Unknown command '/set {}'. Type /? for help\n", a);
        }
      } else {
        fmt::print("Unknown command '{}'. Type /? for help\n", cmd);
      }
      continue;
    }
    history.push_back(Json::object({{"role", "user"}, {"content", input}}));
    Json messages = Json::array();
    if (!o.system.empty()) messages.push_back(Json::object({{"role", "system"}, {"content", o.system}}));
    for (const Json& m : history.as_array()) messages.push_back(m);
    Json body = Json::object({{"model", o.model}, {"messages", messages}});
    if (o.options.size() > 0) body["options"] = o.options;
    if (o.keep_alive) body["keep_alive"] = keep_alive_json(o);
    std::string reply;
    Json last;
    try {
      c.stream("/api/chat", body, [&](const Json& chunk) {
        if (const Json* m = chunk.find("message")) {
          std::string piece = m->get_string("content");
          reply += piece;
          fmt::print("{}", piece);
          std::fflush(stdout);
        }
        if (chunk.get_bool("done")) last = chunk;
      });
    } catch (const server::ClientError& e) {
      fmt::print("\nError: {}\n", e.what());
      history.as_array().pop_back();
      continue;
    }
    fmt::print("\n\n");
    if (o.verbose && last.is_object()) print_stats(last);
    history.push_back(Json::object({{"role", "assistant"}, {"content", reply}}));
  }
}

// An argument ending in ".gguf" is a file path (in-process mode), even when it does not exist:
// then the user gets "cannot open FILE" rather than a server lookup of a model named "x.gguf".
bool names_gguf_file(const std::string& arg) {
  return arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".gguf") == 0;
}

}  // namespace

int cmd_run_client(Args args) {
  RunOptions o;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--verbose") o.verbose = true;
    else if (a == "--keepalive") {
      if (i + 1 >= args.size()) throw UsageError{std::string("--keepalive needs a value\n") + kUsage};
      o.keep_alive = args[++i];
    } else if (a == "--nowordwrap" || a == "--insecure" || a == "--hidethinking" || a == "--truncate") {
      // accepted; output is never word-wrapped by hearth
    } else if (a == "--think" || a.rfind("--think=", 0) == 0) {
      if (a != "--think=false") throw std::runtime_error("thinking is not supported by hearth yet");
    } else if (a == "--format") {
      throw std::runtime_error("--format is not supported by hearth yet");
    } else if (!a.empty() && a[0] == '-' && o.model.empty()) {
      throw UsageError{"unknown flag " + a + "\n" + kUsage};
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      words.push_back(a);
    }
  }
  if (o.model.empty()) throw UsageError{std::string("missing MODEL\n") + kUsage};
  for (std::size_t i = 0; i < words.size(); ++i) o.prompt += (i ? " " : "") + words[i];
  bool stdin_tty = isatty(STDIN_FILENO);
  if (!stdin_tty) {
    std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (!in.empty()) o.prompt = o.prompt.empty() ? in : in + " " + o.prompt;
  }

  server::ApiClient c = connected_client();
  Json show = show_or_pull(c, o.model);
  if (has_capability(show, "embedding") && !has_capability(show, "completion")) {
    if (o.prompt.empty()) throw std::runtime_error("embedding models require input text");
    return embed_once(c, o);
  }
  if (o.prompt.empty() && stdin_tty) return interactive(c, o);
  return generate_once(c, o);
}

int cmd_run_dispatch(Args args) {
  if (!args.empty() && names_gguf_file(args[0])) return cmd_run(args);
  return cmd_run_client(args);
}

}  // namespace hearth::cli
