// Python str algorithms over code points.
#include "engine/template/jinja/str_ops.h"

#include <algorithm>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja::str_ops {

namespace {

using unicode::decode_utf8;
using unicode::encode_utf8;

std::u32string_view view(const std::u32string& s) { return s; }

// Python slice bounds [start, end) clamped to [0, n].
void clamp_bounds(int64_t n, std::optional<int64_t> start, std::optional<int64_t> end, int64_t& lo, int64_t& hi) {
  lo = start.value_or(0);
  hi = end.value_or(n);
  if (lo < 0) lo = std::max<int64_t>(0, lo + n);
  if (hi < 0) hi = std::max<int64_t>(0, hi + n);
  lo = std::min(lo, n);
  hi = std::min(hi, n);
}

std::string fill_string(char32_t fill, int64_t n) {
  std::u32string f(static_cast<std::size_t>(std::max<int64_t>(n, 0)), fill);
  return encode_utf8(f);
}

}  // namespace

std::string strip(std::string_view s, const std::optional<std::string>& chars, StripSide side) {
  std::u32string cps = decode_utf8(s);
  std::u32string set = chars ? decode_utf8(*chars) : std::u32string();
  auto strippable = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : unicode::is_space(c); };
  std::size_t lo = 0, hi = cps.size();
  if (side != StripSide::Right)
    while (lo < hi && strippable(cps[lo])) ++lo;
  if (side != StripSide::Left)
    while (hi > lo && strippable(cps[hi - 1])) --hi;
  if (lo == 0 && hi == cps.size() && unicode::is_ascii(s)) return std::string(s);
  return encode_utf8(view(cps).substr(lo, hi - lo));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (maxsplit < 0) maxsplit = INT64_MAX;
  if (sep) {
    if (sep->empty()) value_error("empty separator");
    std::size_t pos = 0;
    while (maxsplit-- > 0) {
      std::size_t at = s.find(*sep, pos);
      if (at == std::string_view::npos) break;
      out.emplace_back(s.substr(pos, at - pos));
      pos = at + sep->size();
    }
    out.emplace_back(s.substr(pos));
    return out;
  }
  std::u32string cps = decode_utf8(s);
  std::size_t i = 0, n = cps.size();
  while (true) {
    while (i < n && unicode::is_space(cps[i])) ++i;
    if (i >= n) break;
    if (maxsplit-- <= 0) {
      out.push_back(encode_utf8(view(cps).substr(i)));  // the rest, trailing whitespace included
      break;
    }
    std::size_t j = i;
    while (j < n && !unicode::is_space(cps[j])) ++j;
    out.push_back(encode_utf8(view(cps).substr(i, j - i)));
    i = j;
  }
  return out;
}

