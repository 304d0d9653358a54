// Statement parsing: jinja2's Parser.subparse / parse_statement and the tag parsers.
#include "engine/template/jinja/parser.h"

#include <algorithm>
#include <optional>

#include "engine/template/jinja/error.h"
#include "engine/template/jinja/parser_impl.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

namespace {

constexpr int kMaxParseDepth = 200;

bool contains(std::initializer_list<std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string join_names(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += " or ";
    out += '\'';
    out += names[i];
    out += '\'';
  }
  return out;
}

}  // namespace

Parser::DepthGuard::DepthGuard(Parser& p, int line) : parser(p) {
  if (++parser.depth_ > kMaxParseDepth) {
    --parser.depth_;
    parser.fail("template nesting is too deep (more than " + std::to_string(kMaxParseDepth) + " levels)", line);
  }
}

void Parser::fail(const std::string& message, int line) const {
  throw JinjaError("TemplateSyntaxError", message, line);
}

void Parser::fail_unexpected(const Token& t) const {
  if (t.type == TokenType::Eof) fail("unexpected end of template", t.line);
  fail("unexpected " + string_repr(describe_token(t)), t.line);
}

bool Parser::skip_op(std::string_view op) {
  if (!current().is_op(op)) return false;
  advance();
  return true;
}

bool Parser::skip_name(std::string_view name) {
  if (!current().is_name(name)) return false;
  advance();
  return true;
}

const Token& Parser::expect_op(std::string_view op) {
  if (!current().is_op(op)) {
    if (current().type == TokenType::Eof)
      fail("unexpected end of template, expected " + string_repr(op) + ".", current().line);
    fail("expected token " + string_repr(op) + ", got " + string_repr(describe_token(current())), current().line);
  }
  return advance();
}

const Token& Parser::expect_type(TokenType type, std::string_view description) {
  if (current().type != type) {
    if (current().type == TokenType::Eof)
      fail("unexpected end of template, expected " + string_repr(description) + ".", current().line);
    fail("expected token " + string_repr(description) + ", got " + string_repr(describe_token(current())),
         current().line);
  }
  return advance();
}

std::string Parser::expect_name() { return expect_type(TokenType::Name, "name").text; }

Body Parser::parse_template() {
  Body body = subparse({}, true);
  validate(body);
  return body;
}

// Template text, {{ }} and statements until one of end_names starts a block (not consumed).
Body Parser::subparse(std::initializer_list<std::string_view> end_names, bool at_top) {
  Body body;
  std::unique_ptr<OutputStmt> output;
  auto flush = [&]() {
    if (output) body.push_back(std::move(output));
    output.reset();
  };
  auto out = [&]() -> OutputStmt& {
    if (!output) output = std::make_unique<OutputStmt>(current().line);
    return *output;
  };
  if (!at_top) end_stack_.emplace_back(end_names.begin(), end_names.end());
  while (current().type != TokenType::Eof) {
    const Token& t = current();
    if (t.type == TokenType::Data) {
      out().parts.push_back({t.text, nullptr});
      advance();
    } else if (t.type == TokenType::VariableBegin) {
      advance();
      ExprPtr e = parse_tuple();
      out().parts.push_back({std::string(), std::move(e)});
      expect_type(TokenType::VariableEnd, "end of print statement");
    } else if (t.type == TokenType::BlockBegin) {
      flush();
      advance();
      if (!at_top && current().type == TokenType::Name && contains(end_names, current().text)) {
        end_stack_.pop_back();
        return body;
      }
      parse_statement(body);
      expect_type(TokenType::BlockEnd, "end of statement block");
    } else {
      fail_unexpected(t);
    }
  }
  flush();
  if (!at_top) end_stack_.pop_back();
  return body;
}

Body Parser::parse_statements(std::initializer_list<std::string_view> end_names, bool drop_needle) {
  skip_op(":");
  expect_type(TokenType::BlockEnd, "end of statement block");
  Body body = subparse(end_names);
  if (current().type == TokenType::Eof) {
    std::string message = "Unexpected end of template.";
    if (!end_stack_.empty()) message += " Jinja was looking for the following tags: " + join_names(end_stack_.back()) + ".";
    if (!tag_stack_.empty())
      message += " The innermost block that needs to be closed is " + string_repr(tag_stack_.back()) + ".";
    fail(message, current().line);
  }
  if (drop_needle) advance();
  return body;
}

