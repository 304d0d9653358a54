"""tests/deploy/mini_yaml.py — a reader for the subset of YAML the compose files use.

The test machine's Python has no PyYAML, so the deployment checks read docker-compose*.yml with
this module. It implements the YAML 1.1 rules that matter for those files and refuses (raises
YamlError with a line number) anything outside the subset instead of guessing:

  - block mappings (`key: value`, `key:` + indented block) and block sequences (`- item`,
    including `- key: value` mappings inside a sequence);
  - flow sequences and flow mappings on one line (`[gpu]`, `["CMD", "curl"]`, `{a: 1}`);
  - plain, 'single-quoted' and "double-quoted" scalars; `|` / `|-` literal block scalars;
  - comments, blank lines, a `---` start marker;
  - anchors (`&name`), aliases (`*name`) and merge keys (`<<: *name`), as compose's `x-` blocks use;
  - YAML 1.1 plain-scalar resolution as PyYAML does it: null (``~``, ``null``, empty), booleans
    (true/false/yes/no/on/off in their three spellings), integers (decimal, 0x, 0b, leading-0
    octal, and base-60 such as an unquoted port mapping ``8080:80``) and floats; anything else is
    a string.
Duplicate keys in one mapping are an error (compose rejects them too). Tabs in indentation are an
error, as in YAML.
"""

import re

__all__ = ["YamlError", "load"]


class YamlError(ValueError):
    pass


_BOOL = {
    **{w: True for w in ("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")},
    **{w: False for w in ("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")},
}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_INT_BASE = re.compile(r"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$")  # YAML 1.1: 8080:80 is an int
_FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")


def _resolve_plain(text):
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _INT_BASE.match(text):
        sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
        digits = digits.replace("_", "")
        if digits.startswith("0b"):
            return sign * int(digits[2:], 2)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        return sign * int(digits, 8)
    if _SEXAGESIMAL.match(text):
        sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
        value = 0
        for part in digits.replace("_", "").split(":"):
            value = value * 60 + int(part)
        return sign * value
    if _FLOAT.match(text) and text not in (".", "+.", "-."):
        return float(text.replace("_", ""))
    return text


class _Line:
    __slots__ = ("no", "indent", "text")

    def __init__(self, no, indent, text):
        self.no, self.indent, self.text = no, indent, text


def _strip_comment(s):
    """Removes a trailing comment (# preceded by whitespace, outside quotes)."""
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == quote:
                if quote == "'" and i + 1 < len(s) and s[i + 1] == "'":
                    continue
                quote = None
            elif c == "\\" and quote == '"':
                continue
        elif c in "'\"" and (i == 0 or s[i - 1] in " \t[{,:"):
            quote = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
    return s.rstrip()


