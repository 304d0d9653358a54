// cli/cmd_pull.cpp — `hearth pull MODEL` and `hearth push MODEL` (also as `ollama pull/push`).
//
// Like Ollama's CLI these talk to the running server (OLLAMA_HOST): HEAD / to check it is up, then
// POST /api/pull or /api/push with {"model", "insecure", "stream": true} and render the NDJSON
// progress stream (cli/progress.h): live bars on a terminal, plain lines otherwise. A line with
// an "error" key, or an error status, ends the command with that message.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/progress.h"
#include "common/json.h"
#include "engine/registry/config.h"
#include "engine/registry/errors.h"
#include "engine/registry/http_client.h"
#include "server/env.h"
#include "server/host.h"

namespace hearth::cli {
namespace {

struct TransferArgs {
  std::string model;
  bool insecure = false;
};

TransferArgs parse_transfer_args(Args args, const char* verb) {
  TransferArgs out;
  for (const std::string& a : args) {
    if (a == "--insecure" || a == "--insecure=true") {
      out.insecure = true;
    } else if (a == "--insecure=false") {
      out.insecure = false;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown flag: " + a};
    } else if (out.model.empty()) {
      out.model = a;
    } else {
      throw UsageError{std::string("accepts 1 arg(s), received ") + std::to_string(args.size())};
    }
  }
  if (out.model.empty()) throw UsageError{std::string("accepts 1 arg(s), received 0 (usage: hearth ") + verb + " MODEL [--insecure])"};
  return out;
}

registry::Url server_url(const std::string& api_path) {
  server::HostAddress host = server::parse_ollama_host(server::env_string(server::process_environment(), "OLLAMA_HOST"));
  std::string dial = host.dial_host();
  if (dial.find(':') != std::string::npos) dial = "[" + dial + "]";
  std::string prefix = host.path.empty() ? "" : "/" + host.path;
  return registry::Url::parse(host.scheme + "://" + dial + ":" + std::to_string(host.port) + prefix + api_path);
}

registry::HttpClientConfig api_client_config() {
  registry::HttpClientConfig c;
  c.user_agent = registry::default_user_agent();
  c.stall_timeout = std::chrono::hours(1);  // verifying a large model can be quiet for minutes
  c.connect_timeout = std::chrono::seconds(10);
  return c;
}

registry::SendOptions local_options() {
  registry::SendOptions o;
  o.allow_plain_http = true;  // the local server speaks HTTP unless OLLAMA_HOST says https
  o.max_body_bytes = 1u << 20;
  return o;
}

void check_server_up(const registry::HttpClient& client) {
  try {
    client.send(registry::HttpRequest{.method = "HEAD", .url = server_url("/")}, local_options());
  } catch (const registry::TransportError&) {
    throw std::runtime_error("could not connect to ollama server, run 'ollama serve' to start it");
  }
}

int stream_progress(const std::string& api_path, const TransferArgs& args) {
  registry::HttpClient client(api_client_config());
  check_server_up(client);
  Json body = Json::object({{"model", args.model}, {"insecure", args.insecure}, {"stream", true}});
  registry::HttpRequest request{.method = "POST", .url = server_url(api_path)};
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = body.dump();

  ProgressRenderer renderer(stdout, ::isatty(STDOUT_FILENO) != 0);
  std::string pending, stream_error;
  auto handle_line = [&](std::string_view line) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) return;
    Json j = Json::parse(line);
    if (std::string e = j.get_string("error"); !e.empty()) {
      stream_error = e;
      return;
    }
    renderer.update(j);
  };
  registry::BodySink sink = [&](std::span<const uint8_t> bytes) {
    pending.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      handle_line(std::string_view(pending).substr(0, nl));
      pending.erase(0, nl + 1);
    }
  };
  registry::SendOptions options = local_options();
  options.sink = &sink;
  registry::HttpResponse r = client.send(request, options);
  if (r.status >= 300) {
    std::string message = r.body;
    try {
      message = Json::parse(r.body).get_string("error", r.body);
    } catch (const JsonError&) {
    }
    throw std::runtime_error(message);
  }
  handle_line(pending);
  renderer.finish();
  if (!stream_error.empty()) throw std::runtime_error(stream_error);
  return 0;
}

}  // namespace

int cmd_pull(Args args) { return stream_progress("/api/pull", parse_transfer_args(args, "pull")); }

int cmd_push(Args args) { return stream_progress("/api/push", parse_transfer_args(args, "push")); }

}  // namespace hearth::cli
