// The checks jinja2's compiler makes after parsing, and macro signature analysis.
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/parser_impl.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

namespace {

[[noreturn]] void assertion_error(const std::string& message, int line) {
  throw JinjaError("TemplateAssertionError", message, line);
}

// Walks the tree. `soft` is jinja2's soft frame: directly inside an `if` or a conditional
// expression, where unknown filters and tests fail only when evaluated.
class Validator {
 public:
  void body(Body& stmts, bool soft, bool in_loop) {
    for (StmtPtr& s : stmts) stmt(*s, soft, in_loop);
  }

 private:
  void args(const ArgExprs& a, bool soft) {
    for (const auto& e : a.positional) expr(e.get(), soft);
    for (const auto& [k, e] : a.keywords) expr(e.get(), soft);
    expr(a.star_args.get(), soft);
    expr(a.star_kwargs.get(), soft);
  }

  void expr(const Expr* e, bool soft) {
    if (!e) return;
    switch (e->type) {
      case Expr::Type::Const:
      case Expr::Type::Name: return;
      case Expr::Type::Getattr: return expr(static_cast<const GetattrExpr*>(e)->object.get(), soft);
      case Expr::Type::Getitem: {
        auto g = static_cast<const GetitemExpr*>(e);
        expr(g->object.get(), soft);
        return expr(g->key.get(), soft);
      }
      case Expr::Type::Slice: {
        auto s = static_cast<const SliceExpr*>(e);
        for (const Expr* x : {s->object.get(), s->start.get(), s->stop.get(), s->step.get()}) expr(x, soft);
        return;
      }
      case Expr::Type::List:
        for (const auto& item : static_cast<const ListExpr*>(e)->items) expr(item.get(), soft);
        return;
      case Expr::Type::Dict:
        for (const auto& [k, v] : static_cast<const DictExpr*>(e)->items) {
          expr(k.get(), soft);
          expr(v.get(), soft);
        }
        return;
      case Expr::Type::Unary: return expr(static_cast<const UnaryExpr*>(e)->operand.get(), soft);
      case Expr::Type::Binary: {
        auto b = static_cast<const BinaryExpr*>(e);
        expr(b->left.get(), soft);
        return expr(b->right.get(), soft);
      }
      case Expr::Type::Logical: {
        auto b = static_cast<const LogicalExpr*>(e);
        expr(b->left.get(), soft);
        return expr(b->right.get(), soft);
      }
      case Expr::Type::Concat:
        for (const auto& p : static_cast<const ConcatExpr*>(e)->parts) expr(p.get(), soft);
        return;
      case Expr::Type::Compare: {
        auto c = static_cast<const CompareExpr*>(e);
        expr(c->first.get(), soft);
        for (const auto& [op, x] : c->rest) expr(x.get(), soft);
        return;
      }
      case Expr::Type::Condition: {
        auto c = static_cast<const ConditionExpr*>(e);
        for (const Expr* x : {c->test.get(), c->then.get(), c->otherwise.get()}) expr(x, true);
        return;
      }
      case Expr::Type::Call: {
        auto c = static_cast<const CallExpr*>(e);
        expr(c->callee.get(), soft);
        return args(c->args, soft);
      }
      case Expr::Type::Filter: {
        auto f = static_cast<const FilterExpr*>(e);
        if (!f->fn && !soft) assertion_error("No filter named " + string_repr(f->name) + ".", f->line);
        expr(f->input.get(), soft);
        return args(f->args, soft);
      }
      case Expr::Type::Test: {
        auto t = static_cast<const TestExpr*>(e);
        if (!t->fn && !soft) assertion_error("No test named " + string_repr(t->name) + ".", t->line);
        expr(t->input.get(), soft);
        return args(t->args, soft);
      }
    }
  }

  void macro(MacroDef& def) {
    for (const auto& d : def.defaults) expr(d.get(), false);
    body(def.body, false, false);
    // jinja2 passes caller/kwargs/varargs only to macros whose body mentions them.
    NameUse use;
    for (const auto& s : def.body) use.stmt(*s);
    bool param_kwargs = false, param_varargs = false;
    for (const std::string& p : def.params) {
      param_kwargs |= p == "kwargs";
      param_varargs |= p == "varargs";
    }
    def.uses_caller = use.caller;
    def.uses_kwargs = use.kwargs && !param_kwargs;
    def.uses_varargs = use.varargs && !param_varargs;
  }

