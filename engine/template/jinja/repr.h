// engine/template/jinja/repr.h — Python's str() and repr() of template values.
//
// `{{ x }}` writes str(x), so a template's output is byte-exact only if these match CPython:
// `None`, `True`, `1.0`, `1e-05`, `['a', "it's"]`, `{'k': 1}`, `(1,)`, and an Undefined prints
// as nothing (inside a container its repr is `Undefined`). Strings are quoted the way
// Python's repr picks quotes and escapes non-printable characters.
//
//   std::string s = to_str(value);     // str(value)
//   std::string r = to_repr(value);    // repr(value)
//
// A Printer carries the state of one print: objects being printed (a namespace that contains
// itself prints `{...}` where it recurses, as CPython does) and a nesting limit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

class Printer {
 public:
  // Printing a container stops with MemoryError beyond this many bytes (nested shared lists can
  // print as far more text than they occupy).
  static constexpr std::size_t kDefaultLimit = std::size_t{16} << 20;
  explicit Printer(std::size_t limit = kDefaultLimit) : limit_(limit) {}

  void append_str(std::string& out, const Value& v);
  void append_repr(std::string& out, const Value& v);

  // Cycle guard for objects: enter() returns false when `p` is already being printed.
  bool enter(const void* p);
  void leave(const void* p);
  void check(const std::string& out) const;  // MemoryError past the limit

 private:
  std::size_t limit_;
  std::vector<const void*> active_;
};

std::string to_str(const Value& v);
std::string to_repr(const Value& v);
std::string float_repr(double d);               // repr(float): shortest round-trip, Python's layout
std::string string_repr(std::string_view s);    // repr(str): quoted and escaped
std::string int_str(int64_t v);

}  // namespace hearth::tmpl::jinja
