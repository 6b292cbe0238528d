"""What the notebook needs besides packages, carried into the bundle.

The recording (``record.inputs.needs``) lists, by path relative to the
notebook's project:

- the local modules (always carried: the notebook cannot start without them),
  and the scripts its cells run (``%run x.py``, ``!python scripts/x.py``, found
  by the script converter);
- the input files: opened for reading before the notebook wrote them (a file
  the notebook writes first is its own output, rebuilt by the run). They are
  carried up to the data limit; the rest are listed with their sha256;
- what lies outside the project: named by the path the notebook used
  (relative to its folder), with size and sha256, never carried.

The bundle keeps the project's layout: its top is the lowest folder of the
project that holds the notebook's folder and everything carried (``base``),
so a notebook that reads ``../../data/x.csv`` and imports a package two
folders up finds them in the bundle where it found them in the project, and a
notebook that needs nothing above its own folder sits at the bundle's top.

The boundary (``record.project``): every carried file is a regular file
whose real path lies inside the project, read with a size limit; links out
of the project, FIFOs, devices and sockets are refused and named; hidden and
credential-looking files are never read, only named as left out. Paths come
from the notebook, so they are untrusted: a path that is absolute, climbs
with ``..`` or names one of the bundle's own files is never read or written.
"""

from pathlib import PurePosixPath

from ..record import project as projects
from ..record.inputs import safe_path
from ..record.order import finding, listed_cells

DEFAULT_DATA_LIMIT = 50 * 1024 * 1024  # bytes of input data carried, in all
MAX_MODULE_FILES = 500
MAX_MODULE_BYTES = 16 * 1024 * 1024  # one module or script file
MAX_LISTED = 8
OUTSIDE_HASH_LIMIT = 64 * 1024 * 1024  # bytes read to hash one file outside the project
PRIVATE = "hidden, or named like a credential: never carried"


def _inside(folder, path):
    """Whether the real path of ``path`` lies in ``folder`` (or is it)."""
    import os

    real, root = os.path.realpath(str(path)), os.path.realpath(str(folder))
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _numbers(cells):
    return listed_cells(sorted(cells))


def _shown(path):
    """A recorded path as the bundle may repeat it: an absolute one (forged metadata,
    or an old recording) is not repeated."""
    if not isinstance(path, str) or path.startswith(("/", "~", "\\")) or path[1:2] == ":":
        return "(an absolute path)"
    return path


def add_ran(found, conversion_ran):
    """Add the script files cells run (``Conversion.ran``: ``[(cell, path as
    written)]``, relative to the notebook's folder) to ``found``: inside the
    project as scripts to carry, outside it as files named."""
    for cell, written in conversion_ran:
        path = projects.join(found.notebook_dir, written)
        if path in found.outputs:
            continue  # the notebook writes it (%%writefile) before running it
        if path == ".." or path.startswith("../"):
            entry = found.outside_files.setdefault(
                projects.from_notebook_dir(found.notebook_dir, path),
                {"sha256": None, "size": None, "cells": [], "ran": True},
            )
            if cell not in entry["cells"]:
                entry["cells"].append(cell)
            continue
        found.ran.setdefault(path, cell)


def base_of(found):
    """The project folder the bundle's top stands for: the lowest one holding the
    notebook's folder and every file the bundle may carry (POSIX, "." for the
    project's root)."""
    parts = list(PurePosixPath(found.notebook_dir).parts) if found.notebook_dir != "." else []
    paths = list(found.modules.values()) + list(found.ran) + list(found.inputs)
    for path in paths:
        if safe_path(path) is None or projects.private_name(path):
            continue
        folder = list(PurePosixPath(path).parts[:-1])
        common = 0
        while common < min(len(parts), len(folder)) and parts[common] == folder[common]:
            common += 1
        parts = parts[:common]
    return "/".join(parts) or "."


def in_bundle(base, path):
    """A project path as the bundle names it (relative to ``base``)."""
    if base == ".":
        return path
    return str(PurePosixPath(path).relative_to(base))


