#include "engine/store/manifest.h"

#include <cmath>
#include <set>

#include "common/json.h"
#include "engine/store/errors.h"
#include "engine/store/go_format.h"

namespace hearth::store {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw ManifestError(source + ": " + what);
}

std::string get_string(const Json& obj, std::string_view key, const std::string& source) {
  const Json* v = obj.find(key);
  if (!v || v->is_null()) return "";
  if (!v->is_string()) fail(source, "field \"" + std::string(key) + "\" must be a string, not " + v->kind_name());
  return v->as_string();
}

int64_t get_int(const Json& obj, std::string_view key, const std::string& source) {
  const Json* v = obj.find(key);
  if (!v || v->is_null()) return 0;
  if (v->is_int()) return v->as_int();
  if (v->is_double()) {
    double d = v->as_double();
    if (std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  fail(source, "field \"" + std::string(key) + "\" must be an integer");
}

std::optional<std::vector<std::string>> get_strings(const Json& obj, std::string_view key, const std::string& source) {
  const Json* v = obj.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array()) fail(source, "field \"" + std::string(key) + "\" must be an array of strings");
  std::vector<std::string> out;
  for (const Json& e : v->as_array()) {
    if (!e.is_string()) fail(source, "field \"" + std::string(key) + "\" must be an array of strings");
    out.push_back(e.as_string());
  }
  return out;
}

Layer parse_layer(const Json& v, const std::string& source, const std::string& where) {
  if (!v.is_object()) fail(source, where + " must be an object");
  std::string digest_text = get_string(v, "digest", source);
  std::optional<Digest> digest = Digest::try_parse(digest_text);
  if (!digest) fail(source, where + " has an invalid digest \"" + digest_text + "\"");
  Layer layer{get_string(v, "mediaType", source), *digest, get_int(v, "size", source), get_string(v, "from", source),
              get_string(v, "name", source)};
  if (layer.size < 0) fail(source, where + " has a negative size");
  return layer;
}

void append_layer(std::string& out, const Layer& l) {
  out += "{\"mediaType\":";
  append_go_json_string(out, l.media_type);
  out += ",\"digest\":";
  append_go_json_string(out, l.digest.str());
  out += ",\"size\":" + std::to_string(l.size);
  if (!l.from.empty()) {
    out += ",\"from\":";
    append_go_json_string(out, l.from);
  }
  if (!l.name.empty()) {
    out += ",\"name\":";
    append_go_json_string(out, l.name);
  }
  out += "}";
}

void append_string_field(std::string& out, std::string_view key, const std::string& value) {
  out += ",\"";
  out += key;
  out += "\":";
  append_go_json_string(out, value);
}

void append_string_list(std::string& out, const std::vector<std::string>& values) {
  out.push_back('[');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    append_go_json_string(out, values[i]);
  }
  out.push_back(']');
}

Json parse_json(std::string_view bytes, const std::string& source) {
  try {
    return Json::parse(bytes);
  } catch (const JsonError& e) {
    fail(source, e.what());
  }
}

}  // namespace

Manifest Manifest::parse(std::string_view bytes, const std::string& source) {
  Json root = parse_json(bytes, source);
  if (!root.is_object()) fail(source, "manifest is not a JSON object");
  Manifest m;
  m.schema_version = get_int(root, "schemaVersion", source);
  m.media_type = get_string(root, "mediaType", source);
  const Json* config = root.find("config");
  if (config && !config->is_null()) {
    // An all-empty config (Go's zero value) means "no config blob".
    if (config->is_object() && get_string(*config, "digest", source).empty()) {
      m.config.reset();
    } else {
      m.config = parse_layer(*config, source, "config");
    }
  }
  const Json* layers = root.find("layers");
  if (layers && !layers->is_null()) {
    if (!layers->is_array()) fail(source, "\"layers\" must be an array");
    std::size_t i = 0;
    for (const Json& l : layers->as_array()) m.layers.push_back(parse_layer(l, source, "layer " + std::to_string(i++)));
  }
  return m;
}

