// engine/errors.h — the exceptions the inference runtime throws.
//
// ModelError: a model file that cannot be used (bad hyper-parameters, missing or mis-shaped
// tensors, unsupported architecture or tensor type, not enough memory); what() names the file.
// ContextError: a request the context cannot serve as given (invalid batch, slot out of range,
// a slot that is full); the server maps it to a 4xx answer. Both leave the model and the context
// unchanged and usable.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth::engine {

class ModelError : public std::runtime_error {
 public:
  ModelError(const std::string& file, const std::string& problem) : std::runtime_error(file + ": " + problem), file_(file) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

class ContextError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The slot has no free cell for the next token: shift or truncate it first (context.h).
class ContextFullError : public ContextError {
 public:
  using ContextError::ContextError;
};

}  // namespace hearth::engine
