// engine/template/jinja/objects.h — callables and objects with behaviour of their own.
//
//   NativeFunction  a builtin or a bound method (a C++ function plus its Python-ish repr)
//   Macro           a {% macro %} or the `caller` of a {% call %} block, closed over its scope
//   Namespace       namespace(): the one mutable container, assigned with {% set ns.x = ... %}
//   LoopContext     the `loop` variable of a for loop (index, first, last, cycle(), ...)
//   Cycler, Joiner  jinja2's cycler() and joiner() globals
//
// Objects are created through Interpreter::make_object so that the interpreter can break
// reference cycles (a namespace that holds itself) when the render ends.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "engine/template/jinja/ast.h"
#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

class Scope;

class NativeFunction : public Callable {
 public:
  using Fn = std::function<Value(Interpreter&, CallArgs&)>;
  NativeFunction(std::string repr, Fn fn, int depth = 0) : repr_(std::move(repr)), fn_(std::move(fn)), depth_(depth) {}
  Value call(Interpreter& interp, CallArgs& args) const override { return fn_(interp, args); }
  std::string repr() const override { return repr_; }
  int depth() const override { return depth_; }

  static Value make(std::string repr, Fn fn, int depth = 0) {
    return Value::callable(std::make_shared<NativeFunction>(std::move(repr), std::move(fn), depth));
  }
  // A method of `receiver`, e.g. "a".upper: repr "<built-in method upper of str object>".
  static Value bind(const Value& receiver, std::string_view name, std::function<Value(Interpreter&, const Value&, CallArgs&)> fn);

 private:
  std::string repr_;
  Fn fn_;
  int depth_;
};

class Macro : public Callable {
 public:
  Macro(const MacroDef& def, Scope* closure) : def_(def), closure_(closure) {}
  Value call(Interpreter& interp, CallArgs& args) const override;
  std::string repr() const override;
  const char* type_name() const override { return "Macro"; }

 private:
  const MacroDef& def_;
  Scope* closure_;
};

class Namespace : public Object {
 public:
  explicit Namespace(Dict attrs) : attrs_(std::move(attrs)) {}
  const char* type_name() const override { return "Namespace"; }
  std::string type_repr() const override { return "jinja2.utils.Namespace object"; }
  std::optional<Value> attribute(std::string_view name) override;
  bool set_attribute(std::string_view name, Value v) override;
  void append_repr(Printer& printer, std::string& out) override;
  void clear() override { attrs_ = Dict(); }

 private:
  Dict attrs_;
};

class LoopContext : public Object {
 public:
  LoopContext(std::shared_ptr<const ValueList> items, int depth, const ForStmt* recursive_loop, Scope* scope)
      : items_(std::move(items)), depth_(depth), loop_(recursive_loop), scope_(scope) {}
  void set_index(std::size_t i) { index_ = i; }

  const char* type_name() const override { return "LoopContext"; }
  std::string type_repr() const override { return "jinja2.runtime.LoopContext object"; }
  std::optional<Value> attribute(std::string_view name) override;
  void append_repr(Printer& printer, std::string& out) override;
  void clear() override { items_.reset(); }
  bool callable() const override { return true; }
  Value call(Interpreter& interp, CallArgs& args) override;

 private:
  std::shared_ptr<const ValueList> items_;
  std::size_t index_ = 0;
  int depth_;
  const ForStmt* loop_;  // non-null for `recursive` loops
  Scope* scope_;
  Value last_changed_;   // for loop.changed()
  bool has_changed_ = false;
};

class Cycler : public Object {
 public:
  explicit Cycler(ValueList items) : items_(std::move(items)) {}
  const char* type_name() const override { return "Cycler"; }
  std::string type_repr() const override { return "jinja2.utils.Cycler object"; }
  std::optional<Value> attribute(std::string_view name) override;
  void append_repr(Printer& printer, std::string& out) override;
  void clear() override { items_.clear(); }

 private:
  ValueList items_;
  std::size_t pos_ = 0;
};

// groupby's result items: a (grouper, list) tuple whose fields are also attributes.
class GroupTuple : public Object {
 public:
  GroupTuple(Value grouper, Value list) : grouper_(std::move(grouper)), list_(std::move(list)) {}
  const char* type_name() const override { return "_GroupTuple"; }
  std::string type_repr() const override { return "jinja2.filters._GroupTuple object"; }
  std::optional<Value> attribute(std::string_view name) override;
  void append_repr(Printer& printer, std::string& out) override;
  std::optional<std::vector<Value>> iterate() override { return std::vector<Value>{grouper_, list_}; }
  void clear() override { grouper_ = list_ = Value(); }

 private:
  Value grouper_, list_;
};

class Joiner : public Object {
 public:
  explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
  const char* type_name() const override { return "Joiner"; }
  std::string type_repr() const override { return "jinja2.utils.Joiner object"; }
  std::optional<Value> attribute(std::string_view) override { return std::nullopt; }
  void append_repr(Printer&, std::string& out) override { out += "<jinja2.utils.Joiner object>"; }
  bool callable() const override { return true; }
  Value call(Interpreter& interp, CallArgs& args) override;

 private:
  std::string sep_;
  bool used_ = false;
};

}  // namespace hearth::tmpl::jinja
