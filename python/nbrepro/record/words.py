"""Small words the model needs: how a problem names a JSON type, a value cut
short, a package name normalised. TypeScript has the same in src/ (held equal
by the shared vectors in test/vectors/)."""

import re

_SEPARATORS = re.compile(r"[-_.]+")


def normalize(name):
    """PEP 503: lower case, every run of ``-``, ``_`` and ``.`` becomes one ``-``."""
    if "_" in name or "." in name or "--" in name:
        return _SEPARATORS.sub("-", name).lower()
    return name.lower()  # no run to replace: the common case, without the regex


def describe_type(value):
    """How a problem names the type of a JSON value (identical in TypeScript)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a " + type(value).__name__


def short(text, limit=60):
    """A name or value quoted in a problem, cut to a readable length."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# What must never reach a generated file or a terminal as itself: C0 and C1
# control characters (a terminal reads ESC and CSI as commands), DEL, line and
# paragraph separators, and the invisible characters that reorder or hide text
# (zero widths, bidirectional overrides).
UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]"
)


def printable(text, replacement="?"):
    """``text`` with every UNPRINTABLE character replaced."""
    return UNPRINTABLE.sub(replacement, str(text))
