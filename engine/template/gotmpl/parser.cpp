#include "engine/template/gotmpl/parser.h"

#include <algorithm>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/lexer.h"
#include "engine/template/gotmpl/literals.h"

namespace hearth::tmpl::gotmpl {

namespace {

// What textOrAction hands back: a node, or one of the markers that end an item list.
enum class Marker { None, End, Else };
struct Parsed {
  NodePtr node;
  Marker marker = Marker::None;
  std::size_t pos = 0;
  std::string text;  // for messages about the marker ("{{end}}", "{{else}}")
};

bool is_empty_tree(const ListNode& list) {
  for (const NodePtr& n : list.nodes) {
    if (n->type != NodeType::Text) return false;
    const std::string& t = static_cast<const TextNode&>(*n).text;
    if (t.find_first_not_of(" \t\r\n\v\f") != std::string::npos) return false;
  }
  return true;
}

std::vector<std::string> split_dots(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    out.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view source, const std::function<bool(std::string_view)>& has_function, const ParseOptions& opt)
      : src_(source), has_function_(has_function), opt_(opt), tokens_(lex_template(source)) {}

  TreeSet run() {
    TreeSet set;
    set.source = std::string(src_);
    set_ = &set;
    auto root = std::make_shared<ListNode>(peek().pos);
    while (peek().type != TokenType::Eof) {
      if (peek().type == TokenType::LeftDelim) {
        std::size_t saved = idx_;
        next();
        if (next_non_space().type == TokenType::Define) {
          parse_definition();
          continue;
        }
        idx_ = saved;
      }
      Parsed p = text_or_action();
      if (p.marker != Marker::None) errorf("unexpected " + p.text);
      root->nodes.push_back(p.node);
    }
    if (pending_main_definition_ && !is_empty_tree(*pending_main_definition_)) {
      // {{define ""}} names the main template: Go keeps whichever of the two is non-empty.
      if (!is_empty_tree(*root)) errorf("template: multiple definition of template \"\"");
      root = std::const_pointer_cast<ListNode>(pending_main_definition_);
    }
    set.root = root;
    return set;
  }

 private:
  std::string_view src_;
  const std::function<bool(std::string_view)>& has_function_;
  const ParseOptions& opt_;
  std::vector<Token> tokens_;
  std::size_t idx_ = 0;
  std::size_t last_pos_ = 0;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
  int nesting_ = 0;
  TreeSet* set_ = nullptr;

  // ---- token stream ---------------------------------------------------------------------------
  const Token& next() {
    const Token& t = tokens_[std::min(idx_, tokens_.size() - 1)];
    if (idx_ < tokens_.size()) ++idx_;
    last_pos_ = t.pos;
    return t;
  }
  void backup() {
    if (idx_ > 0) --idx_;
  }
  const Token& peek() const { return tokens_[std::min(idx_, tokens_.size() - 1)]; }
  const Token& next_non_space() {
    while (true) {
      const Token& t = next();
      if (t.type != TokenType::Space) return t;
    }
  }
  const Token& peek_non_space() {
    while (peek().type == TokenType::Space) next();
    return peek();
  }

  [[noreturn]] void errorf(const std::string& msg) {
    std::size_t line = 1 + static_cast<std::size_t>(std::count(src_.begin(), src_.begin() + static_cast<std::ptrdiff_t>(std::min(last_pos_, src_.size())), '\n'));
    throw GoTemplateError("template: :" + std::to_string(line) + ": " + msg);
  }
  [[noreturn]] void unexpected(const Token& t, const std::string& context) {
    if (t.type == TokenType::Error) errorf(t.val);
    errorf("unexpected " + describe_token(t) + " in " + context);
  }
  const Token& expect(TokenType type, const std::string& context) {
    const Token& t = next_non_space();
    if (t.type != type) unexpected(t, context);
    return t;
  }

  struct NestingGuard {
    Parser& p;
    explicit NestingGuard(Parser& parser) : p(parser) {
      if (++p.nesting_ > p.opt_.max_nesting) p.errorf("max nesting depth exceeded");
    }
    ~NestingGuard() { --p.nesting_; }
  };

