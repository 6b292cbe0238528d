"""The bundle's text files, written from templates with values put in.

A template (``templates/<file>.in``, beside this module) is the file as it is
written, with:

- ``@name@`` where a value goes. A value is a ``Value``, made by the quoting
  function of the file's language (``sh``, ``sh_list``, ``docker_json``,
  ``docker_env``, ``json_string``, ``json_items``, ``comment``, ``plain``,
  ``markdown``, ``markdown_code``, ``code``, ``number``, ``checked``; or
  ``joined`` of those, ``words`` of nbrepro's own, ``part`` of another
  template); a plain string is refused, so text from a notebook reaches a file
  only quoted, as data.
- ``@#name@`` ... ``@/name@`` around what is written only when ``name`` is
  true, once for each item when it is a list (of dicts, whose names the part
  may use), and ``@^name@`` ... ``@/name@`` around what is written when it is
  false or empty. A tag alone on its line, bare, after ``#`` or inside
  ``<!-- -->`` (so that the template stays a script, a Dockerfile or Markdown
  that linters read), takes its whole line; a tag within a line only itself.
- a line ``# shellcheck disable=SC2016 ...`` right above a line with values,
  written only when one of those values holds ``$`` or a backquote: shellcheck
  warns (SC2016) of ``$`` in single quotes, which in a quoted value is data. In
  a shell template, such a value on a line without it is a bug (ValueError).

One pass: a value is never read as a template.
"""

import functools
import json
import re
import shlex
from pathlib import Path

from ..record import words as record_words

TEMPLATES = Path(__file__).resolve().parent / "templates"

