// Python methods of dict, list and tuple, and the method lookup entry point.
#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/objects.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

namespace {

// Methods that would modify a list or dict: ImmutableSandboxedEnvironment refuses them.
constexpr std::string_view kMutatingDict[] = {"clear", "pop", "popitem", "setdefault", "update"};
constexpr std::string_view kMutatingList[] = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};

template <std::size_t N>
bool listed(const std::string_view (&names)[N], std::string_view name) {
  for (std::string_view n : names)
    if (n == name) return true;
  return false;
}

Value dict_view(const Value& self, const char* type, int what) {
  auto view = std::make_shared<Iterable>();
  view->type_name = type;
  view->one_shot = false;
  view->sized = true;
  for (const auto& [k, v] : self.dict().entries()) {
    if (what == 0) view->items.push_back(k);
    else if (what == 1) view->items.push_back(v);
    else view->items.push_back(Value::tuple({k, v}));
  }
  return Value::iterable(std::move(view));
}

Value dict_method(Interpreter&, const Value& self, std::string_view name, CallArgs& args) {
  if (name == "keys" || name == "values" || name == "items") {
    ArgBinder a(name, args, {});
    if (name == "keys") return dict_view(self, "dict_keys", 0);
    if (name == "values") return dict_view(self, "dict_values", 1);
    return dict_view(self, "dict_items", 2);
  }
  if (name == "get") {
    ArgBinder a("get", args, {"key", "default"}, 0);
    if (const Value* v = self.dict().find(a.required(0))) return *v;
    return a.get_or(1, Value::none());
  }
  // copy
  ArgBinder a("copy", args, {});
  return self;
}

Value sequence_method(Interpreter&, const Value& self, std::string_view name, CallArgs& args) {
  const ValueList& items = self.items();
  if (name == "count") {
    ArgBinder a("count", args, {"value"});
    int64_t n = 0;
    for (const Value& v : items) n += py_equal(v, a.required(0));
    return Value(n);
  }
  if (name == "index") {
    ArgBinder a("index", args, {"value", "start", "stop"});
    int64_t size = static_cast<int64_t>(items.size());
    int64_t start = a.int_or(1, 0), stop = a.int_or(2, size);
    if (start < 0) start = std::max<int64_t>(0, start + size);
    if (stop < 0) stop = std::max<int64_t>(0, stop + size);
    for (int64_t i = start; i < std::min(stop, size); ++i)
      if (py_equal(items[static_cast<std::size_t>(i)], a.required(0))) return Value(i);
    value_error(to_repr(a.required(0)) + " is not in " + (self.is_tuple() ? "tuple" : "list"));
  }
  ArgBinder a("copy", args, {});
  return Value::list(items);
}

}  // namespace

MethodLookup find_container_method(const Value& receiver, std::string_view name, Value& bound) {
  if (receiver.is_dict()) {
    if (listed(kMutatingDict, name)) return MethodLookup::Unsafe;
    if (name != "keys" && name != "values" && name != "items" && name != "get" && name != "copy")
      return MethodLookup::NotFound;
  } else if (receiver.is_list()) {
    if (listed(kMutatingList, name)) return MethodLookup::Unsafe;
    if (name != "count" && name != "index" && name != "copy") return MethodLookup::NotFound;
  } else if (receiver.is_tuple()) {
    if (name != "count" && name != "index") return MethodLookup::NotFound;
  } else {
    return MethodLookup::NotFound;
  }
  std::string method(name);
  bool is_dict = receiver.is_dict();
  bound = NativeFunction::bind(receiver, name, [method, is_dict](Interpreter& interp, const Value& self, CallArgs& args) {
    return is_dict ? dict_method(interp, self, method, args) : sequence_method(interp, self, method, args);
  });
  return MethodLookup::Found;
}

MethodLookup find_method(const Value& receiver, std::string_view name, Value& bound) {
  if (receiver.is_string()) return find_string_method(receiver, name, bound);
  return find_container_method(receiver, name, bound);
}

}  // namespace hearth::tmpl::jinja
