// `hearth pull` / `hearth push` end to end against a scripted server that plays /api/pull: the
// command must POST the request, render the NDJSON stream as plain lines (stdout is a pipe here),
// and turn an {"error":…} line or an error status into "Error: …" with exit code 1.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>
#include <string>

#include "registry/test_server.h"

using namespace hearth::registry::test;

namespace {

struct Run {
  int code;
  std::string out;
};

Run run_hearth(const std::string& args, const std::string& host) {
  std::string cmd = "OLLAMA_HOST=" + host + " " + HEARTH_BINARY + " " + args + " 2>&1";
  Run r{0, ""};
  std::FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool have_binary() { return std::filesystem::exists(HEARTH_BINARY); }

const std::string kDigest = "sha256:dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff";

std::string ndjson_reply(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
         [&] {
           char size[32];
           std::snprintf(size, sizeof size, "%zx\r\n", body.size());
           return std::string(size) + body + "\r\n0\r\n\r\n";
         }();
}

}  // namespace

TEST_CASE("hearth pull renders the server's progress stream", "[cli]") {
  if (!have_binary()) {
    WARN("SKIPPED: " << HEARTH_BINARY << " not built");
    return;
  }
  std::string stream = R"({"status":"pulling manifest"})" "\n"
                       R"({"status":"pulling dde5aa3fc5ff","digest":")" + kDigest + R"(","total":2000})" "\n"
                       R"({"status":"pulling dde5aa3fc5ff","digest":")" + kDigest + R"(","total":2000,"completed":1000})" "\n"
                       R"({"status":"pulling dde5aa3fc5ff","digest":")" + kDigest + R"(","total":2000,"completed":2000})" "\n"
                       R"({"status":"verifying sha256 digest"})" "\n"
                       R"({"status":"writing manifest"})" "\n"
                       R"({"status":"success"})" "\n";
  ScriptedServer server([&](const RecordedRequest& r) -> RawReply {
    if (r.method == "HEAD") return {http_reply(200, {}, "")};
    return {ndjson_reply(stream)};
  });
  Run r = run_hearth("pull tiny --insecure", server.authority());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.rfind("pulling manifest\n", 0) == 0);
  CHECK(r.out.find("pulling dde5aa3fc5ff:  50%") != std::string::npos);
  CHECK(r.out.find("pulling dde5aa3fc5ff: 100%") != std::string::npos);
  CHECK(r.out.find("verifying sha256 digest\nwriting manifest\nsuccess\n") != std::string::npos);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].method == "HEAD");
  CHECK(reqs[1].method == "POST");
  CHECK(reqs[1].target == "/api/pull");
  CHECK(reqs[1].body == R"({"model":"tiny","insecure":true,"stream":true})");
}

TEST_CASE("hearth pull/push report stream errors and error statuses", "[cli]") {
  if (!have_binary()) {
    WARN("SKIPPED: " << HEARTH_BINARY << " not built");
    return;
  }
  ScriptedServer server([&](const RecordedRequest& r) -> RawReply {
    if (r.method == "HEAD") return {http_reply(200, {}, "")};
    if (r.target == "/api/push") return {http_reply(400, {{"Content-Type", "application/json"}}, R"({"error":"model is required"})")};
    return {ndjson_reply(R"({"status":"pulling manifest"})" "\n" R"({"error":"pull model manifest: file does not exist"})" "\n")};
  });
  Run pull = run_hearth("pull nothere", server.authority());
  CHECK(pull.code == 1);
  CHECK(pull.out == "pulling manifest\nError: pull model manifest: file does not exist\n");
  Run push = run_hearth("push x", server.authority());
  CHECK(push.code == 1);
  CHECK(push.out == "Error: model is required\n");
  CHECK(run_hearth("pull", server.authority()).code == 2);

  Run down = run_hearth("pull tiny", "127.0.0.1:" + std::to_string(free_port()));
  CHECK(down.code == 1);
  CHECK(down.out == "Error: could not connect to ollama server, run 'ollama serve' to start it\n");
}
