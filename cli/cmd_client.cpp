// API client commands: list/ls, ps, show, rm, cp, stop, and `--version`.
#include "cmd_client.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "commands.h"
#include "server/api.h"
#include "server/env.h"

namespace hearth::cli {

using server::ApiClient;
using server::ClientError;

server::ApiClient client_from_env() {
  return ApiClient(server::parse_ollama_host(server::env_string(server::process_environment(), "OLLAMA_HOST")));
}

server::ApiClient connected_client() {
  ApiClient c = client_from_env();
  c.heartbeat();
  return c;
}

std::string human_bytes(int64_t b) {
  const std::pair<int64_t, const char*> units[] = {
      {1000LL * 1000 * 1000 * 1000, "TB"}, {1000LL * 1000 * 1000, "GB"}, {1000LL * 1000, "MB"}, {1000LL, "KB"}};
  for (auto [size, unit] : units) {
    if (b < size) continue;
    double value = static_cast<double>(b) / static_cast<double>(size);
    if (value >= 10) return fmt::format("{} {}", static_cast<int64_t>(value), unit);
    if (value != std::trunc(value)) return fmt::format("{:.1f} {}", value, unit);
    return fmt::format("{} {}", static_cast<int64_t>(value), unit);
  }
  return fmt::format("{} B", b);
}

std::string human_duration(std::chrono::nanoseconds d) {
  double secs = std::chrono::duration<double>(d).count();
  int64_t seconds = static_cast<int64_t>(secs);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt::format("{} seconds", seconds);
  int64_t minutes = static_cast<int64_t>(secs / 60);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt::format("{} minutes", minutes);
  int64_t hours = static_cast<int64_t>(std::round(secs / 3600));
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt::format("{} hours", hours);
  if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
  if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
  if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
  return fmt::format("{} years", static_cast<int64_t>(secs / 3600 / 24 / 365));
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view t) {
  int Y, M, D, h, m, s;
  if (t.size() < 20 || std::sscanf(std::string(t.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &Y, &M, &D, &h, &m, &s) != 6)
    return std::nullopt;
  std::size_t i = 19;
  int64_t nanos = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    int digits = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
      if (digits < 9) {
        nanos = nanos * 10 + (t[i] - '0');
        ++digits;
      }
      ++i;
    }
    while (digits++ < 9) nanos *= 10;
  }
  int64_t offset = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(t.substr(i + 1)).c_str(), "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (oh * 3600 + om * 60) * (t[i] == '-' ? -1 : 1);
  } else if (i >= t.size() || t[i] != 'Z') {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  int64_t epoch = static_cast<int64_t>(timegm(&tm)) - offset;
  return std::chrono::system_clock::time_point(std::chrono::seconds(epoch)) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
}

std::string human_time(std::string_view rfc3339, std::string_view zero) {
  auto t = parse_rfc3339(rfc3339);
  if (!t) return std::string(zero);
  auto now = std::chrono::system_clock::now();
  auto delta = std::chrono::duration_cast<std::chrono::nanoseconds>(now - *t);
  if (delta < -std::chrono::hours(24 * 365 * 20)) return "Forever";
  if (delta.count() < 0) return human_duration(-delta) + " from now";
  return human_duration(delta) + " ago";
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], r[c].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(widths[c] - r[c].size() + 4, ' ');
    }
    fmt::print("{}\n", line);
  }
}

namespace {

std::string short_digest(const Json& m) {
  std::string d = m.get_string("digest");
  if (d.rfind("sha256:", 0) == 0) d = d.substr(7);
  return d.substr(0, 12);
}

void print_section(const std::string& title, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  fmt::print("  {}\n", title);
  std::vector<std::size_t> widths;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], r[c].size());
    }
  for (const auto& r : rows) {
    std::string line = "    ";
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(widths[c] - r[c].size() + 4, ' ');
    }
    fmt::print("{}\n", line);
  }
  fmt::print("\n");
}

std::string json_scalar(const Json& v) {
  if (v.is_string()) return v.as_string();
  return v.dump();
}

}  // namespace

int cmd_list(Args args) {
  if (args.size() > 1) throw UsageError{"list takes at most one prefix\nUsage: hearth list [PREFIX]"};
  ApiClient c = connected_client();
  Json tags = c.get_json("/api/tags");
  std::vector<std::vector<std::string>> rows = {{"NAME", "ID", "SIZE", "MODIFIED"}};
  if (const Json* models = tags.find("models"); models && models->is_array()) {
    for (const Json& m : models->as_array()) {
      std::string name = m.get_string("name");
      if (!args.empty() && name.rfind(args[0], 0) != 0) continue;
      rows.push_back({name, short_digest(m), human_bytes(m.get_int("size")), human_time(m.get_string("modified_at"))});
    }
  }
  print_table(rows);
  return 0;
}

int cmd_ps(Args args) {
  if (!args.empty()) throw UsageError{"ps takes no arguments\nUsage: hearth ps"};
  ApiClient c = connected_client();
  Json ps = c.get_json("/api/ps");
  std::vector<std::vector<std::string>> rows = {{"NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"}};
  if (const Json* models = ps.find("models"); models && models->is_array()) {
    for (const Json& m : models->as_array()) {
      int64_t size = m.get_int("size"), vram = m.get_int("size_vram");
      std::string processor;
      if (vram == 0) processor = "100% CPU";
      else if (vram >= size) processor = "100% GPU";
      else {
        int cpu = static_cast<int>(std::lround(100.0 * static_cast<double>(size - vram) / static_cast<double>(size)));
        processor = fmt::format("{}%/{}% CPU/GPU", cpu, 100 - cpu);
      }
      rows.push_back({m.get_string("name"), short_digest(m), human_bytes(size), processor,
                      std::to_string(m.get_int("context_length")), human_time(m.get_string("expires_at"), "Stopping...")});
    }
  }
  print_table(rows);
  return 0;
}

