"""Session fixtures: real environments built offline.

`conda_prefix` is a real venv into which py-rattler (a real conda installer)
installs packages from a local channel built here, and into which pip then
really installs local wheels, an editable project and a git checkout.
"""

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import uses

from . import builders

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent.parent / "fixtures"
PY_VERSION = "%d.%d.%d" % sys.version_info[:3]
PY_MM = "%d.%d" % sys.version_info[:2]
SP = "lib/python%s/site-packages/" % PY_MM
SUBDIR = "linux-64" if sys.platform.startswith("linux") else None


def _run(*argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def build_channel(channel):
    """python, a noarch: python package, a python package pip will clobber, a package
    without python that ships a dist-info anyway, and a plain C-library-like one."""
    builders.conda_package(
        channel,
        SUBDIR,
        "python",
        PY_VERSION,
        "h0_cpython",
        files={"share/conda-python/README": b"conda python marker\n"},
    )
    builders.conda_package(
        channel, SUBDIR, "libdata", "2.0", "h1", files={"share/libdata/data.txt": b"data\n"}
    )
    builders.conda_package(
        channel,
        "noarch",
        "nbtool",
        "0.3",
        "pyh0",
        depends=["python >=3.8", "libdata >=2"],
        noarch="python",
        files=builders.dist_info_files("site-packages/", "nbtool", "0.3"),
    )
    builders.conda_package(
        channel,
        SUBDIR,
        "clobberme",
        "1.0",
        "py0",
        depends=["python %s.*" % PY_MM],
        files=builders.dist_info_files(SP, "clobberme", "1.0"),
    )
    builders.conda_package(
        channel,
        SUBDIR,
        "orphanpy",
        "0.5",
        "h2",
        depends=["libdata"],
        files=builders.dist_info_files(SP, "orphanpy", "0.5"),
    )
    from rattler.index import index_fs

    asyncio.run(index_fs(channel, write_zst=False, write_shards=False))


def rattler_install(channel, prefix, cache, specs):
    import rattler

    async def main():
        records = await rattler.solve(
            sources=[Path(channel).as_uri()], specs=specs, platforms=[SUBDIR, "noarch"]
        )
        await rattler.install(
            records, target_prefix=str(prefix), cache_dir=str(cache), show_progress=False
        )

    asyncio.run(main())


def pip_install(prefix, *args):
    python = Path(prefix) / "bin" / "python"
    return _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "--disable-pip-version-check",
        "install",
        "--no-index",
        *args,
        env=dict(os.environ, PIP_NO_INPUT="1"),
    )


def build_sources(root):
    """The local channel, wheels, an editable project, a git checkout and the source
    folder of a legacy `setup.py develop` install."""
    build_channel(root / "channel")
    builders.wheel(root / "wheels", "clobberme", "2.0")
    builders.wheel(root / "wheels", "plainpkg", "1.0")
    editable = builders.project(root / "src" / "editpkg", "editpkg", "0.1")
    _run("git", "init", "-q", str(editable))
    vcs = builders.project(root / "src" / "vcspkg", "vcspkg", "0.2")
    git = ["git", "-C", str(vcs), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    _run("git", "init", "-q", "-b", "main", str(vcs))
    _run(*git, "add", ".")
    _run(*git, "commit", "-q", "-m", "initial")
    legacy = root / "src" / "legacy"
    (legacy / "legacy.egg-info").mkdir(parents=True)
    (legacy / "legacy.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: legacy\nVersion: 0.9\n\n"
    )


# Built once per test session for every xdist worker (the shelf); tests only read them.
@pytest.fixture(scope="session")
def built(shelf):
    if SUBDIR is None:
        pytest.skip("the rattler fixtures are built for linux-64")
    pytest.importorskip("rattler")
    root = shelf.get("capture-sources", {"python": PY_VERSION}, build_sources)
    vcs = root / "src" / "vcspkg"
    commit = _run("git", "-C", str(vcs), "rev-parse", "HEAD").stdout.strip()
    return {
        "root": root,
        "channel": root / "channel",
        "wheels": root / "wheels",
        "editable": root / "src" / "editpkg",
        "vcs": vcs,
        "commit": commit,
    }


@pytest.fixture(scope="session")
@uses("venv")
def conda_prefix(built, shelf):
    """A venv + conda prefix: rattler-installed records, then real pip installs."""

    def build(folder):
        prefix = folder / "condaenv"
        _run(sys.executable, "-m", "venv", "--without-pip", str(prefix))
        rattler_install(
            built["channel"],
            prefix,
            folder / "pkgs",
            ["python ==%s" % PY_VERSION, "nbtool", "clobberme", "orphanpy"],
        )
        pip_install(prefix, "--find-links", str(built["wheels"]), "clobberme==2.0", "plainpkg")
        pip_install(prefix, "-e", str(built["editable"]))
        pip_install(prefix, "git+" + built["vcs"].as_uri() + "@main")
        # A legacy `setup.py develop` install: an .egg-link and an .egg-info in the source.
        sp = prefix / SP
        (sp / "legacy.egg-link").write_text(str(built["root"] / "src" / "legacy") + "\n.")

    return shelf.get("conda-prefix", {"built": str(built["root"])}, build) / "condaenv"


@pytest.fixture(scope="session")
def pixi_prefix(built, shelf):
    """What pixi leaves: rattler records, its stub history and conda-meta/pixi."""

    def build(folder):
        prefix = folder / "pixienv"
        rattler_install(
            built["channel"], prefix, folder / "pkgs", ["python ==%s" % PY_VERSION, "nbtool"]
        )
        (prefix / "conda-meta" / "history").write_text(
            "// not relevant for pixi but for `conda run -p`"
        )
        (prefix / "conda-meta" / "pixi").write_text(
            '{"manifest_path": "%s/pixi.toml", "environment_name": "default", '
            '"pixi_version": "0.50.0", "environment_lock_file_hash": "abc123"}'
            % os.path.expanduser("~/project")
        )

    return shelf.get("pixi-prefix", {"built": str(built["root"])}, build) / "pixienv"


@pytest.fixture
def ahc_prefix(tmp_path):
    """The committed real-world conda-meta folder, as the conda-meta of a prefix."""
    prefix = tmp_path / "syntest"
    shutil.copytree(
        FIXTURES / "real-world" / "conda-meta" / "ahc-santino-windows", prefix / "conda-meta"
    )
    return prefix
