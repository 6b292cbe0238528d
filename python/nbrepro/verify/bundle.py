"""An exported bundle as ``verify`` reads it: a folder or a .zip with a manifest.json.

The manifest (written by ``nbrepro export``)::

    {"nbrepro_bundle": 1, "notebook": "<stem>.ipynb", "script": "<stem>.py",
     "files": {"<relative path>": {"sha256": "<hex>", "size": <int>}, ...}, ...}

Everything here is untrusted input: the manifest's paths must stay inside the
bundle, and a zip is extracted member by member, refusing absolute paths,
``..``, links and archives that unpack to more than ``MAX_UNPACKED`` bytes.
"""

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from .. import errors

MANIFEST = "manifest.json"
BUNDLE_VERSION = 1
MAX_UNPACKED = 4 * 1024**3
MAX_MEMBERS = 100000
MAX_MANIFEST = 16 * 1024**2
BUNDLE_PYTHON = ".env/bin/python"  # what the bundle's run.sh builds


class Bundle(object):
    def __init__(self, folder, manifest):
        self.folder = Path(folder)
        self.manifest = manifest
        self.notebook = self.folder / manifest["notebook"]
        # The notebook's folder in the bundle, which keeps its project's layout.
        self.notebook_dir = str(PurePosixPath(manifest["notebook"]).parent)
        self.warnings = []

    def python(self):
        """The interpreter run.sh built inside the bundle, or None."""
        path = self.folder / BUNDLE_PYTHON
        return str(path) if path.is_file() else None


def is_bundle(path):
    path = Path(path)
    if path.is_dir():
        return True
    return path.suffix.lower() == ".zip" or (path.is_file() and zipfile.is_zipfile(str(path)))


def open_bundle(path, scratch):
    """A checked Bundle from a folder, or from a zip extracted under ``scratch``."""
    path = Path(path)
    if path.is_dir():
        folder = path
    else:
        folder = Path(scratch) / "bundle"
        extract(path, folder)
        # `nbrepro export -o X.zip` puts everything in one top folder, as
        # archives usually do, so that unzipping does not scatter files.
        entries = list(folder.iterdir())
        if not (folder / MANIFEST).exists() and len(entries) == 1 and entries[0].is_dir():
            folder = entries[0]
    problems = []
    bundle = Bundle(folder, read_manifest(folder, problems))
    bundle.warnings.extend(problems)
    bundle.warnings.extend(check_files(folder, bundle.manifest.get("files")))
    return bundle


def safe_relative(name):
    """``name`` as a relative POSIX path inside the bundle, or None when it would leave it."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        return None
    return pure


def extract(archive, target):
    """Extract ``archive`` into ``target``, refusing anything that would land outside it."""
    try:
        with zipfile.ZipFile(str(archive)) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_MEMBERS:
                raise errors.BundleError(
                    "%s holds %d members, more than a bundle can" % (archive, len(members))
                )
            total = 0
            for member in members:
                if safe_relative(member.filename.rstrip("/") or "/") is None:
                    raise errors.BundleError(
                        "%s: member %r would be written outside the bundle; refusing the archive"
                        % (archive, member.filename)
                    )
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise errors.BundleError(
                        "%s: member %r is a link; refusing the archive" % (archive, member.filename)
                    )
                total += member.file_size
            if total > MAX_UNPACKED:
                raise errors.BundleError(
                    "%s unpacks to %d bytes, more than %d" % (archive, total, MAX_UNPACKED)
                )
            target.mkdir(parents=True, exist_ok=True)
            for member in members:
                destination = target.joinpath(*PurePosixPath(member.filename).parts)
                if member.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, open(str(destination), "wb") as sink:
                    while True:
                        chunk = source.read(1 << 20)
                        if not chunk:
                            break
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError) as error:
        raise errors.BundleError("cannot extract %s: %s" % (archive, error)) from error


def read_manifest(folder, problems=None):
    """The manifest, read at the door as any untrusted file (size, depth, lone
    surrogates: ``document``; what was replaced is added to ``problems``);
    errors.BundleError when it is not an nbrepro manifest."""
    from ..record import document

    path = Path(folder) / MANIFEST
    if not path.exists() and not path.is_symlink():
        raise errors.BundleError("%s has no %s: not an nbrepro bundle" % (folder, MANIFEST))
    odd = special(path)
    if odd:
        raise errors.BundleError("%s is %s, which no export writes; not read" % (path, odd))
    try:
        data = document.read_bytes(path, MAX_MANIFEST)
        manifest = document.parse_json(
            document.decode(data, str(path)), str(path), problems, kind="bundle manifest"
        )
    except errors.Unreadable as error:
        raise errors.BundleError(str(error)) from None
    if not isinstance(manifest, dict) or manifest.get("nbrepro_bundle") != BUNDLE_VERSION:
        raise errors.BundleError(
            '%s is not an nbrepro bundle manifest (no "nbrepro_bundle": %d)'
            % (path, BUNDLE_VERSION)
        )
    notebook = safe_relative(manifest.get("notebook"))
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
    return dict(manifest, notebook=str(notebook))


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


def check_files(folder, files):
    """Warnings for listed files that are missing or whose sha256 differs."""
    if files is None:
        return ["manifest.json lists no files; nothing was checked for changes"]
    if not isinstance(files, dict):
        return ['manifest.json\'s "files" is not an object; nothing was checked for changes']
    warnings = []
    for name in sorted(files):
        entry = files[name]
        relative = safe_relative(name)
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if relative is None:
            warnings.append("manifest.json lists %r, a path outside the bundle; skipped" % name)
            continue
        if not isinstance(expected, str):
            warnings.append("manifest.json gives no sha256 for %s; not checked" % name)
            continue
        path = Path(folder).joinpath(*relative.parts)
        odd = special(path)
        if odd == "missing":
            warnings.append("%s is listed in manifest.json but missing from the bundle" % name)
            continue
        if odd:
            warnings.append(
                "%s is %s in the bundle, which no export writes: not read, and the bundle was "
                "altered after export" % (name, odd)
            )
            continue
        size = entry.get("size")
        try:
            digest = file_sha256(path, size if isinstance(size, int) and size >= 0 else None)
        except OSError:
            digest = None  # larger than the manifest says, or swapped while read
        if digest != expected.lower():
            warnings.append(
                "%s does not match the sha256 in manifest.json: the bundle was altered after export"
                % name
            )
    return warnings


def file_sha256(path, limit=None):
    """The sha256 of a regular file, never read past ``limit`` bytes (OSError then)."""
    from ..record.inputs import sha256_file

    return sha256_file(path, limit)
