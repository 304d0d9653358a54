// engine/store/name.h — Ollama model names and blob digests, and the paths they map to.
//
// A model name is `[scheme://][host/][namespace/]model[:tag]`. Parsing follows Ollama
// (types/model/name.go): if the last `:` comes after the last `/`, the text after it is the tag;
// the rest is split from the right on `/` into model, namespace and host; a `scheme://` prefix on
// the host is recorded and dropped. Missing parts take the defaults `registry.ollama.ai`,
// `library`, `latest`. Each part is then checked: first character `[A-Za-z0-9_]`, the rest
// `[A-Za-z0-9_-]`, plus `.` everywhere except the namespace and `:` only in the host; lengths 1–350
// for the host and 1–80 for the others. Anything else (empty parts, `..`, `/` or `@` inside a
// part) is invalid, which is what makes a valid name safe to turn into a path.
//
//   ModelName n = ModelName::parse("llama3.2");          // throws InvalidNameError when invalid
//   n.full()              == "registry.ollama.ai/library/llama3.2:latest"
//   n.display_shortest()  == "llama3.2:latest"           // as `ollama list` prints it
//   n.manifest_relpath()  == "registry.ollama.ai/library/llama3.2/latest"
//
// Case: names keep the case they were written with; comparisons (`equal_fold`) ignore ASCII case,
// and the store resolves a name against the spelling that already exists on disk.
//
// Digests: `Digest::parse` accepts only `sha256:` or `sha256-` followed by 64 lowercase hex digits
// and is the only way to obtain a Digest, so a blob file name (`sha256-<hex>`) is never built from
// unchecked text. `Digest::parse_request` additionally accepts upper-case hex the way Ollama's
// blob routes do (`^sha256[:-][0-9a-fA-F]{64}$`) and reports whether the text was exactly the
// canonical `sha256:<lowercase hex>` form.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::store {

inline constexpr std::string_view kDefaultHost = "registry.ollama.ai";
inline constexpr std::string_view kDefaultNamespace = "library";
inline constexpr std::string_view kDefaultTag = "latest";

enum class NamePart { Host, Namespace, Model, Tag };

// True when `s` is a valid value for that part (characters and length rules above).
bool is_valid_name_part(NamePart part, std::string_view s);

struct ModelName {
  std::string scheme;  // "" unless the text carried `scheme://`; `effective_scheme()` defaults it
  std::string host;
  std::string ns;  // namespace
  std::string model;
  std::string tag;

  // Splits without filling defaults or validating (Ollama's ParseNameBare). Parts that a
  // separator promised but that are empty come back as "!MISSING!" so they fail validation.
  static ModelName parse_bare(std::string_view s);
  // Parses, fills defaults and validates; nullopt when the result is not a valid name.
  static std::optional<ModelName> try_parse(std::string_view s);
  // As try_parse, but throws InvalidNameError (what() == "invalid model name").
  static ModelName parse(std::string_view s);

  bool is_valid() const;  // all four parts present and valid
  std::string effective_scheme() const { return scheme.empty() ? "https" : scheme; }

  // "host/namespace/model:tag".
  std::string full() const;
  // Shortest display form: model:tag for the default host and `library`, namespace/model:tag for
  // the default host, host/namespace/model:tag otherwise (the tag is always present).
  std::string display_shortest() const;
  // "host/namespace/model/tag" relative to `<root>/manifests` (requires is_valid()).
  std::filesystem::path manifest_relpath() const;

  bool equal_fold(const ModelName& other) const;
  bool operator==(const ModelName& other) const = default;
};

// A validated sha256 digest. `hex()` is 64 lowercase hex characters.
class Digest {
 public:
  // Strict: "sha256:<64 lowercase hex>" or "sha256-<64 lowercase hex>". Throws InvalidDigestError.
  static Digest parse(std::string_view s);
  static std::optional<Digest> try_parse(std::string_view s);
  // From 64 lowercase hex characters (throws InvalidDigestError otherwise).
  static Digest from_hex(std::string_view hex);

  struct RequestDigest;
  // Ollama's route rule: "sha256" + ':' or '-' + 64 hex of either case. Throws InvalidDigestError.
  static RequestDigest parse_request(std::string_view s);

  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }          // JSON form
  std::string file_name() const { return "sha256-" + hex_; }    // blob file name
  bool operator==(const Digest& other) const = default;
  bool operator<(const Digest& other) const { return hex_ < other.hex_; }

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

struct Digest::RequestDigest {
  Digest digest;   // normalised (lower-case hex)
  bool canonical;  // the text was exactly "sha256:<lowercase hex>"
};

}  // namespace hearth::store
