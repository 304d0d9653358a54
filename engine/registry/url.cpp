#include "engine/registry/url.h"

#include <cctype>
#include <charconv>

#include "engine/registry/errors.h"

namespace hearth::registry {
namespace {

[[noreturn]] void bad(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 200));
  throw TransportError("invalid URL \"" + shown + "\": " + std::string(why));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool valid_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == ':';  // ':' only inside IPv6 literals (checked by the caller)
}

// Drops the last path segment ("/a/b" → "/a/").
std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "/" : path.substr(0, slash + 1);
}

}  // namespace

Url Url::parse(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) bad(text, "contains spaces or control characters");
  auto sep = text.find("://");
  if (sep == std::string_view::npos) bad(text, "not absolute");
  Url u;
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") bad(text, "scheme must be http or https");
  std::string_view rest = text.substr(sep + 3);
  auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) bad(text, "user information is not allowed");
  if (authority.empty()) bad(text, "missing host");
  std::string_view host = authority, port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) bad(text, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad(text, "garbage after IPv6 literal");
      port_text = after.substr(1);
    }
    for (char c : host)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) bad(text, "bad IPv6 literal");
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
    }
    for (char c : host)
      if (!valid_host_char(c) || c == ':') bad(text, "invalid character in host");
  }
  if (host.empty()) bad(text, "missing host");
  u.host = lower(host);
  u.port = u.default_port();
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || value == 0 || value > 65535)
      bad(text, "invalid port");
    u.port = static_cast<uint16_t>(value);
  }
  auto hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  if (tail.empty() || tail.front() == '?') u.target.push_back('/');
  u.target.append(tail);
  return u;
}

Url Url::resolve(std::string_view reference) const {
  if (reference.find("://") != std::string_view::npos) {
    // Only treat it as absolute when the scheme comes before any path character.
    auto sep = reference.find("://");
    if (reference.find_first_of("/?#") > sep) return parse(reference);
  }
  for (char c : reference)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) bad(reference, "contains spaces or control characters");
  if (reference.substr(0, 2) == "//") return parse(scheme + ":" + std::string(reference));
  Url out = *this;
  std::string ref(reference);
  auto hash = ref.find('#');
  if (hash != std::string::npos) ref.resize(hash);
  if (ref.empty()) return out;
  if (ref.front() == '/') {
    out.target = ref;
  } else if (ref.front() == '?') {
    out.target = path() + ref;
  } else {
    out.target = directory_of(path()) + ref;
  }
  return out;
}

// IPv6 literals go in brackets. (Built with append: GCC 12 warns falsely on `"[" + string`.)
static std::string bracketed(const std::string& host) {
  if (host.find(':') == std::string::npos) return host;
  std::string h;
  h.reserve(host.size() + 2);
  h.append(1, '[').append(host).append(1, ']');
  return h;
}

std::string Url::authority() const {
  std::string h = bracketed(host);
  if (port != default_port()) h.append(1, ':').append(std::to_string(port));
  return h;
}

std::string Url::origin() const {
  std::string h = bracketed(host);
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::string Url::str() const { return scheme + "://" + authority() + target; }

std::string Url::str_without_query() const { return scheme + "://" + authority() + path(); }

std::string Url::path() const {
  auto q = target.find('?');
  return q == std::string::npos ? target : target.substr(0, q);
}

Url Url::with_query(std::string_view key, std::string_view value) const {
  Url out = *this;
  out.target += out.target.find('?') == std::string::npos ? '?' : '&';
  out.target += url_encode(key) + "=" + url_encode(value);
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string host_key(std::string_view scheme, std::string_view host_with_port) {
  Url u = Url::parse(std::string(scheme) + "://" + std::string(host_with_port) + "/");
  return u.authority();
}

}  // namespace hearth::registry
