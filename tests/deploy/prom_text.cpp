#include "deploy/prom_text.h"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <stdexcept>

namespace hearth::test {
namespace {

[[noreturn]] void fail(std::size_t line, const std::string& why) {
  throw std::runtime_error("exposition line " + std::to_string(line) + ": " + why);
}

bool metric_name_ok(std::string_view n) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(n.begin(), n.end(), re);
}

bool label_name_ok(std::string_view n) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(n.begin(), n.end(), re);
}

std::optional<double> parse_go_float(std::string_view s) {
  std::string t(s);
  std::string lower;
  for (char c : t) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "+inf" || lower == "inf") return INFINITY;
  if (lower == "-inf") return -INFINITY;
  if (lower == "nan") return NAN;
  static const std::regex re(R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  if (!std::regex_match(t, re)) return std::nullopt;
  return std::strtod(t.c_str(), nullptr);
}

std::string unescape(std::string_view s, bool quotes, std::size_t line) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 1 >= s.size()) fail(line, "dangling backslash");
    char c = s[++i];
    if (c == '\\') out += '\\';
    else if (c == 'n') out += '\n';
    else if (c == '"' && quotes) out += '"';
    else fail(line, std::string("unknown escape \\") + c);
  }
  return out;
}

// The family a sample belongs to, given the TYPE lines seen so far.
std::string family_of(const std::string& sample, const std::map<std::string, std::string>& types) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample.size() > suffix.size() && sample.compare(sample.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string base = sample.substr(0, sample.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return sample;
}

}  // namespace

const PromFamily* PromDocument::family(std::string_view name) const {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

std::optional<double> PromDocument::value(std::string_view sample_name, const std::map<std::string, std::string>& labels) const {
  for (const auto& f : families)
    for (const auto& s : f.samples)
      if (s.name == sample_name && s.labels == labels) return s.value;
  return std::nullopt;
}

PromDocument parse_prometheus_text(std::string_view text) {
  PromDocument doc;
  std::map<std::string, std::string> types;   // family -> type (from TYPE lines)
  std::set<std::string> helped;
  std::set<std::string> closed;               // families whose block has ended
  std::set<std::string> series;               // name + labels, for duplicates
  std::string current;
  std::size_t line_no = 0;

  auto enter = [&](const std::string& fam) -> PromFamily& {
    if (fam != current) {
      if (!current.empty()) closed.insert(current);
      if (closed.count(fam)) fail(line_no, "lines of family '" + fam + "' are not contiguous");
      current = fam;
      doc.families.push_back(PromFamily{fam, types.count(fam) ? types[fam] : "untyped", std::nullopt, {}});
    }
    return doc.families.back();
  };

  if (!text.empty() && text.back() != '\n') throw std::runtime_error("exposition text must end with a line feed");
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (line[0] == '#') {
      static const std::regex meta(R"(#[ \t]+(HELP|TYPE)[ \t]+([^ \t]+)(?:[ \t]+(.*))?)");
      std::cmatch m;
      if (!std::regex_match(line.begin(), line.end(), m, meta)) continue;  // a plain comment
      std::string kind = m[1], name = m[2], rest = m[3].matched ? std::string(m[3]) : std::string();
      if (!metric_name_ok(name)) fail(line_no, "bad metric name in " + kind);
      if (kind == "TYPE") {
        static const std::set<std::string> known{"counter", "gauge", "histogram", "summary", "untyped"};
        if (!known.count(rest)) fail(line_no, "unknown type '" + rest + "'");
        if (types.count(name)) fail(line_no, "second TYPE line for '" + name + "'");
        for (const auto& f : doc.families)
          if (f.name == name && !f.samples.empty()) fail(line_no, "TYPE for '" + name + "' after its samples");
        types[name] = rest;
        PromFamily& f = enter(name);
        f.type = rest;
      } else {
        if (!helped.insert(name).second) fail(line_no, "second HELP line for '" + name + "'");
        PromFamily& f = enter(name);
        f.help = unescape(rest, false, line_no);
      }
      continue;
    }
    // A sample.
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ' && line[i] != '\t') ++i;
    PromSample s;
    s.name = std::string(line.substr(0, i));
    if (!metric_name_ok(s.name)) fail(line_no, "bad metric name '" + s.name + "'");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        while (i < line.size() && line[i] == ' ') ++i;
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t eq = line.find('=', i);
        if (eq == std::string_view::npos) fail(line_no, "label without '='");
        std::string lname(line.substr(i, eq - i));
        while (!lname.empty() && lname.back() == ' ') lname.pop_back();
        if (!label_name_ok(lname)) fail(line_no, "bad label name '" + lname + "'");
        i = eq + 1;
        while (i < line.size() && line[i] == ' ') ++i;
        if (i >= line.size() || line[i] != '"') fail(line_no, "label value not quoted");
        std::size_t j = ++i;
        while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
        if (j >= line.size()) fail(line_no, "unterminated label value");
        std::string value = unescape(line.substr(i, j - i), true, line_no);
        if (!s.labels.emplace(lname, value).second) fail(line_no, "duplicate label '" + lname + "'");
        i = j + 1;
        while (i < line.size() && line[i] == ' ') ++i;
        if (i < line.size() && line[i] == ',') ++i;
        else if (i < line.size() && line[i] == '}') continue;
        else fail(line_no, "expected ',' or '}' after a label");
      }
    }
    std::string_view rest = line.substr(i);
    std::size_t b = rest.find_first_not_of(" \t");
    if (b == std::string_view::npos) fail(line_no, "sample without a value");
    rest = rest.substr(b);
    std::size_t e = rest.find_first_of(" \t");
    std::string_view value_text = rest.substr(0, e);
    auto v = parse_go_float(value_text);
    if (!v) fail(line_no, "bad sample value '" + std::string(value_text) + "'");
    if (e != std::string_view::npos) {
      std::string_view ts = rest.substr(e);
      ts = ts.substr(ts.find_first_not_of(" \t"));
      static const std::regex int_re("-?[0-9]+");
      if (!std::regex_match(ts.begin(), ts.end(), int_re)) fail(line_no, "bad timestamp");
    }
    s.value = *v;
    std::string key = s.name;
    for (const auto& [k, lv] : s.labels) key += "\x1f" + k + "=" + lv;
    if (!series.insert(key).second) fail(line_no, "duplicate series " + s.name);
    std::string fam = family_of(s.name, types);
    PromFamily& f = enter(fam);
    if (f.type == "histogram") {
      bool bucket = s.name == fam + "_bucket";
      if (!bucket && s.name != fam + "_sum" && s.name != fam + "_count")
        fail(line_no, "histogram '" + fam + "' has a sample named " + s.name);
      if (bucket != (s.labels.count("le") == 1)) fail(line_no, "le label must appear on buckets and only there");
    }
    if (f.type == "counter" && (*v < 0 || std::isnan(*v))) fail(line_no, "negative or NaN counter");
    f.samples.push_back(std::move(s));
  }
  return doc;
}

