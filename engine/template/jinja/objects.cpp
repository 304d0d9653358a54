// Macros, namespaces, loop contexts, cyclers and joiners.
#include "engine/template/jinja/objects.h"

#include "engine/template/jinja/args.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"

namespace hearth::tmpl::jinja {

Value NativeFunction::bind(const Value& receiver, std::string_view name,
                           std::function<Value(Interpreter&, const Value&, CallArgs&)> fn) {
  std::string repr = "<built-in method " + std::string(name) + " of " + receiver.type_name() + " object>";
  return make(
      std::move(repr), [receiver, fn = std::move(fn)](Interpreter& interp, CallArgs& args) { return fn(interp, receiver, args); },
      receiver.depth() + 1);
}

// ---------------------------------------------------------------------------------------------

Value Macro::call(Interpreter& interp, CallArgs& args) const { return interp.invoke_macro(def_, closure_, args); }

std::string Macro::repr() const { return "<Macro " + string_repr(def_.name) + ">"; }

// ---------------------------------------------------------------------------------------------

std::optional<Value> Namespace::attribute(std::string_view name) {
  if (const Value* v = attrs_.find(name)) return *v;
  return std::nullopt;
}

bool Namespace::set_attribute(std::string_view name, Value v) {
  attrs_.set(Value(std::string(name)), std::move(v));
  return true;
}

void Namespace::append_repr(Printer& printer, std::string& out) {
  // CPython prints the attribute dict with its own recursion guard: `<Namespace {...}>`.
  if (!printer.enter(this)) {
    out += "<Namespace {...}>";
    return;
  }
  out += "<Namespace {";
  bool first = true;
  for (const auto& [k, v] : attrs_.entries()) {
    if (!first) out += ", ";
    first = false;
    printer.append_repr(out, k);
    out += ": ";
    printer.append_repr(out, v);
    printer.check(out);
  }
  out += "}>";
  printer.leave(this);
}

// ---------------------------------------------------------------------------------------------

std::optional<Value> LoopContext::attribute(std::string_view name) {
  if (!items_) return std::nullopt;
  const int64_t length = static_cast<int64_t>(items_->size());
  const int64_t i = static_cast<int64_t>(index_);
  if (name == "index") return Value(i + 1);
  if (name == "index0") return Value(i);
  if (name == "revindex") return Value(length - i);
  if (name == "revindex0") return Value(length - i - 1);
  if (name == "first") return Value(i == 0);
  if (name == "last") return Value(i == length - 1);
  if (name == "length") return Value(length);
  if (name == "depth") return Value(static_cast<int64_t>(depth_));
  if (name == "depth0") return Value(static_cast<int64_t>(depth_ - 1));
  if (name == "previtem") {
    if (i == 0) return Value::undefined({"previtem", false, "", "there is no previous item", false});
    return (*items_)[index_ - 1];
  }
  if (name == "nextitem") {
    if (i + 1 >= length) return Value::undefined({"nextitem", false, "", "there is no next item", false});
    return (*items_)[index_ + 1];
  }
  if (name == "cycle") {
    std::size_t index = index_;
    return NativeFunction::make("<bound method LoopContext.cycle>", [index](Interpreter&, CallArgs& args) -> Value {
      if (!args.keywords.empty()) type_error("cycle() got an unexpected keyword argument");
      if (args.positional.empty()) type_error("no items for cycling given");
      return args.positional[index % args.positional.size()];
    });
  }
  if (name == "changed") {
    // changed() compares with the previous call's arguments, so it keeps state in this object.
    LoopContext* self = this;
    return NativeFunction::make("<bound method LoopContext.changed>", [self](Interpreter&, CallArgs& args) -> Value {
      Value current = Value::list(args.positional);
      if (!self->has_changed_ || !py_equal(current, self->last_changed_)) {
        self->last_changed_ = current;
        self->has_changed_ = true;
        return Value(true);
      }
      return Value(false);
    });
  }
  return std::nullopt;
}

void LoopContext::append_repr(Printer&, std::string& out) {
  out += "<LoopContext " + std::to_string(index_ + 1) + "/" + std::to_string(items_ ? items_->size() : 0) + ">";
}

Value LoopContext::call(Interpreter& interp, CallArgs& args) {
  if (!loop_) type_error("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.");
  ArgBinder a("loop", args, {"iterable"});
  return interp.run_recursive_loop(*loop_, scope_, a.required(0), depth_ + 1);
}

// ---------------------------------------------------------------------------------------------

std::optional<Value> Cycler::attribute(std::string_view name) {
  if (name == "current") {
    if (items_.empty()) return Value::none();
    return items_[pos_];
  }
  Cycler* self = this;
  if (name == "next") {
    return NativeFunction::make("<bound method Cycler.next>", [self](Interpreter&, CallArgs&) -> Value {
      if (self->items_.empty()) return Value::none();
      Value v = self->items_[self->pos_];
      self->pos_ = (self->pos_ + 1) % self->items_.size();
      return v;
    });
  }
  if (name == "reset") {
    return NativeFunction::make("<bound method Cycler.reset>", [self](Interpreter&, CallArgs&) -> Value {
      self->pos_ = 0;
      return Value::none();
    });
  }
  return std::nullopt;
}

void Cycler::append_repr(Printer&, std::string& out) { out += "<jinja2.utils.Cycler object>"; }

std::optional<Value> GroupTuple::attribute(std::string_view name) {
  if (name == "grouper") return grouper_;
  if (name == "list") return list_;
  return std::nullopt;
}

void GroupTuple::append_repr(Printer& printer, std::string& out) {
  out += '(';
  printer.append_repr(out, grouper_);
  out += ", ";
  printer.append_repr(out, list_);
  out += ')';
}

Value Joiner::call(Interpreter&, CallArgs&) {
  if (!used_) {
    used_ = true;
    return Value(std::string());
  }
  return Value(sep_);
}

}  // namespace hearth::tmpl::jinja