  void add_tree(const std::string& name, const ListPtr& root) {
    auto it = set_->defined.find(name);
    if (it == set_->defined.end() || is_empty_tree(*it->second)) {
      set_->defined[name] = root;
      return;
    }
    if (!is_empty_tree(*root)) errorf("template: multiple definition of template " + go_quote_str(name));
  }

  static std::string go_quote_str(const std::string& s);

  // ---- structure ------------------------------------------------------------------------------
  void parse_definition() {
    const Token& name_tok = next_non_space();
    if (name_tok.type != TokenType::String && name_tok.type != TokenType::RawString) unexpected(name_tok, "define clause");
    std::string name = unquote_or_error(name_tok.val);
    expect(TokenType::RightDelim, "define clause");
    auto saved_vars = std::move(vars_);
    vars_ = {"$"};
    int saved_range = range_depth_;
    range_depth_ = 0;
    auto [list, end] = item_list();
    if (end.marker != Marker::End) errorf("unexpected " + end.text + " in define clause");
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    if (name.empty()) {  // the main template's own name; resolved when the parse ends
      if (pending_main_definition_ && !is_empty_tree(*pending_main_definition_) && !is_empty_tree(*list))
        errorf("template: multiple definition of template \"\"");
      if (!pending_main_definition_ || is_empty_tree(*pending_main_definition_)) pending_main_definition_ = list;
      return;
    }
    add_tree(name, list);
  }
  ListPtr pending_main_definition_;

  std::pair<ListPtr, Parsed> item_list() {
    auto list = std::make_shared<ListNode>(peek_non_space().pos);
    while (peek_non_space().type != TokenType::Eof) {
      Parsed p = text_or_action();
      if (p.marker != Marker::None) return {list, p};
      list->nodes.push_back(p.node);
    }
    errorf("unexpected EOF");
  }

  Parsed text_or_action() {
    const Token& t = next_non_space();
    if (t.type == TokenType::Text) return Parsed{std::make_shared<TextNode>(t.pos, t.val)};
    if (t.type == TokenType::LeftDelim) return action();
    unexpected(t, "input");
  }

  Parsed action() {
    const Token& t = next_non_space();
    switch (t.type) {
      case TokenType::Block: return Parsed{block_control()};
      case TokenType::Break: return Parsed{loop_control(t, true)};
      case TokenType::Continue: return Parsed{loop_control(t, false)};
      case TokenType::Else: return else_control();
      case TokenType::End: {
        const Token& r = expect(TokenType::RightDelim, "end");
        return Parsed{nullptr, Marker::End, r.pos, "{{end}}"};
      }
      case TokenType::If: return Parsed{branch_control(NodeType::If)};
      case TokenType::Range: return Parsed{branch_control(NodeType::Range)};
      case TokenType::Template: return Parsed{template_control()};
      case TokenType::With: return Parsed{branch_control(NodeType::With)};
      default: break;
    }
    backup();
    std::size_t pos = peek().pos;
    return Parsed{std::make_shared<ActionNode>(pos, pipeline("command", TokenType::RightDelim))};
  }

  NodePtr loop_control(const Token& t, bool is_break) {
    const char* name = is_break ? "{{break}}" : "{{continue}}";
    const Token& r = next_non_space();
    if (r.type != TokenType::RightDelim) unexpected(r, name);
    if (range_depth_ == 0) errorf(std::string(name) + " outside {{range}}");
    if (is_break) return std::make_shared<BreakNode>(t.pos);
    return std::make_shared<ContinueNode>(t.pos);
  }

  Parsed else_control() {
    const Token& p = peek_non_space();
    if (p.type == TokenType::If || p.type == TokenType::With) return Parsed{nullptr, Marker::Else, p.pos, "{{else}}"};
    const Token& r = expect(TokenType::RightDelim, "else");
    return Parsed{nullptr, Marker::Else, r.pos, "{{else}}"};
  }

