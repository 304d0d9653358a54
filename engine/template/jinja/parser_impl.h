// engine/template/jinja/parser_impl.h — the parser's internal class, shared by
// parser.cpp (statements) and parser_expr.cpp (expressions). Not for use outside the parser.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/jinja/ast.h"
#include "engine/template/jinja/lexer.h"

namespace hearth::tmpl::jinja {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}
  Body parse_template();

  // Expressions (parser_expr.cpp).
  ExprPtr parse_expression(bool with_condition = true);
  ExprPtr parse_tuple(bool simplified = false, bool with_condition = true,
                      std::initializer_list<std::string_view> extra_end_names = {}, bool explicit_parens = false);
  ExprPtr parse_filter_chain(ExprPtr input, bool start_inline);
  void parse_call_args(ArgExprs& args);

 private:
  // Token stream.
  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(std::size_t ahead = 1) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool skip_op(std::string_view op);
  bool skip_name(std::string_view name);
  const Token& expect_op(std::string_view op);
  const Token& expect_type(TokenType type, std::string_view description);
  std::string expect_name();
  [[noreturn]] void fail(const std::string& message, int line) const;
  [[noreturn]] void fail_unexpected(const Token& t) const;

  // Statements (parser.cpp).
  Body subparse(std::initializer_list<std::string_view> end_names, bool at_top = false);
  Body parse_statements(std::initializer_list<std::string_view> end_names, bool drop_needle = false);
  void parse_statement(Body& out);
  StmtPtr parse_if();
  StmtPtr parse_for();
  StmtPtr parse_set();
  StmtPtr parse_macro();
  StmtPtr parse_call_block();
  StmtPtr parse_filter_block();
  StmtPtr parse_with();
  StmtPtr parse_scope_block(std::string_view end_name, bool named);
  StmtPtr parse_autoescape();
  StmtPtr parse_print();
  void parse_signature(MacroDef& def);
  Target parse_assign_target(bool with_tuple = true, bool name_only = false,
                             std::initializer_list<std::string_view> extra_end_names = {},
                             bool with_namespace = false);
  Target expr_to_target(const Expr& e);

  // Expressions (parser_expr.cpp).
  ExprPtr parse_condition();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_logical(bool conjunction);
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter = true);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_test(ExprPtr node);
  ExprPtr parse_list();
  ExprPtr parse_dict();
  bool is_tuple_end(std::initializer_list<std::string_view> extra_end_names) const;

  // Nesting guard: every recursive descent step passes through one of these.
  struct DepthGuard {
    DepthGuard(Parser& p, int line);
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };
  ExprPtr finish(ExprPtr node);  // computes node depth from its children; fails when too deep

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::vector<std::string_view>> end_stack_;  // end tags each open block waits for
  std::vector<std::string> tag_stack_;                     // open block tags, innermost last
};

// Post-parse checks (validate.cpp).
void validate(Body& body);

}  // namespace hearth::tmpl::jinja
