#include "server/prompt_builder.h"

#include "server/api_error.h"

namespace hearth::server {

namespace {

// llama.cpp's default chat format, used when a model has no template at all.
constexpr const char* kChatmlTemplate =
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";
constexpr const char* kPromptOnlyTemplate = "{{ .Prompt }}";

const tmpl::ChatTemplate& fallback_template(PromptRequest::Kind kind) {
  static const tmpl::ChatTemplate chat = tmpl::ChatTemplate::go(kChatmlTemplate);
  static const tmpl::ChatTemplate prompt_only = tmpl::ChatTemplate::go(kPromptOnlyTemplate);
  return kind == PromptRequest::Kind::Chat ? chat : prompt_only;
}

Json message(std::string role, std::string content) {
  return Json::object({{"role", std::move(role)}, {"content", std::move(content)}});
}

bool is_system(const Json& m) {
  const Json* r = m.find("role");
  return r != nullptr && r->is_string() && r->as_string() == "system";
}

}  // namespace

Json generate_messages(const ModelInfo& model, const GenerateRequest& req) {
  Json msgs = Json::array();
  std::string system = req.system.value_or(model.resolved.system);
  if (!system.empty()) msgs.push_back(message("system", system));
  if (!req.context)
    for (const Json& m : model.resolved.messages.as_array()) msgs.push_back(m);
  msgs.push_back(message("user", req.prompt));
  return msgs;
}

Json chat_messages(const ModelInfo& model, const Json& request_messages) {
  Json msgs = Json::array();
  for (const Json& m : model.resolved.messages.as_array()) msgs.push_back(m);
  for (const Json& m : request_messages.as_array()) msgs.push_back(m);
  bool starts_with_system = msgs.size() > 0 && is_system(msgs.as_array().front());
  if (!starts_with_system && !model.resolved.system.empty()) {
    Json with = Json::array();
    with.push_back(message("system", model.resolved.system));
    for (const Json& m : msgs.as_array()) with.push_back(m);
    return with;
  }
  return msgs;
}

std::string render_prompt(const PromptRequest& r, const Json& messages) {
  const tmpl::ChatTemplate* t = nullptr;
  if (r.template_override) t = &*r.template_override;
  else if (r.model->go_template) t = &*r.model->go_template;
  else if (r.model->jinja_template && r.kind != PromptRequest::Kind::FillInMiddle) t = &*r.model->jinja_template;
  else if (!r.model->template_error.empty()) throw ApiError(500, "template error: " + r.model->template_error);
  else t = &fallback_template(r.kind);
  try {
    if (t->language() == tmpl::ChatTemplate::Language::Jinja) {
      Json ctx = Json::object({{"messages", messages},
                               {"add_generation_prompt", true},
                               {"bos_token", r.model->bos_text},
                               {"eos_token", r.model->eos_text}});
      if (!r.tools.is_null()) ctx["tools"] = r.tools;
      return t->render(ctx);
    }
    Json values = Json::object();
    if (r.kind == PromptRequest::Kind::FillInMiddle) {
      values["prompt"] = r.prompt;
      values["suffix"] = r.suffix;
    } else {
      values["messages"] = messages;
    }
    if (!r.tools.is_null()) values["tools"] = r.tools;
    if (r.think.present) values["think"] = r.think.raw;
    return t->render(values);
  } catch (const tmpl::TemplateError& e) {
    throw ApiError(500, std::string("template error: ") + e.what());
  }
}

std::string render_prompt(const PromptRequest& r) {
  if (r.kind == PromptRequest::Kind::Raw) return r.prompt;
  return render_prompt(r, r.messages);
}

std::vector<int32_t> tokenize_prompt(const tok::Tokenizer& tk, const std::string& text) {
  std::vector<int32_t> ids = tk.encode(text, /*add_special=*/true, /*parse_special=*/true);
  if (ids.size() >= 2 && tk.bos_id() >= 0 && ids[0] == tk.bos_id() && ids[1] == tk.bos_id()) ids.erase(ids.begin());
  return ids;
}

sched::PrepareFn make_prepare(PromptRequest request) {
  return [r = std::move(request)](const sched::PromptContext& ctx) -> std::vector<int32_t> {
    const tok::Tokenizer& tk = ctx.tokenizer;
    std::string prefix;
    if (!r.context.empty()) prefix = tk.decode(r.context, /*remove_special=*/false, /*unparse_special=*/true);
    auto tokens_for = [&](const std::string& text) { return tokenize_prompt(tk, prefix + text); };
    // Raw prompts go to the tokenizer untouched (a "<|begin_of_text|>" in the text plus the
    // vocabulary's BOS gives two BOS tokens, exactly as llama.cpp and `hearth run` do).
    if (r.kind == PromptRequest::Kind::Raw) return tk.encode(prefix + r.prompt, /*add_special=*/true, /*parse_special=*/true);
    if (r.kind == PromptRequest::Kind::FillInMiddle) return tokens_for(render_prompt(r));

    const Json::Array& msgs = r.messages.as_array();
    auto with_systems = [&](std::size_t from) {
      Json out = Json::array();
      for (std::size_t j = 0; j < from; ++j)
        if (is_system(msgs[j])) out.push_back(msgs[j]);
      for (std::size_t j = from; j < msgs.size(); ++j) out.push_back(msgs[j]);
      return out;
    };
    std::vector<int32_t> whole = tokens_for(render_prompt(r, r.messages));
    if (!r.truncate || whole.size() <= static_cast<std::size_t>(ctx.n_ctx)) return whole;
    // From the newest message backwards, keep every message that still fits (Ollama's chatPrompt).
    std::size_t first = msgs.empty() ? 0 : msgs.size() - 1;
    {
      for (std::size_t i = first; i-- > 0;) {
        if (is_system(msgs[i])) {
          first = i;  // systems before `first` are kept anyway
          continue;
        }
        if (tokens_for(render_prompt(r, with_systems(i))).size() > static_cast<std::size_t>(ctx.n_ctx)) break;
        first = i;
      }
    }
    return tokens_for(render_prompt(r, with_systems(first)));
  };
}

}  // namespace hearth::server
