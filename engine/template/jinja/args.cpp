// Python-style argument binding for builtins.
#include "engine/template/jinja/args.h"

#include "engine/template/jinja/error.h"

namespace hearth::tmpl::jinja {

ArgBinder::ArgBinder(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> params,
                     std::size_t rest, bool keyword_rest)
    : function_(function), names_(params), bound_(params.size(), nullptr) {
  const std::size_t n = args.positional.size();
  if (n > params.size() + rest) {
    type_error(function_ + "() takes at most " + std::to_string(params.size()) + " argument" +
               (params.size() == 1 ? "" : "s") + " (" + std::to_string(n) + " given)");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i < params.size()) bound_[i] = &args.positional[i];
    else rest_.push_back(&args.positional[i]);
  }
  for (const auto& [key, value] : args.keywords) {
    std::size_t index = names_.size();
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == key) index = i;
    if (index == names_.size()) {
      if (keyword_rest) {
        keyword_rest_.emplace_back(key, &value);
        continue;
      }
      type_error(function_ + "() got an unexpected keyword argument '" + key + "'");
    }
    if (bound_[index]) type_error(function_ + "() got multiple values for argument '" + key + "'");
    bound_[index] = &value;
  }
}

const Value& ArgBinder::required(std::size_t i) const {
  if (!bound_[i])
    type_error(function_ + "() missing 1 required positional argument: '" + std::string(names_[i]) + "'");
  return *bound_[i];
}

int64_t ArgBinder::int_or(std::size_t i, int64_t fallback) const {
  if (!bound_[i] || bound_[i]->is_none()) return fallback;
  if (!bound_[i]->is_integral())
    type_error(std::string("'") + bound_[i]->type_name() + "' object cannot be interpreted as an integer");
  return bound_[i]->as_int();
}

bool ArgBinder::bool_or(std::size_t i, bool fallback) const { return bound_[i] ? bound_[i]->truthy() : fallback; }

std::string ArgBinder::string_or(std::size_t i, std::string fallback) const {
  if (!bound_[i]) return fallback;
  if (!bound_[i]->is_string())
    type_error(function_ + "() argument '" + std::string(names_[i]) + "' must be str, not " + bound_[i]->type_name());
  return bound_[i]->str();
}

}  // namespace hearth::tmpl::jinja