  // Loads of the special names anywhere in a macro body.
  struct NameUse {
    bool caller = false, kwargs = false, varargs = false;
    void name(const std::string& n) {
      caller |= n == "caller";
      kwargs |= n == "kwargs";
      varargs |= n == "varargs";
    }
    void args(const ArgExprs& a) {
      for (const auto& e : a.positional) expr(e.get());
      for (const auto& [k, e] : a.keywords) expr(e.get());
      expr(a.star_args.get());
      expr(a.star_kwargs.get());
    }
    void expr(const Expr* e) {
      if (!e) return;
      switch (e->type) {
        case Expr::Type::Name: return name(static_cast<const NameExpr*>(e)->name);
        case Expr::Type::Const: return;
        case Expr::Type::Getattr: return expr(static_cast<const GetattrExpr*>(e)->object.get());
        case Expr::Type::Getitem: {
          auto g = static_cast<const GetitemExpr*>(e);
          expr(g->object.get());
          return expr(g->key.get());
        }
        case Expr::Type::Slice: {
          auto s = static_cast<const SliceExpr*>(e);
          for (const Expr* x : {s->object.get(), s->start.get(), s->stop.get(), s->step.get()}) expr(x);
          return;
        }
        case Expr::Type::List:
          for (const auto& item : static_cast<const ListExpr*>(e)->items) expr(item.get());
          return;
        case Expr::Type::Dict:
          for (const auto& [k, v] : static_cast<const DictExpr*>(e)->items) {
            expr(k.get());
            expr(v.get());
          }
          return;
        case Expr::Type::Unary: return expr(static_cast<const UnaryExpr*>(e)->operand.get());
        case Expr::Type::Binary: {
          auto b = static_cast<const BinaryExpr*>(e);
          expr(b->left.get());
          return expr(b->right.get());
        }
        case Expr::Type::Logical: {
          auto b = static_cast<const LogicalExpr*>(e);
          expr(b->left.get());
          return expr(b->right.get());
        }
        case Expr::Type::Concat:
          for (const auto& p : static_cast<const ConcatExpr*>(e)->parts) expr(p.get());
          return;
        case Expr::Type::Compare: {
          auto c = static_cast<const CompareExpr*>(e);
          expr(c->first.get());
          for (const auto& [op, x] : c->rest) expr(x.get());
          return;
        }
        case Expr::Type::Condition: {
          auto c = static_cast<const ConditionExpr*>(e);
          for (const Expr* x : {c->test.get(), c->then.get(), c->otherwise.get()}) expr(x);
          return;
        }
        case Expr::Type::Call: {
          auto c = static_cast<const CallExpr*>(e);
          expr(c->callee.get());
          return args(c->args);
        }
        case Expr::Type::Filter: {
          auto f = static_cast<const FilterExpr*>(e);
          expr(f->input.get());
          return args(f->args);
        }
        case Expr::Type::Test: {
          auto t = static_cast<const TestExpr*>(e);
          expr(t->input.get());
          return args(t->args);
        }
      }
    }
    void body(const Body& b) {
      for (const auto& s : b) stmt(*s);
    }
    void stmt(const Stmt& s) {
      switch (s.type) {
        case Stmt::Type::Output:
          for (const auto& p : static_cast<const OutputStmt&>(s).parts) expr(p.expr.get());
          return;
        case Stmt::Type::If:
          for (const auto& [test, b] : static_cast<const IfStmt&>(s).branches) {
            expr(test.get());
            body(b);
          }
          return body(static_cast<const IfStmt&>(s).otherwise);
        case Stmt::Type::For: {
          const auto& f = static_cast<const ForStmt&>(s);
          expr(f.iterable.get());
          expr(f.filter.get());
          body(f.body);
          return body(f.otherwise);
        }
        case Stmt::Type::Set: return expr(static_cast<const SetStmt&>(s).value.get());
        case Stmt::Type::SetBlock:
          expr(static_cast<const SetBlockStmt&>(s).filter.get());
          return body(static_cast<const SetBlockStmt&>(s).body);
        case Stmt::Type::Macro: {
          const auto& m = static_cast<const MacroStmt&>(s).def;
          for (const auto& d : m.defaults) expr(d.get());
          return body(m.body);
        }
        case Stmt::Type::CallBlock: {
          const auto& c = static_cast<const CallBlockStmt&>(s);
          expr(c.call.get());
          for (const auto& d : c.caller.defaults) expr(d.get());
          return body(c.caller.body);
        }
        case Stmt::Type::FilterBlock:
          expr(static_cast<const FilterBlockStmt&>(s).filter.get());
          return body(static_cast<const FilterBlockStmt&>(s).body);
        case Stmt::Type::With:
          for (const auto& [t, e] : static_cast<const WithStmt&>(s).assignments) expr(e.get());
          return body(static_cast<const WithStmt&>(s).body);
        case Stmt::Type::Scope: return body(static_cast<const ScopeStmt&>(s).body);
        case Stmt::Type::Autoescape:
          expr(static_cast<const AutoescapeStmt&>(s).enabled.get());
          return body(static_cast<const AutoescapeStmt&>(s).body);
        case Stmt::Type::Break:
        case Stmt::Type::Continue: return;
      }
    }
  };

