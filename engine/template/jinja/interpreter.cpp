// Statement execution: output, control flow, assignment, macros and blocks.
#include "engine/template/jinja/interpreter.h"

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/objects.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

// ---------------------------------------------------------------------------------------------
// Scope

const Value* Scope::find(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent_) {
    for (const auto& [k, v] : s->vars_)
      if (k == name) return &v;
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value value) {
  for (auto& [k, v] : vars_) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::move(value));
}

void Scope::capture() {
  for (Scope* s = this; s && !s->captured_; s = s->parent_) s->captured_ = true;
}

// ---------------------------------------------------------------------------------------------
// Interpreter plumbing

Interpreter::Interpreter(const Program& program, Limits limits, CivilTime now)
    : program_(program), limits_(limits), now_(now) {}

Interpreter::~Interpreter() {
  // Objects may reference each other (a namespace holding itself, a loop stored in a namespace):
  // empty them first so that freeing never recurses through a cycle or a long chain.
  for (auto& o : objects_) o->clear();
}

Interpreter::DepthGuard::DepthGuard(Interpreter& i) : interp(i) {
  if (++interp.depth_ > interp.limits_.max_depth) {
    --interp.depth_;
    raise("RecursionError", "maximum template recursion depth exceeded");
  }
}

void Interpreter::check_size(std::size_t bytes) const {
  if (bytes > limits_.max_bytes)
    raise("MemoryError", "template value larger than the limit of " + std::to_string(limits_.max_bytes) + " bytes");
}

void Interpreter::step(std::size_t n) {
  steps_ += n;
  if (steps_ > limits_.max_steps)
    raise("TemplateRuntimeError", "template exceeded its execution budget of " + std::to_string(limits_.max_steps) + " steps");
}

void Interpreter::charge(const Value& v) {
  // Work proportional to a value's size (a scan of a string or list) is charged so that a
  // template doing O(n) operations in a loop runs out of steps instead of running for minutes.
  std::size_t cost = 1;
  switch (v.kind()) {
    case Value::Kind::String: cost += v.str().size() / 32; break;
    case Value::Kind::List:
    case Value::Kind::Tuple: cost += v.items().size() / 2; break;
    case Value::Kind::Dict: cost += v.dict().size() / 2; break;
    case Value::Kind::Iterable: cost += v.iterable().items.size() / 2; break;
    default: break;
  }
  step(cost);
}

Value Interpreter::make_object(std::shared_ptr<Object> object) {
  objects_.push_back(object);
  return Value::object(std::move(object));
}

Scope* Interpreter::push_scope(Scope* parent) {
  scopes_.push_back(std::make_unique<Scope>(parent));
  return scopes_.back().get();
}

void Interpreter::pop_scope(Scope* scope) {
  // Scopes a macro closed over stay until the render ends; others are freed in stack order.
  if (!scope->captured() && !scopes_.empty() && scopes_.back().get() == scope) scopes_.pop_back();
}

std::string Interpreter::render(const Value& context) {
  context_ = &context.dict();
  std::string out;
  out_ = &out;
  Scope* root = push_scope(nullptr);
  root->capture();  // top-level macros close over the root scope
  exec_body(program_.body, root);
  out_ = nullptr;
  return out;
}

void Interpreter::write(const Value& v) {
  charge(v);
  if (v.is_string() && (!autoescape_ || v.is_markup())) {
    out_->append(v.str());
  } else if (autoescape_) {
    out_->append(v.is_markup() ? v.str() : html_escape(to_str(v)));
  } else {
    out_->append(to_str(v));
  }
  check_size(out_->size());
}

std::string Interpreter::capture_body(const Body& body, Scope* scope) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  try {
    Flow flow = exec_body(body, scope);
    (void)flow;  // break/continue cannot escape a captured body (validated at parse time)
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buffer;
}

// ---------------------------------------------------------------------------------------------
// Statements

