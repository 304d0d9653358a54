// jinja2's sequence filters: length, first, last, join, list, items, dictsort, select/reject,
// selectattr/rejectattr, map, unique, reverse, sort, sum, min, max, batch, slice, groupby.
#include <algorithm>

#include "engine/template/jinja/args.h"
#include "engine/template/jinja/builtins.h"
#include "engine/template/jinja/error.h"
#include "engine/template/jinja/interpreter.h"
#include "engine/template/jinja/objects.h"
#include "engine/template/jinja/operators.h"
#include "engine/template/jinja/repr.h"
#include "engine/template/jinja/unicode.h"

namespace hearth::tmpl::jinja {

namespace {

Value generator(ValueList items, const char* function) {
  auto g = std::make_shared<Iterable>();
  g->type_name = "generator";
  g->items = std::move(items);
  g->repr = std::string("<generator object ") + function + ">";
  return Value::iterable(std::move(g));
}

// jinja2's _prepare_attribute_parts: "a.0.b" → ["a", 0, "b"].
std::vector<Value> attribute_parts(const Value& attribute) {
  std::vector<Value> parts;
  if (attribute.is_none() || attribute.is_undefined()) return parts;
  if (!attribute.is_string()) return {attribute};
  std::string_view s = attribute.str();
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos && part.size() < 18;
    parts.push_back(digits ? Value(static_cast<int64_t>(std::stoll(std::string(part)))) : Value(std::string(part)));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

Value lookup_path(Interpreter& interp, Value item, const std::vector<Value>& parts, const Value* fallback) {
  for (const Value& part : parts) {
    item = interp.getitem(item, part);
    if (fallback && item.is_undefined()) item = *fallback;
  }
  return item;
}

Value ignore_case(const Value& v) { return v.is_string() ? Value(unicode::to_lower(v.str())) : v; }

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("length", args, {});
  switch (v.kind()) {
    case Value::Kind::Undefined: return Value(0);
    case Value::Kind::String: return Value(static_cast<int64_t>(unicode::length(v.str())));
    case Value::Kind::List:
    case Value::Kind::Tuple: return Value(static_cast<int64_t>(v.items().size()));
    case Value::Kind::Dict: return Value(static_cast<int64_t>(v.dict().size()));
    case Value::Kind::Iterable:
      if (v.iterable().sized) return Value(static_cast<int64_t>(v.iterable().items.size()));
      break;
    default: break;
  }
  type_error(std::string("object of type '") + v.type_name() + "' has no len()");
}

Value f_first(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("first", args, {});
  if (v.is_sequence_value() && !v.items().empty()) return v.items().front();
  ValueList items = interp.iterate(v);
  if (items.empty()) return Value::undefined({"", false, "", "No first item, sequence was empty.", false});
  return items.front();
}

Value f_last(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("last", args, {});
  if (v.is_iterable_object() && !v.iterable().sized)
    type_error(std::string("'") + v.type_name() + "' object is not reversible");
  if (v.is_none() || v.is_number() || v.is_callable() || v.is_object())
    type_error(std::string("'") + v.type_name() + "' object is not reversible");
  if (v.is_sequence_value() && !v.items().empty()) return v.items().back();
  ValueList items = interp.iterate(v);
  if (items.empty()) return Value::undefined({"", false, "", "No last item, sequence was empty.", false});
  return items.back();
}

Value f_join(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("join", args, {"d", "attribute"});
  std::string sep = a.get(0) ? to_str(*a.get(0)) : std::string();
  std::vector<Value> parts = a.get(1) ? attribute_parts(*a.get(1)) : std::vector<Value>();
  ValueList items = interp.iterate(v);
  std::string out;
  bool escape = interp.autoescape();
  for (std::size_t i = 0; i < items.size(); ++i) {
    Value item = a.get(1) ? lookup_path(interp, items[i], parts, nullptr) : items[i];
    if (i) out += escape && !(a.get(0) && a.get(0)->is_markup()) ? html_escape(sep) : sep;
    out += escape && !item.is_markup() ? html_escape(to_str(item)) : to_str(item);
    interp.check_size(out.size());
  }
  return Value(std::move(out), escape);
}

Value f_list(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("list", args, {});
  return Value::list(interp.iterate(v));
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("items", args, {});
  auto it = std::make_shared<Iterable>();
  it->type_name = "dict_itemiterator";
  it->repr = "<dict_itemiterator object>";
  if (v.is_undefined()) return Value::iterable(std::move(it));
  if (!v.is_dict()) type_error("Can only get item pairs from a mapping.");
  for (const auto& [k, val] : v.dict().entries()) it->items.push_back(Value::tuple({k, val}));
  return Value::iterable(std::move(it));
}

// Stable sort by key with Python's ordering (TypeError for unorderable keys).
void sort_by_keys(ValueList& items, std::vector<Value>& keys, bool reverse) {
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return reverse ? py_less(keys[y], keys[x]) : py_less(keys[x], keys[y]);
  });
  ValueList sorted;
  sorted.reserve(items.size());
  for (std::size_t i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder a("dictsort", args, {"case_sensitive", "by", "reverse"});
  bool case_sensitive = a.bool_or(0, false);
  std::string by = a.string_or(1, "key");
  bool reverse = a.bool_or(2, false);
  if (by != "key" && by != "value") raise("FilterArgumentError", "You can only sort by either \"key\" or \"value\"");
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_dict()) raise("AttributeError", std::string("'") + v.type_name() + "' object has no attribute 'items'");
  ValueList items;
  std::vector<Value> keys;
  for (const auto& [k, val] : v.dict().entries()) {
    items.push_back(Value::tuple({k, val}));
    const Value& key = by == "key" ? k : val;
    keys.push_back(case_sensitive ? key : ignore_case(key));
  }
  sort_by_keys(items, keys, reverse);
  return Value::list(std::move(items));
}