class _Carrier(object):
    def __init__(self, where, base, reserved, limit, supplied):
        self.where = where
        self.base = base
        self.reserved = reserved
        self.limit = limit
        self.supplied = supplied or {}
        self.files = {}
        self.missing = []  # (cell, text)
        self.large = []
        self.total = 0
        self.listing = {"modules": [], "data": [], "outside": [], "left_out": []}

    def bundle_path(self, path):
        """(bundle path or None, project path made safe or None)."""
        safe = safe_path(path)
        if safe is None or projects.private_name(path):
            return None, None
        try:
            named = in_bundle(self.base, safe)
        except ValueError:
            return None, None
        if safe_path(named, self.reserved) is None:
            return None, None
        return named, safe

    def left_out(self, path, cells, why):
        shown = projects.from_notebook_dir(self.where.notebook_dir, path) if self.where else path
        shown = _shown(shown)
        self.listing["left_out"].append({"path": shown, "cells": list(cells), "why": why})
        self.missing.append((cells[0], "%s (%s): %s" % (shown, _numbers(cells), why)))

    def code(self, path, cells, what):
        """Carry a module file, a package folder or a script; True when carried."""
        named, safe = self.bundle_path(path)
        if projects.private_name(path):
            self.left_out(path, cells, PRIVATE)
            return False
        if named is None or self.where is None:
            self.missing.append(
                (cells[0], "%s (%s): not a path inside the bundle" % (what, _shown(path)))
            )
            return False
        root = self.where.root
        source = root.joinpath(*PurePosixPath(safe).parts)
        if source.is_dir() and not source.is_symlink():
            taken, refused = projects.package_files(root, safe, MAX_MODULE_FILES)
            for bad, why in refused:
                self.left_out(bad, cells, why)
            if taken is None:
                self.missing.append((cells[0], "%s: %s has too many files to carry" % (what, safe)))
                return False
            for relative in taken:
                self._code_file(relative, cells, what)
            return True
        return self._code_file(safe, cells, what, whole=True)

    def _code_file(self, safe, cells, what, whole=False):
        named, _ = self.bundle_path(safe)
        if named is None:
            self.missing.append((cells[0], "%s: %s is a name the bundle keeps" % (what, safe)))
            return False
        try:
            data = projects.read_inside(self.where.root, safe, MAX_MODULE_BYTES)
        except projects.Refused as refusal:
            if refusal.reason == "not there" and whole:
                self.missing.append((cells[0], "%s: %s is not in the project" % (what, safe)))
            else:
                self.left_out(safe, cells, refusal.reason)
            return False
        self.files[named] = data
        return True

    def data(self, path, item):
        cells = item["cells"]
        named, safe = self.bundle_path(path)
        entry = {
            "path": named or _shown(path),
            "read_from": "the project",
            "cells": cells,
            "sha256": item.get("sha256"),
            "size": item.get("size"),
            "carried": False,
        }
        if item.get("private") or projects.private_name(path):
            self.left_out(path, cells, PRIVATE)
            return
        self.listing["data"].append(entry)
        if safe is not None and safe in self.supplied:
            entry["read_from"] = "written by %s" % self.supplied[safe]
            entry["supplied_by"] = self.supplied[safe]
            return
        if named is None or self.where is None:
            self.missing.append(
                (cells[0], "%s (read by %s) is gone" % (_shown(path), _numbers(cells)))
            )
            return
        root = self.where.root
        try:
            size = projects.size_inside(root, safe)
        except projects.Refused as refusal:
            if refusal.reason in ("not there", "a link to nothing"):
                self.missing.append(
                    (cells[0], "%s (read by %s) is gone" % (named, _numbers(cells)))
                )
            else:
                self.listing["data"].remove(entry)
                self.left_out(safe, cells, refusal.reason)
            return
        if size > self.limit - self.total:
            entry["size"] = size
            self.large.append((cells[0], "%s (%s)" % (named, projects.human(size))))
            return
        try:
            data = projects.read_inside(root, safe, self.limit - self.total)
        except projects.Refused as refusal:
            self.listing["data"].remove(entry)
            self.left_out(safe, cells, refusal.reason)
            return
        import hashlib

        digest = hashlib.sha256(data).hexdigest()
        if item.get("sha256") and digest != item["sha256"]:
            entry["changed_since_recording"] = True
            self.missing.append(
                (
                    cells[0],
                    "%s changed since %s read it (the bundle carries today's copy)"
                    % (named, _numbers(cells)),
                )
            )
        self.files[named] = data
        self.total += len(data)
        entry["carried"] = True
        entry["sha256"] = entry["sha256"] or digest
        entry["size"] = len(data)


