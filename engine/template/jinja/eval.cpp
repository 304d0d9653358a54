// Expression evaluation.
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/objects.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

Value Interpreter::eval(const Expr& e, Scope* scope) {
  DepthGuard depth(*this);
  switch (e.type) {
    case Expr::Type::Const: return static_cast<const ConstExpr&>(e).value;
    case Expr::Type::Name: return eval_name(static_cast<const NameExpr&>(e), scope);
    case Expr::Type::Getattr: {
      const auto& g = static_cast<const GetattrExpr&>(e);
      return getattr(eval(*g.object, scope), g.attr);
    }
    case Expr::Type::Getitem: {
      const auto& g = static_cast<const GetitemExpr&>(e);
      Value object = eval(*g.object, scope);
      return getitem(object, eval(*g.key, scope));
    }
    case Expr::Type::Slice: return eval_slice(static_cast<const SliceExpr&>(e), scope);
    case Expr::Type::List: {
      const auto& l = static_cast<const ListExpr&>(e);
      ValueList items;
      items.reserve(l.items.size());
      for (const ExprPtr& item : l.items) items.push_back(eval(*item, scope));
      return l.tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    case Expr::Type::Dict: {
      Dict d;
      for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
        Value key = eval(*k, scope);
        d.set(std::move(key), eval(*v, scope));
      }
      return Value::dict(std::move(d));
    }
    case Expr::Type::Unary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      Value v = eval(*u.operand, scope);
      switch (u.op) {
        case UnaryExpr::Op::Not: return Value(!v.truthy());
        case UnaryExpr::Op::Neg: return negate(v);
        case UnaryExpr::Op::Pos: return unary_plus(v);
      }
      return v;
    }
    case Expr::Type::Binary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value left = eval(*b.left, scope);
      Value right = eval(*b.right, scope);
      return binary_op(*this, b.op, left, right);
    }
    case Expr::Type::Logical: {
      // Python's and/or return one of the operands.
      const auto& l = static_cast<const LogicalExpr&>(e);
      Value left = eval(*l.left, scope);
      if (l.conjunction ? !left.truthy() : left.truthy()) return left;
      return eval(*l.right, scope);
    }
    case Expr::Type::Concat: return eval_concat(static_cast<const ConcatExpr&>(e), scope);
    case Expr::Type::Compare: return eval_compare(static_cast<const CompareExpr&>(e), scope);
    case Expr::Type::Condition: {
      const auto& c = static_cast<const ConditionExpr&>(e);
      if (eval(*c.test, scope).truthy()) return eval(*c.then, scope);
      if (c.otherwise) return eval(*c.otherwise, scope);
      return Value::undefined({"", false, "",
                               "the inline if-expression on line " + std::to_string(c.line) +
                                   " evaluated to false and no else section was defined.",
                               false});
    }
    case Expr::Type::Call: {
      const auto& c = static_cast<const CallExpr&>(e);
      Value callee = eval(*c.callee, scope);
      CallArgs args;
      eval_args(c.args, scope, args);
      return call(callee, args);
    }
    case Expr::Type::Filter: return eval_filter(static_cast<const FilterExpr&>(e), scope, nullptr);
    case Expr::Type::Test: {
      const auto& t = static_cast<const TestExpr&>(e);
      if (!t.fn) runtime_error("No test named " + string_repr(t.name) + " found.");
      Value input = eval(*t.input, scope);
      CallArgs args;
      eval_args(t.args, scope, args);
      return Value(t.fn(*this, input, args));
    }
  }
  return Value();
}

Value Interpreter::eval_name(const NameExpr& e, Scope* scope) {
  if (const Value* v = scope->find(e.name)) return *v;
  if (context_)
    if (const Value* v = context_->find(std::string_view(e.name))) return *v;
  if (auto g = find_global(e.name)) return *g;
  return Value::undefined({e.name, false, "", "", false});
}

Value Interpreter::eval_concat(const ConcatExpr& e, Scope* scope) {
  // `~` joins str() of its operands; the result is a plain str unless autoescaping.
  std::string out;
  for (const ExprPtr& part : e.parts) {
    Value v = eval(*part, scope);
    if (autoescape_) out += v.is_markup() ? v.str() : html_escape(to_str(v));
    else out += to_str(v);
    check_size(out.size());
  }
  return Value(std::move(out), autoescape_);
}

