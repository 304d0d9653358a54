#include "engine/template/gotmpl/ollama_values.h"

#include <cctype>

#include "engine/template/gotmpl/gofmt.h"
#include "engine/template/gotmpl/parser.h"

namespace hearth::tmpl::gotmpl {

namespace {

[[noreturn]] void bad_field(const std::string& field, const char* expected, const Json& got) {
  throw GoTemplateError("invalid " + field + ": expected " + expected + ", got " + got.kind_name());
}

std::string get_string(const Json& obj, const char* key, const std::string& where) {
  const Json* v = obj.find(key);
  if (!v || v->is_null()) return "";
  if (!v->is_string()) bad_field(where + "." + key, "a string", *v);
  return v->as_string();
}

std::string json_string_of(const Value& v) {
  std::string out;
  if (!marshal_json(v, out)) return "";
  return out;
}

// ---- Go types mirrored from ollama/api and ollama/template ------------------------------------

const GoType& property_type_type();
const GoType& tool_property_type();
const GoType& tool_properties_map_type();
const GoType& template_properties_type();

std::vector<StructField> tool_property_fields() {
  return {{"AnyOf", "anyOf", true}, {"Type", "type", true},        {"Items", "items", true},
          {"Description", "description", true}, {"Enum", "enum", true}, {"Properties", "properties", true}};
}

Value zero_tool_property() {
  return Value::make_struct(tool_property_fields(),
                            {Value::nil_list(), Value::nil_list(&property_type_type()), Value::nil(), Value(""),
                             Value::nil_list(), Value::nil()},
                            &tool_property_type());
}

std::string map_typescript(const std::string& t) {
  if (t == "string") return "string";
  if (t == "number" || t == "integer") return "number";
  if (t == "boolean") return "boolean";
  if (t == "array") return "any[]";
  if (t == "object") return "Record<string, any>";
  if (t == "null") return "null";
  return "any";
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// api.ToolProperty.ToTypeScriptType.
std::string to_typescript(const Value& prop) {
  const Value* any_of = prop.field("AnyOf");
  if (any_of && any_of->kind() == Value::Kind::List && !any_of->as_list().empty()) {
    std::vector<std::string> types;
    for (const Value& p : any_of->as_list()) types.push_back(to_typescript(p));
    return join(types, " | ");
  }
  const Value* type = prop.field("Type");
  if (!type || type->kind() != Value::Kind::List || type->as_list().empty()) return "any";
  std::vector<std::string> types;
  for (const Value& t : type->as_list()) types.push_back(map_typescript(t.as_string()));
  return join(types, " | ");
}

const GoType& property_type_type() {
  static const GoType t{
      "api.PropertyType",
      [](const Value& v) -> std::string {
        const auto& l = v.as_list();
        if (l.empty()) return "";
        if (l.size() == 1) return l[0].as_string();
        return format_action_value(Value::make_list(l));  // fmt "%v" of []string: [a b]
      },
      {},
      [](const Value& v, std::string& out) {
        const auto& l = v.as_list();
        if (l.size() == 1) {
          append_go_json_string(out, l[0].as_string());
          return;
        }
        marshal_json(v.is_nil_container() ? Value::nil_list() : Value::make_list(l), out);
      },
      {},
      false};
  return t;
}

const GoType& tool_property_type() {
  static const GoType t{"api.ToolProperty",
                        {},
                        {{"ToTypeScriptType", [](const Value& v) { return Value(to_typescript(v)); }}},
                        {},
                        {},
                        false};
  return t;
}

const GoType& tool_properties_map_type() {
  // *api.ToolPropertiesMap: an insertion-ordered map with no exported fields; only its JSON is
  // observable from templates.
  static const GoType t{"*api.ToolPropertiesMap",
                        {},
                        {},
                        [](const Value& v, std::string& out) {
                          const auto& s = v.as_struct();
                          const auto& keys = s.values[0].as_list();
                          const auto& values = s.values[1].as_list();
                          out.push_back('{');
                          for (std::size_t i = 0; i < keys.size(); ++i) {
                            if (i) out.push_back(',');
                            append_go_json_string(out, keys[i].as_string());
                            out.push_back(':');
                            marshal_json(values[i], out);
                          }
                          out.push_back('}');
                        },
                        {},
                        true};
  return t;
}

const GoType& template_properties_type() {
  static const GoType t{"template.templateProperties",
                        [](const Value& v) { return v.is_nil_container() ? std::string("{}") : json_string_of(v); },
                        {},
                        {},
                        [] { return zero_tool_property(); },
                        false};
  return t;
}

const GoType& template_args_type() {
  static const GoType t{"template.templateArgs",
                        [](const Value& v) { return v.is_nil_container() ? std::string("{}") : json_string_of(v); },
                        {},
                        {},
                        {},
                        false};
  return t;
}

const GoType& template_tools_type() {
  static const GoType t{"template.templateTools", [](const Value& v) { return json_string_of(v); }, {}, {}, {}, false};
  return t;
}

// Go types that need nothing but their name (for error messages and %T).
struct PlainTypes {
  GoType message{"*template.templateMessage", {}, {}, {}, {}, true};
  GoType messages{"[]*template.templateMessage", {}, {}, {}, {}, false};
  GoType tool_call{"template.templateToolCall", {}, {}, {}, {}, false};
  GoType tool_calls{"[]template.templateToolCall", {}, {}, {}, {}, false};
  GoType tool_call_function{"template.templateToolCallFunction", {}, {}, {}, {}, false};
  GoType tool{"template.templateTool", {}, {}, {}, {}, false};
  GoType tool_function{"template.templateToolFunction", {}, {}, {}, {}, false};
  GoType tool_params{"template.templateToolFunctionParameters", {}, {}, {}, {}, false};
  GoType images{"[]api.ImageData", {}, {}, {}, {}, false};
  GoType strings{"[]string", {}, {}, {}, {}, false};
  GoType properties_list{"[]api.ToolProperty", {}, {}, {}, {}, false};
};

const PlainTypes& plain() {
  static const PlainTypes types;
  return types;
}

Value any_value(const Json* j) { return j ? Value::from_json(*j, true) : Value::nil(); }

Value string_list(const Json* j, const std::string& where) {
  if (!j || j->is_null()) return Value::nil_list(&plain().strings);
  if (!j->is_array()) bad_field(where, "an array of strings", *j);
  Value::List items;
  for (const Json& e : j->as_array()) {
    if (!e.is_string()) bad_field(where, "an array of strings", e);
    items.emplace_back(e.as_string());
  }
  return Value::make_list(std::move(items), &plain().strings);
}

Value ordered_properties(const Json* j, const std::string& where) {
  if (!j || j->is_null()) return Value::nil();
  if (!j->is_object()) bad_field(where, "an object", *j);
  Value::List keys, values;
  for (const auto& [k, v] : j->as_object()) {
    keys.emplace_back(k);
    values.push_back(tool_property_value(v));
  }
  return Value::make_struct({{"keys", "", false, false}, {"values", "", false, false}},
                            {Value::make_list(std::move(keys)), Value::make_list(std::move(values))},
                            &tool_properties_map_type());
}

Value tool_value(const Json& j) {
  if (!j.is_object()) bad_field("tool", "an object", j);
  const Json* fn = j.find("function");
  Json empty = Json::object();
  if (!fn || fn->is_null()) fn = &empty;
  if (!fn->is_object()) bad_field("tool.function", "an object", *fn);
  const Json* params = fn->find("parameters");
  if (!params || params->is_null()) params = &empty;
  if (!params->is_object()) bad_field("tool.function.parameters", "an object", *params);

  Value properties = Value::nil_map(&template_properties_type());
  if (const Json* p = params->find("properties"); p && !p->is_null()) {
    if (!p->is_object()) bad_field("tool.function.parameters.properties", "an object", *p);
    Value::Map m;
    for (const auto& [k, v] : p->as_object()) m.insert_or_assign(k, tool_property_value(v));
    properties = Value::make_map(std::move(m), &template_properties_type());
  }
  Value parameters = Value::make_struct(
      {{"Type", "type"}, {"Defs", "$defs", true}, {"Items", "items", true}, {"Required", "required", true},
       {"Properties", "properties"}},
      {Value(get_string(*params, "type", "tool.function.parameters")), any_value(params->find("$defs")),
       any_value(params->find("items")), string_list(params->find("required"), "tool.function.parameters.required"),
       properties},
      &plain().tool_params);
  Value function = Value::make_struct(
      {{"Name", "name"}, {"Description", "description"}, {"Parameters", "parameters"}},
      {Value(get_string(*fn, "name", "tool.function")), Value(get_string(*fn, "description", "tool.function")),
       parameters},
      &plain().tool_function);
  return Value::make_struct({{"Type", "type"}, {"Items", "items", true}, {"Function", "function"}},
                            {Value(get_string(j, "type", "tool")), any_value(j.find("items")), function},
                            &plain().tool);
}

Value tool_call_value(const ToolCall& tc) {
  Value args = Value::nil_map(&template_args_type());
  if (tc.arguments.is_object()) args = Value::with_type(Value::from_json(tc.arguments, true), &template_args_type());
  Value function = Value::make_struct({{"Index"}, {"Name"}, {"Arguments"}},
                                      {Value(tc.index), Value(tc.name), args}, &plain().tool_call_function);
  return Value::make_struct({{"ID"}, {"Function"}}, {Value(tc.id), function}, &plain().tool_call);
}

Value message_value(const Message& m) {
  Value images = Value::nil_list(&plain().images);
  if (!m.images.empty()) {
    Value::List items;
    for (const std::string& img : m.images) items.emplace_back(img);
    images = Value::make_list(std::move(items), &plain().images);
  }
  Value tool_calls = Value::nil_list(&plain().tool_calls);
  if (!m.tool_calls.empty()) {
    Value::List items;
    for (const ToolCall& tc : m.tool_calls) items.push_back(tool_call_value(tc));
    tool_calls = Value::make_list(std::move(items), &plain().tool_calls);
  }
  return Value::make_struct(
      {{"Role"}, {"Content"}, {"Thinking"}, {"Images"}, {"ToolCalls"}, {"ToolName"}, {"ToolCallID"}},
      {Value(m.role), Value(m.content), Value(m.thinking), images, tool_calls, Value(m.tool_name),
       Value(m.tool_call_id)},
      &plain().message);
}

}  // namespace

Value tool_property_value(const Json& j) {
  if (!j.is_object()) bad_field("tool property", "an object", j);
  Value any_of = Value::nil_list(&plain().properties_list);
  if (const Json* a = j.find("anyOf"); a && !a->is_null()) {
    if (!a->is_array()) bad_field("tool property anyOf", "an array", *a);
    Value::List items;
    for (const Json& e : a->as_array()) items.push_back(tool_property_value(e));
    any_of = Value::make_list(std::move(items), &plain().properties_list);
  }
  Value type = Value::nil_list(&property_type_type());
  if (const Json* t = j.find("type"); t && !t->is_null()) {
    Value::List items;
    if (t->is_string()) {
      items.emplace_back(t->as_string());
    } else if (t->is_array()) {
      for (const Json& e : t->as_array()) {
        if (!e.is_string()) bad_field("tool property type", "a string or an array of strings", e);
        items.emplace_back(e.as_string());
      }
    } else {
      bad_field("tool property type", "a string or an array of strings", *t);
    }
    type = Value::make_list(std::move(items), &property_type_type());
  }
  Value enum_values = Value::nil_list();
  if (const Json* e = j.find("enum"); e && !e->is_null()) {
    if (!e->is_array()) bad_field("tool property enum", "an array", *e);
    enum_values = Value::from_json(*e, true);
  }
  return Value::make_struct(tool_property_fields(),
                            {any_of, type, any_value(j.find("items")), Value(get_string(j, "description", "tool property")),
                             enum_values, ordered_properties(j.find("properties"), "tool property properties")},
                            &tool_property_type());
}

Message Message::from_json(const Json& j) {
  if (!j.is_object()) bad_field("message", "an object", j);
  Message m;
  m.role = get_string(j, "role", "message");
  for (char& c : m.role) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  m.content = get_string(j, "content", "message");
  m.thinking = get_string(j, "thinking", "message");
  m.tool_name = get_string(j, "tool_name", "message");
  m.tool_call_id = get_string(j, "tool_call_id", "message");
  if (const Json* imgs = j.find("images"); imgs && !imgs->is_null()) {
    if (!imgs->is_array()) bad_field("message.images", "an array", *imgs);
    for (const Json& img : imgs->as_array()) {
      if (!img.is_string()) bad_field("message.images", "base64 strings", img);
      m.images.push_back(img.as_string());
    }
  }
  if (const Json* calls = j.find("tool_calls"); calls && !calls->is_null()) {
    if (!calls->is_array()) bad_field("message.tool_calls", "an array", *calls);
    for (const Json& c : calls->as_array()) {
      if (!c.is_object()) bad_field("message.tool_calls", "objects", c);
      ToolCall tc;
      tc.id = get_string(c, "id", "tool_call");
      const Json* fn = c.find("function");
      if (fn && !fn->is_null()) {
        if (!fn->is_object()) bad_field("tool_call.function", "an object", *fn);
        tc.name = get_string(*fn, "name", "tool_call.function");
        if (const Json* idx = fn->find("index"); idx && !idx->is_null()) {
          if (!idx->is_number()) bad_field("tool_call.function.index", "a number", *idx);
          tc.index = idx->as_int();
        }
        if (const Json* args = fn->find("arguments"); args && !args->is_null()) {
          if (!args->is_object()) bad_field("tool_call.function.arguments", "an object", *args);
          tc.arguments = *args;
        }
      }
      m.tool_calls.push_back(std::move(tc));
    }
  }
  return m;
}

std::pair<std::string, std::vector<Message>> collate(const std::vector<Message>& messages) {
  std::vector<std::string> system;
  std::vector<Message> collated;
  for (const Message& m : messages) {
    if (m.role == "system") system.push_back(m.content);
    if (!collated.empty() && collated.back().role == m.role && m.role != "tool") {
      collated.back().content += "\n\n" + m.content;
    } else {
      collated.push_back(m);
    }
  }
  return {join(system, "\n\n"), std::move(collated)};
}

Value messages_value(const std::vector<Message>& messages) {
  if (messages.empty()) return Value::nil_list(&plain().messages);
  Value::List items;
  items.reserve(messages.size());
  for (const Message& m : messages) items.push_back(message_value(m));
  return Value::make_list(std::move(items), &plain().messages);
}

Value tools_value(const Json& tools) {
  if (tools.is_null()) return Value::nil_list(&template_tools_type());
  if (!tools.is_array()) bad_field("tools", "an array", tools);
  Value::List items;
  for (const Json& t : tools.as_array()) items.push_back(tool_value(t));
  return Value::make_list(std::move(items), &template_tools_type());
}

}  // namespace hearth::tmpl::gotmpl
