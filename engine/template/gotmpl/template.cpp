#include "engine/template/gotmpl/gotmpl.h"

namespace hearth::tmpl::gotmpl {

Template Template::parse(std::string_view source, FunctionTable extra_functions, const ParseOptions& options) {
  FunctionTable funcs = builtin_functions();
  for (auto& [name, fn] : extra_functions) funcs.insert_or_assign(name, std::move(fn));
  auto table = std::make_shared<const FunctionTable>(std::move(funcs));
  auto has_function = [&table](std::string_view name) { return table->find(name) != table->end(); };
  Template t;
  t.trees_ = std::make_shared<const TreeSet>(parse_template(source, has_function, options));
  t.functions_ = std::move(table);
  return t;
}

std::string Template::execute(const Value& data, const ExecLimits& limits) const {
  return execute_tree_set(*trees_, "", data, *functions_, limits);
}

std::string Template::execute(const Json& data, const ExecLimits& limits) const {
  return execute(Value::from_json(data), limits);
}

std::string Template::execute_template(const std::string& name, const Value& data, const ExecLimits& limits) const {
  return execute_tree_set(*trees_, name, data, *functions_, limits);
}

std::string Template::execute_with(const Value& data, const FunctionTable& functions, const ExecLimits& limits,
                                   bool missingkey_zero) const {
  return execute_tree_set(*trees_, "", data, functions, limits, missingkey_zero);
}

Template Template::with_root(ListPtr root) const {
  auto set = std::make_shared<TreeSet>(*trees_);
  set->root = std::move(root);
  Template t;
  t.trees_ = std::move(set);
  t.functions_ = functions_;
  return t;
}

Template Template::main_tree_only() const {
  auto set = std::make_shared<TreeSet>();
  set->source = trees_->source;
  set->root = trees_->root;
  Template t;
  t.trees_ = std::move(set);
  t.functions_ = functions_;
  return t;
}

}  // namespace hearth::tmpl::gotmpl
