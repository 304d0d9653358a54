// engine/template/jinja/interpreter.h — executing a parsed Jinja2 template.
//
// One Interpreter renders one Program once: it owns the scopes, the objects the template creates
// (namespaces, loop variables) and the output buffer, and is thrown away afterwards. Semantics
// are those of jinja2's ImmutableSandboxedEnvironment as Hugging Face configures it:
//   * variables resolve through the enclosing scopes, then the render context, then the globals
//     (range, dict, namespace, cycler, joiner, lipsum, raise_exception, strftime_now);
//   * `for` bodies and macro calls get a fresh scope, so `set` inside a loop does not leak out
//     (namespace() exists for that), while `if` blocks share their enclosing scope;
//   * attribute and item lookups follow the sandbox's getattr/getitem: a missing key gives an
//     Undefined that remembers the lookup, attributes starting with `__` and methods that would
//     mutate a list or dict (append, pop, update, ...) are unsafe (SecurityError when called);
//   * errors are JinjaError with jinja2's wording.
//
// Resource limits turn runaway templates into errors instead of hangs or crashes: output and
// value sizes, executed steps (statements, loop iterations, calls) and nesting depth (macro
// recursion).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/chat_template.h"
#include "engine/template/jinja/ast.h"
#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

struct Limits {
  std::size_t max_bytes = std::size_t{64} << 20;  // output, and any single string or list built
  std::size_t max_steps = 5'000'000;              // statements, loop iterations, calls, scanned items
  int max_depth = 1000;                           // nested evaluation frames (macro recursion)
};

// Variables of one scope; lookups walk to the parent.
class Scope {
 public:
  explicit Scope(Scope* parent) : parent_(parent) {}
  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value value);
  Scope* parent() const { return parent_; }
  bool captured() const { return captured_; }
  void capture();  // a macro closes over this scope: keep it (and its parents) alive

 private:
  Scope* parent_;
  bool captured_ = false;
  std::vector<std::pair<std::string, Value>> vars_;
};

class Interpreter {
 public:
  Interpreter(const Program& program, Limits limits, CivilTime now);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Renders the template with `context` (a dict) as its variables.
  std::string render(const Value& context);

  // --- services for filters, tests, methods and objects ---
  void check_size(std::size_t bytes) const;  // throws when a value would exceed max_bytes
  std::size_t max_bytes() const { return limits_.max_bytes; }
  void step(std::size_t n = 1);              // counts executed work against max_steps
  void charge(const Value& v);               // one step plus the cost of a pass over v
  const CivilTime& now() const { return now_; }
  bool autoescape() const { return autoescape_; }

  Value getattr(const Value& object, std::string_view name);  // object.name
  Value getitem(const Value& object, const Value& key);       // object[key]
  Value call(const Value& callee, CallArgs& args);
  Value apply_filter(std::string_view name, const Value& input, CallArgs& args);
  bool apply_test(std::string_view name, const Value& input, CallArgs& args);
  ValueList iterate(const Value& v);                           // list(v); consumes generators
  Value make_object(std::shared_ptr<Object> object);           // owned until the render ends

  // Macro and call-block invocation (used by the macro callable).
  Value invoke_macro(const MacroDef& def, Scope* closure, CallArgs& args);
  // Recursive loops: `loop(children)` renders the loop body again for `iterable`.
  Value run_recursive_loop(const ForStmt& loop, Scope* scope, const Value& iterable, int depth);

 private:
  enum class Flow { Normal, Break, Continue };
  struct DepthGuard {
    explicit DepthGuard(Interpreter& i);
    ~DepthGuard() { --interp.depth_; }
    Interpreter& interp;
  };

  // Statements (interpreter.cpp).
  Flow exec_body(const Body& body, Scope* scope);
  Flow exec(const Stmt& stmt, Scope* scope);
  void exec_output(const OutputStmt& s, Scope* scope);
  Flow exec_if(const IfStmt& s, Scope* scope);
  void exec_for(const ForStmt& s, Scope* scope, const Value& iterable, int depth);
  void exec_set_block(const SetBlockStmt& s, Scope* scope);
  void exec_call_block(const CallBlockStmt& s, Scope* scope);
  void exec_filter_block(const FilterBlockStmt& s, Scope* scope);
  Flow exec_with(const WithStmt& s, Scope* scope);
  Flow exec_autoescape(const AutoescapeStmt& s, Scope* scope);
  void assign(const Target& target, const Value& value, Scope* scope);
  void write(const Value& v);
  std::string capture_body(const Body& body, Scope* scope);

  // Expressions (eval.cpp).
  Value eval(const Expr& e, Scope* scope);
  Value eval_name(const NameExpr& e, Scope* scope);
  Value eval_slice(const SliceExpr& e, Scope* scope);
  Value eval_compare(const CompareExpr& e, Scope* scope);
  Value eval_concat(const ConcatExpr& e, Scope* scope);
  Value eval_filter(const FilterExpr& e, Scope* scope, const Value* block_input);
  void eval_args(const ArgExprs& a, Scope* scope, CallArgs& out);

  Scope* push_scope(Scope* parent);
  void pop_scope(Scope* scope);

  const Program& program_;
  Limits limits_;
  CivilTime now_;
  std::vector<std::unique_ptr<Scope>> scopes_;
  std::vector<std::shared_ptr<Object>> objects_;
  const Dict* context_ = nullptr;
  std::string* out_ = nullptr;
  std::size_t steps_ = 0;
  int depth_ = 0;
  int line_ = 0;  // line of the statement being executed, for error messages
  bool autoescape_ = false;
  friend class ScopeGuard;
};

// A fresh scope for the duration of a block; popped on exit, also on exceptions.
class ScopeGuard {
 public:
  ScopeGuard(Interpreter& interp, Scope* parent) : interp_(interp), scope_(interp.push_scope(parent)) {}
  ~ScopeGuard() { interp_.pop_scope(scope_); }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  Scope* get() const { return scope_; }

 private:
  Interpreter& interp_;
  Scope* scope_;
};

}  // namespace hearth::tmpl::jinja