_TAG = re.compile(r"@([#^/]?)([a-z_][a-z0-9_]*)@")
# A section tag alone on its line, maybe in a comment: the whole line is the tag's.
_STANDALONE = re.compile(
    r"^[ \t]*(?:#|<!--)?[ \t]*@([#^/])([a-z_][a-z0-9_]*)@[ \t]*(?:-->)?[ \t]*\n?$"
)
_SC2016 = re.compile(r"^[ \t]*# shellcheck disable=SC2016\b.*\n$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_UNPRINTABLE = re.compile("(?![\t\n])" + record_words.UNPRINTABLE.pattern)
# Characters a Dockerfile COPY source cannot hold literally: variable expansion,
# escapes, glob patterns, and line breaks.
_DOCKER_UNSAFE = re.compile(r"[$\\*?\[\]\x00-\x1f\x7f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
MAX_MARKDOWN = 200


class Value(object):
    """Text made by a quoting function, ready to be written where a template says."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return "Value(%r)" % self.text


# ------------------------------------------------------------ quoting, by language


def sh(value):
    """One bash word (single-quoted unless it needs no quotes)."""
    return Value(shlex.quote(str(value)))


def sh_list(values):
    """Bash words, one per value, space-separated (the inside of an array)."""
    return Value(" ".join(shlex.quote(str(v)) for v in values))


def json_string(value):
    """A JSON string, as a Dockerfile's exec form reads it."""
    return Value(json.dumps(value))


def json_items(values):
    """JSON strings, comma-separated (the inside of an exec-form array)."""
    return Value(", ".join(json.dumps(v) for v in values))


def docker_json(value, what):
    """A JSON string for a COPY source, or ValueError for what a COPY source
    cannot hold literally (Docker expands ``$`` and globs there)."""
    if _DOCKER_UNSAFE.search(value):
        raise ValueError(
            "the %s %r holds characters a Dockerfile cannot name literally ($, \\, *, ?, [, ], "
            "control characters); rename it" % (what, value)
        )
    return Value(json.dumps(value))


def docker_env(value):
    """A double-quoted ENV value: Docker expands ``$`` and reads ``\\`` and ``"`` there."""
    value = str(value)
    if _CONTROL.search(value):
        raise ValueError("an ENV value cannot hold a line break or control character: %r" % value)
    return Value('"%s"' % value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$"))


def comment(value):
    """Text for a comment line: control characters (a line break) and invisible ones
    become ``?`` (``words.printable``: a terminal reads ESC and CSI as commands)."""
    return Value(record_words.printable(value))


def plain(value):
    """Text for a plain text file: what ``comment`` replaces, but tab and line feed."""
    return Value(_TEXT_UNPRINTABLE.sub("?", str(value)))


def markdown(value):
    """An untrusted value as inert Markdown: one line, bounded, HTML entities,
    Markdown punctuation backslash-escaped, no control or invisible character."""
    value = record_words.printable(" ".join(str(value).split()))
    if len(value) > MAX_MARKDOWN:
        value = value[: MAX_MARKDOWN - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Value(_MARKDOWN_SPECIAL.sub(r"\\\1", value))


def markdown_code(value):
    """An untrusted value for inside a Markdown code span, in a table cell too: one
    line, bounded, no control or invisible character; a backquote (which would end
    the span) becomes ``?`` and ``|`` becomes ``\\|`` (GFM splits a table row at
    ``|`` before it reads code spans, and gives ``\\|`` back as ``|``). Nothing
    else is escaped: a code span shows its text as written (CommonMark), so a
    backslash escape there would be shown and copied with the path."""
    value = record_words.printable(" ".join(str(value).split()))
    if len(value) > MAX_MARKDOWN:
        value = value[: MAX_MARKDOWN - 1] + "…"
    return Value(value.replace("`", "?").replace("|", "\\|"))


def number(value):
    """An integer, in decimal."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("a number value must be an int, not %r" % (value,))
    return Value(str(value))


def checked(value, pattern):
    """``value`` as it is, once it matches ``pattern`` (a word already safe in
    the file's language: a version, an identifier, a bundle's own file name);
    ValueError otherwise."""
    value = str(value)
    if not re.fullmatch(pattern, value):
        raise ValueError("%r is not a value this template can hold as it is" % value)
    return Value(value)


def code(value):
    """Text for a Markdown code span: as it is, but a backquote or a control
    character (which would end the span or the line) becomes ``?``, and so does
    an invisible one."""
    return Value(record_words.printable(value).replace("`", "?"))


def words(text):
    """nbrepro's own words (a label, a unit, a separator), never text read from
    a notebook or a file: those go in through the quoting functions above."""
    return Value(text)


def joined(values, separator=""):
    """Values joined by ``separator``: a table cell of several facts, each quoted."""
    values = list(values)
    for value in values:
        if not isinstance(value, Value):
            raise TypeError("joined() takes values only, not %r" % (value,))
    return Value(separator.join(value.text for value in values))


def part(name, values):
    """Template ``name`` filled, to go in another one where a value goes."""
    return Value(fill(name, values))


# ------------------------------------------------------------ templates


@functools.lru_cache(maxsize=None)
def text(name):
    """The template ``name`` as it is in the package."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _parsed(name):
    return _parse(text(name), name)


def fill(name, values):
    """Template ``name`` with ``values`` ({name: Value, bool, or list of dicts}) put in."""
    out = []
    _render(_parsed(name), [values], out, name.endswith(".sh.in"), name)
    return "".join(out)


def _parse(source, name):
    """The template as a tree of nodes: text, ``("value", tag)``, ``("section",
    inverted, tag, children)`` and ``("guarded", directive, children)``."""
    root = []
    stack = [(None, root)]
    directive = None
    for line in source.splitlines(keepends=True):
        standalone = _STANDALONE.match(line)
        if directive is not None:
            if standalone or not _TAG.search(line):
                raise ValueError("%s: an SC2016 directive must stand above a line of values" % name)
            guarded = [(None, [])]
            _inline(line, guarded, name)
            if len(guarded) != 1:
                raise ValueError("%s: a line of values under a directive opens a section" % name)
            stack[-1][1].append(("guarded", directive, guarded[0][1]))
            directive = None
        elif standalone:
            _tag(standalone.group(1), standalone.group(2), stack, name)
        elif _SC2016.match(line):
            directive = line
        else:
            _inline(line, stack, name)
    if directive is not None or len(stack) != 1:
        raise ValueError("%s: a section or a directive is left open" % name)
    return root


def _inline(line, stack, name):
    position = 0
    for match in _TAG.finditer(line):
        if match.start() > position:
            stack[-1][1].append(line[position : match.start()])
        kind, tag = match.groups()
        if kind:
            _tag(kind, tag, stack, name)
        else:
            stack[-1][1].append(("value", tag))
        position = match.end()
    if position < len(line):
        stack[-1][1].append(line[position:])


def _tag(kind, tag, stack, name):
    if kind == "/":
        if stack[-1][0] != tag:
            raise ValueError("%s: @/%s@ closes no open section" % (name, tag))
        stack.pop()
        return
    children = []
    stack[-1][1].append(("section", kind == "^", tag, children))
    stack.append((tag, children))


def _lookup(contexts, tag, name):
    for context in reversed(contexts):
        if tag in context:
            return context[tag]
    raise KeyError("%s needs a value for @%s@" % (name, tag))


def _render(nodes, contexts, out, shell, name):
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "value":
            out.append(_value(_lookup(contexts, node[1], name), node[1], shell, name))
        elif node[0] == "guarded":
            line = []
            _render(node[2], contexts, line, False, name)
            tags = [child[1] for child in node[2] if type(child) is tuple]
            values = [_lookup(contexts, tag, name) for tag in tags]
            if any("$" in value.text or "`" in value.text for value in values):
                out.append(node[1])  # the directive
            out.extend(line)
        else:
            _, inverted, tag, children = node
            value = _lookup(contexts, tag, name)
            if inverted:
                if not value:
                    _render(children, contexts, out, shell, name)
            elif isinstance(value, list):
                for item in value:
                    _render(children, contexts + [item], out, shell, name)
            elif value:
                more = [value] if isinstance(value, dict) else []
                _render(children, contexts + more, out, shell, name)


def _value(value, tag, shell, name):
    if not isinstance(value, Value):
        raise TypeError("%s: @%s@ takes a quoted Value, not %r" % (name, tag, value))
    if shell and ("$" in value.text or "`" in value.text):
        raise ValueError(
            "%s: @%s@ may hold $ or a backquote: put an SC2016 directive above its line"
            % (name, tag)
        )
    return value.text
