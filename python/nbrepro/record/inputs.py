"""What a notebook's cells read, wrote and imported, from its recording.

The recording says, per cell (``runs[id].inputs``, written by
``capture/inputs.py``): the files the cell opened under the notebook's folder,
the local modules imported from that folder, the generators it drew from.
``needs(nb, meta)`` gathers them in run order: the local modules, the input
files (opened for reading before the notebook wrote them; a file the notebook
writes first is its own output) and the files opened outside the folder.
``changed_inputs`` says which input files differ now. ``export/carry.py``
copies them into a bundle; ``verify`` and ``check`` look them up.

Paths come from the notebook, so they are untrusted: ``safe_path`` keeps only
relative paths that stay in their folder.
"""

import hashlib
import re
from pathlib import Path, PurePosixPath

from . import document

MAX_NAMED = 200
# Path-like words in a cell's source: `!python scripts/run.py`, `%run helpers.py`,
# `!head data.dat` open files in another process or as Python source, which the
# audit hook does not see; a word that names a file beside the notebook is carried.
_PATH_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\.[A-Za-z0-9]+")


class Needs(object):
    def __init__(self):
        self.modules = {}  # module -> path relative to the notebook's folder
        self.module_cells = {}  # module -> first cell number that had it imported
        self.inputs = {}  # path -> {"sha256", "size", "cells": [...]} as first read
        self.outputs = set()
        self.outside = {}  # cell number -> files opened outside the notebook's folder
        self.named = {}  # path-like word in a cell's source -> first cell number


def cells_in_run_order(nb, meta):
    """(number, source, run record's inputs, seeds) for recorded cells, by execution
    count; ``meta`` is the notebook's model (``document.read_meta``)."""
    runs = meta["runs"]
    rows = []
    for cell in document.code_cells(nb):
        if not cell.record or cell.count is None:
            continue
        run = runs.get(cell.record.get("run"), {})
        inputs, seeds = run.get("inputs", {}), run.get("seeds", {})
        rows.append((cell.count, cell.number, cell.source, inputs, seeds))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [(number, source, inputs, seeds) for _count, number, source, inputs, seeds in rows]


def needs(nb, meta):
    found = Needs()
    for number, source, inputs, _seeds in cells_in_run_order(nb, meta):
        for word in _PATH_WORD.findall(source):
            if len(found.named) < MAX_NAMED and word not in found.outputs:
                found.named.setdefault(word, number)
        for name, path in sorted(inputs.get("local_modules", {}).items()):
            if path in found.outputs:
                continue  # the notebook writes it (%%writefile) before importing it
            if name not in found.modules:
                found.modules[name] = path
                found.module_cells[name] = number
        for item in inputs.get("files", ()):
            path = item["path"]
            if item["mode"] == "w":
                found.outputs.add(path)
                continue
            if path in found.outputs:
                continue  # written by an earlier cell: the run makes it again
            entry = found.inputs.get(path)
            if entry is None:
                entry = found.inputs[path] = {
                    "sha256": item.get("sha256"),
                    "size": item.get("size"),
                    "cells": [],
                }
            if number not in entry["cells"]:
                entry["cells"].append(number)
        outside = inputs.get("outside", {})
        if outside.get("count"):
            found.outside[number] = outside["count"]
    return found


def safe_path(name, reserved=()):
    """``name`` as a relative POSIX path that stays in its folder, or None."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        return None
    if any(part.startswith(".") for part in pure.parts):
        return None  # hidden files and folders (.env, .git) are not carried
    if str(pure) in reserved or pure.parts[0] in reserved:
        return None
    return str(pure)


def sha256_file(path):
    h = hashlib.sha256()
    with open(str(path), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def changed_inputs(nb, meta, workdir):
    """``({path: "changed" | "missing"}, warnings)``: the input files the recording
    of notebook ``nb`` (``meta``: its model) read, with their sha256, looked up in
    ``workdir`` (``verify`` before it runs, ``check`` beside the notebook)."""
    changed, warnings = {}, []
    for path, item in sorted(needs(nb, meta).inputs.items()):
        expected = item["sha256"]
        if not expected:
            continue
        safe = safe_path(path)
        target = Path(workdir) / safe if safe else None
        cells = ", ".join(str(c) for c in item["cells"])
        if target is None or not target.is_file():
            changed[path] = "missing"
            warnings.append("input data missing: %s (read by cell %s)" % (path, cells))
        elif sha256_file(target) != expected:
            changed[path] = "changed"
            warnings.append(
                "input data changed: %s (read by cell %s; its sha256 differs from the recording's)"
                % (path, cells)
            )
    return changed, warnings
