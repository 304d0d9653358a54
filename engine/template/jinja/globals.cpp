// Global functions: jinja2's (range, dict, namespace, cycler, joiner) and Hugging Face's
// (raise_exception, strftime_now).
#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/objects.h"
#include "engine/template/jinja/py_format.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

namespace {

constexpr int64_t kMaxRange = 100000;  // jinja2.sandbox.MAX_RANGE

int64_t int_arg(const Value& v) {
  if (!v.is_integral())
    type_error(std::string("'") + v.type_name() + "' object cannot be interpreted as an integer");
  return v.as_int();
}

Value g_range(Interpreter& interp, CallArgs& args) {
  if (!args.keywords.empty()) type_error("range() takes no keyword arguments");
  const ValueList& p = args.positional;
  if (p.empty() || p.size() > 3)
    type_error(p.empty() ? "range expected at least 1 argument, got 0"
                         : "range expected at most 3 arguments, got " + std::to_string(p.size()));
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = int_arg(p[0]);
  } else {
    start = int_arg(p[0]);
    stop = int_arg(p[1]);
    if (p.size() == 3) step = int_arg(p[2]);
  }
  if (step == 0) value_error("range() arg 3 must not be zero");
  __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
  __int128 abs_step = step > 0 ? step : -static_cast<__int128>(step);
  __int128 count = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  if (count > kMaxRange)
    raise("OverflowError", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  interp.step(static_cast<std::size_t>(count));
  auto r = std::make_shared<Iterable>();
  r->type_name = "range";
  r->one_shot = false;
  r->sized = true;
  r->indexable = true;
  r->repr = "range(" + std::to_string(start) + ", " + std::to_string(stop) + (step != 1 ? ", " + std::to_string(step) : "") + ")";
  r->items.reserve(static_cast<std::size_t>(count));
  for (__int128 i = 0; i < count; ++i) r->items.push_back(Value(static_cast<int64_t>(start + i * step)));
  return Value::iterable(std::move(r));
}

// dict(mapping_or_pairs, **kwargs), as Python's dict constructor.
Dict build_dict(Interpreter& interp, CallArgs& args, const char* fn) {
  if (args.positional.size() > 1)
    type_error(std::string(fn) + " expected at most 1 argument, got " + std::to_string(args.positional.size()));
  Dict d;
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      d = src.dict();
    } else {
      ValueList pairs = interp.iterate(src);
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        ValueList kv = interp.iterate(pairs[i]);
        if (kv.size() != 2)
          value_error("dictionary update sequence element #" + std::to_string(i) + " has length " +
                      std::to_string(kv.size()) + "; 2 is required");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.keywords) d.set(Value(k), v);
  return d;
}

Value g_dict(Interpreter& interp, CallArgs& args) { return Value::dict(build_dict(interp, args, "dict")); }

Value g_namespace(Interpreter& interp, CallArgs& args) {
  return interp.make_object(std::make_shared<Namespace>(build_dict(interp, args, "namespace")));
}

Value g_cycler(Interpreter& interp, CallArgs& args) {
  if (args.positional.empty()) type_error("at least one item has to be provided");
  return interp.make_object(std::make_shared<Cycler>(args.positional));
}

Value g_joiner(Interpreter& interp, CallArgs& args) {
  ArgBinder a("joiner", args, {"sep"});
  return interp.make_object(std::make_shared<Joiner>(a.get(0) ? to_str(*a.get(0)) : std::string(", ")));
}

Value g_raise_exception(Interpreter&, CallArgs& args) {
  ArgBinder a("raise_exception", args, {"message"});
  throw JinjaError("TemplateError", to_str(a.required(0)));
}

Value g_strftime_now(Interpreter& interp, CallArgs& args) {
  ArgBinder a("strftime_now", args, {"format"});
  const Value& f = a.required(0);
  if (!f.is_string()) type_error(std::string("strftime() argument 1 must be str, not ") + f.type_name());
  return Value(strftime(f.str(), interp.now()));
}

struct Global {
  std::string_view name;
  Value (*fn)(Interpreter&, CallArgs&);
};

const Global kGlobals[] = {
    {"range", g_range},           {"dict", g_dict},
    {"namespace", g_namespace},   {"cycler", g_cycler},
    {"joiner", g_joiner},         {"raise_exception", g_raise_exception},
    {"strftime_now", g_strftime_now},
};

}  // namespace

std::optional<Value> find_global(std::string_view name) {
  static const std::vector<Value> values = [] {
    std::vector<Value> v;
    for (const Global& g : kGlobals) {
      auto fn = g.fn;
      v.push_back(NativeFunction::make("<function " + std::string(g.name) + ">",
                                       [fn](Interpreter& interp, CallArgs& args) { return fn(interp, args); }));
    }
    return v;
  }();
  for (std::size_t i = 0; i < std::size(kGlobals); ++i)
    if (kGlobals[i].name == name) return values[i];
  return std::nullopt;
}

}  // namespace hearth::tmpl::jinja
