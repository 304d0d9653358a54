// The interpreter. Function names and structure follow text/template/exec.go so the behaviour
// can be checked against it line by line; Go's panics for break/continue become a returned
// Control value.
#include "engine/template/gotmpl/exec.h"

#include <algorithm>
#include <optional>

#include "common/utf8.h"
#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/parser.h"

namespace hearth::tmpl::gotmpl {

namespace {

enum class Control { None, Break, Continue };

using Args = std::span<const NodePtr>;

class Executor {
 public:
  Executor(const TreeSet& set, const FunctionTable& funcs, const ExecLimits& limits, bool missingkey_zero)
      : set_(set), funcs_(funcs), limits_(limits), missingkey_zero_(missingkey_zero) {}

  std::string run(const std::string& name, const Value& data) {
    ListPtr root = lookup(name);
    if (!root) throw GoTemplateError("template: no template " + go_quote(name) + " associated with template \"\"");
    template_name_ = name;
    vars_.push_back({"$", data});
    walk(data, *root);
    return std::move(out_);
  }

 private:
  struct Variable {
    std::string name;
    Value value;
  };

  const TreeSet& set_;
  const FunctionTable& funcs_;
  const ExecLimits& limits_;
  bool missingkey_zero_;
  std::string out_;
  std::vector<Variable> vars_;
  std::uint64_t steps_ = 0;
  int depth_ = 0;
  int template_depth_ = 0;
  const Node* node_ = nullptr;  // current node, for error context
  std::string template_name_;

  struct DepthGuard {
    Executor& e;
    explicit DepthGuard(Executor& ex) : e(ex) {
      if (++e.depth_ > e.limits_.max_depth)
        e.errorf("exceeded maximum template depth (" + std::to_string(e.limits_.max_depth) + ")");
    }
    ~DepthGuard() { --e.depth_; }
  };

  ListPtr lookup(const std::string& name) const {
    auto it = set_.defined.find(name);
    if (it != set_.defined.end()) return it->second;
    if (name.empty()) return set_.root;
    return nullptr;
  }

  // ---- errors and bookkeeping -----------------------------------------------------------------
  [[noreturn]] void errorf(const std::string& msg) const {
    if (!node_) throw GoTemplateError("template: " + template_name_ + ": " + msg);
    std::size_t pos = std::min(node_->pos, set_.source.size());
    std::string_view text(set_.source.data(), pos);
    std::size_t nl = text.rfind('\n');
    std::size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
    std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    std::string context = to_string(*node_);
    std::size_t cut = 0, runes = 0;
    while (cut < context.size() && runes < 20) {
      utf8_decode(context, cut);
      ++runes;
    }
    if (cut < context.size()) context = context.substr(0, cut) + "...";
    throw GoTemplateError("template: :" + std::to_string(line) + ":" + std::to_string(col) + ": executing " +
                          go_quote(template_name_) + " at <" + context + ">: " + msg);
  }
  void at(const Node& n) { node_ = &n; }
  void step() {
    if (++steps_ > limits_.max_steps) errorf("exceeded maximum execution steps (" + std::to_string(limits_.max_steps) + ")");
  }
  void write(std::string_view s) {
    if (out_.size() + s.size() > limits_.max_output_bytes)
      errorf("output exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
    out_.append(s);
  }

  void push(const std::string& name, Value v) { vars_.push_back({name, std::move(v)}); }
  std::size_t mark() const { return vars_.size(); }
  void pop(std::size_t m) { vars_.resize(m); }
  void set_var(const std::string& name, Value v) {
    for (std::size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = std::move(v);
        return;
      }
    }
    errorf("undefined variable: " + name);
  }
  void set_top_var(std::size_t n, Value v) { vars_[vars_.size() - n].value = std::move(v); }
  const Value& var_value(const std::string& name) {
    for (std::size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].name == name) return vars_[i].value;
    errorf("undefined variable: " + name);
  }

