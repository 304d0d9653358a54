// engine/registry/ollama_key.h — Ollama's client identity key (`~/.ollama/id_ed25519`).
//
// ollama.com authenticates token requests with an Ed25519 key in OpenSSH format: the request
// carries `Authorization: <public key, base64 of the SSH wire form>:<base64 signature>` where the
// signature covers "GET,<token URL>,<base64(hex(sha256("")))>". This module reads an unencrypted
// OpenSSH ed25519 private key (what `ollama serve` and `ssh-keygen -t ed25519 -N ''` write) and
// signs with OpenSSL. Registries that need no key (public pulls, a private distribution registry)
// never see it: it is only used for a token request to a realm the registry host itself named.
//
//   if (auto key = OllamaKey::load(path)) header = key->authorization(data);
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::registry {

class OllamaKey {
 public:
  // nullopt when the file does not exist; throws RegistryError(Auth) when it exists but is not an
  // unencrypted OpenSSH ed25519 key.
  static std::optional<OllamaKey> load(const std::filesystem::path& path);
  static OllamaKey parse(std::string_view pem_text, const std::string& source);

  // The base64 SSH wire form of the public key (the middle field of `id_ed25519.pub`).
  const std::string& public_key_base64() const { return public_b64_; }
  // "<public key base64>:<base64 Ed25519 signature of data>".
  std::string authorization(std::string_view data) const;

 private:
  std::string seed_;  // 32-byte private seed
  std::string public_b64_;
};

std::string base64_encode(std::string_view bytes, bool url_safe_no_padding = false);
std::string base64_decode(std::string_view text);  // standard alphabet; whitespace ignored; throws

}  // namespace hearth::registry
