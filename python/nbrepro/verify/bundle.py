"""An exported bundle as ``verify`` reads it: a folder or a .zip with a manifest.json.

The manifest (written by ``nbrepro export``)::

    {"nbrepro_bundle": 1, "notebook": "<stem>.ipynb", "script": "<stem>.py",
     "files": {"<relative path>": {"sha256": "<hex>", "size": <int>}, ...}, ...}

Everything here is untrusted input: the manifest's paths must stay inside the
bundle, and a zip is extracted member by member, refusing absolute paths,
``..``, links and archives that unpack to more than ``MAX_UNPACKED`` bytes.
"""

import hashlib
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
ENV_FOLDER = ".env"  # what the bundle's run.sh builds
BUNDLE_PYTHON = ENV_FOLDER + "/bin/python"
STAMP = ENV_FOLDER + "/.nbrepro-stamp"  # run.sh's: what it built from, and where
MAX_STAMP = 64 * 1024
# Files that are code wherever they lie in a bundle: the kernel runs in the
# bundle's folder, so a module there is imported before an installed one.
IMPORTABLE = (".py", ".pth")


class Bundle(object):
    def __init__(self, folder, manifest, extracted=False):
        self.folder = Path(folder)
        self.manifest = manifest
        self.notebook = self.folder / manifest["notebook"]
        self.extracted = extracted  # unpacked from a zip into a scratch folder
        self.warnings = []
        self.modified = []  # how the files differ from the manifest

    def python(self):
        """The interpreter run.sh built inside the bundle, or None: an ``.env`` that
        came with the bundle (unpacked, copied, cloned) is never run."""
        path = self.folder / BUNDLE_PYTHON
        if self.extracted or not path.is_file():
            return None
        return str(path) if built_here(self.folder / ENV_FOLDER) else None

    def shipped_python(self):
        """Why the bundle's own ``.env/bin/python`` is not used, or None when
        there is none or run.sh built it here."""
        if self.extracted:
            return None  # its .env/ is not even unpacked
        path = self.folder / BUNDLE_PYTHON
        if not (path.is_file() or path.is_symlink()) or self.python():
            return None
        return (
            "the bundle holds %s, which run.sh did not build here (its stamp does not name "
            "this folder): it is not run; run ./run.sh to build the environment, or give "
            "--python" % BUNDLE_PYTHON
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
    problems = []
    bundle = Bundle(folder, read_manifest(folder, problems), extracted)
    bundle.warnings.extend(problems)
    warnings, modified = check_files(folder, bundle.manifest.get("files"), bundle.manifest)
    bundle.warnings.extend(warnings)
    bundle.modified = modified
    if modified and not allow_modified:
        shown = modified[:5] + (["and %d more" % (len(modified) - 5)] if len(modified) > 5 else [])
        raise errors.BundleModified(
            "%s was changed after export, so it is not run: %s. A manifest catches a change, "
            "not a bundle made to deceive: read what it runs, then pass --allow-modified to "
            "run it anyway" % (path, "; ".join(shown))
        )
    bundle.warnings.extend(modified)
    shipped = bundle.shipped_python()
    if shipped:
        bundle.warnings.append(shipped)
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
            members = [m for m in members if ENV_FOLDER not in PurePosixPath(m.filename).parts]
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
    if not path.exists():
        raise errors.BundleError("%s has no %s: not an nbrepro bundle" % (folder, MANIFEST))
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
    if not (Path(folder) / notebook).is_file():
        raise errors.BundleError(
            "%s names the notebook %s, which the bundle does not hold" % (path, notebook)
        )
    return dict(manifest, notebook=str(notebook))


def check_files(folder, files, manifest=None):
    """``(warnings, modified)``: what could not be checked, and how the bundle's
    files differ from the manifest: a listed file missing or with another sha256,
    the notebook not listed, a Python file (``IMPORTABLE``) the
    manifest does not list (outside ``.env/``, which run.sh builds)."""
    if not isinstance(files, dict):
        what = "lists no files" if files is None else 'has a "files" that is not an object'
        return [], ["manifest.json %s, so no file can be checked" % what]
    warnings, modified = [], []
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
        try:
            digest = file_sha256(path)
        except OSError:
            modified.append("%s is listed in manifest.json but missing from the bundle" % name)
            continue
        if digest != expected.lower():
            modified.append(
                "%s does not match the sha256 in manifest.json: the bundle was altered after export"
                % name
            )
    notebook = (manifest or {}).get("notebook")  # what verify runs
    entry = files.get(notebook) if isinstance(notebook, str) else None
    if isinstance(notebook, str) and not isinstance((entry or {}).get("sha256"), str):
        modified.append("manifest.json gives no sha256 for the notebook %s" % notebook)
    listed = {str(safe_relative(name)) for name in files if safe_relative(name) is not None}
    for name in _importable_files(folder):
        if name not in listed:
            modified.append(
                "%s is not in manifest.json: a module the notebook could import instead of "
                "the one it names" % name
            )
    return warnings, modified


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


def file_sha256(path):
    digest = hashlib.sha256()
    with open(str(path), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