  // ---- walking --------------------------------------------------------------------------------
  Control walk(const Value& dot, const Node& node) {
    DepthGuard guard(*this);
    at(node);
    step();
    switch (node.type) {
      case NodeType::Action: {
        const auto& a = static_cast<const ActionNode&>(node);
        Value v = eval_pipeline(dot, a.pipe.get());
        if (a.pipe->decl.empty()) {
          at(node);
          write(format_action_value(v));
        }
        return Control::None;
      }
      case NodeType::If:
      case NodeType::With: return walk_if_or_with(dot, static_cast<const BranchNode&>(node));
      case NodeType::List:
        for (const NodePtr& n : static_cast<const ListNode&>(node).nodes) {
          Control c = walk(dot, *n);
          if (c != Control::None) return c;
        }
        return Control::None;
      case NodeType::Range: return walk_range(dot, static_cast<const BranchNode&>(node));
      case NodeType::Template: walk_template(dot, static_cast<const TemplateNode&>(node)); return Control::None;
      case NodeType::Text: write(static_cast<const TextNode&>(node).text); return Control::None;
      case NodeType::Break: return Control::Break;
      case NodeType::Continue: return Control::Continue;
      default: errorf("unknown node: " + to_string(node));
    }
  }

  Control walk_if_or_with(const Value& dot, const BranchNode& b) {
    std::size_t m = mark();
    Value v = eval_pipeline(dot, b.pipe.get());
    Control c = Control::None;
    if (truth(v)) {
      c = walk(b.type == NodeType::With ? v : dot, *b.list);
    } else if (b.else_list) {
      c = walk(dot, *b.else_list);
    }
    pop(m);
    return c;
  }

  Control walk_range(const Value& dot, const BranchNode& r) {
    at(r);
    std::size_t m0 = mark();
    Value val = eval_pipeline(dot, r.pipe.get());
    std::size_t m = mark();
    std::size_t ndecl = r.pipe->decl.size();
    // Returns true when the loop must stop ({{break}}).
    auto one_iteration = [&](const Value& index, const Value& elem) {
      step();
      if (ndecl > 0) set_top_var(1, elem);
      if (ndecl > 1) set_top_var(2, index);
      Control c = walk(elem, *r.list);
      pop(m);
      return c == Control::Break;
    };
    bool ran = false;
    switch (val.kind()) {
      case Value::Kind::List: {
        const auto& items = val.as_list();
        for (std::size_t i = 0; i < items.size(); ++i) {
          ran = true;
          if (one_iteration(Value(static_cast<int64_t>(i)), items[i])) break;
        }
        break;
      }
      case Value::Kind::Map:
        for (const auto& [k, v] : val.as_map()) {
          ran = true;
          if (one_iteration(Value(k), v)) break;
        }
        break;
      case Value::Kind::Int: {
        if (ndecl > 1) errorf("can't use " + format_action_value(val) + " to iterate over more than one variable");
        for (int64_t i = 0; i < val.as_int(); ++i) {
          ran = true;
          if (one_iteration(Value(i), Value(i))) break;
        }
        break;
      }
      case Value::Kind::Invalid:
      case Value::Kind::Nil: break;  // a nil value ranges like an empty map
      default: errorf("range can't iterate over " + format_action_value(val));
    }
    Control c = Control::None;
    if (!ran && r.else_list) c = walk(dot, *r.else_list);
    pop(m0);
    // break/continue inside the else branch belong to an enclosing range.
    return c;
  }

  void walk_template(const Value& dot, const TemplateNode& t) {
    at(t);
    ListPtr tree = lookup(t.name);
    if (!tree) errorf("template " + go_quote(t.name) + " not defined");
    if (template_depth_ >= 100000) errorf("exceeded maximum template depth (100000)");
    Value new_dot = eval_pipeline(dot, t.pipe.get());
    std::vector<Variable> saved = std::move(vars_);
    std::string saved_name = std::move(template_name_);
    vars_.clear();
    vars_.push_back({"$", new_dot});
    template_name_ = t.name;
    ++template_depth_;
    walk(new_dot, *tree);
    --template_depth_;
    template_name_ = std::move(saved_name);
    vars_ = std::move(saved);
  }