std::vector<std::pair<double, double>> check_histogram(const PromDocument& doc, std::string_view family,
                                                       const std::map<std::string, std::string>& labels) {
  const PromFamily* f = doc.family(family);
  if (!f) throw std::runtime_error("no family " + std::string(family));
  if (f->type != "histogram") throw std::runtime_error(std::string(family) + " is not a histogram");
  std::vector<std::pair<double, double>> buckets;
  std::optional<double> count, sum;
  for (const auto& s : f->samples) {
    auto l = s.labels;
    auto le = l.find("le");
    std::string le_text;
    if (le != l.end()) {
      le_text = le->second;
      l.erase(le);
    }
    if (l != labels) continue;
    if (s.name == std::string(family) + "_bucket") {
      auto bound = parse_go_float(le_text);
      if (!bound) throw std::runtime_error("bad le '" + le_text + "'");
      buckets.emplace_back(*bound, s.value);
    } else if (s.name == std::string(family) + "_count") {
      count = s.value;
    } else if (s.name == std::string(family) + "_sum") {
      sum = s.value;
    }
  }
  if (buckets.empty() || !count || !sum) throw std::runtime_error("histogram child incomplete");
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (!(buckets[i].first > buckets[i - 1].first)) throw std::runtime_error("le bounds not increasing");
    if (buckets[i].second < buckets[i - 1].second) throw std::runtime_error("bucket counts not cumulative");
  }
  if (!std::isinf(buckets.back().first) || buckets.back().first < 0) throw std::runtime_error("last bucket is not +Inf");
  if (buckets.back().second != *count) throw std::runtime_error("+Inf bucket differs from _count");
  return buckets;
}

}  // namespace hearth::test