void Parser::parse_statement(Body& out) {
  const Token& t = current();
  if (t.type != TokenType::Name) fail("tag name expected", t.line);
  DepthGuard guard(*this, t.line);
  std::string name = t.text;
  struct TagScope {
    std::vector<std::string>& stack;
    TagScope(std::vector<std::string>& s, std::string n) : stack(s) { stack.push_back(std::move(n)); }
    ~TagScope() { stack.pop_back(); }
  };
  static const std::string_view known[] = {"if", "for", "set", "macro", "call", "filter", "with", "block",
                                           "generation", "autoescape", "print", "break", "continue"};
  bool is_known = std::find(std::begin(known), std::end(known), name) != std::end(known);
  std::optional<TagScope> tag;
  if (is_known) tag.emplace(tag_stack_, name);
  if (name == "if") out.push_back(parse_if());
  else if (name == "for") out.push_back(parse_for());
  else if (name == "set") out.push_back(parse_set());
  else if (name == "macro") out.push_back(parse_macro());
  else if (name == "call") out.push_back(parse_call_block());
  else if (name == "filter") out.push_back(parse_filter_block());
  else if (name == "with") out.push_back(parse_with());
  else if (name == "block") out.push_back(parse_scope_block("endblock", true));
  else if (name == "generation") out.push_back(parse_scope_block("endgeneration", false));
  else if (name == "autoescape") out.push_back(parse_autoescape());
  else if (name == "print") out.push_back(parse_print());
  else if (name == "break" || name == "continue") {
    int line = advance().line;
    out.push_back(std::make_unique<Stmt>(name == "break" ? Stmt::Type::Break : Stmt::Type::Continue, line));
  } else if (name == "extends" || name == "include" || name == "import" || name == "from") {
    fail("the " + string_repr(name) + " tag needs a template loader, which chat templates do not have", t.line);
  } else {
    std::string message = "Encountered unknown tag " + string_repr(name) + ".";
    if (!end_stack_.empty()) {
      bool expected_somewhere = false;
      for (const auto& level : end_stack_)
        expected_somewhere |= std::find(level.begin(), level.end(), name) != level.end();
      if (expected_somewhere)
        message += " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " +
                   join_names(end_stack_.back()) + ".";
      else
        message += " Jinja was looking for the following tags: " + join_names(end_stack_.back()) + ".";
    }
    if (!tag_stack_.empty())
      message += " The innermost block that needs to be closed is " + string_repr(tag_stack_.back()) + ".";
    fail(message, t.line);
  }
}

StmtPtr Parser::parse_if() {
  auto stmt = std::make_unique<IfStmt>(advance().line);
  ExprPtr test = parse_tuple(false, false);
  while (true) {
    Body body = parse_statements({"elif", "else", "endif"});
    stmt->branches.emplace_back(std::move(test), std::move(body));
    const Token& t = advance();
    if (t.is_name("elif")) {
      test = parse_tuple(false, false);
      continue;
    }
    if (t.is_name("else")) stmt->otherwise = parse_statements({"endif"}, true);
    break;
  }
  return stmt;
}

StmtPtr Parser::parse_for() {
  auto stmt = std::make_unique<ForStmt>(advance().line);
  stmt->target = parse_assign_target(true, false, {"in"});
  if (!current().is_name("in")) expect_type(TokenType::Name, "in");
  advance();
  stmt->iterable = parse_tuple(false, false, {"recursive"});
  if (skip_name("if")) stmt->filter = parse_expression();
  stmt->recursive = skip_name("recursive");
  stmt->body = parse_statements({"endfor", "else"});
  if (advance().is_name("else")) stmt->otherwise = parse_statements({"endfor"}, true);
  return stmt;
}

StmtPtr Parser::parse_set() {
  int line = advance().line;
  Target target = parse_assign_target(true, false, {}, true);
  if (skip_op("=")) {
    auto stmt = std::make_unique<SetStmt>(line);
    stmt->target = std::move(target);
    stmt->value = parse_tuple();
    return stmt;
  }
  auto stmt = std::make_unique<SetBlockStmt>(line);
  stmt->target = std::move(target);
  stmt->filter = parse_filter_chain(nullptr, false);
  stmt->body = parse_statements({"endset"}, true);
  return stmt;
}

void Parser::parse_signature(MacroDef& def) {
  expect_op("(");
  while (!current().is_op(")")) {
    if (!def.params.empty()) expect_op(",");
    Target arg = parse_assign_target(true, true);
    if (skip_op("=")) {
      def.defaults.push_back(parse_expression());
    } else if (!def.defaults.empty()) {
      fail("non-default argument follows default argument", current().line);
    }
    def.params.push_back(arg.name);
  }
  expect_op(")");
}

