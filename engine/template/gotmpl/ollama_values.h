// engine/template/gotmpl/ollama_values.h — Ollama's chat request values, shaped as its templates see them.
//
// Ollama converts api.Message and api.Tool into template structs before execution
// (template/template.go): .Messages is []*templateMessage {Role Content Thinking Images ToolCalls
// ToolName ToolCallID}; .ToolCalls[] is {ID, Function{Index Name Arguments}} where Arguments is a
// map[string]any that prints as JSON; .Tools is a slice that prints as JSON, each tool
// {Type Items Function{Name Description Parameters{Type Defs Items Required Properties}}} with
// Properties a map name → api.ToolProperty {AnyOf Type Items Description Enum Properties}
// (Type prints as the type name, ToTypeScriptType is a method). JSON inside arguments and
// schemas decodes numbers to float64, as Go does.
//
//   Message m = Message::from_json(Json::parse(R"({"role":"user","content":"hi"})"));
//   Value messages = messages_value(collated);   Value tools = tools_value(request["tools"]);
//
// Bad shapes (a role that is not a string, arguments that are not an object, ...) throw
// GoTemplateError naming the field, the way Ollama's JSON decoding rejects the request.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "engine/template/gotmpl/value.h"

namespace hearth::tmpl::gotmpl {

struct ToolCall {
  std::string id;
  int64_t index = 0;
  std::string name;
  Json arguments;  // an object, or null when absent
};

struct Message {
  std::string role;  // lower-cased, as api.Message.UnmarshalJSON does
  std::string content;
  std::string thinking;
  std::vector<std::string> images;  // base64 as received
  std::vector<ToolCall> tool_calls;
  std::string tool_name;
  std::string tool_call_id;

  static Message from_json(const Json& j);
};

// Ollama's collate: all system contents joined by "\n\n" (returned first), and consecutive
// messages of the same role (except "tool") merged with "\n\n".
std::pair<std::string, std::vector<Message>> collate(const std::vector<Message>& messages);

// []*templateMessage (nil when empty).
Value messages_value(const std::vector<Message>& messages);
// templateTools from the request's "tools" array (nil when absent, null or empty... as Go:
// an absent or null list is nil, an empty list is an empty non-nil slice).
Value tools_value(const Json& tools);
// api.ToolProperty from its JSON schema form.
Value tool_property_value(const Json& j);

}  // namespace hearth::tmpl::gotmpl
