"""What the notebook needs besides packages, carried into the bundle.

The recording says, per cell (``runs[id].inputs``, written by
``capture/inputs.py``): the files the cell opened under the notebook's folder,
the local modules imported from that folder, the generators it drew from.
From that, ``needs(nb, meta)`` lists

- the local modules (always carried: the notebook cannot start without them);
- the input files: opened for reading before the notebook wrote them (a file
  the notebook writes first is its own output, rebuilt by the run). They are
  carried up to a size limit; the rest are listed with their sha256 and the
  place they were read from.

``carry(needs, folder, limit)`` reads them from the notebook's folder and
returns the bundle's extra files, the manifest's ``inputs`` and the gate's
findings. Paths come from the notebook, so they are untrusted: a path that is
absolute, climbs with ``..`` or names one of the bundle's own files is never
read or written.
"""

import hashlib
import os
from pathlib import Path, PurePosixPath

from ..record.inputs import safe_path, sha256_file
from ..record.order import finding, listed_cells

DEFAULT_DATA_LIMIT = 50 * 1024 * 1024  # bytes of input data carried, in all
MAX_MODULE_FILES = 500
MAX_LISTED = 8


def _inside(folder, path):
    try:
        return Path(os.path.realpath(str(path))).is_relative_to(Path(os.path.realpath(folder)))
    except AttributeError:  # Python 3.8
        real, root = os.path.realpath(str(path)), os.path.realpath(str(folder))
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _numbers(cells):
    return listed_cells(sorted(cells))


def carry(found, folder, reserved, limit=DEFAULT_DATA_LIMIT, supplied=None):
    """(files, listing, findings): bundle path -> bytes, the manifest's ``inputs``,
    and ``missing-inputs`` / ``large-inputs`` findings.

    ``supplied`` maps a path to what makes it before the notebook runs (in a
    workflow, the step that writes it): such a file is listed, neither carried
    (a copy would be stale) nor missing."""
    files, missing, large = {}, [], []
    supplied = supplied or {}
    listing = {"modules": [], "data": []}
    folder = Path(folder) if folder else None
    for name, path in sorted(found.modules.items()):
        cell = found.module_cells[name]
        safe = safe_path(path, reserved)
        entry = {"module": name, "path": path, "cells": [cell], "carried": False}
        listing["modules"].append(entry)
        if safe is None or folder is None:
            missing.append((cell, "module %s (%s): not a path inside the bundle" % (name, path)))
            continue
        source = folder / safe
        if not _inside(folder, source) or not source.exists():
            missing.append((cell, "module %s: %s is not beside the notebook" % (name, safe)))
            continue
        taken = _module_files(source, safe)
        if taken is None:
            missing.append((cell, "module %s: %s has too many files to carry" % (name, safe)))
            continue
        for relative, data in taken:
            if safe_path(relative, reserved) is not None:
                files[relative] = data
        entry["carried"] = True
    total = 0
    for path, item in sorted(found.inputs.items()):
        cells = item["cells"]
        entry = {
            "path": path,
            "read_from": "the notebook's folder",
            "cells": cells,
            "sha256": item.get("sha256"),
            "size": item.get("size"),
            "carried": False,
        }
        listing["data"].append(entry)
        safe = safe_path(path, reserved)
        if safe is not None and safe in supplied:
            entry["read_from"] = "written by %s" % supplied[safe]
            entry["supplied_by"] = supplied[safe]
            continue
        source = folder / safe if (safe and folder is not None) else None
        if source is None or not _inside(folder, source) or not source.is_file():
            missing.append((cells[0], "%s (read by %s) is gone" % (path, _numbers(cells))))
            continue
        size = source.stat().st_size
        digest = sha256_file(source) if size <= limit else None
        if item.get("sha256") and digest and digest != item["sha256"]:
            entry["changed_since_recording"] = True
            missing.append(
                (
                    cells[0],
                    "%s changed since %s read it (the bundle carries today's copy)"
                    % (path, _numbers(cells)),
                )
            )
        if size > limit - total:
            large.append((cells[0], "%s (%s)" % (path, _human(size))))
            continue
        files[safe] = source.read_bytes()
        total += size
        entry["carried"] = True
        entry["sha256"] = entry["sha256"] or digest
        entry["size"] = size
    for path, cell in sorted(found.named.items()):
        safe = safe_path(path, reserved)
        if safe is None or folder is None or safe in files or path in found.outputs:
            continue
        if safe in supplied:
            continue
        source = folder / safe
        if not source.is_file() or not _inside(folder, source):
            continue
        size = source.stat().st_size
        if size > limit - total:
            continue  # named, not known to be read: not worth a finding
        data = source.read_bytes()
        files[safe] = data
        total += size
        listing["data"].append(
            {
                "path": path,
                "read_from": "the notebook's folder (named in the cell's source)",
                "cells": [cell],
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": size,
                "carried": True,
            }
        )
    for cell, count in sorted(found.outside.items()):
        missing.append(
            (
                cell,
                "%d file%s outside the notebook's folder (read or written by cell %d)"
                % (count, "" if count == 1 else "s", cell),
            )
        )
    findings = []
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
                % (_human(limit), ", ".join(text for _, text in large[:MAX_LISTED])),
            )
        )
    return files, listing, findings


def _module_files(source, relative):
    """[(bundle path, bytes)] of a module file or a package folder's Python files."""
    if source.is_file():
        return [(relative, source.read_bytes())]
    out = []
    for root, dirs, names in os.walk(str(source)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = Path(root) / name
            out.append((str(PurePosixPath(relative) / path.relative_to(source).as_posix()), path))
            if len(out) > MAX_MODULE_FILES:
                return None
    return [(name, path.read_bytes()) for name, path in out]


def _human(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (size, unit)
        size /= 1024.0
    return "%d B" % size
