"""Where the project and the interpreter live, taken out of outputs before they are compared.

A warning from a carried module names the module's file
(``/home/alice/proj/code/nsfg.py:84: PerformanceWarning``); the re-run of the
bundle names it where the reviewer put the bundle
(``/tmp/review/bundle/code/nsfg.py:84``). So do tracebacks, ``__file__``,
``os.getcwd()`` and ``Path.cwd()``. Only the folder differs, and verify
rewrites both folders to one placeholder, ``<project>``, before comparing; the
same for the interpreter's prefix (``<python>``) and any ``site-packages``
folder (``<site-packages>``).

The re-run's folders are known: the bundle's (or the project's) folder and the
kernel's interpreter. The author's are not stored anywhere (nbrepro never
records a home path); they are found in the recorded outputs themselves:

- by the project-relative paths the recording knows (the notebook's folder,
  its local modules, the files it read and wrote): an absolute path in a
  recorded output that ends with ``/code/nsfg.py`` names the author's project
  as what comes before it;
- by the recorded interpreter prefix, which the capture keeps with the home
  folder written ``~`` (``~/venvs/a``): a path that ends so names it;
- by lining up a recorded line with the re-run's line where the re-run printed
  its own project folder (``Path.cwd()`` of a notebook at the project's top,
  which has no project-relative path to match).

POSIX paths only; a folder is replaced where it stands as a whole folder
(``/home/a/proj`` never matches inside ``/home/a/project2``).
"""

import os
import re

PROJECT = "<project>"
PYTHON = "<python>"
SITE_PACKAGES = "<site-packages>"
MAX_ROOTS = 8
# A folder of an absolute POSIX path: no separator, no quote, no line break, no
# whitespace (a second pass allows inner spaces in quoted paths).
_PART = r"/[^/\s'\"<>|*?`]+"
_PART_SPACED = r"/[^/\n'\"<>|*?`]+"
_END = r"(?=[/\s'\":,;)\]}>]|$)"
_SITE = re.compile(r"(?:/[^/\s'\"<>|*?`]+)+?/(?:site|dist)-packages(?=/)")
# A folder and the ``..`` after it (``topic/../../code/nsfg.py``, as a module found
# through ``sys.path.append('../../code')`` names its file): the same place, spelt out.
_UP = re.compile(r"/(?!\.\.(?:/|$))[^/\s'\"<>|*?`]+/\.\.(?=/|$|[\s'\":,;)\]}>])")


def collapse(text):
    """``text`` with every ``folder/..`` of an absolute path taken out."""
    if "/.." not in text:
        return text
    while True:
        shorter = _UP.sub("", text)
        if shorter == text:
            return text
        text = shorter


def _root_pattern(root):
    return re.compile(re.escape(root) + _END)


class Paths(object):
    """The folders to rewrite on each side: ``recorded`` and ``now`` are lists of
    ``(absolute folder, placeholder)``."""

    def __init__(self, recorded=(), now=()):
        self.recorded = _ordered(recorded)
        self.now = _ordered(now)
        self._recorded = [(_root_pattern(path), mark) for path, mark in self.recorded]
        self._now = [(_root_pattern(path), mark) for path, mark in self.now]

    def __bool__(self):
        return True

    def rewrite(self, text, side):
        """``text`` with ``side``'s folders (``"recorded"`` or ``"now"``) replaced."""
        if not isinstance(text, str) or "/" not in text:
            return text
        text = collapse(text)
        for pattern, mark in self._recorded if side == "recorded" else self._now:
            text = pattern.sub(mark, text)
        return _SITE.sub(SITE_PACKAGES, text)


def _ordered(pairs):
    """Longest folder first (a project inside an interpreter's prefix, or the
    reverse, is replaced by the longer match); no root folder, no duplicates."""
    seen, out = set(), []
    for path, mark in pairs:
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        path = path.rstrip("/")
        if path.count("/") < 2 or path in seen:
            continue  # "/" or "/home": too short to stand for a project
        seen.add(path)
        out.append((path, mark))
    out.sort(key=lambda pair: -len(pair[0]))
    return out


def texts(outputs):
    """Every text of a cell's outputs, for finding folders in."""
    for output in outputs or ():
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            yield collapse(_text(output.get("text")))
        elif kind == "error":
            yield collapse(_text(output.get("evalue")))
            for line in output.get("traceback") or ():
                yield collapse(_text(line))
        elif kind in ("execute_result", "display_data"):
            for mimetype, value in (output.get("data") or {}).items():
                if mimetype not in ("image/png", "image/jpeg"):
                    text = _text(value) if not isinstance(value, (dict, list)) else str(value)
                    yield collapse(text)


def _text(value):
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def find_by_suffix(all_texts, relatives):
    """Absolute folders that stand before one of ``relatives`` (project-relative
    POSIX paths) in ``all_texts``: the author's project as the outputs name it."""
    found = []
    suffixes = sorted({r.strip("/") for r in relatives if r and r.strip("/") not in ("", ".")})
    if not suffixes:
        return found
    for part in (_PART, _PART_SPACED):
        lead = r"(?<![\w.~/-])" if part is _PART else r"(?:^|(?<=['\"(=]))"
        for suffix in suffixes:
            pattern = re.compile(
                lead + "((?:%s)+?)/%s%s" % (part, re.escape(suffix), _END), re.MULTILINE
            )
            for text in all_texts:
                if suffix not in text:
                    continue
                for match in pattern.finditer(text):
                    root = match.group(1)
                    if root not in found:
                        found.append(root)
                    if len(found) >= MAX_ROOTS:
                        return found
        if found:
            return found
    return found


def find_prefix(all_texts, recorded_prefix):
    """The recorded interpreter prefix as the outputs spell it: as recorded when it
    is absolute; when the capture wrote the home folder as ``~``, every absolute
    path in the outputs that ends with the rest of it."""
    if not isinstance(recorded_prefix, str) or not recorded_prefix:
        return []
    if recorded_prefix.startswith("/"):
        return [recorded_prefix]
    if not recorded_prefix.startswith("~/"):
        return []
    rest = recorded_prefix[2:].rstrip("/")
    return [home + "/" + rest for home in find_by_suffix(all_texts, [rest])]


def line_up(recorded_text, now_text, now_roots):
    """Folders of the recording that stand where the re-run printed one of its own
    (``now_roots``), line by line: ``A<now root>B`` against ``A<folder>B``."""
    found = []
    if not recorded_text or not now_text:
        return found
    now_lines, then_lines = now_text.split("\n"), recorded_text.split("\n")
    for index, line in enumerate(now_lines[: len(then_lines)]):
        for root in now_roots:
            at = line.find(root)
            if at < 0 or not re.match(_END, line[at + len(root) :]):
                continue
            before, after = line[:at], line[at + len(root) :]
            then = then_lines[index]
            if not (then.startswith(before) and then.endswith(after)):
                continue
            middle = then[len(before) : len(then) - len(after)]
            if middle.startswith("/") and middle != root and "\n" not in middle:
                if middle not in found:
                    found.append(middle)
            break
    return found


def now_folders(*folders):
    """The re-run's folders as outputs may spell them: as given and resolved."""
    out = []
    for folder in folders:
        if not folder:
            continue
        for variant in (os.path.abspath(str(folder)), os.path.realpath(str(folder))):
            if variant not in out:
                out.append(variant)
    return out