std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (maxsplit < 0) maxsplit = INT64_MAX;
  if (sep) {
    if (sep->empty()) value_error("empty separator");
    std::size_t end = s.size();
    while (maxsplit-- > 0) {
      if (end < sep->size()) break;
      std::size_t at = s.rfind(*sep, end - sep->size());
      if (at == std::string_view::npos) break;
      out.emplace_back(s.substr(at + sep->size(), end - at - sep->size()));
      end = at;
    }
    out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::u32string cps = decode_utf8(s);
  std::size_t j = cps.size();
  while (true) {
    while (j > 0 && unicode::is_space(cps[j - 1])) --j;
    if (j == 0) break;
    if (maxsplit-- <= 0) {
      out.push_back(encode_utf8(view(cps).substr(0, j)));  // the rest, leading whitespace included
      break;
    }
    std::size_t i = j;
    while (i > 0 && !unicode::is_space(cps[i - 1])) --i;
    out.push_back(encode_utf8(view(cps).substr(i, j - i)));
    j = i;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::u32string cps = decode_utf8(s);
  std::vector<std::string> out;
  std::size_t start = 0, i = 0;
  while (i < cps.size()) {
    if (!unicode::is_line_break(cps[i])) {
      ++i;
      continue;
    }
    std::size_t eol = i;
    i += (cps[i] == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ? 2 : 1;
    out.push_back(encode_utf8(view(cps).substr(start, (keepends ? i : eol) - start)));
    start = i;
  }
  if (start < cps.size()) out.push_back(encode_utf8(view(cps).substr(start)));
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view replacement, int64_t count,
                    std::size_t max_bytes) {
  if (count < 0) count = INT64_MAX;
  std::string out;
  auto check = [&] {
    if (out.size() > max_bytes) raise("MemoryError", "string larger than the limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (old.empty()) {
    // Python inserts the replacement before every character and at the end.
    std::u32string cps = decode_utf8(s);
    for (std::size_t i = 0; i <= cps.size(); ++i) {
      if (count > 0) {
        out += replacement;
        --count;
      }
      if (i < cps.size()) out += encode_utf8(view(cps).substr(i, 1));
      check();
    }
    return out;
  }
  std::size_t pos = 0;
  while (count > 0) {
    std::size_t at = s.find(old, pos);
    if (at == std::string_view::npos) break;
    out += s.substr(pos, at - pos);
    out += replacement;
    check();
    pos = at + old.size();
    --count;
  }
  out += s.substr(pos);
  return out;
}

std::string title(std::string_view s) {
  std::u32string out;
  bool previous_cased = false;
  for (char32_t c : decode_utf8(s)) {
    if (previous_cased) unicode::append_lower(out, c);
    else unicode::append_upper(out, c);
    previous_cased = unicode::is_cased(c);
  }
  return encode_utf8(out);
}

std::string capitalize(std::string_view s) {
  std::u32string out;
  bool first = true;
  for (char32_t c : decode_utf8(s)) {
    if (first) unicode::append_upper(out, c);
    else unicode::append_lower(out, c);
    first = false;
  }
  return encode_utf8(out);
}

std::string swapcase(std::string_view s) {
  std::u32string out;
  for (char32_t c : decode_utf8(s)) {
    if (unicode::is_upper(c)) unicode::append_lower(out, c);
    else if (unicode::is_lower(c)) unicode::append_upper(out, c);
    else out.push_back(c);
  }
  return encode_utf8(out);
}

std::string center(std::string_view s, int64_t width, char32_t fill) {
  int64_t n = static_cast<int64_t>(unicode::length(s));
  if (width <= n) return std::string(s);
  int64_t marg = width - n;
  int64_t left = marg / 2 + (marg & width & 1);
  return fill_string(fill, left) + std::string(s) + fill_string(fill, marg - left);
}

std::string ljust(std::string_view s, int64_t width, char32_t fill) {
  int64_t n = static_cast<int64_t>(unicode::length(s));
  return width <= n ? std::string(s) : std::string(s) + fill_string(fill, width - n);
}

std::string rjust(std::string_view s, int64_t width, char32_t fill) {
  int64_t n = static_cast<int64_t>(unicode::length(s));
  return width <= n ? std::string(s) : fill_string(fill, width - n) + std::string(s);
}

int64_t find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
             bool reverse) {
  if (!start && !end) {
    // Byte search is exact for UTF-8; the result is converted to a code point index.
    std::size_t at = reverse ? s.rfind(sub) : s.find(sub);
    if (at == std::string_view::npos) return -1;
    return static_cast<int64_t>(unicode::length(s.substr(0, at)));
  }
  std::u32string cps = decode_utf8(s), needle = decode_utf8(sub);
  int64_t lo, hi;
  clamp_bounds(static_cast<int64_t>(cps.size()), start, end, lo, hi);
  if (start && *start > static_cast<int64_t>(cps.size())) return -1;
  if (hi - lo < static_cast<int64_t>(needle.size())) return -1;
  std::u32string_view window = view(cps).substr(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo));
  std::size_t at = reverse ? window.rfind(needle) : window.find(needle);
  return at == std::u32string_view::npos ? -1 : lo + static_cast<int64_t>(at);
}

int64_t count(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end) {
  if (!start && !end && !sub.empty()) {
    int64_t n = 0;
    for (std::size_t at = s.find(sub); at != std::string_view::npos; at = s.find(sub, at + sub.size())) ++n;
    return n;
  }
  std::u32string cps = decode_utf8(s), needle = decode_utf8(sub);
  int64_t lo, hi;
  clamp_bounds(static_cast<int64_t>(cps.size()), start, end, lo, hi);
  if (hi < lo) return 0;
  std::u32string_view window = view(cps).substr(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo));
  if (needle.empty()) return static_cast<int64_t>(window.size()) + 1;
  int64_t n = 0;
  for (std::size_t at = window.find(needle); at != std::u32string_view::npos; at = window.find(needle, at + needle.size())) ++n;
  return n;
}

bool starts_with(std::string_view s, std::string_view prefix, std::optional<int64_t> start,
                 std::optional<int64_t> end, bool at_end) {
  if (!start && !end) {
    if (at_end) return s.size() >= prefix.size() && s.substr(s.size() - prefix.size()) == prefix;
    return s.substr(0, prefix.size()) == prefix;
  }
  std::u32string cps = decode_utf8(s), p = decode_utf8(prefix);
  int64_t lo, hi;
  clamp_bounds(static_cast<int64_t>(cps.size()), start, end, lo, hi);
  if (start && *start > static_cast<int64_t>(cps.size())) return false;
  if (hi - lo < static_cast<int64_t>(p.size())) return false;
  std::u32string_view window = view(cps).substr(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo));
  return at_end ? window.substr(window.size() - p.size()) == p : window.substr(0, p.size()) == p;
}

}  // namespace hearth::tmpl::jinja::str_ops
