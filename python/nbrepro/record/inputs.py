"""What a notebook's cells read, wrote and imported, from its recording.

The recording says, per cell (``runs[id].inputs``, written by
``capture/inputs.py``): the files the cell opened inside the notebook's
project and the local modules imported from it (paths relative to the
project; ``notebook_dir`` says where the notebook's folder is in it), what
it read and imported outside the project (named by the path the cell used,
relative to the notebook's folder, when it could be named), and the
generators it drew from. ``needs(nb, meta)`` gathers them in run order: the
local modules, the input files (opened for reading before the notebook wrote
them; a file the notebook writes first is its own output) and what lies
outside the project. ``changed_inputs`` says which input files differ now.
``export/carry.py`` copies them into a bundle; ``verify`` and ``check`` look
them up.

A recording made when the notebook sat elsewhere in its project (or the
project's root was found elsewhere) is rebased: every path is taken relative
to the notebook's folder first, then to the project as it is now.

Only what a cell really opened (the audit hook) or imported is an input; a
word in a cell's source is not. Scripts a cell runs (``%run x.py``, ``!python
scripts/x.py``) are found by the script converter, which reads magics as
IPython does, and added by the export.

Paths come from the notebook, so they are untrusted: ``safe_path`` keeps only
relative paths that stay in their folder.
"""

import hashlib
import os
import stat
from pathlib import PurePosixPath

from . import document
from . import project as projects

MAX_NAMED = 200


class Needs(object):
    def __init__(self, notebook_dir="."):
        self.notebook_dir = notebook_dir  # where the paths below put the notebook's folder
        self.modules = {}  # module -> path relative to the project
        self.module_cells = {}  # module -> first cell number that had it imported
        self.inputs = {}  # path -> {"sha256", "size", "cells": [...], "private"?} as first read
        self.outputs = set()
        self.outside = {}  # cell number -> files read outside the project
        self.unnamed = {}  # cell number -> how many of those could not be named
        # Outside the project, by the path relative to the notebook's folder:
        self.outside_files = {}  # path -> {"sha256", "size", "cells", "private"?}
        self.outside_modules = {}  # module -> {"path": path or None, "cells": [...]}
        self.ran = {}  # script a cell runs (%run, !python) -> first cell number

    def notebook_relative(self, path):
        """A project-relative ``path`` as the notebook's folder sees it."""
        return projects.from_notebook_dir(self.notebook_dir, path)


def _runs_in_order(nb, meta):
    """(number, source, run record) for recorded cells, by execution count."""
    runs = meta["runs"]
    rows = []
    for cell in document.code_cells(nb):
        if not cell.record or cell.count is None:
            continue
        run = runs.get(cell.record.get("run"), {})
        rows.append((cell.count, cell.number, cell.source, run))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [(number, source, run) for _count, number, source, run in rows]


def cells_in_run_order(nb, meta):
    """(number, source, run record's inputs, seeds) for recorded cells, by execution
    count; ``meta`` is the notebook's model (``document.read_meta``)."""
    return [
        (number, source, run.get("inputs", {}), run.get("seeds", {}))
        for number, source, run in _runs_in_order(nb, meta)
    ]


def recorded_notebook_dir(nb, meta):
    """Where the latest recording put the notebook's folder in its project ("." when
    it was the project, or the recording is older than projects)."""
    where = "."
    for _number, _source, run in _runs_in_order(nb, meta):
        inputs = run.get("inputs") or {}
        if inputs:
            where = projects.folder_name(inputs.get("notebook_dir"))
    return where


def _distributed(runs):
    """Modules a distribution provides, in any of ``runs`` (its ``modules`` map)."""
    out = set()
    for run in runs:
        for name, dist in (run.get("modules") or {}).items():
            if dist:
                out.add(name)
    return out


