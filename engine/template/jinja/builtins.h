// engine/template/jinja/builtins.h — the names a template can use without defining them.
//
// Filters (filters_*.cpp): jinja2's builtin filters plus Hugging Face's `tojson`
// (json.dumps with ensure_ascii=False, optional indent/separators/sort_keys — no HTML escaping).
// Tests (tests.cpp): jinja2's builtin tests. Globals (globals.cpp): range (capped at 100000
// items like the sandbox), dict, namespace, cycler, joiner, lipsum, and Hugging Face's
// raise_exception(msg) and strftime_now(fmt). Methods (methods_*.cpp): the Python methods of
// str, dict, list and tuple that a sandboxed template may call.
//
// Lookups return null / nullopt for unknown names; the tables are immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "engine/template/jinja/ast.h"
#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);
std::optional<Value> find_global(std::string_view name);

// A Python method of a builtin value (`"a".upper`, `d.items`), bound to the receiver.
enum class MethodLookup { NotFound, Found, Unsafe };
MethodLookup find_method(const Value& receiver, std::string_view name, Value& bound);

// Per-family tables (one file each), combined by find_method.
MethodLookup find_string_method(const Value& receiver, std::string_view name, Value& bound);
MethodLookup find_container_method(const Value& receiver, std::string_view name, Value& bound);

// Filters are split over several files; each contributes to the table.
struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};
std::vector<FilterEntry> string_filters();
std::vector<FilterEntry> sequence_filters();
std::vector<FilterEntry> misc_filters();

// Python's json.dumps as Hugging Face's tojson calls it.
struct JsonDumpOptions {
  int indent = -1;             // < 0: no newlines
  std::string indent_string;   // used when indent was given as a string
  bool indent_is_string = false;
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
  std::size_t max_bytes = SIZE_MAX;  // MemoryError beyond this
};
std::string json_dumps(const Value& v, const JsonDumpOptions& options);

}  // namespace hearth::tmpl::jinja
