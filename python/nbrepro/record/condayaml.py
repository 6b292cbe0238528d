"""YAML text as conda writes it (`conda.common.serialize.yaml`: ruamel's
round-trip dumper, block style, mapping indent 2, sequence indent 4 with the
dash at offset 2, line width 80, YAML 1.2 resolution), for the block
mappings, sequences and scalars of environment.yml, conda-lock.yml and
pixi.lock.

What ruamel decides and this module does the same way:
- a string is written plain unless it would read back as another type (YAML
  1.2: true/false, numbers, null, ~, dates, `<<`, `=`) or holds what a plain
  scalar cannot (an indicator first, `: ` or ` #` inside, `: `/`-` forms,
  leading or trailing space, a last `:`); then single-quoted, with `'`
  doubled; control characters make it double-quoted;
- a long scalar is folded at its spaces once a line passes 80 columns, and a
  mapping's value that would run past column 80 starts on the next line
  (`key: ` then the value indented under the key by two), continuation lines
  indented two past the key (a sequence item's under the item itself);
- None is an empty value (`key:`), empty collections `{}` and `[]`.
"""

import re

WIDTH = 80
_RESOLVED = [
    re.compile(p, re.X)
    for p in (
        r"^(?:true|True|TRUE|false|False|FALSE)$",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
        r"""^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$""",
        r"""^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
            |[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[\ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}
             (?:\.[0-9]*)?(?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)$""",
        r"^(?:<<|=|!|&|\*|~|null|Null|NULL|)$",
    )
]
_SPECIAL = re.compile("[^\x09\x0a\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FIRST = set("#,[]{}&*!|>'\"%@`")


def resolves_elsewhere(text):
    # ruamel tries a type's pattern only when the text starts as that type can.
    if text and text[0] not in "-+.0123456789tTfF<~nN=!&*":
        return False
    return any(p.match(text) for p in _RESOLVED)


def style(text):
    """'plain', 'single' or 'double': the style ruamel's emitter picks."""
    if text == "":
        return "single"
    if _SPECIAL.search(text) or "\n" in text or "\ufeff" in text:
        return "double"
    if resolves_elsewhere(text):
        return "single"
    plain = True
    if text[0] in _FIRST:
        plain = False
    if text[0] in "?:-" and (len(text) == 1 or text[1] in " \t"):
        plain = False
    if text[0] == " " or text[-1] == " " or text.startswith("---") or text.startswith("..."):
        plain = False
    if ": " in text or " #" in text or "\t" in text or text.endswith(":"):
        plain = False
    if text.endswith(" ") or ":\t" in text:
        plain = False
    if plain:
        return "plain"
    return "double" if "'" in text else "single"


class _Out(object):
    def __init__(self):
        self.parts = []
        self.column = 0

    def write(self, text):
        self.parts.append(text)
        self.column += len(text)

    def indent(self, column):
        self.parts.append("\n" + " " * column)
        self.column = column

    def text(self):
        return "".join(self.parts)


def _plain(out, text, indent):
    """ruamel's write_plain: the separating space, then word by word."""
    out.write(" ")
    start = end = 0
    spaces = False
    while end <= len(text):
        ch = text[end] if end < len(text) else None
        if spaces:
            if ch != " ":
                if start + 1 == end and out.column >= WIDTH:
                    out.indent(indent)
                else:
                    out.write(text[start:end])
                start = end
        else:
            if ch is None or ch == " ":
                word = text[start:end]
                if len(word) + out.column > WIDTH and out.column > indent:
                    out.indent(indent)
                out.write(word)
                start = end
        if ch is not None:
            spaces = ch == " "
        end += 1


def _single(out, text, indent):
    """ruamel's write_single_quoted (no line breaks in our strings)."""
    out.write(" '")
    start = end = 0
    spaces = False
    while end <= len(text):
        ch = text[end] if end < len(text) else None
        if spaces:
            if ch is None or ch != " ":
                if start + 1 == end and out.column > WIDTH and start != 0 and end != len(text):
                    out.indent(indent)
                else:
                    out.write(text[start:end])
                start = end
        else:
            if ch is None or ch in " '":
                if start < end:
                    out.write(text[start:end])
                    start = end
        if ch == "'":
            out.write("''")
            start = end + 1
        if ch is not None:
            spaces = ch == " "
        end += 1
    out.write("'")


def _double(out, text):
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif _SPECIAL.match(ch) or ch == "\n":
            code = ord(ch)
            escaped.append("\\x%02X" % code if code < 0x100 else "\\u%04X" % code)
        else:
            escaped.append(ch)
    out.write(' "%s"' % "".join(escaped))


def _scalar(out, value, indent):
    if value is None:
        return
    if value is True or value is False:
        out.write(" true" if value else " false")
        return
    if isinstance(value, int):
        out.write(" %d" % value)
        return
    text = str(value)
    kind = style(text)
    if kind == "plain":
        _plain(out, text, indent)
    elif kind == "single":
        _single(out, text, indent)
    else:
        _double(out, text)


def _mapping(out, data, column, first_inline=False):
    for number, (key, value) in enumerate(data.items()):
        if not (first_inline and number == 0):
            if out.parts:
                out.indent(column)
        key = str(key)
        kind = style(key)
        if kind == "plain":
            out.write(key)
        elif kind == "single":
            out.write("'%s'" % key.replace("'", "''"))
        else:
            _double(out, key)
            out.parts[-1] = out.parts[-1][1:]
        out.write(":")
        _value(out, value, column)


def _value(out, value, column):
    if isinstance(value, dict):
        if value:
            _mapping(out, value, column + 2)
        else:
            out.write(" {}")
    elif isinstance(value, (list, tuple)):
        if value:
            _sequence(out, value, column + 2)
        else:
            out.write(" []")
    else:
        _scalar(out, value, column + 2)


def _sequence(out, items, dash):
    for item in items:
        out.indent(dash)
        out.write("-")
        if isinstance(item, dict) and item:
            out.write(" ")
            _mapping(out, item, dash + 2, first_inline=True)
        elif isinstance(item, (list, tuple)) and item:
            raise ValueError("nested sequences are not written here")
        elif isinstance(item, dict):
            out.write(" {}")
        elif isinstance(item, (list, tuple)):
            out.write(" []")
        else:
            _scalar(out, item, dash + 2)


def dumps(data):
    """The text conda's `yaml.dumps(data)` writes for a mapping."""
    out = _Out()
    _mapping(out, data, 0)
    return out.text() + "\n"
