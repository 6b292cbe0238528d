"""An exported bundle as ``verify`` reads it: a folder or a .zip with a manifest.json.

The manifest is read at the door (``record/manifest.py``) and taken as given
here: its notebook and each listed file's path stay inside the bundle. A zip is
untrusted too: it is extracted member by member, refusing absolute paths,
``..``, links and archives that unpack to more than ``MAX_UNPACKED`` bytes.
"""

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from .. import errors
from ..record.manifest import MANIFEST, read_manifest, safe_relative, special

MAX_UNPACKED = 4 * 1024**3
MAX_MEMBERS = 100000
ENV_FOLDER = ".env"  # what the bundle's run.sh builds
BUNDLE_PYTHON = ENV_FOLDER + "/bin/python"
STAMP = ENV_FOLDER + "/.nbrepro-stamp"  # run.sh's: what it built from, and where
MAX_STAMP = 64 * 1024
# Files that are code wherever they lie in a bundle: the kernel runs in the
# bundle's folder, so a module there is imported before an installed one.
IMPORTABLE = (".py", ".pth")


class Bundle(object):
    """A bundle's folder and its manifest (``record.manifest.Manifest``)."""

    def __init__(self, folder, manifest, extracted=False):
        self.folder = Path(folder)
        self.manifest = manifest
        self.notebook = self.folder / manifest.notebook
        self.extracted = extracted  # unpacked from a zip into a scratch folder
        # The notebook's folder in the bundle, which keeps its project's layout.
        self.notebook_dir = str(PurePosixPath(manifest.notebook).parent)
        self.warnings = []
        self.modified = []  # how the files differ from the manifest

    def python(self):
        """The interpreter run.sh built inside the bundle, or None: an ``.env`` that
        came with the bundle (unpacked, copied, cloned) is never run."""
        path = self.folder / BUNDLE_PYTHON
        if self.extracted or not path.is_file():
            return None
        env = self.folder / ENV_FOLDER
        if built_here(env) or cached_here(env):
            return str(path)
        return None

    def shipped_python(self):
        """Why the bundle's own ``.env/bin/python`` is not used, or None when
        there is none or run.sh built it here."""
        if self.extracted:
            return None  # its .env/ is not even unpacked
        path = self.folder / BUNDLE_PYTHON
        if not (path.is_file() or path.is_symlink()) or self.python():
            return None
        return (
            "the bundle holds %s, which run.sh did not build here (no stamp of run.sh names "
            "this folder, and it leads to no environment in nbrepro's cache): it is not run; "
            "run ./run.sh to build the environment, or give --python" % BUNDLE_PYTHON
        )


def built_here(env):
    """Whether run.sh built the environment folder ``env`` where it is now: its
    stamp's last line is ``built <inode> <real path>`` of the folder, written by
    run.sh after building. A copy, a clone or an unpacked archive is another
    inode, which the bundle's author cannot know in advance."""
    env = Path(env)
    try:
        if env.is_symlink() or not env.is_dir():
            return False
        with open(str(env / Path(STAMP).name), "rb") as handle:
            text = handle.read(MAX_STAMP).decode("utf-8", "replace")
        inode = os.stat(str(env)).st_ino
    except OSError:
        return False
    lines = text.rstrip("\n").split("\n")
    return bool(lines) and lines[-1] == stamp_line(inode, os.path.realpath(str(env)))


def cached_here(env, root=None):
    """Whether ``env`` is the link run.sh leaves to an environment it built in
    nbrepro's environment cache (``envcache``): it leads to ``<root>/envs/<key>/env``
    of a complete entry nothing was installed into since. A link that came with
    the bundle and leads anywhere else is not run."""
    from . import envcache

    env = Path(env)
    if not env.is_symlink():
        return False
    root = envcache.cache_root() if root is None else Path(root)
    try:
        target = Path(os.path.realpath(str(env)))
        envs = Path(os.path.realpath(str(root / "envs")))
    except OSError:
        return False
    if target.name != "env" or target.parent.parent != envs:
        return False
    return envcache.Entry(root, target.parent.name).usable() is not None


def stamp_line(inode, real_path):
    """The last line of run.sh's stamp (``built_line`` in run.sh writes it)."""
    return "built %d %s" % (inode, real_path)


def is_bundle(path):
    path = Path(path)
    if path.is_dir():
        return True
    return path.suffix.lower() == ".zip" or (path.is_file() and zipfile.is_zipfile(str(path)))