  // ---- evaluation -----------------------------------------------------------------------------
  Value eval_pipeline(const Value& dot, const PipeNode* pipe) {
    if (!pipe) return Value();
    DepthGuard guard(*this);
    at(*pipe);
    std::optional<Value> final;
    Value value;
    for (const CommandPtr& cmd : pipe->cmds) {
      value = eval_command(dot, *cmd, final);
      // A nil interface{} result digs down to "no value" (reflect.ValueOf(nil)).
      if (value.kind() == Value::Kind::Nil) value = Value();
      final = value;
    }
    for (const auto& var : pipe->decl) {
      if (pipe->is_assign) set_var(var->ident[0], value);
      else push(var->ident[0], value);
    }
    return value;
  }

  void not_a_function(Args args, const std::optional<Value>& final) {
    if (args.size() > 1 || final) errorf("can't give argument to non-function " + to_string(*args[0]));
  }

  Value eval_command(const Value& dot, const CommandNode& cmd, const std::optional<Value>& final) {
    const Node& first = *cmd.args[0];
    Args args(cmd.args);
    switch (first.type) {
      case NodeType::Field: return eval_field_node(dot, static_cast<const FieldNode&>(first), args, final);
      case NodeType::Chain: return eval_chain_node(dot, static_cast<const ChainNode&>(first), args, final);
      case NodeType::Identifier: return eval_function(dot, static_cast<const IdentifierNode&>(first), cmd, args, final);
      case NodeType::Pipe:
        not_a_function(args, final);
        return eval_pipeline(dot, static_cast<const PipeNode*>(&first));
      case NodeType::Variable: return eval_variable_node(dot, static_cast<const VariableNode&>(first), args, final);
      default: break;
    }
    at(first);
    not_a_function(args, final);
    switch (first.type) {
      case NodeType::Bool: return Value(static_cast<const BoolNode&>(first).value);
      case NodeType::Dot: return dot;
      case NodeType::Nil: errorf("nil is not a command");
      case NodeType::Number: return ideal_constant(static_cast<const NumberNode&>(first));
      case NodeType::String: return Value(static_cast<const StringNode&>(first).text);
      default: errorf("can't evaluate command " + go_quote(to_string(first)));
    }
  }

  Value ideal_constant(const NumberNode& n) {
    at(n);
    const std::string& t = n.text;
    bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && t.find_first_of("pP") == std::string::npos;
    if (n.is_float && !hex_int && !n.is_char && t.find_first_of(".eEpP") != std::string::npos) return Value(n.float_value);
    if (n.is_int) return Value(n.int_value);
    if (n.is_uint) errorf(t + " overflows int");
    return Value();
  }

  Value eval_field_node(const Value& dot, const FieldNode& f, Args args, const std::optional<Value>& final) {
    at(f);
    return eval_field_chain(dot, dot, f, f.ident, 0, args, final);
  }

  Value eval_chain_node(const Value& dot, const ChainNode& c, Args args, const std::optional<Value>& final) {
    at(c);
    if (c.node->type == NodeType::Nil) errorf("indirection through explicit nil in " + to_string(c));
    Value pipe = eval_arg(dot, std::nullopt, *c.node);
    return eval_field_chain(dot, pipe, c, c.fields, 0, args, final);
  }

  Value eval_variable_node(const Value& dot, const VariableNode& v, Args args, const std::optional<Value>& final) {
    at(v);
    Value value = var_value(v.ident[0]);
    if (v.ident.size() == 1) {
      not_a_function(args, final);
      return value;
    }
    return eval_field_chain(dot, value, v, v.ident, 1, args, final);
  }

  Value eval_field_chain(const Value& dot, Value receiver, const Node& node, const std::vector<std::string>& ident,
                         std::size_t first, Args args, const std::optional<Value>& final) {
    std::size_t n = ident.size();
    for (std::size_t i = first; i + 1 < n; ++i) receiver = eval_field(dot, ident[i], node, {}, std::nullopt, receiver);
    return eval_field(dot, ident[n - 1], node, args, final, receiver);
  }

