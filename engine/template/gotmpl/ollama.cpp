#include "engine/template/gotmpl/ollama.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

#include "engine/template/gotmpl/gofmt.h"

namespace hearth::tmpl::gotmpl {

namespace {

std::string local_date(std::chrono::system_clock::time_point t, int day_offset) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  tm.tm_mday += day_offset;  // AddDate(0, 0, -1): calendar arithmetic, normalised by mktime
  tm.tm_isdst = -1;
  std::mktime(&tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Ollama's Identifiers: field and variable identifiers of every action, branch and template
// pipeline (not of chains, not of declarations).
void identifiers(const Node& n, std::vector<std::string>& out) {
  switch (n.type) {
    case NodeType::List:
      for (const NodePtr& c : static_cast<const ListNode&>(n).nodes) identifiers(*c, out);
      return;
    case NodeType::Template: {
      const auto& t = static_cast<const TemplateNode&>(n);
      if (!t.pipe) throw GoTemplateError("undefined template specified");
      identifiers(*t.pipe, out);
      return;
    }
    case NodeType::Action: identifiers(*static_cast<const ActionNode&>(n).pipe, out); return;
    case NodeType::If:
    case NodeType::Range:
    case NodeType::With: {
      const auto& b = static_cast<const BranchNode&>(n);
      identifiers(*b.pipe, out);
      identifiers(*b.list, out);
      if (b.else_list) identifiers(*b.else_list, out);
      return;
    }
    case NodeType::Pipe:
      for (const CommandPtr& c : static_cast<const PipeNode&>(n).cmds)
        for (const NodePtr& a : c->args) identifiers(*a, out);
      return;
    case NodeType::Field: {
      const auto& f = static_cast<const FieldNode&>(n);
      out.insert(out.end(), f.ident.begin(), f.ident.end());
      return;
    }
    case NodeType::Variable: {
      const auto& v = static_cast<const VariableNode&>(n);
      out.insert(out.end(), v.ident.begin(), v.ident.end());
      return;
    }
    default: return;
  }
}

std::vector<std::string> compute_vars(const TreeSet& set) {
  std::vector<std::string> all;
  identifiers(*set.root, all);
  for (const auto& [name, tree] : set.defined) identifiers(*tree, all);
  std::set<std::string> unique;
  for (std::string s : all) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    unique.insert(std::move(s));
  }
  return {unique.begin(), unique.end()};
}

// deleteNode's walk. Returns null for a deleted node. `cut` turns true at the first field node
// naming Response; from then on every node visited is deleted (the Response field itself and
// later Response fields in the same pipeline survive, as in Ollama).
class ResponseCutter {
 public:
  NodePtr walk(const NodePtr& n) {
    if (visit(*n)) return nullptr;
    switch (n->type) {
      case NodeType::List: return walk_list(static_cast<const ListNode&>(*n));
      case NodeType::If:
      case NodeType::Range:
      case NodeType::With: {
        const auto& b = static_cast<const BranchNode&>(*n);
        // The branch node itself is visited first (deleteNode walks &t.BranchNode).
        if (visit(b)) return nullptr;
        ListPtr list = walk_list_ptr(b.list);
        ListPtr else_list;
        // Ollama's type assertion panics when the else list is deleted; we drop it instead.
        if (b.else_list) else_list = walk_list_ptr(b.else_list);
        if (!list) list = std::make_shared<ListNode>(b.list->pos);
        return std::make_shared<BranchNode>(b.type, b.pos, b.pipe, list, else_list);
      }
      case NodeType::Action: {
        const auto& a = static_cast<const ActionNode&>(*n);
        auto pipe = walk_pipe(*a.pipe);
        if (!pipe) return nullptr;
        return std::make_shared<ActionNode>(a.pos, pipe);
      }
      case NodeType::Pipe: return walk_pipe(static_cast<const PipeNode&>(*n));
      default: return n;
    }
  }

