#include "engine/store/modelfile.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/utf8.h"
#include "engine/store/errors.h"
#include "engine/store/go_format.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

// Parser states, as in Ollama's parser.go.
enum class State { Nil, Name, Value, Parameter, Message, Comment };

const char* kInvalidCommand =
    "command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"renderer\", "
    "\"parser\", \"parameter\", \"message\", or \"requires\"";
const char* kInvalidRole = "message role must be one of \"system\", \"user\", or \"assistant\"";

bool is_alpha(char32_t r) { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool is_number(char32_t r) { return r >= '0' && r <= '9'; }
bool is_space(char32_t r) { return r == ' ' || r == '\t'; }
bool is_newline(char32_t r) { return r == '\r' || r == '\n'; }

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool is_valid_command(const std::string& word) {
  static const char* commands[] = {"from",     "license", "template", "system",  "adapter",
                                   "renderer", "parser",  "parameter", "message", "requires"};
  std::string w = ascii_lower(word);
  return std::any_of(std::begin(commands), std::end(commands), [&](const char* c) { return w == c; });
}

bool is_valid_role(const std::string& role) { return role == "system" || role == "user" || role == "assistant"; }

// Go's strings.TrimSpace for the characters a Modelfile value can contain.
std::string trim_space(std::string_view s) {
  auto is_ws = [](std::string_view t, std::size_t i, std::size_t& len) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      len = 1;
      return true;
    }
    if (c == 0xC2 && i + 1 < t.size() && (static_cast<unsigned char>(t[i + 1]) == 0x85 ||
                                           static_cast<unsigned char>(t[i + 1]) == 0xA0)) {
      len = 2;
      return true;
    }
    return false;
  };
  std::size_t begin = 0, len = 0;
  while (begin < s.size() && is_ws(s, begin, len)) begin += len;
  std::size_t end = s.size();
  while (end > begin) {
    // Step back over one (possibly two-byte) whitespace character.
    if (is_ws(s, end - 1, len) && len == 1) {
      --end;
    } else if (end >= begin + 2 && is_ws(s, end - 2, len) && len == 2) {
      end -= 2;
    } else {
      break;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

// Ollama's unquote: """…""" and "…" are stripped; an opened but unclosed quote is incomplete.
bool unquote(const std::string& s, std::string& out) {
  if (s.size() >= 3 && s.compare(0, 3, "\"\"\"") == 0) {
    if (s.size() >= 6 && s.compare(s.size() - 3, 3, "\"\"\"") == 0) {
      out = s.substr(3, s.size() - 6);
      return true;
    }
    return false;
  }
  if (!s.empty() && s[0] == '"') {
    if (s.size() >= 2 && s.back() == '"') {
      out = s.substr(1, s.size() - 2);
      return true;
    }
    return false;
  }
  out = s;
  return true;
}

// Decodes the text to UTF-8 code points the way Ollama's BOM-aware reader does.
std::u32string decode_text(std::string_view text) {
  std::u32string out;
  auto u8 = [](unsigned char c) { return c; };
  if (text.size() >= 2 && ((u8(text[0]) == 0xFF && u8(text[1]) == 0xFE) || (u8(text[0]) == 0xFE && u8(text[1]) == 0xFF))) {
    bool little = u8(text[0]) == 0xFF;
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
      char32_t unit = little ? (u8(text[i]) | (u8(text[i + 1]) << 8)) : ((u8(text[i]) << 8) | u8(text[i + 1]));
      if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < text.size()) {
        char32_t low = little ? (u8(text[i + 2]) | (u8(text[i + 3]) << 8)) : ((u8(text[i + 2]) << 8) | u8(text[i + 3]));
        if (low >= 0xDC00 && low <= 0xDFFF) {
          out.push_back(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
          i += 2;
          continue;
        }
      }
      out.push_back(unit >= 0xD800 && unit <= 0xDFFF ? 0xFFFD : unit);
    }
    return out;
  }
  if (text.size() >= 3 && u8(text[0]) == 0xEF && u8(text[1]) == 0xBB && u8(text[2]) == 0xBF) text.remove_prefix(3);
  std::size_t pos = 0;
  while (pos < text.size()) out.push_back(utf8_decode(text, pos));
  return out;
}

struct Transition {
  State next;
  char32_t rune;  // 0 = nothing to buffer
  enum { Ok, InvalidCommand, UnexpectedEof } error = Ok;
};

Transition parse_rune_for_state(char32_t r, State s) {
  switch (s) {
    case State::Nil:
      if (r == '#') return {State::Comment, 0};
      if (is_space(r) || is_newline(r)) return {State::Nil, 0};
      return {State::Name, r};
    case State::Name:
      if (is_alpha(r)) return {State::Name, r};
      if (is_space(r)) return {State::Value, 0};
      return {State::Nil, 0, Transition::InvalidCommand};
    case State::Value:
      if (is_newline(r) || is_space(r)) return {State::Nil, r};
      return {State::Value, r};
    case State::Parameter:
      if (is_alpha(r) || is_number(r) || r == '_') return {State::Parameter, r};
      if (is_space(r)) return {State::Value, 0};
      return {State::Nil, 0, Transition::UnexpectedEof};
    case State::Message:
      if (is_alpha(r)) return {State::Message, r};
      if (is_space(r)) return {State::Value, 0};
      return {State::Nil, 0, Transition::UnexpectedEof};
    case State::Comment:
      if (is_newline(r)) return {State::Nil, 0};
      return {State::Comment, 0};
  }
  return {State::Nil, 0};
}

fs::path expand_path(const std::string& path, const fs::path& relative_dir) {
  if (!path.empty() && path[0] == '/') return fs::absolute(path).lexically_normal();
  if (!path.empty() && path[0] == '~') {
    std::string home;
    std::string rest;
    if (path == "~" || path.rfind("~/", 0) == 0) {
      const char* h = std::getenv("HOME");
      if (!h || !*h) throw StoreError(ErrorKind::BadRequest, "failed to get current user: $HOME is not set");
      home = h;
      rest = path.substr(1);
    } else {
      std::size_t slash = path.find('/');
      std::string user = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
      passwd pw{};
      passwd* result = nullptr;
      std::vector<char> buf(16384);
      if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || !result)
        throw StoreError(ErrorKind::BadRequest, "failed to find user '" + user + "'");
      home = pw.pw_dir;
      rest = slash == std::string::npos ? "" : path.substr(slash);
    }
    return fs::absolute(fs::path(home + rest)).lexically_normal();
  }
  return fs::absolute(relative_dir / path).lexically_normal();
}

}  // namespace

