// CORS / Host checks (spec §2.17, upstream's allowed-origin list and allowedHost rules) and the
// route table (spec §2: paths, methods, 404/405 texts and body policies).
#include <catch2/catch.hpp>

#include "server/access_policy.h"
#include "server/router.h"

using namespace hearth::server;

TEST_CASE("default CORS origins are Ollama's", "[server][cors]") {
  AccessPolicy p({}, true, "myhost");
  for (const char* ok : {"http://localhost", "https://localhost", "http://localhost:3000", "https://127.0.0.1:8443",
                         "http://0.0.0.0:1", "app://anything", "file://x", "tauri://localhost",
                         "vscode-webview://abc", "vscode-file://vscode-app"}) {
    INFO(ok);
    CHECK(p.origin_allowed(ok));
  }
  for (const char* bad : {"http://example.com", "http://localhost.evil.com", "https://evil.com:443",
                          "chrome-extension://abc", "http://127.0.0.2"}) {
    INFO(bad);
    CHECK_FALSE(p.origin_allowed(bad));
  }
}

TEST_CASE("OLLAMA_ORIGINS adds origins, with wildcards", "[server][cors]") {
  AccessPolicy p(AccessPolicy::split_origins(" http://example.com , chrome-extension://*,https://*.corp.net"), true, "h");
  CHECK(p.origin_allowed("http://example.com"));
  CHECK(p.origin_allowed("chrome-extension://abcdef"));
  CHECK(p.origin_allowed("https://a.corp.net"));
  CHECK_FALSE(p.origin_allowed("https://corp.net.evil"));
  AccessPolicy all(AccessPolicy::split_origins("*"), true, "h");
  CHECK(all.origin_allowed("http://anything.example"));
}

TEST_CASE("CORS decisions: allowed, forbidden, preflight", "[server][cors]") {
  AccessPolicy p({}, true, "h");
  AccessDecision ok = p.check("POST", "http://localhost:3000", "localhost:11434");
  CHECK(ok.status == 0);
  bool has_origin = false;
  for (auto& [k, v] : ok.headers)
    if (k == "Access-Control-Allow-Origin") has_origin = v == "http://localhost:3000";
  CHECK(has_origin);
  CHECK(p.check("POST", "http://evil.com", "localhost").status == 403);
  AccessDecision pre = p.check("OPTIONS", "http://localhost", "localhost");
  CHECK(pre.status == 204);
  bool max_age = false, methods = false;
  for (auto& [k, v] : pre.headers) {
    if (k == "Access-Control-Max-Age") max_age = v == "43200";
    if (k == "Access-Control-Allow-Methods") methods = v.find("DELETE") != std::string::npos;
  }
  CHECK(max_age);
  CHECK(methods);
  CHECK(p.check("GET", "", "localhost").status == 0);  // no Origin: CORS does not apply
}

TEST_CASE("Host check guards loopback listeners against DNS rebinding", "[server][host-check]") {
  AccessPolicy p({}, true, "MyMachine");
  for (const char* ok : {"", "localhost", "localhost:11434", "127.0.0.1:11434", "[::1]:11434", "10.0.0.5",
                         "192.168.1.20:80", "172.16.3.4", "0.0.0.0", "mymachine", "app.localhost", "printer.local",
                         "svc.internal:8080"}) {
    INFO(ok);
    CHECK(p.host_allowed(ok));
  }
  for (const char* bad : {"example.com", "evil.localhost.com", "8.8.8.8", "attacker.net:11434"}) {
    INFO(bad);
    CHECK_FALSE(p.host_allowed(bad));
    CHECK(p.check("GET", "", bad).status == 403);
  }
  AccessPolicy open({}, false, "h");  // not a loopback listener: no Host check
  CHECK(open.host_allowed("example.com"));
  CHECK(p.check("OPTIONS", "", "localhost").status == 204);
}

TEST_CASE("routes resolve with their body policies", "[server][router]") {
  RouteMatch m = match_route(Method::Post, "/api/generate");
  CHECK(m.result == RouteMatch::Result::Found);
  CHECK(m.route == Route::Generate);
  CHECK(m.body == BodyPolicy::Buffered);
  CHECK(m.body_limit == kInferenceBodyLimit);

  m = match_route(Method::Post, "/api/blobs/sha256:abc");
  CHECK(m.route == Route::BlobPost);
  CHECK(m.param == "sha256:abc");
  CHECK(m.body == BodyPolicy::Stream);
  CHECK(match_route(Method::Head, "/api/blobs/sha256:abc").route == Route::BlobHead);

  m = match_route(Method::Get, "/v1/models/llama3.2:latest");
  CHECK(m.route == Route::OpenAIModel);
  CHECK(m.param == "llama3.2:latest");
  CHECK(match_route(Method::Get, "/v1/models/library/llama").result == RouteMatch::Result::NotFound);

  CHECK(match_route(Method::Head, "/").route == Route::Root);
  CHECK(match_route(Method::Head, "/api/version").route == Route::Version);
  CHECK(match_route(Method::Head, "/api/tags").route == Route::Tags);
  CHECK(match_route(Method::Delete, "/api/delete").route == Route::Delete);
  CHECK(match_route(Method::Get, "/api/ps").route == Route::Ps);
  CHECK(match_route(Method::Post, "/v1/chat/completions").route == Route::OpenAIChat);
}

TEST_CASE("wrong method is 405, unknown path is 404", "[server][router]") {
  CHECK(match_route(Method::Get, "/api/show").result == RouteMatch::Result::MethodNotAllowed);
  CHECK(match_route(Method::Get, "/api/generate").result == RouteMatch::Result::MethodNotAllowed);
  CHECK(match_route(Method::Post, "/api/delete").result == RouteMatch::Result::MethodNotAllowed);
  CHECK(match_route(Method::Head, "/api/ps").result == RouteMatch::Result::MethodNotAllowed);
  CHECK(match_route(Method::Get, "/api/nothing").result == RouteMatch::Result::NotFound);
  CHECK(match_route(Method::Get, "/api/blobs/").result == RouteMatch::Result::NotFound);
  CHECK(match_route(Method::Post, "/api/generate/").result == RouteMatch::Result::NotFound);
}
