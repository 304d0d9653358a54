// engine/template/jinja/py_format.h — Python's string formatting mini-languages.
//
//   "%s has %d items" % (name, n)       percent_format (also the `format` filter)
//   "<{}>".format(x), "{0:>8.2f}"       str_format (str.format / Markup.format)
//   strftime_now("%Y-%m-%d")            strftime, C-library semantics as Python's time.strftime
//
// The common conversions are implemented with CPython's output: %s %r %a %d %i %u %f %F %e %E
// %g %G %x %X %o %c %% with flags, width and precision (also `*`), mapping keys `%(name)s`;
// str.format fields by position, number or name with `.attr` / `[key]` chains, `!r`/`!s`
// conversions and format specs [[fill]align][sign][#][0][width][,_][.precision][type].
// Markup format strings escape their arguments, as markupsafe does.
#pragma once

#include <string>
#include <string_view>

#include "engine/template/chat_template.h"
#include "engine/template/jinja/value.h"

namespace hearth::tmpl::jinja {

Value percent_format(Interpreter& interp, const Value& format, const Value& args);
Value str_format(Interpreter& interp, const Value& format, const CallArgs& args);
// format(value, spec): Python's format() builtin for numbers and strings.
std::string format_value(const Value& v, std::string_view spec);
std::string strftime(std::string_view format, const CivilTime& time);

}  // namespace hearth::tmpl::jinja
