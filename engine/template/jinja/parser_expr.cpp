// Expression parsing, mirroring jinja2's precedence climbing.
#include <algorithm>

#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/parser_impl.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

namespace {

constexpr int kMaxExprDepth = 300;

int depth_of(const ExprPtr& e) { return e ? e->depth : 0; }

int args_depth(const ArgExprs& a) {
  int d = std::max(depth_of(a.star_args), depth_of(a.star_kwargs));
  for (const auto& e : a.positional) d = std::max(d, depth_of(e));
  for (const auto& [k, e] : a.keywords) d = std::max(d, depth_of(e));
  return d;
}

int children_depth(const Expr& e) {
  switch (e.type) {
    case Expr::Type::Const:
    case Expr::Type::Name: return 0;
    case Expr::Type::Getattr: return depth_of(static_cast<const GetattrExpr&>(e).object);
    case Expr::Type::Getitem: {
      const auto& g = static_cast<const GetitemExpr&>(e);
      return std::max(depth_of(g.object), depth_of(g.key));
    }
    case Expr::Type::Slice: {
      const auto& s = static_cast<const SliceExpr&>(e);
      return std::max({depth_of(s.object), depth_of(s.start), depth_of(s.stop), depth_of(s.step)});
    }
    case Expr::Type::List: {
      int d = 0;
      for (const auto& item : static_cast<const ListExpr&>(e).items) d = std::max(d, depth_of(item));
      return d;
    }
    case Expr::Type::Dict: {
      int d = 0;
      for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) d = std::max({d, depth_of(k), depth_of(v)});
      return d;
    }
    case Expr::Type::Unary: return depth_of(static_cast<const UnaryExpr&>(e).operand);
    case Expr::Type::Binary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return std::max(depth_of(b.left), depth_of(b.right));
    }
    case Expr::Type::Logical: {
      const auto& b = static_cast<const LogicalExpr&>(e);
      return std::max(depth_of(b.left), depth_of(b.right));
    }
    case Expr::Type::Concat: {
      int d = 0;
      for (const auto& p : static_cast<const ConcatExpr&>(e).parts) d = std::max(d, depth_of(p));
      return d;
    }
    case Expr::Type::Compare: {
      const auto& c = static_cast<const CompareExpr&>(e);
      int d = depth_of(c.first);
      for (const auto& [op, x] : c.rest) d = std::max(d, depth_of(x));
      return d;
    }
    case Expr::Type::Condition: {
      const auto& c = static_cast<const ConditionExpr&>(e);
      return std::max({depth_of(c.test), depth_of(c.then), depth_of(c.otherwise)});
    }
    case Expr::Type::Call: {
      const auto& c = static_cast<const CallExpr&>(e);
      return std::max(depth_of(c.callee), args_depth(c.args));
    }
    case Expr::Type::Filter: {
      const auto& f = static_cast<const FilterExpr&>(e);
      return std::max(depth_of(f.input), args_depth(f.args));
    }
    case Expr::Type::Test: {
      const auto& t = static_cast<const TestExpr&>(e);
      return std::max(depth_of(t.input), args_depth(t.args));
    }
  }
  return 0;
}

template <typename T>
std::unique_ptr<T> node(int line) {
  return std::make_unique<T>(line);
}

}  // namespace

ExprPtr Parser::finish(ExprPtr e) {
  e->depth = children_depth(*e) + 1;
  if (e->depth > kMaxExprDepth)
    fail("expression is nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)", e->line);
  return e;
}

bool Parser::is_tuple_end(std::initializer_list<std::string_view> extra_end_names) const {
  const Token& t = current();
  if (t.type == TokenType::VariableEnd || t.type == TokenType::BlockEnd || t.is_op(")")) return true;
  if (t.type == TokenType::Name)
    return std::find(extra_end_names.begin(), extra_end_names.end(), t.text) != extra_end_names.end();
  return false;
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condition, std::initializer_list<std::string_view> extra_end_names,
                            bool explicit_parens) {
  int line = current().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect_op(",");
    if (is_tuple_end(extra_end_names)) break;
    items.push_back(simplified ? parse_primary() : parse_expression(with_condition));
    if (current().is_op(",")) is_tuple = true;
    else break;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) fail("Expected an expression, got " + string_repr(describe_token(current())), current().line);
  }
  auto t = node<ListExpr>(line);
  t->tuple = true;
  t->items = std::move(items);
  return finish(std::move(t));
}