// select / reject / selectattr / rejectattr.
Value select_or_reject(Interpreter& interp, const Value& v, CallArgs& args, bool select, bool by_attribute,
                       const char* function) {
  ValueList out;
  if (!v.truthy()) return generator(std::move(out), function);
  std::vector<Value> parts;
  std::size_t offset = 0;
  if (by_attribute) {
    if (args.positional.empty()) raise("FilterArgumentError", "Missing parameter for attribute name");
    parts = attribute_parts(args.positional[0]);
    offset = 1;
  }
  bool has_test = args.positional.size() > offset;
  std::string test_name = has_test ? to_str(args.positional[offset]) : std::string();
  CallArgs test_args;
  for (std::size_t i = offset + 1; i < args.positional.size(); ++i) test_args.positional.push_back(args.positional[i]);
  test_args.keywords = args.keywords;
  for (const Value& item : interp.iterate(v)) {
    Value subject = by_attribute ? lookup_path(interp, item, parts, nullptr) : item;
    bool passed;
    if (has_test) {
      CallArgs call_args = test_args;
      passed = interp.apply_test(test_name, subject, call_args);
    } else {
      passed = subject.truthy();
    }
    if (passed == select) out.push_back(item);
  }
  return generator(std::move(out), function);
}

Value f_select(Interpreter& i, const Value& v, CallArgs& a) { return select_or_reject(i, v, a, true, false, "select_or_reject"); }
Value f_reject(Interpreter& i, const Value& v, CallArgs& a) { return select_or_reject(i, v, a, false, false, "select_or_reject"); }
Value f_selectattr(Interpreter& i, const Value& v, CallArgs& a) { return select_or_reject(i, v, a, true, true, "select_or_reject"); }
Value f_rejectattr(Interpreter& i, const Value& v, CallArgs& a) { return select_or_reject(i, v, a, false, true, "select_or_reject"); }

Value f_map(Interpreter& interp, const Value& v, CallArgs& args) {
  ValueList out;
  if (!v.truthy()) return generator(std::move(out), "sync_do_map");
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [k, val] : args.keywords) {
    if (k == "attribute") attribute = &val;
    else if (k == "default") fallback = &val;
  }
  if (args.positional.empty() && attribute) {
    for (const auto& [k, val] : args.keywords)
      if (k != "attribute" && k != "default") raise("FilterArgumentError", "Unexpected keyword argument " + string_repr(k));
    std::vector<Value> parts = attribute_parts(*attribute);
    const Value* dflt = fallback && !fallback->is_none() ? fallback : nullptr;
    for (const Value& item : interp.iterate(v)) out.push_back(lookup_path(interp, item, parts, dflt));
    return generator(std::move(out), "sync_do_map");
  }
  if (args.positional.empty()) raise("FilterArgumentError", "map requires a filter argument");
  std::string name = to_str(args.positional[0]);
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keywords = args.keywords;
  for (const Value& item : interp.iterate(v)) {
    CallArgs call_args = rest;
    out.push_back(interp.apply_filter(name, item, call_args));
  }
  return generator(std::move(out), "sync_do_map");
}