  NodePtr branch_control(NodeType type) {
    NestingGuard guard(*this);
    const char* context = type == NodeType::If ? "if" : type == NodeType::Range ? "range" : "with";
    std::size_t mark = vars_.size();
    PipePtr pipe = pipeline(context, TokenType::RightDelim);
    if (type == NodeType::Range) ++range_depth_;
    auto [list, next_node] = item_list();
    if (type == NodeType::Range) --range_depth_;
    ListPtr else_list;
    if (next_node.marker == Marker::Else) {
      if (type == NodeType::If && peek().type == TokenType::If) {
        next();
        auto l = std::make_shared<ListNode>(next_node.pos);
        l->nodes.push_back(branch_control(NodeType::If));
        else_list = l;
      } else if (type == NodeType::With && peek().type == TokenType::With) {
        next();
        auto l = std::make_shared<ListNode>(next_node.pos);
        l->nodes.push_back(branch_control(NodeType::With));
        else_list = l;
      } else {
        auto [l, end] = item_list();
        if (end.marker != Marker::End) errorf("expected end; found " + end.text);
        else_list = l;
      }
    }
    vars_.resize(mark);
    return std::make_shared<BranchNode>(type, pipe->pos, pipe, list, else_list);
  }

  std::string parse_template_name(const Token& t, const std::string& context) {
    if (t.type != TokenType::String && t.type != TokenType::RawString) unexpected(t, context);
    return unquote_or_error(t.val);
  }

  NodePtr block_control() {
    NestingGuard guard(*this);
    const std::string context = "block clause";
    const Token& t = next_non_space();
    std::size_t pos = t.pos;
    std::string name = parse_template_name(t, context);
    PipePtr pipe = pipeline(context, TokenType::RightDelim);
    auto saved_vars = std::move(vars_);
    vars_ = {"$"};
    int saved_range = range_depth_;
    range_depth_ = 0;
    auto [list, end] = item_list();
    if (end.marker != Marker::End) errorf("unexpected " + end.text + " in " + context);
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    add_tree(name, list);
    return std::make_shared<TemplateNode>(pos, name, pipe);
  }

  NodePtr template_control() {
    const std::string context = "template clause";
    const Token& t = next_non_space();
    std::size_t pos = t.pos;
    std::string name = parse_template_name(t, context);
    PipePtr pipe;
    if (next_non_space().type != TokenType::RightDelim) {
      backup();
      pipe = pipeline(context, TokenType::RightDelim);
    }
    return std::make_shared<TemplateNode>(pos, name, pipe);
  }

  // ---- pipelines ------------------------------------------------------------------------------
  PipePtr pipeline(const std::string& context, TokenType end) {
    auto pipe = std::make_shared<PipeNode>(peek_non_space().pos);
    while (true) {  // declarations
      const Token& v = peek_non_space();
      if (v.type != TokenType::Variable) break;
      std::size_t before = idx_;
      Token var = next();
      const Token& after = peek_non_space();
      if (after.type == TokenType::Assign || after.type == TokenType::Declare) {
        pipe->is_assign = after.type == TokenType::Assign;
        next_non_space();
        pipe->decl.push_back(std::make_shared<VariableNode>(var.pos, std::vector<std::string>{var.val}));
        vars_.push_back(var.val);
        break;
      }
      if (after.type == TokenType::Char && after.val == ",") {
        next_non_space();
        pipe->decl.push_back(std::make_shared<VariableNode>(var.pos, std::vector<std::string>{var.val}));
        vars_.push_back(var.val);
        if (context == "range" && pipe->decl.size() < 2) {
          TokenType t = peek_non_space().type;
          if (t == TokenType::Variable || t == TokenType::RightDelim || t == TokenType::RightParen) continue;
          errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + context);
      }
      idx_ = before;  // not a declaration: the variable is an operand
      break;
    }
    while (true) {
      const Token& t = next_non_space();
      if (t.type == end) {
        check_pipeline(*pipe, context);
        return pipe;
      }
      switch (t.type) {
        case TokenType::Bool: case TokenType::CharConstant: case TokenType::Complex: case TokenType::Dot:
        case TokenType::Field: case TokenType::Identifier: case TokenType::Number: case TokenType::Nil:
        case TokenType::RawString: case TokenType::String: case TokenType::Variable: case TokenType::LeftParen:
          backup();
          pipe->cmds.push_back(command());
          break;
        default: unexpected(t, context);
      }
    }
  }