def carry(found, where, reserved, limit=DEFAULT_DATA_LIMIT, supplied=None, base=None):
    """(files, listing, findings): bundle path -> bytes, the manifest's ``inputs``,
    and ``missing-inputs`` / ``large-inputs`` findings.

    ``where`` is the notebook's ``record.project.Project`` (None: not given, and
    nothing is read); ``base`` the project folder the bundle's top stands for
    (``base_of``); ``reserved`` the bundle's own file names. ``supplied`` maps a
    path to what makes it before the notebook runs (in a workflow, the step
    that writes it): such a file is listed, neither carried (a copy would be
    stale) nor missing."""
    base = base_of(found) if base is None else base
    carrier = _Carrier(where, base, reserved, limit, supplied)
    listing = carrier.listing
    for name, path in sorted(found.modules.items()):
        cell = found.module_cells[name]
        named, _ = carrier.bundle_path(path)
        entry = {"module": name, "path": named or _shown(path), "cells": [cell]}
        entry["carried"] = False
        listing["modules"].append(entry)
        entry["carried"] = carrier.code(path, [cell], "module %s" % name)
    for path, cell in sorted(found.ran.items()):
        if path in found.modules.values():
            continue
        named, _ = carrier.bundle_path(path)
        entry = {"module": None, "path": named or _shown(path), "cells": [cell], "carried": False}
        entry["script"] = True
        listing["modules"].append(entry)
        entry["carried"] = carrier.code(path, [cell], "script")
    for path, item in sorted(found.inputs.items()):
        carrier.data(path, item)
    _outside(found, carrier)
    findings = []
    missing, large = carrier.missing, carrier.large
    if missing:
        findings.append(
            finding(
                "missing-inputs",
                sorted(set(cell for cell, _ in missing)),
                "the bundle lacks what the recording needed: %s"
                % "; ".join(text for _, text in missing[:MAX_LISTED])
                + (
                    " and %d more" % (len(missing) - MAX_LISTED)
                    if len(missing) > MAX_LISTED
                    else ""
                ),
            )
        )
    if large:
        findings.append(
            finding(
                "large-inputs",
                sorted(set(cell for cell, _ in large)),
                "input data over the %s limit is listed with its sha256 in the README and the "
                "manifest, not carried: %s; put it beside the bundle before running, or export "
                "with a larger --data-limit"
                % (
                    projects.human(limit),
                    ", ".join(text for _, text in large[:MAX_LISTED]),
                ),
            )
        )
    for key in ("outside", "left_out"):
        if not listing[key]:
            del listing[key]
    return carrier.files, listing, findings


def _outside(found, carrier):
    """What lies outside the project: named by the path the notebook used, never carried."""
    listing, missing = carrier.listing, carrier.missing
    for name, item in sorted(found.outside_modules.items()):
        cells = item["cells"]
        entry = {"module": name, "path": item["path"], "cells": cells, "carried": False}
        entry["size"] = entry["sha256"] = None
        if item["path"]:
            _hash_outside(carrier, entry)
        listing["outside"].append(entry)
        where = ("from %s" % item["path"]) if item["path"] else "from a folder it cannot name"
        missing.append(
            (
                cells[0],
                "module %s (imported by %s) lies outside the project, %s; put it there "
                "before running" % (name, _numbers(cells), where),
            )
        )
    for path, item in sorted(found.outside_files.items()):
        cells = item["cells"]
        entry = {
            "path": path,
            "cells": cells,
            "size": item.get("size"),
            "sha256": item.get("sha256"),
            "carried": False,
        }
        if item.get("ran"):
            entry["script"] = True
        if item.get("private"):
            entry["private"] = True
        else:
            _hash_outside(carrier, entry)
        listing["outside"].append(entry)
        if entry.get("changed_since_recording"):
            text = (
                "%s (%s by %s) lies outside the project and has changed since the recording "
                "read it (its sha256 differs); put the version it read there before running"
            )
        else:
            text = "%s (%s by %s) lies outside the project; put it there before running"
        missing.append(
            (cells[0], text % (path, "run" if item.get("ran") else "read", _numbers(cells)))
        )
    for cell, count in sorted(found.unnamed.items()):
        missing.append(
            (
                cell,
                "%d file%s read by cell %d outside the project, by a path nbrepro does not "
                "record (absolute, or above your home folder)"
                % (count, "" if count == 1 else "s", cell),
            )
        )


def _hash_outside(carrier, entry):
    """Fill ``entry``'s size and sha256 from the file at its path (from the notebook's
    folder), read now under ``projects.hash_outside``'s guards; a file the
    recording hashed keeps the recorded sha256 (what the notebook read), marked
    ``changed_since_recording`` when today's differs. What is not read says why
    (``not_hashed``); nothing is read without the notebook's folder."""
    if carrier.where is None:
        return
    try:
        size, digest = projects.hash_outside(
            carrier.where.notebook_folder, entry["path"], OUTSIDE_HASH_LIMIT
        )
    except projects.Refused as refusal:
        if not entry.get("sha256"):
            entry["not_hashed"] = refusal.reason
        return
    if entry.get("sha256") and entry["sha256"] != digest:
        entry["changed_since_recording"] = True
        return
    entry["size"], entry["sha256"] = size, digest
