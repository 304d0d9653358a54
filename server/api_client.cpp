#include "server/api_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>

#include "server/wire_format.h"

namespace hearth::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr const char* kUserAgent = "hearth-cli (ollama compatible)";
constexpr const char* kNoServer = "could not connect to ollama server, run 'ollama serve' to start it";

struct Connection {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
};

std::unique_ptr<Connection> connect(const HostAddress& host) {
  if (host.scheme == "https") throw ClientError(0, "https OLLAMA_HOST is not supported by the hearth client");
  auto c = std::make_unique<Connection>();
  try {
    tcp::resolver resolver(c->ioc);
    auto results = resolver.resolve(host.dial_host(), std::to_string(host.port));
    c->stream.connect(results);
  } catch (const boost::system::system_error&) {
    throw ClientError(0, kNoServer);
  }
  return c;
}

http::request<http::string_body> make_request(const HostAddress& host, std::string_view method, std::string target,
                                              std::string_view body) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host.host_port());
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::accept, "application/x-ndjson, application/json");
  if (!body.empty() || method == "POST" || method == "DELETE") {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
    req.prepare_payload();
  }
  return req;
}

}  // namespace

std::string error_message_of(const std::string& body, int status) {
  try {
    Json j = Json::parse(body);
    if (const Json* e = j.find("error")) {
      if (e->is_string()) return e->as_string();
      if (e->is_object()) return e->get_string("message");
    }
  } catch (const JsonError&) {
  }
  if (!body.empty()) return body;
  return "HTTP " + std::to_string(status);
}

ApiClient::ApiClient(HostAddress host) : host_(std::move(host)) {}

std::string ApiClient::full_path(std::string_view path) const {
  if (host_.path.empty()) return std::string(path);
  return "/" + host_.path + std::string(path);
}

void ApiClient::heartbeat() {
  ClientResponse r = request("HEAD", "/");
  if (r.status != 200) throw ClientError(r.status, kNoServer);
}

ClientResponse ApiClient::request(std::string_view method, std::string_view path, std::string_view body) {
  auto c = connect(host_);
  try {
    auto req = make_request(host_, method, full_path(path), body);
    http::write(c->stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (method == "HEAD") parser.skip(true);
    http::read(c->stream, buffer, parser);
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    return out;
  } catch (const boost::system::system_error& e) {
    throw ClientError(0, std::string("connection to the server failed: ") + e.what());
  }
}

Json ApiClient::call(std::string_view method, std::string_view path, const Json* body) {
  ClientResponse r = request(method, path, body ? body->dump() : std::string());
  if (r.status < 200 || r.status >= 300) throw ClientError(r.status, error_message_of(r.body, r.status));
  if (r.body.empty()) return Json();
  return Json::parse(r.body);
}

void ApiClient::stream(std::string_view path, const Json& body, const std::function<void(const Json&)>& on_object) {
  auto c = connect(host_);
  try {
    auto req = make_request(host_, "POST", full_path(path), body.dump());
    http::write(c->stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    http::read_header(c->stream, buffer, parser);
    int status = static_cast<int>(parser.get().result_int());
    std::string error_body;
    LineSplitter lines;
    char chunk[16 * 1024];
    auto deliver = [&](std::string_view line) {
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
      Json obj = Json::parse(line);
      if (const Json* e = obj.find("error"); e && e->is_string()) throw ClientError(status, e->as_string());
      on_object(obj);
    };
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      beast::error_code ec;
      http::read_some(c->stream, buffer, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) throw boost::system::system_error(ec);
      std::size_t got = sizeof chunk - parser.get().body().size;
      std::string_view data(chunk, got);
      if (status < 200 || status >= 300) error_body.append(data);
      else lines.feed(data, deliver);
    }
    if (status < 200 || status >= 300) throw ClientError(status, error_message_of(error_body, status));
    if (!lines.rest().empty()) deliver(lines.rest());
  } catch (const boost::system::system_error& e) {
    throw ClientError(0, std::string("connection to the server failed: ") + e.what());
  }
}

ClientResponse ApiClient::upload(std::string_view path, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ClientError(0, "cannot open " + file.string());
  uint64_t size = std::filesystem::file_size(file);
  auto c = connect(host_);
  try {
    http::request<http::empty_body> req{http::verb::post, full_path(path), 11};
    req.set(http::field::host, host_.host_port());
    req.set(http::field::user_agent, kUserAgent);
    req.set(http::field::content_type, "application/octet-stream");
    req.content_length(size);
    http::request_serializer<http::empty_body> sr{req};
    http::write_header(c->stream, sr);
    std::vector<char> buf(1 << 20);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      std::streamsize n = in.gcount();
      if (n <= 0) break;
      net::write(c->stream, net::buffer(buf.data(), static_cast<std::size_t>(n)));
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(c->stream, buffer, res);
    return ClientResponse{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
  } catch (const boost::system::system_error& e) {
    throw ClientError(0, std::string("upload failed: ") + e.what());
  }
}

}  // namespace hearth::server