  void check_pipeline(const PipeNode& pipe, const std::string& context) {
    if (pipe.cmds.empty()) errorf("missing value for " + context);
    for (std::size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i]->args[0]->type) {
        case NodeType::Bool: case NodeType::Dot: case NodeType::Nil: case NodeType::Number: case NodeType::String:
          errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default: break;
      }
    }
  }

  CommandPtr command() {
    auto cmd = std::make_shared<CommandNode>(peek_non_space().pos);
    while (true) {
      peek_non_space();
      if (NodePtr operand_node = operand()) cmd->args.push_back(operand_node);
      const Token& t = next();
      if (t.type == TokenType::Space) continue;
      if (t.type == TokenType::RightDelim || t.type == TokenType::RightParen) backup();
      else if (t.type != TokenType::Pipe) unexpected(t, "operand");
      break;
    }
    if (cmd->args.empty()) errorf("empty command");
    return cmd;
  }

  NodePtr operand() {
    NodePtr node = term();
    if (!node) return nullptr;
    if (peek().type != TokenType::Field) return node;
    std::size_t chain_pos = peek().pos;
    std::vector<std::string> fields;
    while (peek().type == TokenType::Field) fields.push_back(next().val.substr(1));
    switch (node->type) {
      case NodeType::Field: {
        auto ident = static_cast<const FieldNode&>(*node).ident;
        ident.insert(ident.end(), fields.begin(), fields.end());
        return std::make_shared<FieldNode>(chain_pos, std::move(ident));
      }
      case NodeType::Variable: {
        auto ident = static_cast<const VariableNode&>(*node).ident;
        ident.insert(ident.end(), fields.begin(), fields.end());
        return std::make_shared<VariableNode>(chain_pos, std::move(ident));
      }
      case NodeType::Bool: case NodeType::String: case NodeType::Number: case NodeType::Nil: case NodeType::Dot:
        errorf("unexpected . after term " + go_quote_str(to_string(*node)));
      default: {
        auto chain = std::make_shared<ChainNode>(chain_pos, node);
        chain->fields = std::move(fields);
        return chain;
      }
    }
  }

  NodePtr term() {
    const Token& t = next_non_space();
    switch (t.type) {
      case TokenType::Identifier:
        if (!has_function_(t.val)) errorf("function " + go_quote_str(t.val) + " not defined");
        return std::make_shared<IdentifierNode>(t.pos, t.val);
      case TokenType::Dot: return std::make_shared<DotNode>(t.pos);
      case TokenType::Nil: return std::make_shared<NilNode>(t.pos);
      case TokenType::Variable: {
        if (std::find(vars_.begin(), vars_.end(), t.val) == vars_.end())
          errorf("undefined variable " + go_quote_str(t.val));
        return std::make_shared<VariableNode>(t.pos, std::vector<std::string>{t.val});
      }
      case TokenType::Field: return std::make_shared<FieldNode>(t.pos, split_dots(std::string_view(t.val).substr(1)));
      case TokenType::Bool: return std::make_shared<BoolNode>(t.pos, t.val == "true");
      case TokenType::CharConstant:
      case TokenType::Complex:
      case TokenType::Number: {
        std::string err;
        auto n = parse_number(t.pos, t.val, t.type == TokenType::CharConstant, t.type == TokenType::Complex, err);
        if (!n) errorf(err);
        return n;
      }
      case TokenType::LeftParen: {
        NestingGuard guard(*this);
        return pipeline("parenthesized pipeline", TokenType::RightParen);
      }
      case TokenType::String:
      case TokenType::RawString: return std::make_shared<StringNode>(t.pos, t.val, unquote_or_error(t.val));
      default: break;
    }
    backup();
    return nullptr;
  }

  std::string unquote_or_error(const std::string& quoted) {
    std::string out;
    if (!unquote_literal(quoted, out)) errorf("invalid syntax");
    return out;
  }
};

std::string Parser::go_quote_str(const std::string& s) { return go_quote(s); }

}  // namespace

TreeSet parse_template(std::string_view source, const std::function<bool(std::string_view)>& has_function,
                       const ParseOptions& options) {
  return Parser(source, has_function, options).run();
}

std::string go_unquote(std::string_view quoted) {
  std::string out;
  if (!unquote_literal(quoted, out)) throw GoTemplateError("invalid syntax");
  return out;
}

}  // namespace hearth::tmpl::gotmpl
