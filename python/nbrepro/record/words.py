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


def cell_range(numbers):
    """Cell numbers as a person reads them: "cell 2", "cells 1, 3–50"; runs
    of three or more joined by an en dash."""
    numbers = sorted(set(numbers))
    parts = []
    start = 0
    while start < len(numbers):
        end = start
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append("%d–%d" % (numbers[start], numbers[end]))
        else:
            parts.extend(str(n) for n in numbers[start : end + 1])
        start = end + 1
    return ("cell " if len(numbers) == 1 else "cells ") + ", ".join(parts)


def cell_numbers(cells):
    """How the notebook shows each code cell's number: its execution count
    when every cell that ran (``recorded``) has a distinct one, as the
    prompts show ``[n]``; else its place among the code cells, 1-based (a
    cell that never ran keeps its count, null, in the first case).
    ``cells``: ``[{"execution_count": int or None, "recorded": bool}]``, the
    code cells in notebook order."""
    counts = [cell["execution_count"] for cell in cells if cell["recorded"]]
    by_count = all(isinstance(count, int) for count in counts) and len(set(counts)) == len(counts)
    return [cell["execution_count"] if by_count else index + 1 for index, cell in enumerate(cells)]