Interpreter::Flow Interpreter::exec_body(const Body& body, Scope* scope) {
  for (const StmtPtr& s : body) {
    Flow f = exec(*s, scope);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, Scope* scope) {
  DepthGuard depth(*this);
  step();
  int saved_line = line_;
  line_ = s.line;
  try {
    switch (s.type) {
      case Stmt::Type::Output: exec_output(static_cast<const OutputStmt&>(s), scope); break;
      case Stmt::Type::If: {
        Flow f = exec_if(static_cast<const IfStmt&>(s), scope);
        line_ = saved_line;
        return f;
      }
      case Stmt::Type::For: {
        const auto& f = static_cast<const ForStmt&>(s);
        exec_for(f, scope, eval(*f.iterable, scope), 1);
        break;
      }
      case Stmt::Type::Set: {
        const auto& set = static_cast<const SetStmt&>(s);
        assign(set.target, eval(*set.value, scope), scope);
        break;
      }
      case Stmt::Type::SetBlock: exec_set_block(static_cast<const SetBlockStmt&>(s), scope); break;
      case Stmt::Type::Macro: {
        const auto& m = static_cast<const MacroStmt&>(s);
        scope->capture();
        scope->set(m.def.name, Value::callable(std::make_shared<Macro>(m.def, scope)));
        break;
      }
      case Stmt::Type::CallBlock: exec_call_block(static_cast<const CallBlockStmt&>(s), scope); break;
      case Stmt::Type::FilterBlock: exec_filter_block(static_cast<const FilterBlockStmt&>(s), scope); break;
      case Stmt::Type::With: {
        Flow f = exec_with(static_cast<const WithStmt&>(s), scope);
        line_ = saved_line;
        return f;
      }
      case Stmt::Type::Scope: {
        ScopeGuard inner(*this, scope);
        exec_body(static_cast<const ScopeStmt&>(s).body, inner.get());
        break;
      }
      case Stmt::Type::Autoescape: {
        Flow f = exec_autoescape(static_cast<const AutoescapeStmt&>(s), scope);
        line_ = saved_line;
        return f;
      }
      case Stmt::Type::Break: line_ = saved_line; return Flow::Break;
      case Stmt::Type::Continue: line_ = saved_line; return Flow::Continue;
    }
  } catch (const JinjaError& e) {
    if (!e.located()) throw e.at_line(line_);
    throw;
  }
  line_ = saved_line;
  return Flow::Normal;
}

void Interpreter::exec_output(const OutputStmt& s, Scope* scope) {
  for (const auto& part : s.parts) {
    if (!part.expr) {
      out_->append(part.text);
      check_size(out_->size());
      continue;
    }
    line_ = part.expr->line;
    write(eval(*part.expr, scope));
  }
}

Interpreter::Flow Interpreter::exec_if(const IfStmt& s, Scope* scope) {
  for (const auto& [test, body] : s.branches) {
    line_ = test->line;
    if (eval(*test, scope).truthy()) return exec_body(body, scope);
  }
  return exec_body(s.otherwise, scope);
}

void Interpreter::exec_for(const ForStmt& s, Scope* scope, const Value& iterable, int depth) {
  ValueList all = iterate(iterable);
  auto items = std::make_shared<ValueList>();
  if (s.filter) {
    for (Value& item : all) {
      step();
      ScopeGuard test_scope(*this, scope);
      assign(s.target, item, test_scope.get());
      if (eval(*s.filter, test_scope.get()).truthy()) items->push_back(std::move(item));
    }
  } else {
    *items = std::move(all);
  }
  if (items->empty()) {
    ScopeGuard else_scope(*this, scope);
    exec_body(s.otherwise, else_scope.get());
    return;
  }
  auto loop = std::make_shared<LoopContext>(items, depth, s.recursive ? &s : nullptr, scope);
  Value loop_value = make_object(loop);
  // The loop object is only kept for the rest of the render if something still refers to it
  // (a namespace or a macro closure); otherwise it is released when the loop ends.
  struct ReleaseLoop {
    Interpreter& interp;
    std::shared_ptr<LoopContext>& loop;
    Value& value;
    ~ReleaseLoop() {
      value = Value();
      if (!interp.objects_.empty() && interp.objects_.back() == loop && loop.use_count() == 2) interp.objects_.pop_back();
    }
  } release{*this, loop, loop_value};
  // jinja2 clears its "no iteration happened" flag at the end of a body, so a loop whose every
  // iteration ends in break or continue still runs its else block.
  bool completed_an_iteration = false;
  for (std::size_t i = 0; i < items->size(); ++i) {
    step();
    loop->set_index(i);
    ScopeGuard body_scope(*this, scope);
    assign(s.target, (*items)[i], body_scope.get());
    body_scope.get()->set("loop", loop_value);
    Flow f = exec_body(s.body, body_scope.get());
    if (f == Flow::Break) break;
    if (f == Flow::Normal) completed_an_iteration = true;
  }
  if (!completed_an_iteration && !s.otherwise.empty()) {
    ScopeGuard else_scope(*this, scope);
    exec_body(s.otherwise, else_scope.get());
  }
}

Value Interpreter::run_recursive_loop(const ForStmt& loop, Scope* scope, const Value& iterable, int depth) {
  DepthGuard guard(*this);
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  try {
    exec_for(loop, scope, iterable, depth);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return Value(std::move(buffer), autoescape_);
}

void Interpreter::assign(const Target& target, const Value& value, Scope* scope) {
  switch (target.kind) {
    case Target::Kind::Name: scope->set(target.name, value); return;
    case Target::Kind::Attribute: {
      const Value* ns = scope->find(target.name);
      if (!ns || !ns->is_object() || !ns->object().set_attribute(target.attr, value))
        runtime_error("cannot assign attribute on non-namespace object");
      return;
    }
    case Target::Kind::Tuple: {
      switch (value.kind()) {
        case Value::Kind::None:
        case Value::Kind::Bool:
        case Value::Kind::Int:
        case Value::Kind::Float:
        case Value::Kind::Callable:
          type_error(std::string("cannot unpack non-iterable ") + value.type_name() + " object");
        default: break;
      }
      ValueList items = iterate(value);
      std::size_t want = target.items.size();
      if (items.size() < want)
        value_error("not enough values to unpack (expected " + std::to_string(want) + ", got " +
                    std::to_string(items.size()) + ")");
      if (items.size() > want) value_error("too many values to unpack (expected " + std::to_string(want) + ")");
      for (std::size_t i = 0; i < want; ++i) assign(target.items[i], items[i], scope);
      return;
    }
  }
}

void Interpreter::exec_set_block(const SetBlockStmt& s, Scope* scope) {
  ScopeGuard inner(*this, scope);
  Value captured(capture_body(s.body, inner.get()), autoescape_);
  if (s.filter) captured = eval_filter(static_cast<const FilterExpr&>(*s.filter), inner.get(), &captured);
  assign(s.target, captured, scope);
}

void Interpreter::exec_call_block(const CallBlockStmt& s, Scope* scope) {
  scope->capture();
  Value caller = Value::callable(std::make_shared<Macro>(s.caller, scope));
  const auto& call = static_cast<const CallExpr&>(*s.call);
  Value callee = eval(*call.callee, scope);
  CallArgs args;
  eval_args(call.args, scope, args);
  args.keywords.emplace_back("caller", caller);
  write(this->call(callee, args));
}

void Interpreter::exec_filter_block(const FilterBlockStmt& s, Scope* scope) {
  ScopeGuard inner(*this, scope);
  Value body(capture_body(s.body, inner.get()), autoescape_);
  write(eval_filter(static_cast<const FilterExpr&>(*s.filter), inner.get(), &body));
}

Interpreter::Flow Interpreter::exec_with(const WithStmt& s, Scope* scope) {
  ScopeGuard inner(*this, scope);
  for (const auto& [target, expr] : s.assignments) assign(target, eval(*expr, scope), inner.get());
  return exec_body(s.body, inner.get());
}

Interpreter::Flow Interpreter::exec_autoescape(const AutoescapeStmt& s, Scope* scope) {
  bool saved = autoescape_;
  bool enabled = eval(*s.enabled, scope).truthy();
  ScopeGuard inner(*this, scope);
  autoescape_ = enabled;
  Flow f;
  try {
    f = exec_body(s.body, inner.get());
  } catch (...) {
    autoescape_ = saved;
    throw;
  }
  autoescape_ = saved;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Macros

Value Interpreter::invoke_macro(const MacroDef& def, Scope* closure, CallArgs& args) {
  DepthGuard guard(*this);
  step();
  const std::size_t nparams = def.params.size();
  ScopeGuard frame(*this, closure);
  Scope* scope = frame.get();
  std::vector<std::pair<std::string, Value>> keywords = std::move(args.keywords);
  auto take_keyword = [&](std::string_view name, Value& out) {
    for (auto it = keywords.begin(); it != keywords.end(); ++it) {
      if (it->first == name) {
        out = std::move(it->second);
        keywords.erase(it);
        return true;
      }
    }
    return false;
  };
  // Arguments the caller gave are bound first; defaults are then evaluated in parameter order
  // and see those arguments (a default naming a later, not-yet-bound parameter sees Undefined).
  std::size_t positional = std::min(args.positional.size(), nparams);
  bool caller_given = false;
  std::vector<bool> given(nparams, false);
  for (std::size_t i = 0; i < nparams; ++i) {
    const std::string& name = def.params[i];
    Value value;
    if (i < positional) {
      value = args.positional[i];
      given[i] = true;
    } else {
      given[i] = take_keyword(name, value);
      if (name == "caller") caller_given = given[i];
    }
    scope->set(name, given[i] ? std::move(value) : Value::undefined({name, false, "", "", false}));
  }
  const std::size_t first_default = nparams - def.defaults.size();
  for (std::size_t i = 0; i < nparams; ++i) {
    if (given[i]) continue;
    const std::string& name = def.params[i];
    if (i >= first_default)
      scope->set(name, eval(*def.defaults[i - first_default], scope));
    else
      scope->set(name, Value::undefined({name, false, "", "parameter " + string_repr(name) + " was not provided", false}));
  }
  if (def.uses_caller && !caller_given) {
    Value caller;
    if (!take_keyword("caller", caller)) caller = Value::undefined({"caller", false, "", "No caller defined", false});
    scope->set("caller", std::move(caller));
  }
  if (def.uses_kwargs) {
    Dict kw;
    for (auto& [k, v] : keywords) kw.set(Value(k), std::move(v));
    keywords.clear();
    scope->set("kwargs", Value::dict(std::move(kw)));
  } else if (!keywords.empty()) {
    bool has_caller = false;
    for (const auto& kw : keywords) has_caller |= kw.first == "caller";
    if (has_caller)
      type_error("macro " + string_repr(def.name) +
                 " was invoked with two values for the special caller argument. This is most likely a bug.");
    type_error("macro " + string_repr(def.name) + " takes no keyword argument " + string_repr(keywords.front().first));
  }
  if (def.uses_varargs) {
    ValueList extra;
    for (std::size_t i = nparams; i < args.positional.size(); ++i) extra.push_back(args.positional[i]);
    scope->set("varargs", Value::tuple(std::move(extra)));
  } else if (args.positional.size() > nparams) {
    type_error("macro " + string_repr(def.name) + " takes not more than " + std::to_string(nparams) + " argument(s)");
  }
  return Value(capture_body(def.body, scope), autoescape_);
}

}  // namespace hearth::tmpl::jinja
