// engine/template/jinja/args.h — binding call arguments to a builtin's parameters.
//
// Builtin filters, tests, globals and methods take Python-style arguments. ArgBinder matches
// positional and keyword arguments against a parameter list and reports Python's errors
// ("join() got an unexpected keyword argument 'x'", "... takes at most 2 arguments (3 given)").
//
//   ArgBinder a("indent", args, {"width", "first", "blank"});
//   Value width = a.get_or(0, Value(4));
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

class ArgBinder {
 public:
  // `rest` > 0 allows that many extra positional arguments (collected in rest()); SIZE_MAX: any.
  ArgBinder(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> params,
            std::size_t rest = 0, bool keyword_rest = false);

  bool has(std::size_t i) const { return bound_[i] != nullptr; }
  const Value* get(std::size_t i) const { return bound_[i]; }
  Value get_or(std::size_t i, Value fallback) const { return bound_[i] ? *bound_[i] : std::move(fallback); }
  const Value& required(std::size_t i) const;
  const std::vector<const Value*>& rest() const { return rest_; }
  const std::vector<std::pair<std::string, const Value*>>& keyword_rest() const { return keyword_rest_; }

  // Typed accessors with Python's TypeError on a mismatch.
  int64_t int_or(std::size_t i, int64_t fallback) const;
  bool bool_or(std::size_t i, bool fallback) const;  // any value: its truthiness
  std::string string_or(std::size_t i, std::string fallback) const;  // must be a str when given

 private:
  std::string function_;
  std::vector<std::string_view> names_;
  std::vector<const Value*> bound_;
  std::vector<const Value*> rest_;
  std::vector<std::pair<std::string, const Value*>> keyword_rest_;
};

}  // namespace hearth::tmpl::jinja
