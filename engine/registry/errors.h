// engine/registry/errors.h — the exceptions pulling and pushing throw.
//
// Every failure is a RegistryError whose `kind()` tells an HTTP route how to answer when nothing
// has been streamed yet (invalid input → 400, not found → 404, everything else → 500) and whose
// `what()` is the text Ollama shows for the same situation where one exists
// ("pull model manifest: file does not exist", "digest mismatch, file must be downloaded again:
// want sha256:…, got sha256:…"). Once a progress stream has started the route writes
// `{"error": what()}` as the last line, as Ollama does. Store errors (invalid name, missing model)
// keep their own types (engine/store/errors.h) and pass through unchanged.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth::registry {

enum class RegistryErrorKind {
  BadRequest,  // the caller's input is wrong (name, options)
  NotFound,    // the registry does not have the model
  Transport,   // connection, TLS, timeout, malformed or hostile HTTP
  Protocol,    // the registry answered something the protocol does not allow
  Integrity,   // downloaded bytes do not match their digest or size
  Auth,        // authentication refused or not possible
  Storage,     // writing to the local store failed (disk full, permissions)
  Cancelled,   // the caller gave up
};

class RegistryError : public std::runtime_error {
 public:
  RegistryError(RegistryErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  RegistryErrorKind kind() const { return kind_; }

 private:
  RegistryErrorKind kind_;
};

// The HTTP layer failed: what() names the URL (without query) and the reason.
class TransportError : public RegistryError {
 public:
  explicit TransportError(const std::string& message) : RegistryError(RegistryErrorKind::Transport, message) {}
};

// The peer broke HTTP framing rules (bytes beyond the declared body, an unrequested
// Content-Encoding, a body over the size cap): not a network hiccup, so never retried.
class ProtocolViolation : public TransportError {
 public:
  explicit ProtocolViolation(const std::string& message) : TransportError(message) {}
};

class CancelledError : public RegistryError {
 public:
  CancelledError() : RegistryError(RegistryErrorKind::Cancelled, "context canceled") {}
};

}  // namespace hearth::registry