def needs(nb, meta, notebook_dir=None):
    """The Needs of notebook ``nb`` (``meta``: its model), with project paths for a
    notebook whose folder is ``notebook_dir`` in its project (default: where the
    latest recording found it)."""
    rows = _runs_in_order(nb, meta)
    target = projects.folder_name(notebook_dir or recorded_notebook_dir(nb, meta))
    found = Needs(target)
    packaged = _distributed(run for _n, _s, run in rows)

    def place(path, recorded_dir):
        """(project path, None) or (None, path relative to the notebook's folder)."""
        if recorded_dir == target:
            return path, None
        beside = projects.from_notebook_dir(recorded_dir, path)
        moved = projects.join(target, beside)
        if moved == ".." or moved.startswith("../"):
            return None, beside
        return moved, None

    def moved_inside(path, recorded_dir):
        """The project path of ``path`` (relative to the notebook's folder), which lay
        outside the recording's project, when it lies inside this one (the project
        grew: a repository made around it since); else None."""
        if path is None or recorded_dir == target:
            return None
        moved = projects.join(target, path)
        if moved == ".." or moved.startswith("../") or safe_path(moved) is None:
            return None
        return moved

    for number, _source, run in rows:
        inputs = run.get("inputs") or {}
        recorded_dir = projects.folder_name(inputs.get("notebook_dir"))
        for name, path in sorted((inputs.get("local_modules") or {}).items()):
            path, away = place(path, recorded_dir)
            if path is None:
                _outside_module(found, name, away, number)
                continue
            if path in found.outputs:
                continue  # the notebook writes it (%%writefile) before importing it
            if name not in found.modules:
                found.modules[name] = path
                found.module_cells[name] = number
        for name, path in sorted((inputs.get("outside_modules") or {}).items()):
            if name not in packaged and name not in found.modules:
                path = projects.relative_name(path)  # from the notebook's folder
                inside = moved_inside(path, recorded_dir)
                if inside is not None:
                    if inside not in found.outputs:
                        found.modules[name] = inside
                        found.module_cells[name] = number
                    continue
                _outside_module(found, name, path, number)
        for item in inputs.get("files", ()):
            path, away = place(item["path"], recorded_dir)
            if path is None:
                if item["mode"] == "r":
                    _outside_file(found, away, item, number)
                continue
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
                if item.get("private"):
                    entry["private"] = True
            if number not in entry["cells"]:
                entry["cells"].append(number)
        outside = inputs.get("outside") or {}
        if outside.get("count"):
            found.outside[number] = outside["count"]
            unnamed = outside["count"] - len(outside.get("files") or ())
            if unnamed > 0:
                found.unnamed[number] = unnamed
        for item in outside.get("files") or ():
            path = projects.relative_name(item["path"])  # from the notebook's folder
            if path is None:
                found.unnamed[number] = found.unnamed.get(number, 0) + 1
                continue
            inside = moved_inside(path, recorded_dir)
            if inside is not None:
                if inside not in found.outputs:
                    fresh = {"sha256": item.get("sha256"), "size": item.get("size"), "cells": []}
                    entry = found.inputs.setdefault(inside, fresh)
                    if number not in entry["cells"]:
                        entry["cells"].append(number)
                continue
            _outside_file(found, path, item, number)
    return found


def _outside_module(found, name, path, number):
    """The first cell that had ``name`` imported (every later cell's kernel has it too)."""
    if name not in found.outside_modules and len(found.outside_modules) < MAX_NAMED:
        found.outside_modules[name] = {"path": path, "cells": [number]}


def _outside_file(found, path, item, number):
    entry = found.outside_files.get(path)
    if entry is None:
        if len(found.outside_files) >= MAX_NAMED:
            return
        entry = found.outside_files[path] = {
            "sha256": item.get("sha256"),
            "size": item.get("size"),
            "cells": [],
        }
        if item.get("private") or projects.private_name(path):
            entry["private"] = True
            entry["sha256"] = entry["size"] = None
    if number not in entry["cells"]:
        entry["cells"].append(number)


def safe_path(name, reserved=()):
    """``name`` as a relative POSIX path that stays in its folder, or None."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return None
    pure = PurePosixPath(name)
    if not pure.parts or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
        return None  # the folder itself, absolute, climbing, or a drive
    if any(part.startswith(".") for part in pure.parts):
        return None  # hidden files and folders (.env, .git) are not carried
    if str(pure) in reserved or pure.parts[0] in reserved:
        return None
    return str(pure)


def sha256_file(path, limit=None):
    """The sha256 of the regular file at ``path``, read without blocking and, with
    ``limit``, never past it (OSError for anything else: a FIFO, a device, a file
    over the limit)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(str(path), flags)
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError("%s is not a regular file" % path)
        if limit is not None and info.st_size > limit:
            raise OSError("%s is larger than %d bytes" % (path, limit))
        left = info.st_size if limit is None else limit
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
            left -= len(chunk)
            if limit is not None and left < 0:
                raise OSError("%s grew past %d bytes" % (path, limit))
    return h.hexdigest()


def changed_inputs(nb, meta, where):
    """``({path: "changed" | "missing"}, warnings)``: the input files the recording
    of notebook ``nb`` (``meta``: its model) read, with their sha256, looked up in
    the project ``where`` (a ``record.project.Project``: ``verify`` in a bundle or
    beside the notebook, ``check`` beside the notebook; a folder stands for a
    project that is the notebook's folder). A file is read only when it is a
    regular file inside the project and no larger than recorded."""
    if not isinstance(where, projects.Project):
        where = projects.of_folder(where)
    changed, warnings = {}, []
    found = needs(nb, meta, where.notebook_dir)
    for path, item in sorted(found.inputs.items()):
        expected = item["sha256"]
        if not expected:
            continue
        safe = safe_path(path)
        cells = ", ".join(str(c) for c in item["cells"])
        try:
            if safe is None:
                raise projects.Refused("not a path inside the project")
            real = projects.check_inside(where.root, safe)
            size = item.get("size")
            digest = sha256_file(real, size if isinstance(size, int) else None)
        except projects.Refused:
            changed[path] = "missing"
            warnings.append("input data missing: %s (read by cell %s)" % (path, cells))
            continue
        except OSError:
            digest = None
        if digest != expected:
            changed[path] = "changed"
            warnings.append(
                "input data changed: %s (read by cell %s; its sha256 differs from the recording's)"
                % (path, cells)
            )
    return changed, warnings
