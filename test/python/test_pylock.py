"""pylock.toml (PEP 751) of a recorded environment's pip side, installed by real uv.

A local PEP 503 index (a file:// folder, as pip and uv read one) holds two
wheels; real uv installs them into a venv; `nbrepro snapshot --prefix venv
--format pylock --index-url file://…` locks what it recorded; real uv installs
that pylock.toml into a fresh venv, which must then hold the same
distributions; and real `pip lock` (pip >= 25.1), asked for the same pins from
the same index, names the same files with the same hashes.
"""

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent / "capture"))
import builders  # noqa: E402
from capture import conftest as capture_env  # noqa: E402

from nbrepro.cli import main  # noqa: E402

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
pytestmark = [
    pytest.mark.venv,  # uv builds venvs and installs into them
    pytest.mark.skipif(UV is None, reason="uv is not installed (requirements/test.txt)"),
]


def simple_index(folder, wheels):
    """PEP 503 pages: simple/<normalized name>/index.html linking each wheel with its sha256."""
    for wheel in wheels:
        name = wheel.name.split("-")[0].replace("_", "-").replace(".", "-").lower()
        page = folder / "simple" / name
        page.mkdir(parents=True, exist_ok=True)
        shutil.copy2(wheel, page / wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        (page / "index.html").write_text(
            '<!DOCTYPE html><html><body><a href="%s#sha256=%s">%s</a></body></html>\n'
            % (wheel.name, digest, wheel.name)
        )
    return (folder / "simple").as_uri()


def uv(*args):
    return subprocess.run(
        [UV, *map(str, args)], check=True, capture_output=True, text=True, timeout=120
    )


def freeze(venv):
    return uv("pip", "freeze", "--python", venv / "bin" / "python").stdout


def test_pylock_installs_what_was_recorded(tmp_path):
    built = tmp_path / "built"
    wheels = [
        builders.wheel(built, "plainpkg", "1.0"),
        builders.wheel(built, "Some_Pkg.Name", "3.1"),
    ]
    index = simple_index(tmp_path, [Path(w) for w in wheels])
    recorded = tmp_path / "recorded"
    uv("venv", "-q", "--python", sys.executable, recorded)
    uv(
        "pip",
        "install",
        "--offline",
        "--python",
        recorded / "bin" / "python",
        "--index-url",
        index,
        "plainpkg==1.0",
        "some-pkg-name==3.1",
    )

    out = io.StringIO()
    argv = ["snapshot", "--prefix", str(recorded), "--format", "pylock", "--index-url", index]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 0
    lock = tmp_path / "pylock.toml"
    lock.write_text(out.getvalue())
    ours = tomllib.loads(lock.read_text())
    assert [p["name"] for p in ours["packages"]] == ["plainpkg", "some-pkg-name"]

    fresh = tmp_path / "fresh"
    uv("venv", "-q", "--python", sys.executable, fresh)
    uv("pip", "install", "--offline", "--python", fresh / "bin" / "python", "-r", lock)
    assert freeze(fresh) == freeze(recorded) == "plainpkg==1.0\nsome-pkg-name==3.1\n"

    # Real pip lock for the same pins from the same index: the same files and hashes.
    theirs_path = tmp_path / "pip" / "pylock.toml"
    theirs_path.parent.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "lock", "--no-index", "--find-links", str(built)]
        + ["--disable-pip-version-check", "plainpkg==1.0", "some-pkg-name==3.1"]
        + ["-o", str(theirs_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    theirs = tomllib.loads(theirs_path.read_text())

    def files(lock_data):
        return json.dumps(
            [
                (p["name"], p["version"], [(w["name"], w["hashes"]) for w in p.get("wheels", ())])
                for p in lock_data["packages"]
            ]
        )

    assert files(ours) == files(theirs)
    assert ours["lock-version"] == theirs["lock-version"] == "1.0"


def test_pylock_without_a_file_is_an_error(tmp_path):
    """An index that lists no file for the recorded version: exit 2, named."""
    built = tmp_path / "built"
    wheel = builders.wheel(built, "plainpkg", "1.0")
    index = simple_index(tmp_path, [Path(wheel)])
    recorded = tmp_path / "recorded"
    uv("venv", "-q", "--python", sys.executable, recorded)
    uv(
        "pip",
        "install",
        "--offline",
        "--python",
        recorded / "bin" / "python",
        "--index-url",
        index,
        "plainpkg==1.0",
    )
    (tmp_path / "simple" / "plainpkg" / "index.html").write_text("<html></html>\n")
    err = io.StringIO()
    argv = ["snapshot", "--prefix", str(recorded), "--format", "pylock", "--index-url", index]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(argv) == 2
    assert "plainpkg 1.0" in err.getvalue()


# The real conda prefix the capture tests build with py-rattler (session fixtures):
# rattler-installed conda records, then real pip installs on top (two wheels from
# a find-links folder, one overwriting a conda package; an editable project; a
# git checkout; a legacy `setup.py develop` egg-link).
built = capture_env.built
conda_prefix = capture_env.conda_prefix


def _tables(lock_data, folder):
    """Each package's name, whether it has a version, and its sources, with
    directory paths made absolute (pip writes them relative to the lock file)."""
    out = []
    for package in lock_data["packages"]:
        row = {"name": package["name"], "has_version": "version" in package}
        if "wheels" in package:
            row["wheels"] = [(w["name"], w["hashes"]) for w in package["wheels"]]
        if "vcs" in package:
            row["vcs"] = (package["vcs"]["type"], package["vcs"]["url"])
            row["commit"] = package["vcs"]["commit-id"]
        if "directory" in package:
            path = Path(folder, package["directory"]["path"]).resolve()
            row["directory"] = (str(path), package["directory"].get("editable", False))
        out.append(row)
    return out


def test_pylock_of_a_conda_prefixs_pip_side(tmp_path, conda_prefix, built):
    """What pip installed into a conda prefix, locked: real uv installs it into a
    fresh venv, which then holds the recorded distributions, and real `pip lock`
    for the same pins names the same files, hashes, commit and folders (without
    a version for a source tree, as PEP 751 says)."""
    legacy = built["root"] / "src" / "legacy"
    if not (legacy / "pyproject.toml").exists():
        # the egg-link's folder, buildable as a real develop install's would be
        builders.project(legacy, "legacy", "0.9")
    index = simple_index(tmp_path, sorted(Path(built["wheels"]).glob("*.whl")))
    out = io.StringIO()
    argv = ["snapshot", "--prefix", str(conda_prefix), "--format", "pylock", "--record-paths"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv + ["--index-url", index]) == 0
    lock = tmp_path / "ours" / "pylock.toml"
    lock.parent.mkdir()
    lock.write_text(out.getvalue())
    ours = tomllib.loads(lock.read_text())
    names = [p["name"] for p in ours["packages"]]
    assert names == ["clobberme", "editpkg", "legacy", "plainpkg", "vcspkg"]

    fresh = tmp_path / "fresh"
    uv("venv", "-q", "--python", sys.executable, fresh)
    uv("pip", "install", "--offline", "--python", fresh / "bin" / "python", "-r", lock)
    listed = json.loads(
        uv("pip", "list", "--format", "json", "--python", fresh / "bin" / "python").stdout
    )
    installed = sorted((d["name"], d["version"]) for d in listed)
    assert installed == [
        ("clobberme", "2.0"),
        ("editpkg", "0.1"),
        ("legacy", "0.9"),
        ("plainpkg", "1.0"),
        ("vcspkg", "0.2"),
    ]

    # pip lock (26.3) writes a local folder relative to the lock file and fails on
    # one outside the lock's folder: it writes into the folder above the sources.
    theirs_path = built["root"] / "pylock.toml"
    vcs = "vcspkg @ git+%s@%s" % (built["vcs"].as_uri(), built["commit"])
    subprocess.run(
        [sys.executable, "-m", "pip", "lock", "--no-index", "--find-links", str(built["wheels"])]
        + ["--disable-pip-version-check", "clobberme==2.0", "plainpkg==1.0", vcs]
        + ["-e", str(built["editable"]), "-e", str(legacy), "-o", str(theirs_path)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    theirs = tomllib.loads(theirs_path.read_text())
    theirs_path.unlink()
    assert _tables(ours, lock.parent) == _tables(theirs, theirs_path.parent)
