// Access logs: one line per request in JSON or logfmt, read back by parsers that know nothing of
// the formatter (hearth's JSON parser — simdjson — and a logfmt reader written here from the
// format's description), and the OLLAMA_DEBUG levels.
#include <catch2/catch.hpp>

#include <map>

#include "common/json.h"
#include "server/access_log.h"

using namespace hearth::server;
using namespace std::chrono_literals;

namespace {

std::chrono::system_clock::time_point at_ms(long long ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

AccessLogEntry sample_entry() {
  AccessLogEntry e;
  e.time = at_ms(1700000000123);
  e.remote = "10.1.2.3:51234";
  e.method = "POST";
  e.path = "/api/chat";
  e.status = 200;
  e.bytes = 5120;
  e.duration = 1234567us;
  e.route = "chat";
  e.user_agent = "ollama-js/0.5.0 (x64 linux Node.js/v20)";
  e.request_bytes = 321;
  return e;
}

// logfmt: space-separated key=value; a value is bare (up to the next space) or a double-quoted
// string with backslash escapes.
std::map<std::string, std::string> parse_logfmt(std::string_view line) {
  REQUIRE(!line.empty());
  REQUIRE(line.back() == '\n');
  line.remove_suffix(1);
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t eq = line.find('=', i);
    REQUIRE(eq != std::string_view::npos);
    std::string key(line.substr(i, eq - i));
    REQUIRE(key.find(' ') == std::string::npos);
    i = eq + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        REQUIRE(i < line.size());
        char c = line[i++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        REQUIRE(i < line.size());
        char esc = line[i++];
        if (esc == 'n') value += '\n';
        else if (esc == 'r') value += '\r';
        else if (esc == 't') value += '\t';
        else if (esc == 'u') {
          REQUIRE(i + 4 <= line.size());
          value += static_cast<char>(std::stoi(std::string(line.substr(i, 4)), nullptr, 16));
          i += 4;
        } else value += esc;
      }
    } else {
      std::size_t sp = line.find(' ', i);
      value = std::string(line.substr(i, sp == std::string_view::npos ? std::string_view::npos : sp - i));
      i = sp == std::string_view::npos ? line.size() : sp;
    }
    REQUIRE(out.emplace(key, value).second);
    if (i < line.size()) {
      REQUIRE(line[i] == ' ');
      ++i;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("access log: JSON line with the required fields") {
  std::string line = format_access_log(sample_entry(), AccessLogFormat::Json, LogLevel::Info);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  hearth::Json j = hearth::Json::parse(line.substr(0, line.size() - 1));
  CHECK(j.get_string("time") == "2023-11-14T22:13:20.123Z");
  CHECK(j.get_string("remote") == "10.1.2.3:51234");
  CHECK(j.get_string("method") == "POST");
  CHECK(j.get_string("path") == "/api/chat");
  CHECK(j["status"].as_int() == 200);
  CHECK(j["bytes"].as_int() == 5120);
  CHECK(j["duration_ms"].as_double() == Approx(1234.567));
  CHECK_FALSE(j.as_object().contains("user_agent"));  // debug-only field
}

TEST_CASE("access log: debug level adds route, user agent and request size") {
  std::string line = format_access_log(sample_entry(), AccessLogFormat::Json, LogLevel::Debug);
  hearth::Json j = hearth::Json::parse(line.substr(0, line.size() - 1));
  CHECK(j.get_string("route") == "chat");
  CHECK(j.get_string("user_agent") == "ollama-js/0.5.0 (x64 linux Node.js/v20)");
  CHECK(j["request_bytes"].as_int() == 321);
}

TEST_CASE("access log: logfmt line reads back field by field") {
  auto f = parse_logfmt(format_access_log(sample_entry(), AccessLogFormat::Logfmt, LogLevel::Trace));
  CHECK(f["time"] == "2023-11-14T22:13:20.123Z");
  CHECK(f["remote"] == "10.1.2.3:51234");
  CHECK(f["method"] == "POST");
  CHECK(f["path"] == "/api/chat");
  CHECK(f["status"] == "200");
  CHECK(f["bytes"] == "5120");
  CHECK(f["duration_ms"] == "1234.567");
  CHECK(f["user_agent"] == "ollama-js/0.5.0 (x64 linux Node.js/v20)");
  CHECK(f["request_bytes"] == "321");
}

TEST_CASE("access log: hostile request text stays one line and round-trips") {
  AccessLogEntry e = sample_entry();
  std::string path = "/api/x\n{\"status\":200} key=value \"quoted\" back\\slash\r\x01";
  std::string agent = "curl\n\tinjected=1";
  e.path = path;
  e.user_agent = agent;
  e.method = "PO ST";
  std::string json = format_access_log(e, AccessLogFormat::Json, LogLevel::Debug);
  CHECK(json.find('\n') == json.size() - 1);
  hearth::Json j = hearth::Json::parse(json.substr(0, json.size() - 1));
  CHECK(j.get_string("path") == path);
  CHECK(j.get_string("user_agent") == agent);
  std::string lf = format_access_log(e, AccessLogFormat::Logfmt, LogLevel::Debug);
  CHECK(lf.find('\n') == lf.size() - 1);
  auto f = parse_logfmt(lf);
  CHECK(f["path"] == path);
  CHECK(f["user_agent"] == agent);
  CHECK(f["method"] == "PO ST");
  CHECK(f.count("injected") == 0);
  CHECK(logfmt_value("") == "\"\"");
  CHECK(logfmt_value("plain") == "plain");
  CHECK(logfmt_value("a=b") == "\"a=b\"");
  // Invalid UTF-8 in JSON becomes U+FFFD instead of breaking the document.
  e.path = "/\xff\xfe";
  std::string bad = format_access_log(e, AccessLogFormat::Json, LogLevel::Info);
  CHECK_NOTHROW(hearth::Json::parse(bad.substr(0, bad.size() - 1)));
}

TEST_CASE("access log: timestamps are RFC 3339 UTC with milliseconds") {
  CHECK(format_log_time(at_ms(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(format_log_time(at_ms(951782400999)) == "2000-02-29T00:00:00.999Z");
  CHECK(format_log_time(at_ms(1700000000123)) == "2023-11-14T22:13:20.123Z");
}

TEST_CASE("access log: OLLAMA_DEBUG levels as Ollama reads them") {
  auto level = [](std::map<std::string, std::string> env) { return log_level_from_env(map_environment(std::move(env))); };
  CHECK(level({}) == LogLevel::Info);
  CHECK(level({{"OLLAMA_DEBUG", ""}}) == LogLevel::Info);
  CHECK(level({{"OLLAMA_DEBUG", "0"}}) == LogLevel::Info);
  CHECK(level({{"OLLAMA_DEBUG", "false"}}) == LogLevel::Info);
  CHECK(level({{"OLLAMA_DEBUG", "1"}}) == LogLevel::Debug);
  CHECK(level({{"OLLAMA_DEBUG", "true"}}) == LogLevel::Debug);
  CHECK(level({{"OLLAMA_DEBUG", "T"}}) == LogLevel::Debug);
  CHECK(level({{"OLLAMA_DEBUG", "2"}}) == LogLevel::Trace);
  CHECK(level({{"OLLAMA_DEBUG", "-1"}}) == LogLevel::Warn);
  CHECK(level({{"OLLAMA_DEBUG", "-2"}}) == LogLevel::Error);
  CHECK(level({{"OLLAMA_DEBUG", "yes"}}) == LogLevel::Info);  // neither a Go bool nor an integer
  CHECK(level({{"OLLAMA_DEBUG", " \"1\" "}}) == LogLevel::Debug);  // trimmed like every variable
  CHECK(level({{"HEARTH_DEBUG", "2"}, {"OLLAMA_DEBUG", "1"}}) == LogLevel::Trace);  // HEARTH_* alias wins
}

TEST_CASE("access log: what each level writes") {
  AccessLogEntry probe = sample_entry();
  probe.method = "HEAD";
  probe.path = "/";
  AccessLogEntry failed_probe = probe;
  failed_probe.status = 503;
  AccessLogEntry chat = sample_entry();
  AccessLogEntry not_found = sample_entry();
  not_found.status = 404;
  AccessLogEntry crash = sample_entry();
  crash.status = 500;

  AccessLogConfig c;
  c.level = LogLevel::Info;
  CHECK_FALSE(should_log_access(c, probe));
  CHECK(should_log_access(c, failed_probe));
  CHECK(should_log_access(c, chat));
  c.level = LogLevel::Debug;
  CHECK(should_log_access(c, probe));
  c.level = LogLevel::Warn;
  CHECK_FALSE(should_log_access(c, chat));
  CHECK(should_log_access(c, not_found));
  c.level = LogLevel::Error;
  CHECK_FALSE(should_log_access(c, not_found));
  CHECK(should_log_access(c, crash));
  c.format = AccessLogFormat::Off;
  CHECK_FALSE(should_log_access(c, crash));
  CHECK(format_access_log(chat, AccessLogFormat::Off, LogLevel::Info).empty());
}

TEST_CASE("access log: HEARTH_ACCESS_LOG picks the format") {
  auto cfg = [](std::map<std::string, std::string> env, std::vector<std::string>* w = nullptr) {
    return AccessLogConfig::from_env(map_environment(std::move(env)), w);
  };
  CHECK(cfg({}).format == AccessLogFormat::Json);
  CHECK(cfg({{"HEARTH_ACCESS_LOG", "logfmt"}}).format == AccessLogFormat::Logfmt);
  CHECK(cfg({{"HEARTH_ACCESS_LOG", "OFF"}}).format == AccessLogFormat::Off);
  std::vector<std::string> warnings;
  CHECK(cfg({{"HEARTH_ACCESS_LOG", "xml"}}, &warnings).format == AccessLogFormat::Json);
  CHECK(warnings.size() == 1);
  CHECK(cfg({{"OLLAMA_DEBUG", "1"}}).level == LogLevel::Debug);
}

TEST_CASE("access log: long client text is cut so a line stays one short write") {
  AccessLogEntry e = sample_entry();
  std::string path = "/" + std::string(100000, 'p');
  std::string agent(100000, 'a');
  e.path = path;
  e.user_agent = agent;
  for (auto format : {AccessLogFormat::Json, AccessLogFormat::Logfmt}) {
    std::string line = format_access_log(e, format, LogLevel::Debug);
    CHECK(line.size() < 4096);  // PIPE_BUF: one write(2) of the line is atomic on a pipe
    CHECK(line.find(path.substr(0, kMaxLoggedField)) != std::string::npos);
    CHECK(line.find(path.substr(0, kMaxLoggedField + 1)) == std::string::npos);
  }
}
