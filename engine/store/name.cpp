#include "engine/store/name.h"

#include "engine/store/errors.h"

namespace hearth::store {

namespace {

// Ollama marks a part that a separator promised but that is empty with this text, which can never
// pass validation ('!' is not allowed anywhere).
constexpr std::string_view kMissingPart = "!MISSING!";

bool is_alnum_or_underscore(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Cuts at the last `sep`; empty halves become kMissingPart. Returns false when sep is absent.
bool cut_promised(std::string_view s, char sep, std::string& before, std::string& after) {
  std::size_t i = s.rfind(sep);
  if (i == std::string_view::npos) return false;
  before = std::string(s.substr(0, i));
  after = std::string(s.substr(i + 1));
  if (before.empty()) before = kMissingPart;
  if (after.empty()) after = kMissingPart;
  return true;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_any_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace

bool is_valid_name_part(NamePart part, std::string_view s) {
  std::size_t max_len = part == NamePart::Host ? 350 : 80;
  if (s.empty() || s.size() > max_len) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 0) {
      if (!is_alnum_or_underscore(c)) return false;
      continue;
    }
    switch (c) {
      case '_':
      case '-':
        break;
      case '.':
        if (part == NamePart::Namespace) return false;
        break;
      case ':':
        if (part != NamePart::Host) return false;
        break;
      default:
        if (!is_alnum_or_underscore(c)) return false;
    }
  }
  return true;
}

ModelName ModelName::parse_bare(std::string_view s) {
  ModelName n;
  std::string rest(s);
  // '/' cannot appear in a tag, so a ':' after the last '/' starts the tag (a ':' before it
  // belongs to a host port).
  std::size_t last_colon = rest.rfind(':');
  std::size_t last_slash = rest.rfind('/');
  if (last_colon != std::string::npos && (last_slash == std::string::npos || last_colon > last_slash)) {
    std::string before, after;
    cut_promised(rest, ':', before, after);
    rest = before;
    n.tag = after;
  }
  std::string before, after;
  if (!cut_promised(rest, '/', before, after)) {
    n.model = rest;
    return n;
  }
  n.model = after;
  rest = before;
  if (!cut_promised(rest, '/', before, after)) {
    n.ns = rest;
    return n;
  }
  n.ns = after;
  std::size_t scheme_end = before.find("://");
  if (scheme_end != std::string::npos) {
    n.scheme = before.substr(0, scheme_end);
    n.host = before.substr(scheme_end + 3);
  } else {
    n.host = before;
  }
  return n;
}

std::optional<ModelName> ModelName::try_parse(std::string_view s) {
  ModelName n = parse_bare(s);
  if (n.host.empty()) n.host = kDefaultHost;
  if (n.ns.empty()) n.ns = kDefaultNamespace;
  if (n.tag.empty()) n.tag = kDefaultTag;
  if (!n.is_valid()) return std::nullopt;
  return n;
}

ModelName ModelName::parse(std::string_view s) {
  std::optional<ModelName> n = try_parse(s);
  if (!n) throw InvalidNameError(std::string(s));
  return *n;
}

bool ModelName::is_valid() const {
  return is_valid_name_part(NamePart::Host, host) && is_valid_name_part(NamePart::Namespace, ns) &&
         is_valid_name_part(NamePart::Model, model) && is_valid_name_part(NamePart::Tag, tag);
}

std::string ModelName::full() const { return host + "/" + ns + "/" + model + ":" + tag; }

std::string ModelName::display_shortest() const {
  std::string out;
  if (!store::equal_fold(host, kDefaultHost)) {
    out += host + "/" + ns + "/";
  } else if (!store::equal_fold(ns, kDefaultNamespace)) {
    out += ns + "/";
  }
  out += model + ":" + tag;
  return out;
}

std::filesystem::path ModelName::manifest_relpath() const {
  if (!is_valid()) throw InvalidNameError(full());
  return std::filesystem::path(host) / ns / model / tag;
}

bool ModelName::equal_fold(const ModelName& other) const {
  return store::equal_fold(host, other.host) && store::equal_fold(ns, other.ns) &&
         store::equal_fold(model, other.model) && store::equal_fold(tag, other.tag);
}

std::optional<Digest> Digest::try_parse(std::string_view s) {
  if (s.size() != 7 + 64) return std::nullopt;
  if (s.substr(0, 6) != "sha256" || (s[6] != ':' && s[6] != '-')) return std::nullopt;
  std::string_view hex = s.substr(7);
  if (!is_lower_hex(hex)) return std::nullopt;
  return Digest(std::string(hex));
}

Digest Digest::parse(std::string_view s) {
  std::optional<Digest> d = try_parse(s);
  if (!d) throw InvalidDigestError(std::string(s));
  return *d;
}

Digest Digest::from_hex(std::string_view hex) {
  if (hex.size() != 64 || !is_lower_hex(hex)) throw InvalidDigestError(std::string(hex));
  return Digest(std::string(hex));
}

Digest::RequestDigest Digest::parse_request(std::string_view s) {
  if (s.size() != 7 + 64 || s.substr(0, 6) != "sha256" || (s[6] != ':' && s[6] != '-') || !is_any_hex(s.substr(7)))
    throw InvalidDigestError(std::string(s));
  std::string hex(s.substr(7));
  bool was_lower = is_lower_hex(hex);
  for (char& c : hex) c = ascii_lower(c);
  return RequestDigest{Digest(hex), was_lower && s[6] == ':'};
}

}  // namespace hearth::store
