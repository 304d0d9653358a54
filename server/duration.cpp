#include "server/duration.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace hearth::server {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

// Longest names first so "ms" is not read as "m" followed by "s".
constexpr Unit kUnits[] = {
    {"ns", 1},           {"us", 1000},          {"\xC2\xB5s", 1000},  // µs (U+00B5)
    {"\xCE\xBCs", 1000},                                              // μs (U+03BC)
    {"ms", 1000000},     {"s", 1000000000LL},   {"m", 60000000000LL}, {"h", 3600000000000LL},
};

[[noreturn]] void invalid(std::string_view orig) {
  throw DurationError("time: invalid duration \"" + std::string(orig) + "\"");
}

}  // namespace

Nanos parse_go_duration(std::string_view orig) {
  // A transcription of Go's time.ParseDuration: integer part in uint64, fraction scaled through
  // float64 (that is what makes "0.3333333333333333333h" exactly 20m), overflow at 1<<63.
  constexpr uint64_t kLimit = uint64_t(1) << 63;
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Nanos(0);
  if (s.empty()) invalid(orig);
  uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) invalid(orig);
    uint64_t v = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (v > kLimit / 10) invalid(orig);
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kLimit) invalid(orig);
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      std::size_t j = 0;
      for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j) {
        if (overflow) continue;
        if (f > (kLimit - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kLimit) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) invalid(orig);
    std::size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) throw DurationError("time: missing unit in duration \"" + std::string(orig) + "\"");
    std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits)
      if (candidate.name == unit_name) unit = &candidate;
    if (unit == nullptr)
      throw DurationError("time: unknown unit \"" + std::string(unit_name) + "\" in duration \"" + std::string(orig) + "\"");
    uint64_t unit_ns = static_cast<uint64_t>(unit->nanos);
    if (v > kLimit / unit_ns) invalid(orig);
    v *= unit_ns;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit_ns) / scale));
      if (v > kLimit) invalid(orig);
    }
    d += v;
    if (d > kLimit) invalid(orig);
  }
  if (neg) return Nanos(d == kLimit ? INT64_MIN : -static_cast<int64_t>(d));
  if (d > kLimit - 1) invalid(orig);
  return Nanos(static_cast<int64_t>(d));
}

std::string format_go_duration(Nanos d) {
  int64_t v = d.count();
  if (v == 0) return "0s";
  bool neg = v < 0;
  // |INT64_MIN| does not fit; Go prints it specially, and so do we by working in uint64.
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string out;
  auto frac_digits = [](uint64_t value, int digits) {
    // value has `digits` fractional digits; print "W[.F]" trimming trailing zeros.
    uint64_t pow = 1;
    for (int i = 0; i < digits; ++i) pow *= 10;
    std::string s = std::to_string(value / pow);
    uint64_t f = value % pow;
    if (f != 0) {
      std::string fs = std::to_string(f);
      fs.insert(0, static_cast<std::size_t>(digits) - fs.size(), '0');
      while (!fs.empty() && fs.back() == '0') fs.pop_back();
      s += "." + fs;
    }
    return s;
  };
  if (u < 1000000000ULL) {
    if (u < 1000ULL) out = std::to_string(u) + "ns";
    else if (u < 1000000ULL) out = frac_digits(u, 3) + "\xC2\xB5s";
    else out = frac_digits(u, 6) + "ms";
  } else {
    uint64_t hours = u / 3600000000000ULL;
    uint64_t rest = u % 3600000000000ULL;
    uint64_t minutes = rest / 60000000000ULL;
    uint64_t sec_nanos = rest % 60000000000ULL;
    if (hours > 0) out += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
    out += frac_digits(sec_nanos, 9) + "s";
  }
  return neg ? "-" + out : out;
}

Nanos parse_keep_alive_json(const Json& value) {
  if (value.is_number()) {
    double seconds = value.as_double();
    if (seconds < 0) return kForever;
    long double n = static_cast<long double>(seconds) * 1e9L;
    if (n >= static_cast<long double>(std::numeric_limits<int64_t>::max())) return kForever;
    return Nanos(static_cast<int64_t>(n));
  }
  if (value.is_string()) {
    Nanos d = parse_go_duration(value.as_string());
    return d.count() < 0 ? kForever : d;
  }
  throw DurationError(std::string("json: cannot unmarshal ") + value.kind_name() + " into keep_alive of type duration");
}

std::optional<Nanos> parse_env_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  try {
    Nanos d = parse_go_duration(text);
    return d.count() < 0 ? kForever : d;
  } catch (const DurationError&) {
  }
  int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (seconds < 0) return kForever;
  if (seconds > std::numeric_limits<int64_t>::max() / 1000000000LL) return kForever;
  return Nanos(seconds * 1000000000LL);
}

}  // namespace hearth::server
