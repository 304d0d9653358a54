#include "engine/registry/ollama_key.h"

#include <openssl/evp.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine/registry/errors.h"

namespace hearth::registry {
namespace {

[[noreturn]] void bad_key(const std::string& source, const std::string& why) {
  throw RegistryError(RegistryErrorKind::Auth, "cannot use key " + source + ": " + why);
}

// Reader for the SSH wire format: uint32 big-endian lengths before strings.
struct WireReader {
  std::string_view data;
  const std::string& source;
  uint32_t u32() {
    if (data.size() < 4) bad_key(source, "truncated key data");
    uint32_t v = (uint32_t(uint8_t(data[0])) << 24) | (uint32_t(uint8_t(data[1])) << 16) |
                 (uint32_t(uint8_t(data[2])) << 8) | uint32_t(uint8_t(data[3]));
    data.remove_prefix(4);
    return v;
  }
  std::string_view str() {
    uint32_t n = u32();
    if (data.size() < n) bad_key(source, "truncated key data");
    std::string_view s = data.substr(0, n);
    data.remove_prefix(n);
    return s;
  }
};

}  // namespace

std::string base64_encode(std::string_view bytes, bool url_safe_no_padding) {
  const char* alphabet = url_safe_no_padding ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += alphabet[(v >> (6 * k)) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (!url_safe_no_padding) out += rest == 2 ? "=" : "==";
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    else throw std::invalid_argument("invalid base64 character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::optional<OllamaKey> OllamaKey::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) bad_key(path.string(), "cannot read the file");
  return parse(ss.str(), path.string());
}

OllamaKey OllamaKey::parse(std::string_view pem_text, const std::string& source) {
  constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
  auto b = pem_text.find(kBegin);
  auto e = pem_text.find(kEnd);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) bad_key(source, "not an OpenSSH private key");
  std::string blob;
  try {
    blob = base64_decode(pem_text.substr(b + kBegin.size(), e - b - kBegin.size()));
  } catch (const std::invalid_argument&) {
    bad_key(source, "invalid base64");
  }
  constexpr std::string_view kMagic("openssh-key-v1\0", 15);
  if (blob.compare(0, kMagic.size(), kMagic) != 0) bad_key(source, "not an openssh-key-v1 key");
  WireReader r{std::string_view(blob).substr(kMagic.size()), source};
  if (r.str() != "none" || r.str() != "none") bad_key(source, "encrypted keys are not supported");
  r.str();  // kdf options
  if (r.u32() != 1) bad_key(source, "expected exactly one key");
  std::string_view public_wire = r.str();
  WireReader priv{r.str(), source};
  if (priv.u32() != priv.u32()) bad_key(source, "corrupt private section");
  if (priv.str() != "ssh-ed25519") bad_key(source, "not an ed25519 key");
  std::string_view pub = priv.str();
  std::string_view secret = priv.str();
  if (pub.size() != 32 || secret.size() != 64 || secret.substr(32) != pub) bad_key(source, "malformed ed25519 key");
  OllamaKey key;
  key.seed_ = std::string(secret.substr(0, 32));
  key.public_b64_ = base64_encode(public_wire);
  return key;
}

std::string OllamaKey::authorization(std::string_view data) const {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed_.data()),
                                   seed_.size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw RegistryError(RegistryErrorKind::Auth, "signing the token request failed");
  return public_b64_ + ":" + base64_encode(std::string_view(reinterpret_cast<const char*>(sig), sig_len));
}

}  // namespace hearth::registry