Modelfile Modelfile::parse(std::string_view text) {
  Modelfile f;
  ModelfileCommand cmd;
  State curr = State::Nil;
  int line = 1;
  std::string b;
  std::string role;
  for (char32_t r : decode_text(text)) {
    if (is_newline(r)) ++line;
    Transition t = parse_rune_for_state(r, curr);
    if (t.error == Transition::UnexpectedEof) throw ModelfileError(0, "unexpected EOF: " + b);
    if (t.error == Transition::InvalidCommand) throw ModelfileError(line, kInvalidCommand);
    State next = t.next;
    r = t.rune;
    if (next != curr) {
      switch (curr) {
        case State::Name: {
          if (!is_valid_command(b)) throw ModelfileError(line, kInvalidCommand);
          std::string s = ascii_lower(b);
          if (s == "from") {
            cmd.name = "model";
          } else if (s == "parameter") {
            next = State::Parameter;  // the parameter's own name follows
          } else if (s == "message") {
            next = State::Message;  // the role follows
            cmd.name = s;
          } else {
            cmd.name = s;
          }
          break;
        }
        case State::Parameter:
          cmd.name = b;
          break;
        case State::Message:
          if (!is_valid_role(b)) throw ModelfileError(line, kInvalidRole);
          role = b;
          break;
        case State::Comment:
        case State::Nil:
          break;
        case State::Value: {
          std::string s;
          // Spaces inside a value and anything inside an open quote belong to the value.
          if (!unquote(trim_space(b), s) || is_space(r)) {
            utf8_append(b, r);
            continue;
          }
          if (!role.empty()) {
            s = role + ": " + s;
            role.clear();
          }
          cmd.args = s;
          f.commands.push_back(cmd);
          break;
        }
      }
      b.clear();
      curr = next;
    }
    if (r != 0 && go_is_print(r)) utf8_append(b, r);
  }

  switch (curr) {
    case State::Comment:
    case State::Nil:
      break;
    case State::Value: {
      std::string s;
      if (!unquote(trim_space(b), s)) throw ModelfileError(0, "unexpected EOF");
      if (!role.empty()) s = role + ": " + s;
      cmd.args = s;
      f.commands.push_back(cmd);
      break;
    }
    default:
      throw ModelfileError(0, "unexpected EOF");
  }
  for (const ModelfileCommand& c : f.commands)
    if (c.name == "model") return f;
  throw ModelfileError(0, "no FROM line");
}