def open_bundle(path, scratch, allow_modified=False):
    """A checked Bundle from a folder, or from a zip extracted under ``scratch``
    (without its ``.env/``, which is never run). Files that differ from the
    manifest raise errors.BundleModified, before anything runs, unless
    ``allow_modified``: then they are warnings."""
    path = Path(path)
    extracted = not path.is_dir()
    if not extracted:
        folder = path
    else:
        folder = Path(scratch) / "bundle"
        extract(path, folder)
        # `nbrepro export -o X.zip` puts everything in one top folder, as
        # archives usually do, so that unzipping does not scatter files.
        entries = list(folder.iterdir())
        if not (folder / MANIFEST).exists() and len(entries) == 1 and entries[0].is_dir():
            folder = entries[0]
    bundle = Bundle(folder, read_manifest(folder), extracted)
    bundle.warnings.extend(bundle.manifest.problems)
    modified = check_files(folder, bundle.manifest)
    if modified and not allow_modified:
        shown = modified[:5] + (["and %d more" % (len(modified) - 5)] if len(modified) > 5 else [])
        raise errors.BundleModified(
            "%s was changed after export, so it is not run: %s. A manifest catches a change, "
            "not a bundle made to deceive: read what it runs, then pass --allow-modified to "
            "run it anyway" % (path, "; ".join(shown))
        )
    bundle.modified = modified
    bundle.warnings.extend(modified)
    shipped = bundle.shipped_python()
    if shipped:
        bundle.warnings.append(shipped)
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
            members = [m for m in members if ENV_FOLDER not in PurePosixPath(m.filename).parts]
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


def check_files(folder, manifest):
    """How the bundle's files differ from ``manifest`` (``record.manifest.Manifest``):
    a listed file missing, not a regular file or with another sha256 (no file is
    read past the size the manifest gives it, and a link, a FIFO or a device in
    its place is never opened), a manifest whose files cannot be checked, the
    notebook not listed, a Python file (``IMPORTABLE``) it does not list, outside
    ``.env/`` (which run.sh builds). Each a sentence."""
    modified = []
    files = manifest.raw.get("files")
    if not isinstance(files, dict):
        what = "lists no files" if files is None else 'has a "files" that is not an object'
        return ["manifest.json %s, so no file can be checked" % what]
    sizes = manifest.sizes or {}
    for name, relative, expected in manifest.files:
        path = Path(folder).joinpath(*relative.parts)
        odd = special(path)
        if odd == "missing":
            modified.append("%s is listed in manifest.json but missing from the bundle" % name)
            continue
        if odd:
            modified.append(
                "%s is %s in the bundle, which no export writes: not read, and the bundle was "
                "altered after export" % (name, odd)
            )
            continue
        try:
            digest = file_sha256(path, sizes.get(name))
        except OSError:
            digest = None  # larger than the manifest says, or swapped while read
        if digest != expected:
            modified.append(
                "%s does not match the sha256 in manifest.json: the bundle was altered after export"
                % name
            )
    listed = {str(relative) for _name, relative, _expected in manifest.files}
    if manifest.notebook not in listed:  # what verify runs
        modified.append("manifest.json gives no sha256 for the notebook %s" % manifest.notebook)
    for name in _importable_files(folder):
        if name not in listed:
            modified.append(
                "%s is not in manifest.json: a module the notebook could import instead of "
                "the one it names" % name
            )
    return modified


def _importable_files(folder, limit=MAX_MEMBERS):
    """Relative paths of the Python files in the bundle, outside ``.env/``, another
    environment run.sh built here (``--env``) and ``__pycache__`` (verify's
    kernel never reads compiled files from the bundle)."""
    found = []
    for root, folders, names in os.walk(str(folder)):
        folders[:] = sorted(
            f
            for f in folders
            if f not in (ENV_FOLDER, "__pycache__") and not built_here(os.path.join(root, f))
        )
        for name in sorted(names):
            if name.endswith(IMPORTABLE):
                relative = os.path.relpath(os.path.join(root, name), str(folder))
                found.append(relative.replace(os.sep, "/"))
                if len(found) >= limit:
                    return found
    return found


def file_sha256(path, limit=None):
    """The sha256 of a regular file, never read past ``limit`` bytes (OSError then)."""
    from ..record.inputs import sha256_file

    return sha256_file(path, limit)