Value Interpreter::eval_compare(const CompareExpr& e, Scope* scope) {
  Value left = eval(*e.first, scope);
  for (const auto& [op, expr] : e.rest) {
    Value right = eval(*expr, scope);
    charge(op == CompareOp::In || op == CompareOp::NotIn ? right : left);
    if (!compare(op, left, right)) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Value Interpreter::eval_filter(const FilterExpr& e, Scope* scope, const Value* block_input) {
  if (!e.fn) runtime_error("No filter named " + string_repr(e.name) + " found.");
  Value input;
  if (e.input) {
    if (e.input->type == Expr::Type::Filter)
      input = eval_filter(static_cast<const FilterExpr&>(*e.input), scope, block_input);
    else
      input = eval(*e.input, scope);
  } else if (block_input) {
    input = *block_input;
  }
  CallArgs args;
  eval_args(e.args, scope, args);
  // String filters scan their input; sequence filters pay in iterate().
  if (input.is_string()) charge(input);
  else step();
  return e.fn(*this, input, args);
}

void Interpreter::eval_args(const ArgExprs& a, Scope* scope, CallArgs& out) {
  for (const ExprPtr& p : a.positional) out.positional.push_back(eval(*p, scope));
  for (const auto& [k, v] : a.keywords) out.keywords.emplace_back(k, eval(*v, scope));
  if (a.star_args) {
    for (Value& v : iterate(eval(*a.star_args, scope))) out.positional.push_back(std::move(v));
  }
  if (a.star_kwargs) {
    Value kw = eval(*a.star_kwargs, scope);
    if (!kw.is_dict()) type_error(std::string("argument after ** must be a mapping, not ") + kw.type_name());
    for (const auto& [k, v] : kw.dict().entries()) {
      if (!k.is_string()) type_error("keywords must be strings");
      out.keywords.emplace_back(k.str(), v);
    }
  }
}

Value Interpreter::eval_slice(const SliceExpr& e, Scope* scope) {
  Value object = eval(*e.object, scope);
  auto bound = [&](const ExprPtr& x) -> std::optional<int64_t> {
    if (!x) return std::nullopt;
    Value v = eval(*x, scope);
    if (v.is_none()) return std::nullopt;
    if (!v.is_integral()) type_error("slice indices must be integers or None or have an __index__ method");
    return v.as_int();
  };
  std::optional<int64_t> start = bound(e.start), stop = bound(e.stop), step_value = bound(e.step);
  if (object.is_undefined()) fail_undefined(object);
  int64_t step = step_value.value_or(1);
  if (step == 0) value_error("slice step cannot be zero");

  std::u32string chars;
  const ValueList* items = nullptr;
  int64_t length;
  if (object.is_string()) {
    chars = unicode::decode_utf8(object.str());
    length = static_cast<int64_t>(chars.size());
  } else if (object.is_sequence_value()) {
    items = &object.items();
    length = static_cast<int64_t>(items->size());
  } else if (object.is_iterable_object() && object.iterable().indexable) {
    items = &object.iterable().items;
    length = static_cast<int64_t>(items->size());
  } else if (object.is_dict()) {
    type_error("unhashable type: 'slice'");
  } else {
    type_error(std::string("'") + object.type_name() + "' object is not subscriptable");
  }
  // CPython's PySlice_AdjustIndices.
  auto adjust = [&](std::optional<int64_t> v, int64_t if_missing, bool is_start) -> int64_t {
    if (!v) return if_missing;
    int64_t x = *v;
    if (x < 0) {
      x += length;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= length) {
      x = step < 0 ? length - 1 : length;
    }
    (void)is_start;
    return x;
  };
  int64_t lo = adjust(start, step < 0 ? length - 1 : 0, true);
  int64_t hi = adjust(stop, step < 0 ? -1 : length, false);
  std::vector<int64_t> indices;
  if (step > 0) {
    for (int64_t i = lo; i < hi; i += step) indices.push_back(i);
  } else {
    for (int64_t i = lo; i > hi; i += step) indices.push_back(i);
  }
  if (object.is_string()) {
    std::u32string out;
    out.reserve(indices.size());
    for (int64_t i : indices) out.push_back(chars[static_cast<std::size_t>(i)]);
    return Value(unicode::encode_utf8(out), object.is_markup());
  }
  ValueList out;
  out.reserve(indices.size());
  for (int64_t i : indices) out.push_back((*items)[static_cast<std::size_t>(i)]);
  if (object.is_tuple()) return Value::tuple(std::move(out));
  return Value::list(std::move(out));
}

}  // namespace hearth::tmpl::jinja