StmtPtr Parser::parse_macro() {
  auto stmt = std::make_unique<MacroStmt>(advance().line);
  stmt->def.line = stmt->line;
  stmt->def.name = parse_assign_target(true, true).name;
  parse_signature(stmt->def);
  stmt->def.body = parse_statements({"endmacro"}, true);
  return stmt;
}

StmtPtr Parser::parse_call_block() {
  auto stmt = std::make_unique<CallBlockStmt>(advance().line);
  stmt->caller.name = "caller";
  stmt->caller.line = stmt->line;
  if (current().is_op("(")) parse_signature(stmt->caller);
  stmt->call = parse_expression();
  if (stmt->call->type != Expr::Type::Call) fail("expected call", stmt->line);
  stmt->caller.body = parse_statements({"endcall"}, true);
  return stmt;
}

StmtPtr Parser::parse_filter_block() {
  auto stmt = std::make_unique<FilterBlockStmt>(advance().line);
  stmt->filter = parse_filter_chain(nullptr, true);
  stmt->body = parse_statements({"endfilter"}, true);
  return stmt;
}

StmtPtr Parser::parse_with() {
  auto stmt = std::make_unique<WithStmt>(advance().line);
  while (current().type != TokenType::BlockEnd) {
    if (!stmt->assignments.empty()) expect_op(",");
    Target target = parse_assign_target();
    expect_op("=");
    stmt->assignments.emplace_back(std::move(target), parse_expression());
  }
  stmt->body = parse_statements({"endwith"}, true);
  return stmt;
}

StmtPtr Parser::parse_scope_block(std::string_view end_name, bool named) {
  auto stmt = std::make_unique<ScopeStmt>(advance().line);
  std::string name;
  if (named) {
    name = expect_name();
    skip_name("scoped");
    skip_name("required");
    if (current().is_op("-"))
      fail("Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.",
           current().line);
  }
  if (end_name == "endblock") stmt->body = parse_statements({"endblock"}, true);
  else stmt->body = parse_statements({"endgeneration"}, true);
  if (named) skip_name(name);
  return stmt;
}

StmtPtr Parser::parse_autoescape() {
  auto stmt = std::make_unique<AutoescapeStmt>(advance().line);
  stmt->enabled = parse_expression();
  stmt->body = parse_statements({"endautoescape"}, true);
  return stmt;
}

StmtPtr Parser::parse_print() {
  auto stmt = std::make_unique<OutputStmt>(advance().line);
  while (current().type != TokenType::BlockEnd) {
    if (!stmt->parts.empty()) expect_op(",");
    stmt->parts.push_back({std::string(), parse_expression()});
  }
  return stmt;
}

Target Parser::parse_assign_target(bool with_tuple, bool name_only,
                                   std::initializer_list<std::string_view> extra_end_names, bool with_namespace) {
  int line = current().line;
  if (with_namespace && current().type == TokenType::Name && peek().is_op(".")) {
    Target t;
    t.kind = Target::Kind::Attribute;
    t.name = advance().text;
    advance();
    t.attr = expect_name();
    t.line = line;
    return t;
  }
  if (name_only) {
    Target t;
    t.name = expect_name();
    t.line = line;
    if (t.name == "true" || t.name == "false" || t.name == "none" || t.name == "True" || t.name == "False" ||
        t.name == "None")
      fail("can't assign to 'const'", line);
    return t;
  }
  ExprPtr e = with_tuple ? parse_tuple(true, true, extra_end_names) : parse_primary();
  return expr_to_target(*e);
}

Target Parser::expr_to_target(const Expr& e) {
  Target t;
  t.line = e.line;
  if (e.type == Expr::Type::Name) {
    t.name = static_cast<const NameExpr&>(e).name;
    return t;
  }
  if (e.type == Expr::Type::List && static_cast<const ListExpr&>(e).tuple) {
    t.kind = Target::Kind::Tuple;
    for (const ExprPtr& item : static_cast<const ListExpr&>(e).items) t.items.push_back(expr_to_target(*item));
    return t;
  }
  std::string what = e.type == Expr::Type::Const ? "const" : e.type == Expr::Type::List ? "list" : "expression";
  fail("can't assign to " + string_repr(what), e.line);
}

std::unique_ptr<const Program> parse(std::string_view source) {
  Parser parser(tokenize(source));
  auto program = std::make_unique<Program>();
  program->body = parser.parse_template();
  return program;
}

}  // namespace hearth::tmpl::jinja
