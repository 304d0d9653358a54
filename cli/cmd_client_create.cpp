// `hearth create MODEL [-f Modelfile] [-q QUANT] [--from FILE.gguf]`, as `ollama create` does it:
// parse the Modelfile locally, upload the local files it names as blobs (HEAD first, POST only
// when the server lacks them), then POST /api/create and show its progress.
#include <fmt/core.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cmd_client.h"
#include "commands.h"
#include "engine/store/modelfile.h"
#include "engine/store/sha256.h"

namespace hearth::cli {

namespace {

constexpr const char* kUsage = "Usage: hearth create MODEL [-f Modelfile] [-q QUANT] [--from FILE.gguf]";

Json string_map(const std::map<std::string, std::string>& m) {
  Json o = Json::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

Json request_json(const store::CreateRequest& r, const std::string& quantize) {
  Json body = Json::object({{"model", r.model}});
  if (!r.from.empty()) body["from"] = r.from;
  if (!r.files.empty()) body["files"] = string_map(r.files);
  if (!r.adapters.empty()) body["adapters"] = string_map(r.adapters);
  if (r.tmpl) body["template"] = *r.tmpl;
  if (r.system) body["system"] = *r.system;
  if (!r.licenses.empty()) {
    Json l = Json::array();
    for (const auto& s : r.licenses) l.push_back(s);
    body["license"] = l;
  }
  if (r.parameters.is_object() && r.parameters.size() > 0) body["parameters"] = r.parameters;
  if (r.messages.is_array() && r.messages.size() > 0) body["messages"] = r.messages;
  if (!r.renderer.empty()) body["renderer"] = r.renderer;
  if (!r.parser.empty()) body["parser"] = r.parser;
  if (!r.requires_version.empty()) body["requires"] = r.requires_version;
  if (!quantize.empty()) body["quantize"] = quantize;
  body["stream"] = true;
  return body;
}

}  // namespace

int cmd_create(Args args) {
  std::string model, file, quantize, from;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) {
      if (i + 1 >= args.size()) throw UsageError{std::string("flag needs an argument: ") + flag + "\n" + kUsage};
      return args[++i];
    };
    if (a == "-f" || a == "--file") file = value("-f");
    else if (a == "-q" || a == "--quantize") quantize = value("-q");
    else if (a == "--from") from = value("--from");
    else if (!a.empty() && a[0] == '-') throw UsageError{"unknown flag " + a + "\n" + kUsage};
    else if (model.empty()) model = a;
    else throw UsageError{std::string("create takes one model name\n") + kUsage};
  }
  if (model.empty()) throw UsageError{std::string("missing MODEL\n") + kUsage};
  if (!from.empty() && !file.empty()) throw UsageError{std::string("use either -f or --from\n") + kUsage};

  std::string text;
  std::filesystem::path dir = std::filesystem::current_path();
  if (!from.empty()) {
    text = "FROM " + std::filesystem::absolute(from).string() + "\n";
  } else {
    std::filesystem::path path = file.empty() ? "Modelfile" : file;
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
      dir = std::filesystem::absolute(path).parent_path();
    } else if (file.empty()) {
      text = "FROM .\n";  // no Modelfile: the current directory's GGUF files
    } else {
      throw std::runtime_error("open " + path.string() + ": no such file or directory");
    }
  }

  store::Modelfile modelfile = store::Modelfile::parse(text);
  store::ModelfileRequest mreq = store::modelfile_to_request(
      modelfile, dir, model, [](const std::filesystem::path& p) { return "sha256:" + store::sha256_file_hex(p); });
  for (const auto& w : mreq.warnings) fmt::print(stderr, "warning: {}\n", w);

  server::ApiClient c = connected_client();
  for (const auto& f : mreq.local_files) {
    std::string path = "/api/blobs/" + f.digest;
    server::ClientResponse head = c.request("HEAD", path);
    if (head.status == 200) continue;
    fmt::print(stderr, "copying file {} {}\n", f.digest, f.path.string());
    server::ClientResponse up = c.upload(path, f.path);
    if (up.status != 200 && up.status != 201)
      throw std::runtime_error(server::error_message_of(up.body, up.status));
  }

  bool tty = isatty(STDERR_FILENO);
  std::string last;
  c.stream("/api/create", request_json(mreq.request, quantize), [&](const Json& p) {
    std::string status = p.get_string("status");
    int64_t total = p.get_int("total"), completed = p.get_int("completed");
    if (total > 0 && tty) {
      fmt::print(stderr, "\r{} {}%", status, completed * 100 / total);
      last = status;
      return;
    }
    if (status == last) return;
    if (tty && !last.empty() && total == 0) fmt::print(stderr, "\n");
    last = status;
    if (total == 0) fmt::print(stderr, "{}\n", status);
  });
  return 0;
}

}  // namespace hearth::cli