class _Parser:
    def __init__(self, text):
        self.raw = text.split("\n")
        self.anchors = {}
        self.lines = []
        for no, raw in enumerate(self.raw, 1):
            if "\t" in raw[: len(raw) - len(raw.lstrip(" \t"))]:
                raise YamlError(f"line {no}: tab in indentation")
            body = raw.strip()
            if not body or body.startswith("#") or body == "---":
                continue
            self.lines.append(_Line(no, len(raw) - len(raw.lstrip(" ")), raw.lstrip(" ")))
        self.pos = 0

    # -- scalars and flow collections ------------------------------------------------------
    def scalar(self, s, no):
        s = s.strip()
        if s.startswith('"'):
            end, value = self._double_quoted(s, no)
            if s[end:].strip():
                raise YamlError(f"line {no}: text after a quoted scalar")
            return value
        if s.startswith("'"):
            end, value = self._single_quoted(s, no)
            if s[end:].strip():
                raise YamlError(f"line {no}: text after a quoted scalar")
            return value
        if s.startswith("["):
            value, end = self._flow(s, 0, no)
            if s[end:].strip():
                raise YamlError(f"line {no}: text after a flow sequence")
            return value
        if s.startswith("{"):
            value, end = self._flow(s, 0, no)
            if s[end:].strip():
                raise YamlError(f"line {no}: text after a flow mapping")
            return value
        if s.startswith("*"):
            name = s[1:]
            if name not in self.anchors:
                raise YamlError(f"line {no}: unknown alias *{name}")
            return _copy(self.anchors[name])
        if s[:1] in ("&", "!", "%", "@", "`", "|", ">"):
            raise YamlError(f"line {no}: unsupported construct {s[:1]!r} in a scalar")
        return _resolve_plain(s)

    def _double_quoted(self, s, no):
        out, i = [], 1
        escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "0": "\0", "r": "\r"}
        while i < len(s):
            c = s[i]
            if c == '"':
                return i + 1, "".join(out)
            if c == "\\":
                i += 1
                if i >= len(s) or s[i] not in escapes:
                    raise YamlError(f"line {no}: unsupported escape in a double-quoted scalar")
                out.append(escapes[s[i]])
            else:
                out.append(c)
            i += 1
        raise YamlError(f"line {no}: unterminated double-quoted scalar")

    def _single_quoted(self, s, no):
        out, i = [], 1
        while i < len(s):
            c = s[i]
            if c == "'":
                if i + 1 < len(s) and s[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                return i + 1, "".join(out)
            out.append(c)
            i += 1
        raise YamlError(f"line {no}: unterminated single-quoted scalar")

    def _flow(self, s, i, no):
        """Parses a flow sequence or mapping starting at s[i]; returns (value, end index)."""
        opening = s[i]
        closing = "]" if opening == "[" else "}"
        items = [] if opening == "[" else {}
        i += 1
        while True:
            while i < len(s) and s[i] == " ":
                i += 1
            if i >= len(s):
                raise YamlError(f"line {no}: unterminated flow collection")
            if s[i] == closing:
                return items, i + 1
            key = None
            if opening == "{":
                colon = s.find(":", i)
                if colon < 0:
                    raise YamlError(f"line {no}: flow mapping entry without ':'")
                key = self.scalar(s[i:colon], no)
                i = colon + 1
                while i < len(s) and s[i] == " ":
                    i += 1
            if s[i] in "[{":
                value, i = self._flow(s, i, no)
            elif s[i] == '"':
                n, value = self._double_quoted(s[i:], no)
                i += n
            elif s[i] == "'":
                n, value = self._single_quoted(s[i:], no)
                i += n
            else:
                j = i
                while j < len(s) and s[j] not in ",]}":
                    j += 1
                value = self.scalar(s[i:j], no)
                i = j
            if opening == "[":
                items.append(value)
            else:
                if key in items:
                    raise YamlError(f"line {no}: duplicate key {key!r}")
                items[key] = value
            while i < len(s) and s[i] == " ":
                i += 1
            if i < len(s) and s[i] == ",":
                i += 1
            elif i < len(s) and s[i] == closing:
                continue
            else:
                raise YamlError(f"line {no}: expected ',' or {closing!r} in a flow collection")

    # -- blocks --------------------------------------------------------------------------------
    def node(self, indent):
        """Parses the block starting at the current line (whose indent is `indent`)."""
        line = self.lines[self.pos]
        if line.text.startswith("- ") or line.text == "-":
            return self.sequence(line.indent)
        return self.mapping(line.indent)

    def value_after(self, rest, parent_indent, no, allow_same_indent_sequence=False):
        """The value of `key: rest` or `- rest`: inline, a block scalar, or a nested block."""
        rest = rest.strip()
        anchor = None
        if rest.startswith("&"):
            parts = rest.split(None, 1)
            anchor = parts[0][1:]
            rest = parts[1] if len(parts) > 1 else ""
        if rest in ("|", "|-"):
            value = self.block_scalar(parent_indent, keep_final_newline=(rest == "|"))
        elif rest:
            value = self.scalar(rest, no)
        elif self.pos < len(self.lines) and (
            self.lines[self.pos].indent > parent_indent
            or (allow_same_indent_sequence and self.lines[self.pos].indent == parent_indent
                and (self.lines[self.pos].text.startswith("- ") or self.lines[self.pos].text == "-"))
        ):
            value = self.node(self.lines[self.pos].indent)
        else:
            value = None
        if anchor:
            self.anchors[anchor] = value
        return value

    def block_scalar(self, parent_indent, keep_final_newline):
        # Literal lines are taken from the raw text (comments inside are content).
        start = self.lines[self.pos - 1].no  # the line holding the indicator
        body, indent = [], None
        no = start
        while no < len(self.raw):
            raw = self.raw[no]
            if raw.strip() == "":
                body.append("")
                no += 1
                continue
            this = len(raw) - len(raw.lstrip(" "))
            if this <= parent_indent:
                break
            if indent is None:
                indent = this
            if this < indent:
                break
            body.append(raw[indent:])
            no += 1
        while body and body[-1] == "":
            body.pop()
        while self.pos < len(self.lines) and self.lines[self.pos].no <= no:
            self.pos += 1
        text = "\n".join(body)
        return text + "\n" if keep_final_newline and text else text

    def mapping(self, indent):
        result, merged = {}, {}
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent:
                break
            if line.indent > indent:
                raise YamlError(f"line {line.no}: unexpected indentation")
            if line.text.startswith("- "):
                break  # a sequence at the same indentation belongs to the parent key
            text = _strip_comment(line.text)
            key_text, rest = _split_key(text, line.no)
            key = self.scalar(key_text, line.no)
            self.pos += 1
            value = self.value_after(rest, indent, line.no, allow_same_indent_sequence=True)
            if key == "<<":
                sources = value if isinstance(value, list) else [value]
                for src in sources:
                    if not isinstance(src, dict):
                        raise YamlError(f"line {line.no}: merge key needs a mapping")
                    for k, v in src.items():
                        merged.setdefault(k, v)
                continue
            if key in result:
                raise YamlError(f"line {line.no}: duplicate key {key!r}")
            result[key] = value
        for k, v in merged.items():
            result.setdefault(k, v)
        return result

    def sequence(self, indent):
        items = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent != indent or not (line.text.startswith("- ") or line.text == "-"):
                if line.indent > indent:
                    raise YamlError(f"line {line.no}: unexpected indentation")
                break
            text = _strip_comment(line.text)
            rest = text[1:].lstrip(" ")
            item_indent = indent + (len(text) - len(rest))
            if rest.startswith("- ") or rest == "-":
                # `- - x`: a sequence nested directly in a sequence item.
                self.lines[self.pos] = _Line(line.no, item_indent, rest)
                items.append(self.sequence(item_indent))
            elif rest and _looks_like_key(rest):
                # `- key: value` starts a mapping whose other keys are indented under `key`.
                self.lines[self.pos] = _Line(line.no, item_indent, rest)
                items.append(self.mapping(item_indent))
            else:
                self.pos += 1
                items.append(self.value_after(rest, indent, line.no))
        return items


def _looks_like_key(text):
    if text[:1] in "[{\"'":
        # a quoted key followed by ':' is still a key
        if text[:1] in "\"'":
            close = text.find(text[0], 1)
            return close > 0 and text[close + 1: close + 2] == ":"
        return False
    m = re.match(r"^[^\s:#][^:#]*?:(\s|$)", text)
    return m is not None


def _split_key(text, no):
    if text[:1] in "\"'":
        close = text.find(text[0], 1)
        if close < 0 or text[close + 1: close + 2] != ":":
            raise YamlError(f"line {no}: expected 'key: value'")
        return text[: close + 1], text[close + 2:]
    m = re.match(r"^([^:#]+?|<<):(\s+(.*))?$", text)
    if not m:
        raise YamlError(f"line {no}: expected 'key: value', got {text!r}")
    return m.group(1), m.group(3) or ""


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def load(text):
    p = _Parser(text)
    if not p.lines:
        return None
    value = p.node(p.lines[0].indent)
    if p.pos != len(p.lines):
        raise YamlError(f"line {p.lines[p.pos].no}: unexpected content")
    return value