Value f_unique(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("unique", args, {"case_sensitive", "attribute"});
  bool case_sensitive = a.bool_or(0, false);
  std::vector<Value> parts = a.get(1) ? attribute_parts(*a.get(1)) : std::vector<Value>();
  Dict seen;
  ValueList out;
  for (const Value& item : interp.iterate(v)) {
    Value key = lookup_path(interp, item, parts, nullptr);
    if (!case_sensitive) key = ignore_case(key);
    if (seen.find(key)) continue;
    seen.set(key, Value(true));
    out.push_back(item);
  }
  return generator(std::move(out), "do_unique");
}

Value f_reverse(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("reverse", args, {});
  if (v.is_string()) {
    std::u32string cps = unicode::decode_utf8(v.str());
    std::reverse(cps.begin(), cps.end());
    return Value(unicode::encode_utf8(cps), v.is_markup());
  }
  bool reversible = v.is_sequence_value() || v.is_dict() || (v.is_iterable_object() && v.iterable().sized);
  ValueList items = interp.iterate(v);
  std::reverse(items.begin(), items.end());
  if (!reversible) return Value::list(std::move(items));
  auto it = std::make_shared<Iterable>();
  it->type_name = v.is_dict() ? "dict_reversekeyiterator" : v.is_tuple() ? "reversed" : "list_reverseiterator";
  it->repr = "<" + it->type_name + " object>";
  it->items = std::move(items);
  return Value::iterable(std::move(it));
}

// jinja2's make_multi_attrgetter: "a,b" sorts by a then b.
std::vector<Value> sort_keys(Interpreter& interp, const ValueList& items, const Value* attribute, bool case_sensitive) {
  std::vector<std::vector<Value>> groups;
  if (attribute && attribute->is_string()) {
    std::string_view s = attribute->str();
    std::size_t start = 0;
    while (true) {
      std::size_t comma = s.find(',', start);
      groups.push_back(attribute_parts(Value(std::string(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)))));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else {
    groups.push_back(attribute ? attribute_parts(*attribute) : std::vector<Value>());
  }
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const Value& item : items) {
    ValueList key;
    for (const auto& parts : groups) {
      Value k = lookup_path(interp, item, parts, nullptr);
      key.push_back(case_sensitive ? k : ignore_case(k));
    }
    keys.push_back(Value::list(std::move(key)));
  }
  return keys;
}

Value f_sort(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("sort", args, {"reverse", "case_sensitive", "attribute"});
  ValueList items = interp.iterate(v);
  std::vector<Value> keys = sort_keys(interp, items, a.get(2), a.bool_or(1, false));
  sort_by_keys(items, keys, a.bool_or(0, false));
  return Value::list(std::move(items));
}

Value f_sum(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("sum", args, {"attribute", "start"});
  Value total = a.get_or(1, Value(0));
  std::vector<Value> parts = a.get(0) ? attribute_parts(*a.get(0)) : std::vector<Value>();
  if (total.is_string()) type_error("sum() can't sum strings [use ''.join(seq) instead]");
  for (const Value& item : interp.iterate(v)) total = binary_op(interp, BinaryOp::Add, total, lookup_path(interp, item, parts, nullptr));
  return total;
}

