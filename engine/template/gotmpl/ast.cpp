#include "engine/template/gotmpl/ast.h"

namespace hearth::tmpl::gotmpl {

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string arg_string(const Node& n) {
  if (n.type != NodeType::Pipe) return to_string(n);
  std::string out = "(";
  out += to_string(n);
  out += ')';
  return out;
}

std::string list_string(const ListPtr& l) { return l ? to_string(*l) : std::string(); }

}  // namespace

std::string to_string(const Node& n) {
  switch (n.type) {
    case NodeType::Text: return static_cast<const TextNode&>(n).text;
    case NodeType::List: {
      std::string out;
      for (const NodePtr& c : static_cast<const ListNode&>(n).nodes) out += to_string(*c);
      return out;
    }
    case NodeType::Action: return "{{" + to_string(*static_cast<const ActionNode&>(n).pipe) + "}}";
    case NodeType::If:
    case NodeType::Range:
    case NodeType::With: {
      const auto& b = static_cast<const BranchNode&>(n);
      const char* name = n.type == NodeType::If ? "if" : n.type == NodeType::Range ? "range" : "with";
      std::string out = std::string("{{") + name + " " + to_string(*b.pipe) + "}}" + list_string(b.list);
      if (b.else_list) out += "{{else}}" + list_string(b.else_list);
      return out + "{{end}}";
    }
    case NodeType::Template: {
      const auto& t = static_cast<const TemplateNode&>(n);
      std::string out = "{{template \"";
      out += t.name;
      out += '"';
      if (t.pipe) {
        out += ' ';
        out += to_string(*t.pipe);
      }
      out += "}}";
      return out;
    }
    case NodeType::Break: return "{{break}}";
    case NodeType::Continue: return "{{continue}}";
    case NodeType::Pipe: {
      const auto& p = static_cast<const PipeNode&>(n);
      std::string out;
      if (!p.decl.empty()) {
        for (std::size_t i = 0; i < p.decl.size(); ++i) {
          if (i > 0) out += ", ";
          out += to_string(*p.decl[i]);
        }
        out += p.is_assign ? " = " : " := ";
      }
      for (std::size_t i = 0; i < p.cmds.size(); ++i) {
        if (i > 0) out += " | ";
        out += to_string(*p.cmds[i]);
      }
      return out;
    }
    case NodeType::Command: {
      const auto& c = static_cast<const CommandNode&>(n);
      std::string out;
      for (std::size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += " ";
        out += arg_string(*c.args[i]);
      }
      return out;
    }
    case NodeType::Field: {
      std::string out = ".";
      out += join(static_cast<const FieldNode&>(n).ident, ".");
      return out;
    }
    case NodeType::Variable: return join(static_cast<const VariableNode&>(n).ident, ".");
    case NodeType::Identifier: return static_cast<const IdentifierNode&>(n).name;
    case NodeType::Dot: return ".";
    case NodeType::Nil: return "nil";
    case NodeType::Bool: return static_cast<const BoolNode&>(n).value ? "true" : "false";
    case NodeType::Number: return static_cast<const NumberNode&>(n).text;
    case NodeType::String: return static_cast<const StringNode&>(n).quoted;
    case NodeType::Chain: {
      const auto& c = static_cast<const ChainNode&>(n);
      std::string out = arg_string(*c.node);
      for (const std::string& f : c.fields) out += "." + f;
      return out;
    }
  }
  return "";
}

}  // namespace hearth::tmpl::gotmpl
