// `hearth gguf FILE [--json] [--full]`: inspect a GGUF file.
#include <fmt/core.h>

#include "commands.h"
#include "gguf/reader.h"
#include "common/json.h"

namespace hearth::cli {
namespace {

using gguf::Array;
using gguf::Value;
using gguf::ValueType;

constexpr std::size_t kShownItems = 16;

Json value_to_json(const Value& v, bool full);

Json array_to_json(const Array& a, bool full) {
  Json::Array items;
  uint64_t shown = full ? a.size() : std::min<uint64_t>(a.size(), kShownItems);
  for (uint64_t i = 0; i < shown; ++i) items.push_back(value_to_json(a.at(i), full));
  if (shown == a.size()) return Json(std::move(items));
  // Long arrays (vocabularies, merges) are summarised: element type, count, the first items.
  return Json::object({{"array_of", std::string(gguf::value_type_name(a.elem_type()))},
                       {"count", static_cast<unsigned long long>(a.size())},
                       {"first", Json(std::move(items))}});
}

Json value_to_json(const Value& v, bool full) {
  switch (v.type()) {
    case ValueType::STRING: return Json(v.as_string());
    case ValueType::ARRAY: return array_to_json(v.as_array(), full);
    case ValueType::BOOL: return Json(v.as_bool());
    case ValueType::FLOAT32:
    case ValueType::FLOAT64: return Json(v.as_number());
    case ValueType::UINT64: return Json(static_cast<unsigned long long>(v.as_u64()));
    default: return Json(static_cast<long long>(v.as_int()));
  }
}

}  // namespace

int cmd_gguf(Args args) {
  bool json = false, full = false;
  std::string path;
  for (const std::string& a : args) {
    if (a == "--json") json = true;
    else if (a == "--full") full = true;
    else if (!a.empty() && a[0] == '-') throw UsageError{"unknown flag " + a + "\nUsage: hearth gguf FILE [--json] [--full]"};
    else if (path.empty()) path = a;
    else throw UsageError{"hearth gguf takes one file\nUsage: hearth gguf FILE [--json] [--full]"};
  }
  if (path.empty()) throw UsageError{"missing FILE\nUsage: hearth gguf FILE [--json] [--full]"};

  auto file = gguf::GgufFile::open(path);
  if (json) {
    Json meta = Json::object();
    for (const auto& [key, value] : file.metadata().entries()) meta[key] = value_to_json(value, full);
    Json tensors = Json::array();
    for (const auto& t : file.tensors()) {
      Json shape = Json::array();
      for (uint32_t d = 0; d < t.n_dims; ++d) shape.push_back(static_cast<unsigned long long>(t.ne[d]));
      tensors.push_back(Json::object({{"name", t.name},
                                      {"type", std::string(gguf::type_name(t.type))},
                                      {"shape", shape},
                                      {"offset", static_cast<unsigned long long>(t.offset)},
                                      {"bytes", static_cast<unsigned long long>(t.nbytes)}}));
    }
    Json out = Json::object({{"path", path},
                             {"version", file.version()},
                             {"alignment", file.alignment()},
                             {"data_offset", static_cast<unsigned long long>(file.data_offset())},
                             {"file_size", static_cast<unsigned long long>(file.file_size())},
                             {"metadata", meta},
                             {"tensors", tensors}});
    fmt::print("{}\n", out.dump_pretty(2));
    return 0;
  }

  fmt::print("{}: GGUF v{}, {} metadata keys, {} tensors, alignment {}, data at offset {}\n\n", path, file.version(),
             file.metadata().size(), file.tensors().size(), file.alignment(), file.data_offset());
  fmt::print("Metadata:\n");
  for (const auto& [key, value] : file.metadata().entries()) {
    std::string type(gguf::value_type_name(value.type()));
    if (value.type() == ValueType::ARRAY) type = "ARRAY<" + std::string(gguf::value_type_name(value.as_array().elem_type())) + ">";
    fmt::print("  {:<44} {:<16} {}\n", key, type, value.to_display(full ? SIZE_MAX : 8));
  }
  if (!file.tensors().empty()) {
    fmt::print("\nTensors:\n  {:<40} {:<8} {:<22} {:>14} {:>14}\n", "name", "type", "shape", "offset", "bytes");
    uint64_t total = 0;
    for (const auto& t : file.tensors()) {
      fmt::print("  {:<40} {:<8} {:<22} {:>14} {:>14}\n", t.name, gguf::type_name(t.type), t.shape_string(), t.offset,
                 t.nbytes);
      total += t.nbytes;
    }
    fmt::print("\n  {} tensors, {} bytes of tensor data\n", file.tensors().size(), total);
  }
  return 0;
}

}  // namespace hearth::cli
