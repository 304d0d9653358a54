// engine/template/jinja/str_ops.h — Python str operations shared by methods and filters.
//
// Indices and lengths are in code points. Whitespace is Python's (str.isspace()).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tmpl::jinja::str_ops {

enum class StripSide { Both, Left, Right };
// chars: nullopt strips whitespace, otherwise any code point of *chars.
std::string strip(std::string_view s, const std::optional<std::string>& chars, StripSide side);
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
// Throws MemoryError when the result would exceed max_bytes.
std::string replace(std::string_view s, std::string_view old, std::string_view replacement, int64_t count,
                    std::size_t max_bytes);
std::string title(std::string_view s);       // str.title()
std::string capitalize(std::string_view s);  // str.capitalize()
std::string swapcase(std::string_view s);
std::string center(std::string_view s, int64_t width, char32_t fill);
std::string ljust(std::string_view s, int64_t width, char32_t fill);
std::string rjust(std::string_view s, int64_t width, char32_t fill);
// find/rfind/count over s[start:end] (Python slice bounds); -1 when not found.
int64_t find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
             bool reverse);
int64_t count(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end);
bool starts_with(std::string_view s, std::string_view prefix, std::optional<int64_t> start,
                 std::optional<int64_t> end, bool at_end);

}  // namespace hearth::tmpl::jinja::str_ops
