#include "engine/template/gotmpl/value.h"

namespace hearth::tmpl::gotmpl {

namespace {
const Value::List kEmptyList;
const Value::Map kEmptyMap;
}  // namespace

Value Value::make_list(List items, const GoType* type) {
  Value v;
  v.data_ = ListBox{std::make_shared<const List>(std::move(items))};
  v.type_ = type;
  return v;
}

Value Value::nil_list(const GoType* type) {
  Value v;
  v.data_ = ListBox{nullptr};
  v.type_ = type;
  return v;
}

Value Value::make_map(Map entries, const GoType* type) {
  Value v;
  v.data_ = MapBox{std::make_shared<const Map>(std::move(entries))};
  v.type_ = type;
  return v;
}

Value Value::nil_map(const GoType* type) {
  Value v;
  v.data_ = MapBox{nullptr};
  v.type_ = type;
  return v;
}

Value Value::make_struct(std::vector<StructField> fields, std::vector<Value> values, const GoType* type) {
  Value v;
  auto s = std::make_shared<Struct>();
  s->fields = std::move(fields);
  s->values = std::move(values);
  s->values.resize(s->fields.size());
  v.data_ = std::shared_ptr<const Struct>(std::move(s));
  v.type_ = type;
  return v;
}

Value Value::with_type(Value v, const GoType* type) {
  v.type_ = type;
  return v;
}

Value Value::from_json(const Json& j, bool numbers_as_float) {
  switch (j.kind()) {
    case Json::Kind::Null:
      return Value::nil();
    case Json::Kind::Bool:
      return Value(j.as_bool());
    case Json::Kind::Int:
      return numbers_as_float ? Value(static_cast<double>(j.as_int())) : Value(j.as_int());
    case Json::Kind::Double:
      return Value(j.as_double());
    case Json::Kind::String:
      return Value(j.as_string());
    case Json::Kind::Array: {
      List items;
      items.reserve(j.as_array().size());
      for (const Json& e : j.as_array()) items.push_back(from_json(e, numbers_as_float));
      return make_list(std::move(items));
    }
    case Json::Kind::Object: {
      Map entries;
      for (const auto& [k, e] : j.as_object()) entries.insert_or_assign(k, from_json(e, numbers_as_float));
      return make_map(std::move(entries));
    }
  }
  return Value();
}

Value::Kind Value::kind() const {
  switch (data_.index()) {
    case 0: return Kind::Invalid;
    case 1: return Kind::Nil;
    case 2: return Kind::Bool;
    case 3: return Kind::Int;
    case 4: return Kind::Float;
    case 5: return Kind::String;
    case 6: return Kind::List;
    case 7: return Kind::Map;
    default: return Kind::Struct;
  }
}

const Value::List& Value::as_list() const {
  const auto& box = std::get<ListBox>(data_);
  return box.items ? *box.items : kEmptyList;
}

const Value::Map& Value::as_map() const {
  const auto& box = std::get<MapBox>(data_);
  return box.entries ? *box.entries : kEmptyMap;
}

bool Value::is_nil_container() const {
  if (const auto* l = std::get_if<ListBox>(&data_)) return !l->items;
  if (const auto* m = std::get_if<MapBox>(&data_)) return !m->entries;
  return false;
}

const Value* Value::field(std::string_view name) const {
  if (kind() != Kind::Struct) return nullptr;
  const Struct& s = as_struct();
  for (std::size_t i = 0; i < s.fields.size(); ++i)
    if (s.fields[i].exported && s.fields[i].name == name) return &s.values[i];
  return nullptr;
}

std::size_t Value::length() const {
  switch (kind()) {
    case Kind::String: return as_string().size();
    case Kind::List: return as_list().size();
    case Kind::Map: return as_map().size();
    default: return 0;
  }
}

std::string Value::type_name() const {
  if (type_) return type_->name;
  switch (kind()) {
    case Kind::Invalid: return "<nil>";
    case Kind::Nil: return "interface {}";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float64";
    case Kind::String: return "string";
    case Kind::List: return "[]interface {}";
    case Kind::Map: return "map[string]interface {}";
    case Kind::Struct: return "struct";
  }
  return "?";
}

bool truth(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Invalid:
    case Value::Kind::Nil: return false;
    case Value::Kind::Bool: return v.as_bool();
    case Value::Kind::Int: return v.as_int() != 0;
    case Value::Kind::Float: return v.as_float() != 0.0;
    case Value::Kind::String: return !v.as_string().empty();
    case Value::Kind::List: return !v.as_list().empty();
    case Value::Kind::Map: return !v.as_map().empty();
    case Value::Kind::Struct: return true;
  }
  return false;
}

}  // namespace hearth::tmpl::gotmpl