int cmd_show(Args args) {
  std::string model, flag;
  bool verbose = false;
  for (const std::string& a : args) {
    if (a == "--license" || a == "--modelfile" || a == "--parameters" || a == "--system" || a == "--template") {
      if (!flag.empty()) throw UsageError{"only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified"};
      flag = a.substr(2);
    } else if (a == "-v" || a == "--verbose") {
      verbose = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown flag " + a + "\nUsage: hearth show MODEL [--license|--modelfile|--parameters|--system|--template] [-v]"};
    } else if (model.empty()) {
      model = a;
    } else {
      throw UsageError{"show takes one model\nUsage: hearth show MODEL [flags]"};
    }
  }
  if (model.empty()) throw UsageError{"missing MODEL\nUsage: hearth show MODEL [flags]"};
  ApiClient c = connected_client();
  Json body = Json::object({{"model", model}});
  if (verbose) body["verbose"] = true;
  Json r = c.post_json("/api/show", body);
  if (!flag.empty()) {
    std::string key = flag == "license" ? "license" : flag;
    std::string text = r.get_string(key);
    fmt::print("{}\n", text);
    return 0;
  }
  const Json* info = r.find("model_info");
  std::string arch = info ? info->get_string("general.architecture") : "";
  std::vector<std::vector<std::string>> model_rows;
  if (!arch.empty()) model_rows.push_back({"architecture", arch});
  if (const Json* d = r.find("details")) model_rows.push_back({"parameters", d->get_string("parameter_size")});
  if (info) {
    if (const Json* v = info->find(arch + ".context_length")) model_rows.push_back({"context length", json_scalar(*v)});
    if (const Json* v = info->find(arch + ".embedding_length")) model_rows.push_back({"embedding length", json_scalar(*v)});
  }
  if (const Json* d = r.find("details")) model_rows.push_back({"quantization", d->get_string("quantization_level")});
  fmt::print("\n");
  print_section("Model", model_rows);
  std::vector<std::vector<std::string>> caps;
  if (const Json* cs = r.find("capabilities"); cs && cs->is_array())
    for (const Json& cap : cs->as_array()) caps.push_back({json_scalar(cap)});
  print_section("Capabilities", caps);
  std::vector<std::vector<std::string>> params;
  std::string ptext = r.get_string("parameters");
  std::size_t start = 0;
  while (start < ptext.size()) {
    std::size_t nl = ptext.find('\n', start);
    std::string line = ptext.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? ptext.size() : nl + 1;
    std::size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::size_t val = line.find_first_not_of(' ', sp);
    params.push_back({line.substr(0, sp), val == std::string::npos ? "" : line.substr(val)});
  }
  print_section("Parameters", params);
  std::string system = r.get_string("system");
  if (!system.empty()) print_section("System", {{system.substr(0, system.find('\n'))}});
  std::string license = r.get_string("license");
  if (!license.empty()) {
    std::vector<std::vector<std::string>> lines;
    std::size_t pos = 0;
    for (int i = 0; i < 2 && pos < license.size(); ++i) {
      std::size_t nl = license.find('\n', pos);
      lines.push_back({license.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos)});
      pos = nl == std::string::npos ? license.size() : nl + 1;
    }
    if (pos < license.size()) lines.push_back({"..."});
    print_section("License", lines);
  }
  return 0;
}

int cmd_stop(Args args) {
  if (args.size() != 1) throw UsageError{"stop takes one model\nUsage: hearth stop MODEL"};
  ApiClient c = connected_client();
  try {
    c.post_json("/api/generate", Json::object({{"model", args[0]}, {"keep_alive", 0}}));
  } catch (const ClientError& e) {
    if (e.status() == 404) throw std::runtime_error("couldn't find model \"" + args[0] + "\" to stop");
    throw;
  }
  return 0;
}

int cmd_rm(Args args) {
  if (args.empty()) throw UsageError{"missing MODEL\nUsage: hearth rm MODEL [MODEL...]"};
  ApiClient c = connected_client();
  for (const std::string& model : args) {
    try {
      c.post_json("/api/generate", Json::object({{"model", model}, {"keep_alive", 0}}));
    } catch (const ClientError& e) {
      if (e.status() != 404 && e.status() != 400) throw;  // not loaded or not a completion model: fine
    }
    Json body = Json::object({{"model", model}});
    c.call("DELETE", "/api/delete", &body);
    fmt::print("deleted '{}'\n", model);
  }
  return 0;
}

int cmd_cp(Args args) {
  if (args.size() != 2) throw UsageError{"cp takes a source and a destination\nUsage: hearth cp SOURCE DESTINATION"};
  ApiClient c = connected_client();
  c.post_json("/api/copy", Json::object({{"source", args[0]}, {"destination", args[1]}}));
  fmt::print("copied '{}' to '{}'\n", args[0], args[1]);
  return 0;
}

int cmd_version(Args) {
  ApiClient c = client_from_env();
  try {
    Json v = c.get_json("/api/version");
    std::string server_version = v.get_string("version");
    fmt::print("ollama version is {}\n", server_version);
    if (server_version != server::kOllamaApiVersion)
      fmt::print(stderr, "Warning: client version is {}\n", server::kOllamaApiVersion);
  } catch (const ClientError&) {
    fmt::print(stderr, "Warning: could not connect to a running Ollama instance\n");
    fmt::print(stderr, "Warning: client version is {}\n", server::kOllamaApiVersion);
  }
  return 0;
}

}  // namespace hearth::cli
