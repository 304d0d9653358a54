#include "registry/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace hearth::registry::test {
namespace {

int listen_on(const std::string& address, uint16_t port, uint16_t& bound) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on " + address + ": " + std::strerror(errno));
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  bound = ntohs(a.sin_port);
  return fd;
}

// accept() that gives up when `stopping` is set (polls).
int accept_until(int fd, const std::atomic<bool>& stopping) {
  while (!stopping.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) return ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  }
  return -1;
}

bool send_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string http_reply(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body, bool content_length) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (content_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  return out + body;
}

uint16_t free_port() {
  uint16_t port = 0;
  int fd = listen_on("127.0.0.1", 0, port);
  ::close(fd);
  return port;
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  return buf.data();
}

ScriptedServer::ScriptedServer(Handler handler, const std::string& address) : handler_(std::move(handler)), address_(address) {
  listen_fd_ = listen_on(address, 0, port_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedServer::~ScriptedServer() {
  stopping_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  ::close(listen_fd_);
}

std::vector<RecordedRequest> ScriptedServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ScriptedServer::accept_loop() {
  while (true) {
    int fd = accept_until(listen_fd_, stopping_);
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void ScriptedServer::serve(int fd) {
  std::string data;
  char buf[65536];
  auto read_more = [&] {
    pollfd p{fd, POLLIN, 0};
    for (int i = 0; i < 100 && !stopping_; ++i)
      if (::poll(&p, 1, 50) > 0) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        data.append(buf, static_cast<std::size_t>(n));
        return true;
      }
    return false;
  };
  std::size_t end;
  while ((end = data.find("\r\n\r\n")) == std::string::npos)
    if (!read_more()) return (void)::close(fd);
  RecordedRequest req;
  std::string head = data.substr(0, end);
  std::size_t line_end = head.find("\r\n");
  std::string first = head.substr(0, line_end);
  auto sp1 = first.find(' '), sp2 = first.rfind(' ');
  req.method = first.substr(0, sp1);
  req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      req.headers[lower(line.substr(0, colon))] = v;
    }
    pos = e + 2;
  }
  std::size_t body_len = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
  while (data.size() < end + 4 + body_len)
    if (!read_more()) break;
  req.body = data.substr(end + 4, body_len);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(req);
  }
  RawReply reply = handler_(req);
  if (reply.delay_before.count()) std::this_thread::sleep_for(reply.delay_before);
  std::size_t chunk = reply.bytes_per_second ? std::max<uint64_t>(1, reply.bytes_per_second / 50) : reply.bytes.size();
  for (std::size_t off = 0; off < reply.bytes.size() && !stopping_; off += chunk) {
    std::size_t n = std::min(chunk, reply.bytes.size() - off);
    if (!send_all(fd, reply.bytes.data() + off, n)) break;
    bytes_sent_ += n;
    if (reply.bytes_per_second) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

CountingProxy::CountingProxy(uint16_t upstream_port, uint64_t bytes_per_second)
    : upstream_port_(upstream_port), rate_(bytes_per_second) {
  listen_fd_ = listen_on("127.0.0.1", 0, port_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

CountingProxy::~CountingProxy() {
  stopping_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  ::close(listen_fd_);
}

void CountingProxy::accept_loop() {
  while (true) {
    int fd = accept_until(listen_fd_, stopping_);
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] { pump(fd); });
  }
}

void CountingProxy::pump(int client) {
  int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(upstream_port_);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(up);
    ::close(client);
    return;
  }
  char buf[16384];
  std::size_t slice = rate_ ? std::min<std::size_t>(sizeof buf, std::max<uint64_t>(1, rate_ / 100)) : sizeof buf;
  bool client_open = true, up_open = true;
  while (!stopping_ && up_open) {
    pollfd p[2] = {{client, static_cast<short>(client_open ? POLLIN : 0), 0}, {up, POLLIN, 0}};
    if (::poll(p, 2, 50) <= 0) continue;
    if (client_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) {
        client_open = false;
        ::shutdown(up, SHUT_WR);
        if (n < 0) break;
      } else if (!send_all(up, buf, static_cast<std::size_t>(n))) {
        break;
      }
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(up, buf, slice, 0);
      if (n <= 0) {
        up_open = false;
      } else {
        if (!send_all(client, buf, static_cast<std::size_t>(n))) break;
        down_ += static_cast<uint64_t>(n);
        if (rate_) std::this_thread::sleep_for(std::chrono::microseconds(1000000ull * n / rate_));
      }
    }
  }
  ::close(up);
  ::close(client);
}

bool DockerRegistry::available() { return ::access(kBinary, X_OK) == 0; }

DockerRegistry::DockerRegistry() {
  dir_ = make_temp_dir("hearth-docker-registry");
  port_ = free_port();
  std::filesystem::path config = dir_ / "config.yml";
  {
    std::ofstream out(config);
    out << "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: "
        << (dir_ / "data").string() << "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" << port_ << "\n";
  }
  std::string log = (dir_ / "registry.log").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execl(kBinary, kBinary, "serve", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {  // up to 10 s
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (up) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("docker-registry did not start (log in " + log + ")");
}

DockerRegistry::~DockerRegistry() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace hearth::registry::test
