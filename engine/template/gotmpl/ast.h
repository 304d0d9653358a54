// engine/template/gotmpl/ast.h — the parse tree of a Go text/template.
//
// Mirrors text/template/parse's node types: a template is a ListNode of TextNode, ActionNode
// ({{pipeline}}), IfNode/RangeNode/WithNode (a BranchNode: pipeline, list, optional else list),
// TemplateNode ({{template "name" pipeline}}), BreakNode and ContinueNode. A pipeline is
// optional variable declarations plus commands joined by "|"; a command is a list of arguments:
// fields (.A.B), variables ($x.A), identifiers (function names), literals, ".", nil,
// parenthesized pipelines and chains ((pipe).A.B).
//
// Nodes are immutable and shared (std::shared_ptr<const ...>): Ollama's legacy rendering builds a
// truncated copy of a tree that reuses every untouched subtree. `pos` is the byte offset in the
// source, for error messages; `to_string` reproduces Go's Node.String() for error contexts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hearth::tmpl::gotmpl {

enum class NodeType {
  Text, Action, If, Range, With, List, Template, Break, Continue,
  Pipe, Command, Field, Variable, Identifier, Dot, Nil, Bool, Number, String, Chain,
};

struct Node {
  NodeType type;
  std::size_t pos;
  Node(NodeType t, std::size_t p) : type(t), pos(p) {}
  virtual ~Node() = default;
};
using NodePtr = std::shared_ptr<const Node>;

struct PipeNode;
struct ListNode;
using PipePtr = std::shared_ptr<const PipeNode>;
using ListPtr = std::shared_ptr<const ListNode>;

struct TextNode : Node {
  std::string text;
  TextNode(std::size_t p, std::string t) : Node(NodeType::Text, p), text(std::move(t)) {}
};

struct ListNode : Node {
  std::vector<NodePtr> nodes;
  explicit ListNode(std::size_t p) : Node(NodeType::List, p) {}
};

struct VariableNode : Node {
  std::vector<std::string> ident;  // "$x", then field names
  VariableNode(std::size_t p, std::vector<std::string> i) : Node(NodeType::Variable, p), ident(std::move(i)) {}
};

struct FieldNode : Node {
  std::vector<std::string> ident;  // without the dots
  FieldNode(std::size_t p, std::vector<std::string> i) : Node(NodeType::Field, p), ident(std::move(i)) {}
};

struct IdentifierNode : Node {
  std::string name;
  IdentifierNode(std::size_t p, std::string n) : Node(NodeType::Identifier, p), name(std::move(n)) {}
};

struct DotNode : Node {
  explicit DotNode(std::size_t p) : Node(NodeType::Dot, p) {}
};

struct NilNode : Node {
  explicit NilNode(std::size_t p) : Node(NodeType::Nil, p) {}
};

struct BoolNode : Node {
  bool value;
  BoolNode(std::size_t p, bool v) : Node(NodeType::Bool, p), value(v) {}
};

struct NumberNode : Node {
  bool is_int = false, is_uint = false, is_float = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double float_value = 0;
  bool is_char = false;  // a character constant such as 'a'
  std::string text;      // as written
  NumberNode(std::size_t p, std::string t) : Node(NodeType::Number, p), text(std::move(t)) {}
};

struct StringNode : Node {
  std::string quoted;  // as written, with quotes
  std::string text;    // the unquoted value
  StringNode(std::size_t p, std::string q, std::string t)
      : Node(NodeType::String, p), quoted(std::move(q)), text(std::move(t)) {}
};

struct ChainNode : Node {
  NodePtr node;  // a parenthesized pipeline (or other term) followed by fields
  std::vector<std::string> fields;
  ChainNode(std::size_t p, NodePtr n) : Node(NodeType::Chain, p), node(std::move(n)) {}
};

struct CommandNode : Node {
  std::vector<NodePtr> args;  // arguments in lexical order
  explicit CommandNode(std::size_t p) : Node(NodeType::Command, p) {}
};
using CommandPtr = std::shared_ptr<const CommandNode>;

struct PipeNode : Node {
  bool is_assign = false;  // "=" rather than ":="
  std::vector<std::shared_ptr<const VariableNode>> decl;
  std::vector<CommandPtr> cmds;
  explicit PipeNode(std::size_t p) : Node(NodeType::Pipe, p) {}
};

struct ActionNode : Node {
  PipePtr pipe;
  ActionNode(std::size_t p, PipePtr pp) : Node(NodeType::Action, p), pipe(std::move(pp)) {}
};

// If, Range and With share this shape (Go's BranchNode).
struct BranchNode : Node {
  PipePtr pipe;
  ListPtr list;
  ListPtr else_list;  // may be null
  BranchNode(NodeType t, std::size_t p, PipePtr pp, ListPtr l, ListPtr e)
      : Node(t, p), pipe(std::move(pp)), list(std::move(l)), else_list(std::move(e)) {}
};

struct TemplateNode : Node {
  std::string name;
  PipePtr pipe;  // may be null: {{template "x"}}
  TemplateNode(std::size_t p, std::string n, PipePtr pp)
      : Node(NodeType::Template, p), name(std::move(n)), pipe(std::move(pp)) {}
};

struct BreakNode : Node {
  explicit BreakNode(std::size_t p) : Node(NodeType::Break, p) {}
};
struct ContinueNode : Node {
  explicit ContinueNode(std::size_t p) : Node(NodeType::Continue, p) {}
};

// A parsed template set: the main tree ("" name) plus {{define}}/{{block}} trees by name.
struct TreeSet {
  std::string source;  // for line numbers in errors
  ListPtr root;
  std::map<std::string, ListPtr> defined;
};

// Go's Node.String(): the node as template source, used in error messages ("at <.Foo>").
std::string to_string(const Node& n);

}  // namespace hearth::tmpl::gotmpl
