// engine/store/create.h — the /api/create request, its options and progress reports.
//
// `CreateRequest` is the JSON body of POST /api/create (spec §2.12), parsed by
// `CreateRequest::from_json` with Ollama's validation (file names must be clean relative paths,
// digests must be sha256, license is a string or an array of strings). A Modelfile becomes the same
// request through `modelfile_to_request` (modelfile.h), so both paths share one implementation,
// `ModelStore::create` (store.h):
//
//   CreateRequest req = CreateRequest::from_json(body);          // throws StoreError(BadRequest)
//   store.create(req, CreateOptions{}, [&](const Progress& p) { send_ndjson(p.to_json()); });
//
// Progress statuses are Ollama's: "parsing GGUF", "using existing layer sha256:<hex>",
// "creating new layer sha256:<hex>", "using autodetected template <name>", "quantizing F16 model
// to Q4_K_M" (with digest/total/completed), "verifying conversion", "writing manifest",
// "success".
//
// Things the store cannot do alone are hooks in CreateOptions, supplied by the server:
// quantization (`quantize`), Go-template validation (`validate_template`), chat-template
// detection from the GGUF Jinja text (`detect_template`) and pulling a missing FROM model
// (`pull`). An absent hook means: quantize → "quantization not available"; template not
// validated; no autodetected template; missing FROM model → "model 'x' not found".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "engine/store/name.h"

namespace hearth::store {

struct Progress {
  std::string status;
  std::string digest;  // omitted when empty
  int64_t total = 0;   // omitted when 0
  int64_t completed = 0;
  // {"status":…, "digest":…, "total":…, "completed":…} with Ollama's omitempty rules.
  Json to_json() const;
};
using ProgressFn = std::function<void(const Progress&)>;

struct CreateRequest {
  std::string model;                                // target name as given (legacy "name" too)
  std::string from;                                 // base model name
  std::map<std::string, std::string> files;         // relative file name -> "sha256:<hex>"
  std::map<std::string, std::string> adapters;      // LoRA: rejected as unsupported
  std::optional<std::string> tmpl;                  // "template"; nullopt = keep inherited
  std::optional<std::string> system;
  std::vector<std::string> licenses;                // appended to inherited licenses
  Json parameters;                                  // object or null; merged over inherited
  Json messages;                                    // array or null; replaces inherited when non-empty
  std::string quantize;                             // "quantize" or legacy "quantization"
  std::string renderer, parser, requires_version;
  Json info;                                        // optional overrides of config fields
  std::optional<bool> stream;                       // for the server; the store ignores it

  // Parses and validates a request body (already JSON-decoded). Throws StoreError(BadRequest)
  // with Ollama's messages: "file path must be relative", "invalid digest format",
  // "invalid model name" (only when `model` is present but invalid; an absent model is for the
  // route to report), "LoRA adapters are no longer supported", "license must be a string or an
  // array of strings".
  static CreateRequest from_json(const Json& body);
};

// Signature of the quantization hook: read `input_gguf` (F16/BF16/F32 weights), write a GGUF of
// `target_type` ("Q4_K_M", "Q4_K_S", "Q8_0", "F16", "F32", "BF16") to `output_gguf`, reporting
// progress as tensors are done (completed/total in bytes or tensors, the store forwards them).
using QuantizeFn = std::function<void(const std::filesystem::path& input_gguf, const std::string& target_type,
                                      const std::filesystem::path& output_gguf,
                                      const std::function<void(int64_t completed, int64_t total)>& progress)>;

// A built-in template chosen for a GGUF chat template: its name, Go template text, and default
// parameters (e.g. {"stop":["<|im_end|>"]}, may be null).
struct DetectedTemplate {
  std::string name;
  std::string text;
  Json parameters;
};

struct CreateOptions {
  QuantizeFn quantize;
  // Returns an error message for an invalid Go template, nullopt when it parses.
  std::function<std::optional<std::string>(const std::string& tmpl)> validate_template;
  // Given the GGUF `tokenizer.chat_template`, returns the closest built-in template, if any.
  std::function<std::optional<DetectedTemplate>(const std::string& jinja)> detect_template;
  // Fetches a base model that is not in the store (progress goes to the same callback).
  std::function<void(const ModelName& name, const ProgressFn& progress)> pull;
};

struct CreateResult {
  ModelName name;          // as written (existing spelling kept)
  std::string digest_hex;  // sha256 of the new manifest bytes
};

// Canonical quantization type for a user-given name, case-insensitive: q4_K_M / q4_K → "Q4_K_M",
// q4_K_S → "Q4_K_S", q8_0 → "Q8_0", f16 → "F16", f32 → "F32", bf16 → "BF16". Throws
// StoreError(BadRequest) "unsupported quantization type X - supported types are F32, F16, Q4_K_S,
// Q4_K_M, Q8_0" for anything else.
std::string canonical_quantization_type(const std::string& name);

}  // namespace hearth::store