  Value eval_field(const Value& dot, const std::string& name, const Node& node, Args args,
                   const std::optional<Value>& final, const Value& receiver) {
    (void)dot;
    if (!receiver.is_valid()) return Value();  // missingkey=zero: nothing in, nothing out
    if (receiver.kind() == Value::Kind::Nil) errorf("nil pointer evaluating interface {}." + name);
    bool has_args = args.size() > 1 || final.has_value();
    if (const GoType* type = receiver.type()) {
      auto call_method = [&](auto&& fn) {
        if (has_args) {
          std::size_t got = (args.empty() ? 0 : args.size() - 1) + (final ? 1 : 0);
          errorf("wrong number of args for " + name + ": want 0 got " + std::to_string(got));
        }
        step();
        return fn(receiver);
      };
      if (name == "String" && type->string_method) return call_method([&](const Value& r) { return Value(type->string_method(r)); });
      for (const auto& [mname, fn] : type->methods)
        if (mname == name) return call_method(fn);
    }
    (void)node;
    switch (receiver.kind()) {
      case Value::Kind::Struct: {
        const auto& s = receiver.as_struct();
        for (std::size_t i = 0; i < s.fields.size(); ++i) {
          if (s.fields[i].name != name) continue;
          if (!s.fields[i].exported) errorf(name + " is an unexported field of struct type " + receiver.type_name());
          if (has_args) errorf(name + " has arguments but cannot be invoked as function");
          return s.values[i];
        }
        break;
      }
      case Value::Kind::Map: {
        if (has_args) errorf(name + " is not a method but has arguments");
        const auto& m = receiver.as_map();
        auto it = m.find(name);
        if (it != m.end()) return it->second;
        if (!missingkey_zero_) return Value();
        if (receiver.type() && receiver.type()->map_elem_zero) return receiver.type()->map_elem_zero();
        return Value::nil();
      }
      default: break;
    }
    errorf("can't evaluate field " + name + " in type " + receiver.type_name());
  }

  Value eval_function(const Value& dot, const IdentifierNode& id, const Node& cmd, Args args,
                      const std::optional<Value>& final) {
    at(id);
    auto it = funcs_.find(id.name);
    if (it == funcs_.end()) errorf(go_quote(id.name) + " is not a defined function");
    return eval_call(dot, it->second, cmd, id.name, args, final);
  }

