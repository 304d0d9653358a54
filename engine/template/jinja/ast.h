// engine/template/jinja/ast.h — the parsed form of a Jinja2 template.
//
// The parser (parser.h) turns tokens into this tree; the interpreter (interpreter.h) walks it.
// Expressions and statements are small structs tagged with their type; the interpreter switches
// on the tag and static_casts. Each node records its source line for error messages. The tree is
// immutable once parsed, so one Program can be rendered by several threads at once.
//
// Expression depth is bounded by the parser (kMaxNesting) so that evaluating, printing and
// freeing a tree never recurses deeper than the stack allows, whatever the input.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

inline constexpr int kMaxNesting = 120;

using FilterFn = Value (*)(Interpreter& interp, const Value& input, CallArgs& args);
using TestFn = bool (*)(Interpreter& interp, const Value& input, CallArgs& args);

// ---------------------------------------------------------------------------------------------
// Expressions

struct Expr {
  enum class Type {
    Const, Name, Getattr, Getitem, Slice, List, Dict, Unary, Binary, Logical, Concat, Compare,
    Condition, Call, Filter, Test,
  };
  Expr(Type t, int l) : type(t), line(l) {}
  virtual ~Expr() = default;
  Type type;
  int line;
  int depth = 1;  // height of the subtree
};
using ExprPtr = std::unique_ptr<Expr>;

struct ConstExpr : Expr {
  ConstExpr(Value v, int l) : Expr(Type::Const, l), value(std::move(v)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(std::string n, int l) : Expr(Type::Name, l), name(std::move(n)) {}
  std::string name;
};

struct GetattrExpr : Expr {  // object.attr
  GetattrExpr(int l) : Expr(Type::Getattr, l) {}
  ExprPtr object;
  std::string attr;
};

struct GetitemExpr : Expr {  // object[key]
  GetitemExpr(int l) : Expr(Type::Getitem, l) {}
  ExprPtr object, key;
};

struct SliceExpr : Expr {  // object[start:stop:step], each part optional
  SliceExpr(int l) : Expr(Type::Slice, l) {}
  ExprPtr object, start, stop, step;
};

struct ListExpr : Expr {  // [a, b] or (a, b)
  ListExpr(int l) : Expr(Type::List, l) {}
  bool tuple = false;
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  DictExpr(int l) : Expr(Type::Dict, l) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct UnaryExpr : Expr {
  enum class Op { Neg, Pos, Not };
  UnaryExpr(int l) : Expr(Type::Unary, l) {}
  Op op = Op::Neg;
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  BinaryExpr(int l) : Expr(Type::Binary, l) {}
  BinaryOp op = BinaryOp::Add;
  ExprPtr left, right;
};

struct LogicalExpr : Expr {  // and / or: short-circuit, yields an operand like Python
  LogicalExpr(int l) : Expr(Type::Logical, l) {}
  bool conjunction = true;
  ExprPtr left, right;
};

struct ConcatExpr : Expr {  // a ~ b ~ c
  ConcatExpr(int l) : Expr(Type::Concat, l) {}
  std::vector<ExprPtr> parts;
};

struct CompareExpr : Expr {  // a < b <= c: chained like Python
  CompareExpr(int l) : Expr(Type::Compare, l) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

struct ConditionExpr : Expr {  // then if test else otherwise
  ConditionExpr(int l) : Expr(Type::Condition, l) {}
  ExprPtr test, then, otherwise;  // otherwise may be null
};

struct ArgExprs {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  ExprPtr star_args, star_kwargs;  // *args, **kwargs
};

struct CallExpr : Expr {
  CallExpr(int l) : Expr(Type::Call, l) {}
  ExprPtr callee;
  ArgExprs args;
};

struct FilterExpr : Expr {  // input | name(args); input is null in filter blocks
  FilterExpr(int l) : Expr(Type::Filter, l) {}
  ExprPtr input;
  std::string name;
  ArgExprs args;
  FilterFn fn = nullptr;  // null: unknown filter (an error when reached)
};

struct TestExpr : Expr {  // input is name(args)
  TestExpr(int l) : Expr(Type::Test, l) {}
  ExprPtr input;
  std::string name;
  ArgExprs args;
  TestFn fn = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Statements

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Left-hand side of set / for / with: a name, a (nested) tuple of names, or namespace.attr.
struct Target {
  enum class Kind { Name, Tuple, Attribute };
  Kind kind = Kind::Name;
  std::string name;
  std::string attr;
  std::vector<Target> items;
  int line = 0;
};

struct Stmt {
  enum class Type {
    Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, With, Scope, Autoescape, Break, Continue,
  };
  Stmt(Type t, int l) : type(t), line(l) {}
  virtual ~Stmt() = default;
  Type type;
  int line;
};

struct OutputStmt : Stmt {  // template text and {{ expressions }}
  OutputStmt(int l) : Stmt(Type::Output, l) {}
  struct Part {
    std::string text;
    ExprPtr expr;  // null: the part is text
  };
  std::vector<Part> parts;
};

struct IfStmt : Stmt {
  IfStmt(int l) : Stmt(Type::If, l) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if and elifs
  Body otherwise;
};

struct ForStmt : Stmt {
  ForStmt(int l) : Stmt(Type::For, l) {}
  Target target;
  ExprPtr iterable, filter;  // filter: `for x in xs if cond`
  bool recursive = false;
  Body body, otherwise;
};

struct SetStmt : Stmt {
  SetStmt(int l) : Stmt(Type::Set, l) {}
  Target target;
  ExprPtr value;
};

struct SetBlockStmt : Stmt {  // {% set x | filter %}...{% endset %}
  SetBlockStmt(int l) : Stmt(Type::SetBlock, l) {}
  Target target;
  ExprPtr filter;  // FilterExpr chain whose innermost input is null (the captured body), or null
  Body body;
};

struct MacroDef {
  std::string name;  // "caller" for call blocks
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // for the last defaults.size() params
  Body body;
  bool uses_caller = false, uses_kwargs = false, uses_varargs = false;
  int line = 0;
};

struct MacroStmt : Stmt {
  MacroStmt(int l) : Stmt(Type::Macro, l) {}
  MacroDef def;
};

struct CallBlockStmt : Stmt {  // {% call(args) macro(...) %}body{% endcall %}
  CallBlockStmt(int l) : Stmt(Type::CallBlock, l) {}
  MacroDef caller;
  ExprPtr call;  // a CallExpr
};

struct FilterBlockStmt : Stmt {
  FilterBlockStmt(int l) : Stmt(Type::FilterBlock, l) {}
  ExprPtr filter;  // FilterExpr chain with a null innermost input
  Body body;
};

struct WithStmt : Stmt {
  WithStmt(int l) : Stmt(Type::With, l) {}
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
};

struct ScopeStmt : Stmt {  // {% block %} and {% generation %}: the body in its own scope
  ScopeStmt(int l) : Stmt(Type::Scope, l) {}
  Body body;
};

struct AutoescapeStmt : Stmt {
  AutoescapeStmt(int l) : Stmt(Type::Autoescape, l) {}
  ExprPtr enabled;
  Body body;
};

struct Program {
  Body body;
};

}  // namespace hearth::tmpl::jinja