ExprPtr Parser::parse_expression(bool with_condition) {
  DepthGuard guard(*this, current().line);
  return with_condition ? parse_condition() : parse_or();
}

ExprPtr Parser::parse_condition() {
  int line = current().line;
  ExprPtr expr1 = parse_or();
  while (skip_name("if")) {
    auto c = node<ConditionExpr>(line);
    c->then = std::move(expr1);
    c->test = parse_or();
    if (skip_name("else")) c->otherwise = parse_condition();
    expr1 = finish(std::move(c));
    line = current().line;
  }
  return expr1;
}

ExprPtr Parser::parse_or() { return parse_logical(false); }

ExprPtr Parser::parse_and() { return parse_logical(true); }

// Left-associative `a or b or …` (conjunction false, operands parsed by parse_and) or
// `a and b and …` (conjunction true, operands parsed by parse_not).
ExprPtr Parser::parse_logical(bool conjunction) {
  const char* word = conjunction ? "and" : "or";
  auto operand = [&] { return conjunction ? parse_not() : parse_and(); };
  int line = current().line;
  ExprPtr left = operand();
  while (skip_name(word)) {
    auto e = node<LogicalExpr>(line);
    e->conjunction = conjunction;
    e->left = std::move(left);
    e->right = operand();
    left = finish(std::move(e));
    line = current().line;
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (current().is_name("not")) {
    DepthGuard guard(*this, current().line);
    auto e = node<UnaryExpr>(advance().line);
    e->op = UnaryExpr::Op::Not;
    e->operand = parse_not();
    return finish(std::move(e));
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  int line = current().line;
  ExprPtr first = parse_math1();
  std::unique_ptr<CompareExpr> cmp;
  while (true) {
    const Token& t = current();
    CompareOp op;
    if (t.is_op("==")) op = CompareOp::Eq;
    else if (t.is_op("!=")) op = CompareOp::Ne;
    else if (t.is_op("<")) op = CompareOp::Lt;
    else if (t.is_op("<=")) op = CompareOp::Le;
    else if (t.is_op(">")) op = CompareOp::Gt;
    else if (t.is_op(">=")) op = CompareOp::Ge;
    else if (t.is_name("in")) op = CompareOp::In;
    else if (t.is_name("not") && peek().is_name("in")) op = CompareOp::NotIn;
    else break;
    advance();
    if (op == CompareOp::NotIn) advance();
    if (!cmp) {
      cmp = node<CompareExpr>(line);
      cmp->first = std::move(first);
    }
    cmp->rest.emplace_back(op, parse_math1());
  }
  if (!cmp) return first;
  return finish(std::move(cmp));
}

ExprPtr Parser::parse_math1() {
  int line = current().line;
  ExprPtr left = parse_concat();
  while (current().is_op("+") || current().is_op("-")) {
    auto e = node<BinaryExpr>(line);
    e->op = advance().text == "+" ? BinaryOp::Add : BinaryOp::Sub;
    e->left = std::move(left);
    e->right = parse_concat();
    left = finish(std::move(e));
    line = current().line;
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  int line = current().line;
  ExprPtr first = parse_math2();
  if (!current().is_op("~")) return first;
  auto c = node<ConcatExpr>(line);
  c->parts.push_back(std::move(first));
  while (skip_op("~")) c->parts.push_back(parse_math2());
  return finish(std::move(c));
}

ExprPtr Parser::parse_math2() {
  int line = current().line;
  ExprPtr left = parse_pow();
  while (true) {
    BinaryOp op;
    if (current().is_op("*")) op = BinaryOp::Mul;
    else if (current().is_op("/")) op = BinaryOp::Div;
    else if (current().is_op("//")) op = BinaryOp::FloorDiv;
    else if (current().is_op("%")) op = BinaryOp::Mod;
    else break;
    advance();
    auto e = node<BinaryExpr>(line);
    e->op = op;
    e->left = std::move(left);
    e->right = parse_pow();
    left = finish(std::move(e));
    line = current().line;
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  int line = current().line;
  ExprPtr left = parse_unary();
  while (skip_op("**")) {
    auto e = node<BinaryExpr>(line);
    e->op = BinaryOp::Pow;
    e->left = std::move(left);
    e->right = parse_unary();
    left = finish(std::move(e));
    line = current().line;
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this, current().line);
  ExprPtr e;
  if (current().is_op("-") || current().is_op("+")) {
    auto u = node<UnaryExpr>(current().line);
    u->op = advance().text == "-" ? UnaryExpr::Op::Neg : UnaryExpr::Op::Pos;
    u->operand = parse_unary(false);
    e = finish(std::move(u));
  } else {
    e = parse_primary();
  }
  e = parse_postfix(std::move(e));
  if (with_filter) e = parse_filter_expr(std::move(e));
  return e;
}

ExprPtr Parser::parse_primary() {
  const Token& t = current();
  int line = t.line;
  switch (t.type) {
    case TokenType::Name: {
      std::string name = advance().text;
      if (name == "true" || name == "True") return finish(std::make_unique<ConstExpr>(Value(true), line));
      if (name == "false" || name == "False") return finish(std::make_unique<ConstExpr>(Value(false), line));
      if (name == "none" || name == "None") return finish(std::make_unique<ConstExpr>(Value::none(), line));
      return finish(std::make_unique<NameExpr>(std::move(name), line));
    }
    case TokenType::String: {
      std::string s = advance().text;
      while (current().type == TokenType::String) s += advance().text;  // adjacent literals concatenate
      return finish(std::make_unique<ConstExpr>(Value(std::move(s)), line));
    }
    case TokenType::Integer: return finish(std::make_unique<ConstExpr>(Value(advance().int_value), line));
    case TokenType::Float: return finish(std::make_unique<ConstExpr>(Value(advance().float_value), line));
    case TokenType::Operator:
      if (t.text == "(") {
        DepthGuard guard(*this, line);
        advance();
        ExprPtr e = parse_tuple(false, true, {}, true);
        expect_op(")");
        return e;
      }
      if (t.text == "[") return parse_list();
      if (t.text == "{") return parse_dict();
      break;
    default: break;
  }
  fail_unexpected(t);
}

ExprPtr Parser::parse_list() {
  DepthGuard guard(*this, current().line);
  auto list = node<ListExpr>(expect_op("[").line);
  list->tuple = false;
  while (!current().is_op("]")) {
    if (!list->items.empty()) expect_op(",");
    if (current().is_op("]")) break;
    list->items.push_back(parse_expression());
  }
  expect_op("]");
  return finish(std::move(list));
}

ExprPtr Parser::parse_dict() {
  DepthGuard guard(*this, current().line);
  auto dict = node<DictExpr>(expect_op("{").line);
  while (!current().is_op("}")) {
    if (!dict->items.empty()) expect_op(",");
    if (current().is_op("}")) break;
    ExprPtr key = parse_expression();
    expect_op(":");
    dict->items.emplace_back(std::move(key), parse_expression());
  }
  expect_op("}");
  return finish(std::move(dict));
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
  while (true) {
    if (current().is_op(".") || current().is_op("[")) {
      e = parse_subscript(std::move(e));
    } else if (current().is_op("(")) {
      auto call = node<CallExpr>(current().line);
      call->callee = std::move(e);
      parse_call_args(call->args);
      e = finish(std::move(call));
    } else {
      return e;
    }
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
  while (true) {
    if (current().is_op("|")) {
      e = parse_filter_chain(std::move(e), false);
    } else if (current().is_name("is")) {
      e = parse_test(std::move(e));
    } else if (current().is_op("(")) {
      auto call = node<CallExpr>(current().line);
      call->callee = std::move(e);
      parse_call_args(call->args);
      e = finish(std::move(call));
    } else {
      return e;
    }
  }
}

ExprPtr Parser::parse_subscript(ExprPtr e) {
  const Token& t = advance();
  int line = t.line;
  if (t.is_op(".")) {
    const Token& attr = current();
    if (attr.type == TokenType::Name) {
      auto g = node<GetattrExpr>(line);
      g->object = std::move(e);
      g->attr = advance().text;
      return finish(std::move(g));
    }
    if (attr.type != TokenType::Integer) fail("expected name or number", attr.line);
    auto g = node<GetitemExpr>(line);
    g->object = std::move(e);
    g->key = finish(std::make_unique<ConstExpr>(Value(advance().int_value), line));
    return finish(std::move(g));
  }
  // '[': one subscript or slice, or several separated by commas (a tuple key).
  DepthGuard guard(*this, line);
  std::vector<ExprPtr> keys;
  std::unique_ptr<SliceExpr> slice;
  while (!current().is_op("]")) {
    if (!keys.empty() || slice) expect_op(",");
    ExprPtr start;
    if (!current().is_op(":")) {
      start = parse_expression();
      if (!current().is_op(":")) {
        keys.push_back(std::move(start));
        continue;
      }
    }
    if (slice || !keys.empty()) fail("hearth does not support slices inside multi-part subscripts", line);
    advance();  // ':'
    slice = node<SliceExpr>(line);
    slice->start = std::move(start);
    if (!current().is_op(":") && !current().is_op("]") && !current().is_op(",")) slice->stop = parse_expression();
    if (skip_op(":")) {
      if (!current().is_op("]") && !current().is_op(",")) slice->step = parse_expression();
    }
  }
  expect_op("]");
  if (slice) {
    if (!keys.empty()) fail("hearth does not support slices inside multi-part subscripts", line);
    slice->object = std::move(e);
    return finish(std::move(slice));
  }
  if (keys.empty()) fail("expected subscript expression", line);
  auto g = node<GetitemExpr>(line);
  g->object = std::move(e);
  if (keys.size() == 1) {
    g->key = std::move(keys[0]);
  } else {
    auto tuple = node<ListExpr>(line);
    tuple->tuple = true;
    tuple->items = std::move(keys);
    g->key = finish(std::move(tuple));
  }
  return finish(std::move(g));
}

void Parser::parse_call_args(ArgExprs& args) {
  DepthGuard guard(*this, current().line);
  int line = expect_op("(").line;
  auto ensure = [&](bool ok) {
    if (!ok) fail("invalid syntax for function call expression", line);
  };
  bool require_comma = false;
  while (!current().is_op(")")) {
    if (require_comma) {
      expect_op(",");
      if (current().is_op(")")) break;
    }
    if (current().is_op("*")) {
      ensure(!args.star_args && !args.star_kwargs);
      advance();
      args.star_args = parse_expression();
    } else if (current().is_op("**")) {
      ensure(!args.star_kwargs);
      advance();
      args.star_kwargs = parse_expression();
    } else if (current().type == TokenType::Name && peek().is_op("=")) {
      ensure(!args.star_kwargs);
      std::string key = advance().text;
      advance();
      args.keywords.emplace_back(std::move(key), parse_expression());
    } else {
      ensure(!args.star_args && !args.star_kwargs && args.keywords.empty());
      args.positional.push_back(parse_expression());
    }
    require_comma = true;
  }
  expect_op(")");
}

ExprPtr Parser::parse_filter_chain(ExprPtr input, bool start_inline) {
  while (current().is_op("|") || start_inline) {
    if (!start_inline) advance();
    start_inline = false;
    auto f = node<FilterExpr>(current().line);
    f->name = expect_name();
    while (current().is_op(".")) {
      advance();
      f->name += '.';
    f->name += expect_name();
    }
    if (current().is_op("(")) parse_call_args(f->args);
    f->input = std::move(input);
    f->fn = find_filter(f->name);
    input = finish(std::move(f));
  }
  return input;
}

ExprPtr Parser::parse_test(ExprPtr e) {
  int line = advance().line;  // 'is'
  bool negated = skip_name("not");
  auto t = node<TestExpr>(line);
  t->name = expect_name();
  while (current().is_op(".")) {
    advance();
    t->name += '.';
    t->name += expect_name();
  }
  const Token& c = current();
  if (c.is_op("(")) {
    parse_call_args(t->args);
  } else if ((c.type == TokenType::Name || c.type == TokenType::String || c.type == TokenType::Integer ||
              c.type == TokenType::Float || c.is_op("[") || c.is_op("{")) &&
             !c.is_name("else") && !c.is_name("or") && !c.is_name("and")) {
    if (c.is_name("is")) fail("You cannot chain multiple tests with is", c.line);
    ExprPtr arg = parse_primary();
    t->args.positional.push_back(parse_postfix(std::move(arg)));
  }
  t->input = std::move(e);
  t->fn = find_test(t->name);
  ExprPtr result = finish(std::move(t));
  if (negated) {
    auto n = node<UnaryExpr>(line);
    n->op = UnaryExpr::Op::Not;
    n->operand = std::move(result);
    result = finish(std::move(n));
  }
  return result;
}

}  // namespace hearth::tmpl::jinja