  static bool assigns_loop(const Target& t) {
    if (t.kind == Target::Kind::Name) return t.name == "loop";
    if (t.kind == Target::Kind::Tuple)
      for (const Target& item : t.items)
        if (assigns_loop(item)) return true;
    return false;
  }

  void stmt(Stmt& s, bool soft, bool in_loop) {
    switch (s.type) {
      case Stmt::Type::Output:
        for (auto& p : static_cast<OutputStmt&>(s).parts) expr(p.expr.get(), soft);
        return;
      case Stmt::Type::If: {
        auto& i = static_cast<IfStmt&>(s);
        for (auto& [test, b] : i.branches) {
          expr(test.get(), true);
          body(b, true, in_loop);
        }
        return body(i.otherwise, true, in_loop);
      }
      case Stmt::Type::For: {
        auto& f = static_cast<ForStmt&>(s);
        if (assigns_loop(f.target))
          assertion_error("Can't assign to special loop variable in for-loop target", f.line);
        expr(f.iterable.get(), soft);
        expr(f.filter.get(), false);
        body(f.body, false, true);
        return body(f.otherwise, false, in_loop);
      }
      case Stmt::Type::Set: return expr(static_cast<SetStmt&>(s).value.get(), soft);
      // Captured bodies (set blocks, filter blocks) cannot break out of an enclosing loop here.
      case Stmt::Type::SetBlock:
        expr(static_cast<SetBlockStmt&>(s).filter.get(), false);
        return body(static_cast<SetBlockStmt&>(s).body, false, false);
      case Stmt::Type::Macro: return macro(static_cast<MacroStmt&>(s).def);
      case Stmt::Type::CallBlock: {
        auto& c = static_cast<CallBlockStmt&>(s);
        expr(c.call.get(), soft);
        return macro(c.caller);
      }
      case Stmt::Type::FilterBlock:
        expr(static_cast<FilterBlockStmt&>(s).filter.get(), false);
        return body(static_cast<FilterBlockStmt&>(s).body, false, false);
      case Stmt::Type::With: {
        auto& w = static_cast<WithStmt&>(s);
        for (auto& [t, e] : w.assignments) expr(e.get(), soft);
        return body(w.body, false, in_loop);
      }
      case Stmt::Type::Scope: return body(static_cast<ScopeStmt&>(s).body, false, false);
      case Stmt::Type::Autoescape:
        expr(static_cast<AutoescapeStmt&>(s).enabled.get(), false);
        return body(static_cast<AutoescapeStmt&>(s).body, false, in_loop);
      case Stmt::Type::Break:
      case Stmt::Type::Continue:
        if (!in_loop)
          throw JinjaError("TemplateSyntaxError",
                           std::string("'") + (s.type == Stmt::Type::Break ? "break" : "continue") + "' outside loop",
                           s.line);
        return;
    }
  }
};

}  // namespace

void validate(Body& body) { Validator().body(body, false, false); }

}  // namespace hearth::tmpl::jinja
