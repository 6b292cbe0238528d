"""Builders for real test environments: conda packages in a local channel,
wheels, and a local project with an in-tree PEP 517 backend (no network)."""

import base64
import csv
import hashlib
import io
import json
import tarfile
import textwrap
import zipfile
from pathlib import Path

MTIME = 1700000000


def conda_package(channel, subdir, name, version, build, depends=(), files=None, noarch=None):
    """Write `<channel>/<subdir>/<name>-<version>-<build>.tar.bz2` with info/index.json,
    info/paths.json and info/files, as conda-build lays them out."""
    files = dict(files or {})
    folder = Path(channel) / subdir
    folder.mkdir(parents=True, exist_ok=True)
    index = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": 0,
        "depends": list(depends),
        "subdir": subdir,
        "license": "MIT",
        "timestamp": MTIME * 1000,
    }
    if noarch:
        index["noarch"] = noarch
    paths = {
        "paths": [
            {
                "_path": path,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size_in_bytes": len(data),
            }
            for path, data in files.items()
        ],
        "paths_version": 1,
    }
    target = folder / ("%s-%s-%s.tar.bz2" % (name, version, build))
    with tarfile.open(target, "w:bz2") as archive:

        def add(member, data):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mtime = MTIME
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))

        for path, data in files.items():
            add(path, data)
        add("info/index.json", json.dumps(index).encode())
        add("info/paths.json", json.dumps(paths).encode())
        add("info/files", ("\n".join(files) + "\n").encode())
    return target


def dist_info_files(prefix, name, version, installer="conda", modules=None):
    """Files of an installed distribution under `prefix` (e.g. `site-packages/`)."""
    modules = modules or {"%s/__init__.py" % name: b"VERSION = %r\n" % version.encode()}
    dist = "%s-%s.dist-info" % (name, version)
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n\nLong text.\n" % (name, version)
    files = dict(modules)
    files[dist + "/METADATA"] = meta.encode()
    files[dist + "/INSTALLER"] = (installer + "\n").encode()
    record_lines = ["%s,," % path for path in list(files) + [dist + "/RECORD"]]
    files[dist + "/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    return dict((prefix + path, data) for path, data in files.items())


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wheel(directory, name, version, modules=None, extra_files=None):
    """Write a pure-Python wheel; returns its path."""
    modules = modules or {"%s/__init__.py" % name: "VERSION = %r\n" % version}
    dist = "%s-%s.dist-info" % (name, version)
    contents = dict((path, text.encode()) for path, text in modules.items())
    contents.update(extra_files or {})
    contents[dist + "/METADATA"] = (
        "Metadata-Version: 2.1\nName: %s\nVersion: %s\n\n" % (name, version)
    ).encode()
    contents[dist + "/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: nbrepro-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    rows = [[path, _record_hash(data), str(len(data))] for path, data in contents.items()]
    rows.append([dist + "/RECORD", "", ""])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    contents[dist + "/RECORD"] = buffer.getvalue().encode()
    target = Path(directory) / ("%s-%s-py3-none-any.whl" % (name, version))
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        for path, data in contents.items():
            archive.writestr(zipfile.ZipInfo(path, (2023, 11, 14, 22, 13, 20)), data)
    return target


BACKEND = textwrap.dedent(
    '''
    """A minimal in-tree PEP 517/660 backend for tests (no build dependencies)."""
    import base64, csv, hashlib, io, os, zipfile

    NAME = {name!r}
    VERSION = {version!r}
    HERE = os.path.dirname(os.path.abspath(__file__))

    def _hash(data):
        digest = hashlib.sha256(data).digest()
        return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _write(wheel_directory, contents):
        dist = "%s-%s.dist-info" % (NAME, VERSION)
        contents[dist + "/METADATA"] = (
            "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n\\n" % (NAME, VERSION)).encode()
        contents[dist + "/WHEEL"] = (
            "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\n"
            "Tag: py3-none-any\\n").encode()
        rows = [[p, _hash(d), str(len(d))] for p, d in contents.items()]
        rows.append([dist + "/RECORD", "", ""])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\\n").writerows(rows)
        contents[dist + "/RECORD"] = buf.getvalue().encode()
        name = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
        with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
            for path, data in contents.items():
                zf.writestr(path, data)
        return name

    def get_requires_for_build_wheel(config_settings=None):
        return []

    def get_requires_for_build_editable(config_settings=None):
        return []

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        contents = {{}}
        src = os.path.join(HERE, "src")
        for root, _dirs, names in os.walk(src):
            for n in names:
                full = os.path.join(root, n)
                with open(full, "rb") as fh:
                    contents[os.path.relpath(full, src).replace(os.sep, "/")] = fh.read()
        return _write(wheel_directory, contents)

    def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
        pth = (os.path.join(HERE, "src") + "\\n").encode()
        return _write(wheel_directory, {{"__editable__.%s-%s.pth" % (NAME, VERSION): pth}})
    '''
)


def project(directory, name, version):
    """A source tree pip can build without network: pyproject.toml + in-tree backend."""
    directory = Path(directory)
    (directory / "src" / name).mkdir(parents=True, exist_ok=True)
    (directory / "src" / name / "__init__.py").write_text("VERSION = %r\n" % version)
    (directory / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "test_backend"\nbackend-path = ["."]\n'
    )
    (directory / "test_backend.py").write_text(BACKEND.format(name=name, version=version))
    return directory
