"""The conda fixture prefixes of test/fixtures/conda-golden/, kept as one tarball.

A prefix's metadata holds ``site-packages/*.egg/EGG-INFO/PKG-INFO`` and
``*.egg-info`` files (conda's own tests/data/env_metadata), which look like build
output to anyone reading the tree; as one archive they stay test data. The
archive is unpacked once per version of it into the system's temporary folder.
``pack`` writes it reproducibly (sorted members, no times or owners), for
scripts/make_conda_goldens.py.
"""

import gzip
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "conda-golden"
ARCHIVE = GOLDEN / "prefixes.tar.gz"


def names():
    """The prefixes' names, read from the archive without unpacking it."""
    with tarfile.open(ARCHIVE) as tar:
        return sorted({m.name.split("/")[0] for m in tar.getmembers()})


def root():
    """The folder holding the unpacked prefixes (unpacked on first use)."""
    digest = hashlib.sha256(ARCHIVE.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / ("nbrepro-conda-golden-" + digest)
    if target.is_dir():
        return target
    scratch = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    with tarfile.open(ARCHIVE) as tar:
        tar.extractall(scratch, filter="data")
    try:
        os.rename(scratch, target)
    except OSError:  # another process unpacked it first
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def pack(folder, archive=ARCHIVE):
    """Write ``folder``'s prefixes to ``archive``, byte for byte the same each time."""
    folder = Path(folder)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.rglob("*")):
            info = tar.gettarinfo(str(path), path.relative_to(folder).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if path.is_dir() else 0o644
            if path.is_file():
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    with open(archive, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
            gz.write(buffer.getvalue())


# ---------------------------------------------------------------- layouts
#
# An environment and the conda installed beside it, laid out the ways a user's
# machine has them. The committed layouts.tar.gz holds the roots (each a conda
# installation: conda-meta with python and conda, bin/conda, condabin/conda) and
# what the installed conda printed; layouts.json says how each layout is made
# from a fixture prefix and a root. scripts/make_conda_goldens.py and the tests
# lay them out with `lay_out`, the same way.

LAYOUTS_ARCHIVE = GOLDEN / "layouts.tar.gz"
LAYOUTS_MANIFEST = GOLDEN / "layouts.json"


def layouts():
    """The manifest: {layout id: {"env", "where", "installed", "other"?}}."""
    import json

    return json.loads(LAYOUTS_MANIFEST.read_text())


def layouts_root():
    """The unpacked layouts archive (roots/<release>/, out/<layout>/<variant>)."""
    digest = hashlib.sha256(LAYOUTS_ARCHIVE.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / ("nbrepro-conda-layouts-" + digest)
    if target.is_dir():
        return target
    scratch = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    with tarfile.open(LAYOUTS_ARCHIVE) as tar:
        tar.extractall(scratch, filter="data")
    try:
        os.rename(scratch, target)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def lay_out(spec, prefixes, roots, where):
    """Lay out one layout under ``where``; returns (prefix, environment
    variables, root of the conda that should decide).

    ``where`` values: ``envs`` (the prefix is <root>/envs/<env>), ``root``
    (the prefix is the root: the root's conda records, bin/conda and
    condabin/conda added to it), ``elsewhere`` (a folder of its own, with
    CONDA_EXE naming the root's conda), ``exe-over`` (under another root's
    envs/, with CONDA_EXE naming the installed root's conda), ``listed``
    (a folder of its own, listed in ~/.conda/environments.txt after the
    root and one of its environments)."""
    where = Path(where)
    env, kind, installed = spec["env"], spec["where"], spec["installed"]
    root = where / "roots" / installed
    shutil.copytree(Path(roots) / installed, root, symlinks=True)
    environ = {}
    if kind == "envs":
        prefix = root / "envs" / env
    elif kind == "root":
        prefix = root
    elif kind == "exe-over":
        other = where / "roots" / spec["other"]
        shutil.copytree(Path(roots) / spec["other"], other, symlinks=True)
        prefix = other / "envs" / env
        environ["CONDA_EXE"] = str(root / "bin" / "conda")
    else:
        prefix = where / "elsewhere" / env
    if kind == "root":
        # The environment becomes the installation: it gains the root's conda
        # record and executables (its own python and history stay).
        shutil.rmtree(root)
        shutil.copytree(Path(prefixes) / env, prefix, symlinks=True)
        for item in sorted((Path(roots) / installed / "conda-meta").glob("conda-*.json")):
            shutil.copy2(item, prefix / "conda-meta" / item.name)
        for executable in ("bin/conda", "condabin/conda"):
            (prefix / executable).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(roots) / installed / executable, prefix / executable)
    else:
        prefix.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(Path(prefixes) / env, prefix, symlinks=True)
    if kind == "elsewhere":
        environ["CONDA_EXE"] = str(root / "bin" / "conda")
    if kind == "listed":
        home = where / "home"
        (home / ".conda").mkdir(parents=True, exist_ok=True)
        sibling = root / "envs" / "sibling"
        (sibling / "conda-meta").mkdir(parents=True)
        (sibling / "conda-meta" / "history").write_text("")
        (home / ".conda" / "environments.txt").write_text("%s\n%s\n%s\n" % (root, sibling, prefix))
        environ["HOME"] = str(home)
    return prefix, environ, root