  Value eval_call(const Value& dot, const Function& fn, const Node& node, const std::string& name, Args args,
                  const std::optional<Value>& final) {
    step();
    if (!args.empty()) args = args.subspan(1);
    std::size_t num_in = args.size() + (final ? 1 : 0);
    std::size_t num_fixed = args.size();
    if (fn.variadic) {
      num_fixed = fn.params.size() - 1;
      if (num_in < num_fixed)
        errorf("wrong number of args for " + name + ": want at least " + std::to_string(num_fixed) + " got " +
               std::to_string(args.size()));
    } else if (num_in != fn.params.size()) {
      errorf("wrong number of args for " + name + ": want " + std::to_string(fn.params.size()) + " got " +
             std::to_string(num_in));
    }
    if (name == "and" || name == "or") {  // builtins that short-circuit
      Value v;
      for (const NodePtr& a : args) {
        v = eval_arg(dot, ParamKind::ReflectValue, *a);
        if (truth(v) == (name == "or")) return v;
      }
      if (final) v = validate_type(*final, ParamKind::ReflectValue);
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(num_in);
    std::size_t i = 0;
    for (; i < num_fixed && i < args.size(); ++i) argv.push_back(eval_arg(dot, fn.params[i], *args[i]));
    if (fn.variadic)
      for (; i < args.size(); ++i) argv.push_back(eval_arg(dot, fn.params.back(), *args[i]));
    if (final) {
      ParamKind t = fn.params.back();
      if (fn.variadic && num_in - 1 < num_fixed) t = fn.params[num_in - 1];
      argv.push_back(validate_type(*final, t));
    }
    try {
      Value result = fn.impl(argv);
      if (result.kind() == Value::Kind::String && result.as_string().size() > limits_.max_output_bytes)
        throw FunctionError("result exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
      return result;
    } catch (const FunctionError& e) {
      at(node);
      errorf("error calling " + name + ": " + e.what());
    }
  }

  static const char* kind_name(ParamKind k) {
    switch (k) {
      case ParamKind::Any: return "interface {}";
      case ParamKind::ReflectValue: return "reflect.Value";
      case ParamKind::String: return "string";
      case ParamKind::Int: return "int";
    }
    return "?";
  }

  Value validate_type(const Value& v, std::optional<ParamKind> typ) {
    if (!typ) return v;
    if (!v.is_valid()) {
      if (*typ == ParamKind::Any) return Value::nil();
      if (*typ == ParamKind::ReflectValue) return Value();
      errorf(std::string("invalid value; expected ") + kind_name(*typ));
    }
    if (*typ == ParamKind::String && (v.kind() != Value::Kind::String || v.type() != nullptr))
      errorf(std::string("wrong type for value; expected string; got ") + v.type_name());
    if (*typ == ParamKind::Int && (v.kind() != Value::Kind::Int || v.type() != nullptr))
      errorf(std::string("wrong type for value; expected int; got ") + v.type_name());
    return v;
  }

  Value eval_arg(const Value& dot, std::optional<ParamKind> typ, const Node& n) {
    at(n);
    switch (n.type) {
      case NodeType::Dot: return validate_type(dot, typ);
      case NodeType::Nil:
        if (!typ || *typ == ParamKind::Any) return Value::nil();
        if (*typ == ParamKind::ReflectValue) return Value();
        errorf(std::string("cannot assign nil to ") + kind_name(*typ));
      case NodeType::Field:  // a field used as an argument takes no arguments itself
        return validate_type(eval_field_node(dot, static_cast<const FieldNode&>(n), {}, std::nullopt), typ);
      case NodeType::Variable:
        return validate_type(eval_variable_node(dot, static_cast<const VariableNode&>(n), {}, std::nullopt), typ);
      case NodeType::Pipe: return validate_type(eval_pipeline(dot, static_cast<const PipeNode*>(&n)), typ);
      case NodeType::Identifier: {
        const auto& id = static_cast<const IdentifierNode&>(n);
        return validate_type(eval_function(dot, id, id, {}, std::nullopt), typ);
      }
      case NodeType::Chain:
        return validate_type(eval_chain_node(dot, static_cast<const ChainNode&>(n), {}, std::nullopt), typ);
      default: break;
    }
    if (typ && *typ == ParamKind::String) {
      if (n.type == NodeType::String) return Value(static_cast<const StringNode&>(n).text);
      errorf("expected string; found " + to_string(n));
    }
    if (typ && *typ == ParamKind::Int) {
      if (n.type == NodeType::Number && static_cast<const NumberNode&>(n).is_int)
        return Value(static_cast<const NumberNode&>(n).int_value);
      errorf("expected integer; found " + to_string(n));
    }
    switch (n.type) {  // interface{} / reflect.Value: literals take their natural type
      case NodeType::Bool: return Value(static_cast<const BoolNode&>(n).value);
      case NodeType::Number: return ideal_constant(static_cast<const NumberNode&>(n));
      case NodeType::String: return Value(static_cast<const StringNode&>(n).text);
      default: errorf("can't handle assignment of " + to_string(n) + " to empty interface argument");
    }
  }
};

}  // namespace

std::string execute_tree_set(const TreeSet& set, const std::string& name, const Value& data,
                             const FunctionTable& funcs, const ExecLimits& limits, bool missingkey_zero) {
  return Executor(set, funcs, limits, missingkey_zero).run(name, data);
}

}  // namespace hearth::tmpl::gotmpl