std::string Manifest::serialize() const {
  std::string out = "{\"schemaVersion\":" + std::to_string(schema_version) + ",\"mediaType\":";
  append_go_json_string(out, media_type);
  out += ",\"config\":";
  if (config) {
    append_layer(out, *config);
  } else {
    out += "{\"mediaType\":\"\",\"digest\":\"\",\"size\":0}";
  }
  out += ",\"layers\":";
  if (layers.empty()) {
    out += "null";  // Go marshals the nil slice of a manifest without layers as null
  } else {
    out.push_back('[');
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (i) out.push_back(',');
      append_layer(out, layers[i]);
    }
    out.push_back(']');
  }
  out += "}\n";
  return out;
}

int64_t Manifest::total_size() const {
  int64_t total = config ? config->size : 0;
  for (const Layer& l : layers) total += l.size;
  return total;
}

const Layer* Manifest::find_layer(std::string_view type) const {
  for (const Layer& l : layers)
    if (l.media_type == type) return &l;
  return nullptr;
}

std::vector<Digest> Manifest::referenced_digests() const {
  std::vector<Digest> out;
  std::set<std::string> seen;
  auto add = [&](const Digest& d) {
    if (seen.insert(d.hex()).second) out.push_back(d);
  };
  if (config) add(config->digest);
  for (const Layer& l : layers) add(l.digest);
  return out;
}

ModelConfig ModelConfig::for_new_model() {
  ModelConfig c;
  c.architecture = "amd64";
  c.os = "linux";
  c.rootfs.type = "layers";
  return c;
}

ModelConfig ModelConfig::parse(std::string_view bytes, const std::string& source) {
  Json root = parse_json(bytes, source);
  if (!root.is_object()) fail(source, "config is not a JSON object");
  ModelConfig c;
  c.model_format = get_string(root, "model_format", source);
  c.model_family = get_string(root, "model_family", source);
  c.model_families = get_strings(root, "model_families", source);
  c.model_type = get_string(root, "model_type", source);
  c.file_type = get_string(root, "file_type", source);
  c.renderer = get_string(root, "renderer", source);
  c.parser = get_string(root, "parser", source);
  c.requires_version = get_string(root, "requires", source);
  c.remote_host = get_string(root, "remote_host", source);
  c.remote_model = get_string(root, "remote_model", source);
  c.capabilities = get_strings(root, "capabilities", source).value_or(std::vector<std::string>{});
  c.context_length = get_int(root, "context_length", source);
  c.embedding_length = get_int(root, "embedding_length", source);
  c.base_name = get_string(root, "base_name", source);
  c.architecture = get_string(root, "architecture", source);
  c.os = get_string(root, "os", source);
  if (const Json* rootfs = root.find("rootfs"); rootfs && rootfs->is_object()) {
    c.rootfs.type = get_string(*rootfs, "type", source);
    c.rootfs.diff_ids = get_strings(*rootfs, "diff_ids", source);
  }
  return c;
}

std::string ModelConfig::serialize() const {
  std::string out = "{\"model_format\":";
  append_go_json_string(out, model_format);
  append_string_field(out, "model_family", model_family);
  out += ",\"model_families\":";
  if (model_families) {
    append_string_list(out, *model_families);
  } else {
    out += "null";
  }
  append_string_field(out, "model_type", model_type);
  append_string_field(out, "file_type", file_type);
  if (!renderer.empty()) append_string_field(out, "renderer", renderer);
  if (!parser.empty()) append_string_field(out, "parser", parser);
  if (!requires_version.empty()) append_string_field(out, "requires", requires_version);
  if (!remote_host.empty()) append_string_field(out, "remote_host", remote_host);
  if (!remote_model.empty()) append_string_field(out, "remote_model", remote_model);
  if (!capabilities.empty()) {
    out += ",\"capabilities\":";
    append_string_list(out, capabilities);
  }
  if (context_length != 0) out += ",\"context_length\":" + std::to_string(context_length);
  if (embedding_length != 0) out += ",\"embedding_length\":" + std::to_string(embedding_length);
  if (!base_name.empty()) append_string_field(out, "base_name", base_name);
  append_string_field(out, "architecture", architecture);
  append_string_field(out, "os", os);
  out += ",\"rootfs\":{\"type\":";
  append_go_json_string(out, rootfs.type);
  out += ",\"diff_ids\":";
  if (rootfs.diff_ids) {
    append_string_list(out, *rootfs.diff_ids);
  } else {
    out += "null";
  }
  out += "}}\n";
  return out;
}

}  // namespace hearth::store
