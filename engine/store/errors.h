// engine/store/errors.h — the exceptions the model store throws.
//
// Every failure of the store is a StoreError whose `kind()` tells an HTTP layer which status to
// answer with (bad request, not found, conflict/internal) and whose `what()` is the message Ollama
// gives for the same situation where one exists ("invalid model name", "invalid digest format",
// "model 'x' not found", "digest mismatch, expected ...", "(line 3): command must be one of ...").
// Subclasses exist for the cases callers branch on; catch StoreError for everything else.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth::store {

enum class ErrorKind {
  BadRequest,  // the caller's input is wrong (name, digest, Modelfile, create request)
  NotFound,    // a model or blob does not exist
  Internal,    // the store on disk is broken or an I/O operation failed
};

class StoreError : public std::runtime_error {
 public:
  StoreError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// A model name that fails Ollama's name rules. what() is "invalid model name"; `input()` is the
// text that was given (routes phrase their own messages: `name "x" is invalid`, ...).
class InvalidNameError : public StoreError {
 public:
  explicit InvalidNameError(std::string input)
      : StoreError(ErrorKind::BadRequest, "invalid model name"), input_(std::move(input)) {}
  const std::string& input() const { return input_; }

 private:
  std::string input_;
};

// A digest that is not `sha256:` / `sha256-` followed by 64 hex characters. what() is
// "invalid digest format" (Ollama's text).
class InvalidDigestError : public StoreError {
 public:
  explicit InvalidDigestError(std::string input)
      : StoreError(ErrorKind::BadRequest, "invalid digest format"), input_(std::move(input)) {}
  const std::string& input() const { return input_; }

 private:
  std::string input_;
};

// No manifest for a name. what() is `model 'NAME' not found` with the name as given.
class ModelNotFoundError : public StoreError {
 public:
  explicit ModelNotFoundError(std::string name)
      : StoreError(ErrorKind::NotFound, "model '" + name + "' not found"), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// A referenced blob file is absent.
class BlobNotFoundError : public StoreError {
 public:
  BlobNotFoundError(std::string digest, const std::string& message)
      : StoreError(ErrorKind::NotFound, message), digest_(std::move(digest)) {}
  const std::string& digest() const { return digest_; }

 private:
  std::string digest_;
};

// Uploaded or imported bytes whose SHA-256 differs from the digest they were announced under.
// what() is `digest mismatch, expected "<expected>", got "<actual>"` (Ollama's blob route text).
class DigestMismatchError : public StoreError {
 public:
  DigestMismatchError(std::string expected, std::string actual)
      : StoreError(ErrorKind::BadRequest,
                   "digest mismatch, expected \"" + expected + "\", got \"" + actual + "\""),
        expected_(std::move(expected)),
        actual_(std::move(actual)) {}
  const std::string& expected() const { return expected_; }
  const std::string& actual() const { return actual_; }

 private:
  std::string expected_;
  std::string actual_;
};

// A manifest or config blob that cannot be parsed; what() names the file.
class ManifestError : public StoreError {
 public:
  explicit ManifestError(const std::string& message) : StoreError(ErrorKind::Internal, message) {}
};

// A Modelfile syntax or content error. what() follows Ollama's parser: "(line N): <msg>" when a
// line is known, otherwise just the message ("no FROM line", "unexpected EOF").
class ModelfileError : public StoreError {
 public:
  ModelfileError(int line, const std::string& message)
      : StoreError(ErrorKind::BadRequest, line > 0 ? "(line " + std::to_string(line) + "): " + message : message),
        line_(line),
        message_(message) {}
  int line() const { return line_; }
  const std::string& message() const { return message_; }

 private:
  int line_;
  std::string message_;
};

}  // namespace hearth::store
