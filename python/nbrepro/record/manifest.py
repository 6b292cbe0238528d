"""The door for a bundle's manifest.json, as ``nbrepro verify`` reads it.

The manifest (written by ``nbrepro export``)::

    {"nbrepro_bundle": 1, "notebook": "<stem>.ipynb", "script": "<stem>.py",
     "files": {"<relative path>": {"sha256": "<hex>", "size": <int>}, ...}, ...}

It is read as any untrusted file (size, depth, lone surrogates: ``document``)
into a ``Manifest``: the notebook's path inside the bundle, and each listed file
whose path stays inside the bundle with the sha256 it should have. A listed file
that cannot be checked (a path that leaves the bundle, no sha256) is left out
and a problem says so; what verifies the files (``verify/bundle.py``) takes the
model as given. A manifest that is not one raises ``errors.BundleError``.
"""

import os
import stat
from pathlib import Path, PurePosixPath

from .. import errors
from . import document

MANIFEST = "manifest.json"
BUNDLE_VERSION = 1  # what export writes and verify reads
MAX_MANIFEST = 16 * 1024**2


class Manifest(object):
    """A manifest read at the door.

    ``notebook`` is the notebook's relative POSIX path (a str); ``files`` the
    ``(name, relative PurePosixPath, sha256 in lower case)`` of every listed
    file that can be checked, sorted by name; ``problems`` what was replaced or
    left out and why; ``raw`` the manifest as read.
    """

    def __init__(self, notebook, files, problems, raw):
        self.notebook = notebook
        self.files = files
        self.problems = problems
        self.raw = raw
        # The size each listed file should have: no file is read past it.
        listed = raw.get("files") if isinstance(raw, dict) else None
        self.sizes = {
            name: entry["size"]
            for name, entry in (listed.items() if isinstance(listed, dict) else ())
            if isinstance(entry, dict)
            and isinstance(entry.get("size"), int)
            and not isinstance(entry.get("size"), bool)
            and entry["size"] >= 0
        }


def special(path):
    """None for a regular file; else what it is instead ("missing", "a link", "a
    FIFO", ...). An export writes regular files only, and reading a FIFO or a link
    to /dev/zero would never end: such a file in a bundle is never opened."""
    try:
        mode = os.lstat(str(path)).st_mode
    except OSError:
        return "missing"
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def safe_relative(name):
    """``name`` as a relative POSIX path inside the bundle, or None when it would leave it."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        return None
    return pure


def read_manifest(folder):
    """The ``Manifest`` of the bundle in ``folder``; errors.BundleError when it has
    none, or one that is not an nbrepro manifest."""
    path = Path(folder) / MANIFEST
    if not path.exists() and not path.is_symlink():
        raise errors.BundleError("%s has no %s: not an nbrepro bundle" % (folder, MANIFEST))
    odd = special(path)
    if odd:
        raise errors.BundleError("%s is %s, which no export writes; not read" % (path, odd))
    problems = []
    try:
        data = document.read_bytes(path, MAX_MANIFEST)
        raw = document.parse_json(
            document.decode(data, str(path)), str(path), problems, kind="bundle manifest"
        )
    except errors.Unreadable as error:
        raise errors.BundleError(str(error)) from None
    if not isinstance(raw, dict) or raw.get("nbrepro_bundle") != BUNDLE_VERSION:
        raise errors.BundleError(
            '%s is not an nbrepro bundle manifest (no "nbrepro_bundle": %d)'
            % (path, BUNDLE_VERSION)
        )
    notebook = safe_relative(raw.get("notebook"))
    if notebook is None:
        raise errors.BundleError('%s: "notebook" must be a relative path inside the bundle' % path)
    odd = special(Path(folder).joinpath(*notebook.parts))
    if odd == "missing":
        raise errors.BundleError(
            "%s names the notebook %s, which the bundle does not hold" % (path, notebook)
        )
    if odd:
        raise errors.BundleError(
            "the bundle's notebook %s is %s, which no export writes; not read" % (notebook, odd)
        )
    files = read_files(raw.get("files"), problems)
    return Manifest(str(notebook), files, problems, raw)


def read_files(files, problems):
    """The checkable entries of a manifest's ``files``; problems appended for the rest."""
    if files is None:
        problems.append("manifest.json lists no files; nothing was checked for changes")
        return []
    if not isinstance(files, dict):
        problems.append(
            'manifest.json\'s "files" is not an object; nothing was checked for changes'
        )
        return []
    out = []
    for name in sorted(files):
        entry = files[name]
        relative = safe_relative(name)
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if relative is None:
            problems.append("manifest.json lists %r, a path outside the bundle; skipped" % name)
        elif not isinstance(expected, str):
            problems.append("manifest.json gives no sha256 for %s; not checked" % name)
        else:
            out.append((name, relative, expected.lower()))
    return out