std::string quote_value(std::string_view s) {
  bool needs = s.find('\n') != std::string_view::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!needs) return std::string(s);
  if (s.find('"') != std::string_view::npos) return "\"\"\"" + std::string(s) + "\"\"\"";
  return "\"" + std::string(s) + "\"";
}

std::string format_command(const ModelfileCommand& c) {
  if (c.name == "model") return "FROM " + c.args;
  if (c.name == "license" || c.name == "template" || c.name == "system" || c.name == "adapter" ||
      c.name == "renderer" || c.name == "parser" || c.name == "requires") {
    std::string upper = c.name;
    for (char& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
    return upper + " " + quote_value(c.args);
  }
  if (c.name == "message") {
    std::size_t sep = c.args.find(": ");
    std::string role = sep == std::string::npos ? c.args : c.args.substr(0, sep);
    std::string content = sep == std::string::npos ? "" : c.args.substr(sep + 2);
    return "MESSAGE " + role + " " + quote_value(content);
  }
  return "PARAMETER " + c.name + " " + quote_value(c.args);
}

std::string Modelfile::to_string() const {
  std::string out;
  for (const ModelfileCommand& c : commands) out += format_command(c) + "\n";
  return out;
}

ModelfileRequest modelfile_to_request(const Modelfile& modelfile, const fs::path& relative_dir,
                                      const std::string& model_name, const FileDigestFn& digest_file) {
  ModelfileRequest out;
  CreateRequest& req = out.request;
  req.model = model_name;
  JsonObject params;
  Json messages = Json::array();

  auto add_file = [&](const fs::path& path) {
    std::string key = path.filename().string();
    std::string digest = digest_file(path);
    req.files[key] = digest;
    out.local_files.push_back(LocalModelFile{key, path, digest});
  };

  for (const ModelfileCommand& c : modelfile.commands) {
    if (c.name == "model") {
      if (std::optional<Digest> d = Digest::try_parse(c.args)) {
        req.files[d->file_name()] = d->str();
        continue;
      }
      fs::path path = expand_path(c.args, relative_dir);
      std::error_code ec;
      fs::file_status st = fs::status(path, ec);
      if (ec || !fs::exists(st)) {
        req.from = c.args;
        continue;
      }
      if (fs::is_directory(st)) {
        std::vector<fs::path> ggufs;
        for (const auto& e : fs::directory_iterator(path))
          if (e.is_regular_file() && e.path().extension() == ".gguf") ggufs.push_back(e.path());
        if (ggufs.empty()) throw StoreError(ErrorKind::BadRequest, "no Modelfile or safetensors files found");
        std::sort(ggufs.begin(), ggufs.end());
        for (const fs::path& g : ggufs) add_file(g);
      } else {
        add_file(path);
      }
    } else if (c.name == "adapter") {
      throw StoreError(ErrorKind::BadRequest, "LoRA adapters are no longer supported");
    } else if (c.name == "template") {
      req.tmpl = c.args;
    } else if (c.name == "system") {
      req.system = c.args;
    } else if (c.name == "license") {
      req.licenses.push_back(c.args);
    } else if (c.name == "renderer") {
      req.renderer = c.args;
    } else if (c.name == "parser") {
      req.parser = c.args;
    } else if (c.name == "requires") {
      std::string v = c.args.rfind('v', 0) == 0 ? c.args.substr(1) : c.args;
      req.requires_version = v;
    } else if (c.name == "message") {
      std::size_t sep = c.args.find(": ");
      std::string role = sep == std::string::npos ? c.args : c.args.substr(0, sep);
      std::string content = sep == std::string::npos ? "" : c.args.substr(sep + 2);
      messages.push_back(Json::object({{"role", role}, {"content", content}}));
    } else {
      TypedParameter p = parse_parameter(c.name, c.args);
      if (p.deprecated) {
        out.warnings.push_back("parameter " + c.name + " is deprecated");
        continue;
      }
      Json* existing = params.find(c.name);
      if (existing && existing->is_array() && p.value.is_array()) {
        for (const Json& v : p.value.as_array()) existing->push_back(v);
      } else {
        params.set(c.name, p.value);
      }
    }
  }
  if (!params.empty()) req.parameters = Json(std::move(params));
  if (messages.size() > 0) req.messages = std::move(messages);
  return out;
}

}  // namespace hearth::store
