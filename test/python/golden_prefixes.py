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
