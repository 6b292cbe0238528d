"""An exported bundle as ``verify`` reads it: a folder or a .zip with a manifest.json.

The manifest is read at the door (``record/manifest.py``) and taken as given
here: its notebook and each listed file's path stay inside the bundle. A zip is
untrusted too: it is extracted member by member, refusing absolute paths,
``..``, links and archives that unpack to more than ``MAX_UNPACKED`` bytes.
"""

import stat
import zipfile
from pathlib import Path, PurePosixPath

from .. import errors
from ..record.manifest import MANIFEST, read_manifest, safe_relative, special

MAX_UNPACKED = 4 * 1024**3
MAX_MEMBERS = 100000
BUNDLE_PYTHON = ".env/bin/python"  # what the bundle's run.sh builds


class Bundle(object):
    """A bundle's folder and its manifest (``record.manifest.Manifest``)."""

    def __init__(self, folder, manifest):
        self.folder = Path(folder)
        self.manifest = manifest
        self.notebook = self.folder / manifest.notebook
        # The notebook's folder in the bundle, which keeps its project's layout.
        self.notebook_dir = str(PurePosixPath(manifest.notebook).parent)
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
    bundle = Bundle(folder, read_manifest(folder))
    bundle.warnings.extend(bundle.manifest.problems)
    bundle.warnings.extend(check_files(folder, bundle.manifest.files, bundle.manifest.sizes))
    return bundle


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


def check_files(folder, files, sizes=None):
    """Warnings for listed files that are missing or whose sha256 differs; ``files``
    are a manifest's checkable entries (``Manifest.files``), ``sizes`` the sizes it
    gives them (``Manifest.sizes``): no file is read past its size, and a link, a
    FIFO or a device in its place is never opened."""
    warnings = []
    sizes = sizes or {}
    for name, relative, expected in files:
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
        try:
            digest = file_sha256(path, sizes.get(name))
        except OSError:
            digest = None  # larger than the manifest says, or swapped while read
        if digest != expected:
            warnings.append(
                "%s does not match the sha256 in manifest.json: the bundle was altered after export"
                % name
            )
    return warnings


def file_sha256(path, limit=None):
    """The sha256 of a regular file, never read past ``limit`` bytes (OSError then)."""
    from ..record.inputs import sha256_file

    return sha256_file(path, limit)