Value min_or_max(Interpreter& interp, const Value& v, CallArgs& args, bool want_max, const char* name) {
  ArgBinder a(name, args, {"case_sensitive", "attribute"});
  ValueList items = interp.iterate(v);
  if (items.empty()) return Value::undefined({"", false, "", "No aggregated item, sequence was empty.", false});
  bool case_sensitive = a.bool_or(0, false);
  std::vector<Value> parts = a.get(1) ? attribute_parts(*a.get(1)) : std::vector<Value>();
  auto key = [&](const Value& item) {
    Value k = lookup_path(interp, item, parts, nullptr);
    return case_sensitive ? k : ignore_case(k);
  };
  std::size_t best = 0;
  Value best_key = key(items[0]);
  for (std::size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? py_less(best_key, k) : py_less(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Value f_min(Interpreter& i, const Value& v, CallArgs& a) { return min_or_max(i, v, a, false, "min"); }
Value f_max(Interpreter& i, const Value& v, CallArgs& a) { return min_or_max(i, v, a, true, "max"); }

Value f_batch(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("batch", args, {"linecount", "fill_with"});
  int64_t n = a.int_or(0, 0);
  if (n <= 0) value_error("batch size must be positive");
  const Value* fill = a.get(1) && !a.get(1)->is_none() ? a.get(1) : nullptr;
  ValueList out, current;
  for (const Value& item : interp.iterate(v)) {
    current.push_back(item);
    if (static_cast<int64_t>(current.size()) == n) {
      out.push_back(Value::list(std::move(current)));
      current.clear();
    }
  }
  if (!current.empty()) {
    if (fill) {
      interp.check_size(static_cast<std::size_t>(n) * sizeof(Value));
      while (static_cast<int64_t>(current.size()) < n) current.push_back(*fill);
    }
    out.push_back(Value::list(std::move(current)));
  }
  return generator(std::move(out), "do_batch");
}

Value f_slice(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("slice", args, {"slices", "fill_with"});
  int64_t slices = a.int_or(0, 0);
  if (slices <= 0) value_error("slice count must be positive");
  interp.check_size(static_cast<std::size_t>(slices) * sizeof(Value));
  const Value* fill = a.get(1) && !a.get(1)->is_none() ? a.get(1) : nullptr;
  ValueList seq = interp.iterate(v);
  int64_t length = static_cast<int64_t>(seq.size());
  int64_t per_slice = length / slices, with_extra = length % slices;
  int64_t offset = 0;
  ValueList out;
  for (int64_t i = 0; i < slices; ++i) {
    int64_t start = offset + i * per_slice;
    if (i < with_extra) ++offset;
    int64_t end = offset + (i + 1) * per_slice;
    ValueList part(seq.begin() + start, seq.begin() + end);
    if (fill && i >= with_extra) part.push_back(*fill);
    out.push_back(Value::list(std::move(part)));
  }
  return generator(std::move(out), "sync_do_slice");
}

Value f_groupby(Interpreter& interp, const Value& v, CallArgs& args) {
  ArgBinder a("groupby", args, {"attribute", "default", "case_sensitive"});
  std::vector<Value> parts = attribute_parts(a.required(0));
  const Value* fallback = a.get(1) && !a.get(1)->is_none() ? a.get(1) : nullptr;
  bool case_sensitive = a.bool_or(2, false);
  ValueList items = interp.iterate(v);
  std::vector<Value> keys;
  for (const Value& item : items) {
    Value k = lookup_path(interp, item, parts, fallback);
    keys.push_back(case_sensitive ? k : ignore_case(k));
  }
  std::vector<Value> originals;
  for (const Value& item : items) originals.push_back(lookup_path(interp, item, parts, fallback));
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return py_less(keys[x], keys[y]); });
  ValueList out;
  std::size_t i = 0;
  while (i < order.size()) {
    std::size_t j = i;
    ValueList group;
    while (j < order.size() && py_equal(keys[order[j]], keys[order[i]])) group.push_back(items[order[j++]]);
    Value grouper = case_sensitive ? keys[order[i]] : originals[order[i]];
    out.push_back(interp.make_object(std::make_shared<GroupTuple>(grouper, Value::list(std::move(group)))));
    i = j;
  }
  return Value::list(std::move(out));
}

}  // namespace

std::vector<FilterEntry> sequence_filters() {
  return {
      {"length", f_length},     {"count", f_length},     {"first", f_first},       {"last", f_last},
      {"join", f_join},         {"list", f_list},        {"items", f_items},       {"dictsort", f_dictsort},
      {"select", f_select},     {"reject", f_reject},    {"selectattr", f_selectattr}, {"rejectattr", f_rejectattr},
      {"map", f_map},           {"unique", f_unique},    {"reverse", f_reverse},   {"sort", f_sort},
      {"sum", f_sum},           {"min", f_min},          {"max", f_max},           {"batch", f_batch},
      {"slice", f_slice},       {"groupby", f_groupby},
  };
}

}  // namespace hearth::tmpl::jinja
