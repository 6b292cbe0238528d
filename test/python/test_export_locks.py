"""The lock files in a bundle: conda-lock.yml and pixi.lock byte for byte as real
conda 26.7.1 with conda-lockfiles 0.2.2 exports them, and pylock.toml.

A notebook stores the compact snapshot (no dependency lists, licences or
sha256 hashes), so the export reads those again from the recorded prefix and
writes the conda locks only when the prefix holds the recorded records and
their facts hash to the recorded `lock_digest`. The goldens are the ones
`test/python/capture/test_conda_golden.py` holds `snapshot --format
conda-lock|pixi-lock` to (scripts/make_conda_goldens.py ran real conda on the
fixture prefixes); here the same prefixes are recorded into a notebook and
exported. When the locks cannot be written as conda writes them, the README
and the manifest say which are missing and why.
"""

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import golden_prefixes
import pytest
import tomllib
from capture import builders

from nbrepro.capture import capture
from nbrepro.export import bundle as bundles
from nbrepro.export import locks

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "test" / "fixtures" / "conda-golden" / "26.7"
SEED = ROOT / "test" / "fixtures" / "fuzz" / "conda.ipynb"
NOW = "2026-12-07T18:06:20Z"
_CREATED_AT = re.compile(r"^    created_at: '[^']*'$", re.M)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No conda configuration and no conda install around (as the goldens were made)."""
    for name in (
        "CONDA_EXE",
        "CONDA_ROOT",
        "CONDA_PREFIX",
        "MAMBA_ROOT_PREFIX",
        "XDG_CONFIG_HOME",
        "CONDA_ENVS_DIRS",
        "CONDA_ENVS_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CONDARC", str(tmp_path / "rc" / "condarc"))
    return tmp_path


def prefix_copy(tmp_path, name):
    prefix = tmp_path / name
    shutil.copytree(golden_prefixes.root() / name, prefix)
    return prefix


def recorded(prefix):
    """The seed notebook, its snapshots replaced by a recording of ``prefix``."""
    environment = capture(options={"prefix": str(prefix), "gpu": False})["environment"]
    nb = json.loads(SEED.read_text(encoding="utf-8"))
    for snapshot in nb["metadata"]["nbrepro"]["snapshots"].values():
        snapshot["environment"] = environment
    return nb


def build(nb, **options):
    return bundles.build(copy.deepcopy(nb), "analysis.ipynb", now=NOW, **options)


def golden(name, lock):
    return _CREATED_AT.sub("    created_at: '%s'" % NOW, (GOLDEN / name / lock).read_text())


@pytest.mark.parametrize("name", golden_prefixes.names())
def test_a_conda_bundle_holds_the_locks_conda_lockfiles_writes(isolated, name):
    bundle = build(recorded(prefix_copy(isolated, name)))
    for lock in (locks.CONDA_LOCK, locks.PIXI_LOCK):
        assert bundle.files[lock].decode("utf-8") == golden(name, lock)
    written = bundle.manifest["environment"]["lock_files"]["written"]
    assert {locks.CONDA_LOCK, locks.PIXI_LOCK} <= set(written)
    assert all(name in bundle.manifest["files"] for name in written)
    readme = bundle.files["README.md"].decode("utf-8")
    assert "| `conda-lock.yml` | you rebuild with conda 26 or newer" in readme
    assert "| `pixi.lock` | you rebuild with pixi" in readme
    assert "- `conda-lock.yml`" in readme and "- `pixi.lock`" in readme  # the Files list


def _missing(bundle):
    return dict((m["file"], m) for m in bundle.manifest["environment"]["lock_files"]["missing"])


def _says_missing(bundle, reason):
    assert locks.CONDA_LOCK not in bundle.files and locks.PIXI_LOCK not in bundle.files
    missing = _missing(bundle)
    for lock in (locks.CONDA_LOCK, locks.PIXI_LOCK):
        assert reason in missing[lock]["reason"], missing[lock]
    readme = bundle.files["README.md"].decode("utf-8")
    assert "Not in this bundle:" in readme
    line = next(x for x in readme.splitlines() if x.startswith("- `conda-lock.yml`: "))
    assert reason in line
    return missing[locks.CONDA_LOCK]


def test_no_conda_lock_when_the_prefix_is_gone(isolated):
    prefix = prefix_copy(isolated, "rattler-plain")
    nb = recorded(prefix)
    shutil.rmtree(prefix)
    item = _says_missing(build(nb), "the recorded environment is not on this machine")
    assert item["detail"] == str(prefix)


def test_no_conda_lock_when_a_package_changed_since_the_recording(isolated):
    prefix = prefix_copy(isolated, "rattler-plain")
    nb = recorded(prefix)
    record = next((prefix / "conda-meta").glob("libdata-*.json"))
    data = json.loads(record.read_text())
    data["md5"] = "0" * 32
    record.write_text(json.dumps(data, indent=2))
    item = _says_missing(build(nb), "changed since the recording")
    assert item["detail"].startswith("libdata 2.0 at ") and item["detail"].endswith(": md5")

    record.unlink()
    _says_missing(build(nb), "now holds 2 conda packages, the recording 3")


def test_no_conda_lock_when_the_facts_no_longer_hash_to_the_recording(isolated):
    """The same archive (URL, md5) with patched dependencies: conda would now
    write other dependencies than it would have for the recording."""
    prefix = prefix_copy(isolated, "rattler-plain")
    nb = recorded(prefix)
    record = next((prefix / "conda-meta").glob("nbtool-*.json"))
    data = json.loads(record.read_text())
    data["depends"] = ["python >=3.9", "libdata >=2"]
    record.write_text(json.dumps(data, indent=2))
    _says_missing(build(nb), "no longer hashes to the recorded fingerprint")


def test_no_conda_lock_from_a_recording_without_the_fingerprint(isolated):
    nb = recorded(prefix_copy(isolated, "rattler-plain"))
    for snapshot in nb["metadata"]["nbrepro"]["snapshots"].values():
        del snapshot["environment"]["conda"]["lock_digest"]
    _says_missing(build(nb), "the recording predates nbrepro's fingerprint")


def test_a_prefix_a_notebook_names_is_read_only_as_plain_files(isolated):
    """A forged notebook may name a prefix whose conda-meta/ holds a FIFO (a read
    would block) or a link to a device (a read would never end): neither is read."""
    prefix = prefix_copy(isolated, "rattler-plain")
    nb = recorded(prefix)
    os.mkfifo(prefix / "conda-meta" / "zz-fifo.json")
    os.symlink("/dev/zero", prefix / "conda-meta" / "zz-zero.json")
    item = _says_missing(build(nb), "holds records that are no plain files")
    assert item["detail"] == "zz-fifo.json, zz-zero.json"


def test_no_conda_lock_where_conda_refuses_one(isolated):
    prefix = prefix_copy(isolated, "rattler-plain")
    record = next((prefix / "conda-meta").glob("libdata-*.json"))
    data = json.loads(record.read_text())
    del data["url"], data["channel"]
    record.write_text(json.dumps(data, indent=2))
    item = _says_missing(build(recorded(prefix)), "conda refuses to write it too")
    assert "libdata-2.0-h1" in item["detail"]


def test_the_recorded_channels_not_this_machines(isolated, monkeypatch):
    """The locks list the channels configured when the notebook ran, not at export."""
    rc = isolated / "rc" / "condarc"
    rc.parent.mkdir()
    rc.write_text("channels:\n  - conda-forge\n")
    nb = recorded(prefix_copy(isolated, "rattler-plain"))
    rc.write_text("channels:\n  - bioconda\n")
    text = build(nb).files[locks.PIXI_LOCK].decode("utf-8")
    assert "      - url: conda-forge\n" in text and "bioconda" not in text


def test_a_venv_bundle_has_no_conda_locks_and_says_nothing_of_them(isolated):
    nb = recorded(prefix_copy(isolated, "rattler-plain"))
    for snapshot in nb["metadata"]["nbrepro"]["snapshots"].values():
        snapshot["environment"]["conda"] = None
    bundle = build(nb)
    assert locks.CONDA_LOCK not in bundle.files and locks.PIXI_LOCK not in bundle.files
    assert not _missing(bundle)
    assert "conda-lock.yml" not in bundle.files["README.md"].decode("utf-8")


# ---------------------------------------------------------------- pylock.toml in a bundle


def _pip_recording(isolated, distributions):
    nb = recorded(prefix_copy(isolated, "rattler-plain"))
    for snapshot in nb["metadata"]["nbrepro"]["snapshots"].values():
        snapshot["environment"]["pip"]["distributions"] = distributions
    return nb


ARCHIVE = "https://files.example.org/pkgs/urlpkg-1.0-py3-none-any.whl"
SHA = "ab" * 32


def test_pylock_from_what_the_recording_pins_by_itself(isolated):
    nb = _pip_recording(
        isolated,
        [
            {
                "name": "urlpkg",
                "version": "1.0",
                "source": {"url": ARCHIVE, "archive_info": {"hashes": {"sha256": SHA}}},
            },
            {
                "name": "gitpkg",
                "version": "0.2",
                "source": {
                    "url": "https://github.com/example/gitpkg",
                    "vcs_info": {"vcs": "git", "commit_id": "c" * 40},
                },
            },
        ],
    )
    bundle = build(nb, build_wheels=False)
    data = tomllib.loads(bundle.files[locks.PYLOCK].decode("utf-8"))
    assert [p["name"] for p in data["packages"]] == ["gitpkg", "urlpkg"]
    assert "version" not in data["packages"][0]  # a source tree has none (PEP 751)
    assert data["packages"][0]["vcs"]["commit-id"] == "c" * 40
    assert data["packages"][1]["archive"] == {"url": ARCHIVE, "hashes": {"sha256": SHA}}
    assert locks.PYLOCK in bundle.manifest["environment"]["lock_files"]["written"]
    assert "| `pylock.toml` | uv (`uv pip install -r pylock.toml`)" in bundle.files[
        "README.md"
    ].decode("utf-8")


def test_no_pylock_for_index_installs_unless_an_index_is_named(isolated):
    distributions = [{"name": "numpy", "version": "2.1.0"}]
    nb = _pip_recording(isolated, distributions)
    bundle = build(nb, build_wheels=False)
    item = _missing(bundle)[locks.PYLOCK]
    assert "pip keeps no hash of a file it installed from an index" in item["reason"]
    assert item["detail"] == "numpy 2.1.0"
    readme = bundle.files["README.md"].decode("utf-8")
    assert "- `pylock.toml`: pylock.toml names each package's file" in readme

    # A PEP 503 index (a file:// folder, as pip and uv read one) that lists the file.
    page = isolated / "simple" / "numpy"
    page.mkdir(parents=True)
    (page / "index.html").write_text(
        '<html><body><a href="numpy-2.1.0-py3-none-any.whl#sha256=%s">'
        "numpy-2.1.0-py3-none-any.whl</a></body></html>\n" % SHA
    )
    index = (isolated / "simple").as_uri()
    bundle = build(nb, build_wheels=False, pylock_index=index)
    assert locks.PYLOCK not in _missing(bundle)
    text = bundle.files[locks.PYLOCK].decode("utf-8")
    assert 'index = "%s"' % index in text and 'sha256 = "%s"' % SHA in text


def test_no_pylock_for_a_url_install_without_its_hash(isolated):
    nb = _pip_recording(
        isolated, [{"name": "urlpkg", "version": "1.0", "source": {"url": ARCHIVE}}]
    )
    bundle = build(nb, build_wheels=False)
    item = _missing(bundle)[locks.PYLOCK]
    assert item["reason"] == "pip recorded no sha256 of the archive it installed from a URL"
    assert item["detail"] == "urlpkg 1.0"


UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


@pytest.mark.venv
@pytest.mark.skipif(UV is None, reason="uv is not installed (requirements/test.txt)")
def test_real_uv_installs_a_bundles_pylock_from_its_own_wheels(isolated):
    """A wheel installed from a local file travels in wheels/, and the bundle's
    pylock.toml names it there with its sha256: real uv installs it offline."""
    built = Path(builders.wheel(isolated / "dist", "mylib", "0.1.0"))
    digest = hashlib.sha256(built.read_bytes()).hexdigest()
    nb = _pip_recording(
        isolated,
        [
            {
                "name": "mylib",
                "version": "0.1.0",
                "source": {"url": built.as_uri(), "archive_info": {"hashes": {"sha256": digest}}},
            }
        ],
    )
    bundle = build(nb, build_wheels=False)
    data = tomllib.loads(bundle.files[locks.PYLOCK].decode("utf-8"))
    (package,) = data["packages"]
    assert package["wheels"] == [
        {"name": built.name, "path": "wheels/" + built.name, "hashes": {"sha256": digest}}
    ]
    folder = bundles.write(bundle, isolated / "bundle")
    built.unlink()  # only the bundle's copy is left
    fresh = isolated / "fresh"
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(fresh)], **run)
    python = str(fresh / "bin" / "python")
    subprocess.run([UV, "pip", "install", "--offline", "--python", python, "-r", "pylock.toml"],
                   cwd=str(folder), **run)  # fmt: skip
    listed = subprocess.run([UV, "pip", "freeze", "--python", python], **run).stdout
    assert listed == "mylib==0.1.0\n"