 private:
  bool cut_ = false;

  bool visit(const Node& n) {
    if (n.type == NodeType::Field) {
      const auto& f = static_cast<const FieldNode&>(n);
      if (std::find(f.ident.begin(), f.ident.end(), "Response") != f.ident.end()) {
        cut_ = true;
        return false;
      }
    }
    return cut_;
  }

  NodePtr walk_list(const ListNode& l) {
    auto out = std::make_shared<ListNode>(l.pos);
    for (const NodePtr& c : l.nodes)
      if (NodePtr w = walk(c)) out->nodes.push_back(w);
    return out;
  }

  ListPtr walk_list_ptr(const ListPtr& l) {
    NodePtr w = walk(l);
    return std::static_pointer_cast<const ListNode>(w);
  }

  PipePtr walk_pipe(const PipeNode& p) {
    if (visit(p)) return nullptr;
    auto out = std::make_shared<PipeNode>(p.pos);
    out->is_assign = p.is_assign;
    out->decl = p.decl;
    for (const CommandPtr& c : p.cmds) {
      auto cmd = std::make_shared<CommandNode>(c->pos);
      for (const NodePtr& a : c->args)
        if (NodePtr w = walk(a)) cmd->args.push_back(w);
      if (cmd->args.empty()) return nullptr;
      out->cmds.push_back(cmd);
    }
    if (out->cmds.empty()) return nullptr;
    return out;
  }
};

Value think_value(const Json& think) {
  if (think.is_bool()) return Value(think.as_bool());
  if (think.is_string()) return Value(!think.as_string().empty());
  return Value(false);
}

Value think_level(const Json& think) {
  if (think.is_string()) return Value(think.as_string());
  if (think.is_bool() && think.as_bool()) return Value("medium");
  return Value("");
}

}  // namespace

FunctionTable ollama_functions(std::chrono::system_clock::time_point now) {
  FunctionTable t;
  t.emplace("json", Function{{ParamKind::Any}, false, [](std::span<const Value> a) {
                               std::string out;
                               if (!marshal_json(a[0], out)) out.clear();  // Ollama ignores the error
                               return Value(out);
                             }});
  t.emplace("currentDate", Function{{ParamKind::String}, true, [now](std::span<const Value>) {
                                      return Value(local_date(now, 0));
                                    }});
  t.emplace("yesterdayDate", Function{{ParamKind::String}, true, [now](std::span<const Value>) {
                                        return Value(local_date(now, -1));
                                      }});
  t.emplace("toTypeScriptType", Function{{ParamKind::Any}, false, [](std::span<const Value> a) {
                                           const Value& v = a[0];
                                           if (v.type() && v.type()->name == "api.ToolProperty") {
                                             for (const auto& [name, fn] : v.type()->methods)
                                               if (name == "ToTypeScriptType") return fn(v);
                                           }
                                           return Value("any");
                                         }});
  return t;
}

ListPtr cut_after_response(const ListPtr& root) {
  ResponseCutter cutter;
  NodePtr w = cutter.walk(root);
  if (!w) return std::make_shared<ListNode>(root->pos);
  return std::static_pointer_cast<const ListNode>(w);
}

OllamaValues OllamaValues::from_json(const Json& request) {
  OllamaValues v;
  if (!request.is_object()) throw GoTemplateError("template values must be a JSON object");
  if (const Json* msgs = request.find("messages"); msgs && !msgs->is_null()) {
    if (!msgs->is_array()) throw GoTemplateError("invalid messages: expected an array");
    for (const Json& m : msgs->as_array()) v.messages.push_back(Message::from_json(m));
  }
  if (const Json* tools = request.find("tools")) v.tools = *tools;
  if (const Json* p = request.find("prompt"); p && p->is_string()) v.prompt = p->as_string();
  if (const Json* s = request.find("suffix"); s && s->is_string()) v.suffix = s->as_string();
  if (const Json* t = request.find("think")) v.think = *t;
  return v;
}

OllamaTemplate OllamaTemplate::parse(std::string_view source) {
  OllamaTemplate t;
  t.source_ = std::string(source);
  t.template_ = Template::parse(source, ollama_functions(std::chrono::system_clock::now()));
  std::vector<std::string> vars = compute_vars(t.template_.trees());
  bool has = std::binary_search(vars.begin(), vars.end(), "messages") ||
             std::binary_search(vars.begin(), vars.end(), "response");
  if (!has) {
    // Append {{ .Response }} to the main tree.
    auto root = std::make_shared<ListNode>(*t.template_.trees().root);
    auto cmd = std::make_shared<CommandNode>(source.size());
    cmd->args.push_back(std::make_shared<FieldNode>(source.size(), std::vector<std::string>{"Response"}));
    auto pipe = std::make_shared<PipeNode>(source.size());
    pipe->cmds.push_back(cmd);
    root->nodes.push_back(std::make_shared<ActionNode>(source.size(), pipe));
    t.template_ = t.template_.with_root(root);
    vars = compute_vars(t.template_.trees());
  }
  t.vars_ = std::move(vars);
  return t;
}

bool OllamaTemplate::uses(std::string_view id) const {
  return std::binary_search(vars_.begin(), vars_.end(), std::string(id));
}

std::string OllamaTemplate::execute(const OllamaValues& values, const OllamaRenderOptions& options) const {
  FunctionTable funcs = builtin_functions();
  for (auto& [name, fn] : ollama_functions(options.now.value_or(std::chrono::system_clock::now())))
    funcs.insert_or_assign(name, std::move(fn));
  auto [system, messages] = collate(values.messages);
  Value think = think_value(values.think);
  Value level = think_level(values.think);
  Value is_think_set(!values.think.is_null());

  auto run = [&](Value::Map data) { return template_.execute_with(Value::make_map(std::move(data)), funcs, options.limits); };

  if (!values.prompt.empty() && !values.suffix.empty()) {
    return run({{"Prompt", Value(values.prompt)},
                {"Suffix", Value(values.suffix)},
                {"Response", Value("")},
                {"Think", think},
                {"ThinkLevel", level},
                {"IsThinkSet", is_think_set}});
  }
  if (!options.force_legacy && uses("messages")) {
    return run({{"System", Value(system)},
                {"Messages", messages_value(messages)},
                {"Tools", tools_value(values.tools)},
                {"Response", Value("")},
                {"Think", think},
                {"ThinkLevel", level},
                {"IsThinkSet", is_think_set}});
  }

  // Legacy: one execution per completed turn, then the final turn cut after {{ .Response }}.
  std::string out;
  std::string sys, prompt, response;
  auto turn_values = [&] {
    return Value::Map{{"System", Value(sys)},   {"Prompt", Value(prompt)},     {"Response", Value(response)},
                      {"Think", think},          {"ThinkLevel", level},          {"IsThinkSet", is_think_set}};
  };
  auto execute_turn = [&] {
    out += run(turn_values());
    if (out.size() > options.limits.max_output_bytes) throw GoTemplateError("template output exceeds the limit");
    sys.clear();
    prompt.clear();
    response.clear();
  };
  for (const Message& m : messages) {
    if (m.role == "system") {
      if (!prompt.empty() || !response.empty()) execute_turn();
      sys = m.content;
    } else if (m.role == "user") {
      if (!response.empty()) execute_turn();
      prompt = m.content;
    } else if (m.role == "assistant") {
      response = m.content;
    }
  }
  // Go runs the cut tree as a fresh template: builtins only, no {{define}}s, default missingkey.
  Template cut = template_.with_root(cut_after_response(template_.trees().root)).main_tree_only();
  out += cut.execute_with(Value::make_map(turn_values()), builtin_functions(), options.limits, false);
  return out;
}

}  // namespace hearth::tmpl::gotmpl
