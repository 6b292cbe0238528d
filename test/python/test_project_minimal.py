"""Issue 21, defect 1, as its minimal case: ``lib/helper.py`` holding ``X = 41`` and
``nb/t.ipynb`` whose one cell does ``sys.path.append("../lib"); import helper``.

In a repository (a git work tree above both folders) the export carries
``lib/helper.py`` where the notebook found it, and the bundle, copied somewhere
else, verifies (it used to die with ModuleNotFoundError). Without a project
above the notebook's folder, the module lies outside the project: the export
says so (a finding, the bundle README, the manifest, run.sh's check of what is
missing), by the path the cell used, and carries nothing from outside.

One recording (a real kernel) serves both; verify starts one more. About 15 s here.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CELL = 'import sys; sys.path.append("../lib"); import helper; helper.X + 1'

pytestmark = pytest.mark.kernel


def nbrepro(*args, cwd=None, env=None):
    return subprocess.run(
        [str(BIN / "nbrepro"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The minimal layout, recorded by ``nbrepro run`` from inside ``nb/``."""
    import nbformat

    root = tmp_path_factory.mktemp("minimal") / "repo"
    (root / "lib").mkdir(parents=True)
    (root / "nb").mkdir()
    (root / "lib" / "helper.py").write_text("X = 41\n")
    nb = nbformat.v4.new_notebook()
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["kernelspec"] = kernelspec
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nbformat.write(nb, str(root / "nb" / "t.ipynb"))
    result = nbrepro("run", "nb/t.ipynb", "--python", sys.executable, cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    cell = json.loads((root / "nb" / "t.ipynb").read_text())["cells"][0]
    assert "".join(cell["outputs"][0]["data"]["text/plain"]) == "42"
    return root


def test_a_module_two_folders_away_is_carried_and_verifies_from_a_copied_bundle(recorded, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(str(recorded), str(root))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    result = nbrepro("export", "nb/t.ipynb", "-o", tmp_path / "bundle", "--json", cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    exported = json.loads(result.stdout)
    assert exported["carried"] == [{"path": "lib/helper.py", "size": 7}]
    assert not [f for f in exported["findings"] if f["kind"] == "missing-inputs"]

    elsewhere = tmp_path / "reviewer" / "bundle"
    shutil.copytree(str(tmp_path / "bundle"), str(elsewhere))
    shutil.rmtree(str(root))  # nothing of the author's folder is left to find
    assert (elsewhere / "lib" / "helper.py").read_text() == "X = 41\n"
    assert (elsewhere / "nb" / "t.ipynb").is_file()
    # preflight (which run.sh asks before building) reads the notebook in its folder
    skip = ["--skip", "packages", "--skip", "python", "--skip", "disk", "--skip", "carried"]
    result = nbrepro("preflight", ".", *skip, "--json", cwd=elsewhere)
    checked = json.loads(result.stdout)
    assert checked["checks"] == [
        {"check": "gpu", "verdict": "yes", "reason": "the notebook ran without an NVIDIA GPU"}
    ], checked
    result = nbrepro("verify", ".", "--python", sys.executable, "--json", cwd=elsewhere)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    report = json.loads(result.stdout)
    assert [c["status"] for c in report["cells"]] == ["same"], report["cells"]


def test_without_a_project_above_the_module_is_named_by_the_path_the_cell_used(recorded, tmp_path):
    result = nbrepro("export", "nb/t.ipynb", "-o", tmp_path / "bundle", "--json", cwd=recorded)
    assert result.returncode == 0, result.stderr[-3000:]
    exported = json.loads(result.stdout)
    assert exported["carried"] == []
    missing = [f for f in exported["findings"] if f["kind"] == "missing-inputs"]
    assert len(missing) == 1 and "../lib/helper.py" in missing[0]["message"], missing
    bundle = tmp_path / "bundle"
    assert not (bundle / "lib").exists() and not (bundle.parent / "lib").exists()
    assert "`../lib/helper.py`" in (bundle / "README.md").read_text()
    manifest = (bundle / "manifest.json").read_text()
    assert "../lib/helper.py" in manifest and str(recorded) not in manifest
    # run.sh looks for it before anything is built (a Python that cannot build stops it there).
    env = dict(os.environ, NBREPRO_PYTHON="false", PIP_NO_INDEX="1")
    result = subprocess.run(
        ["bash", str(bundle / "run.sh"), "--no-run", "--no-preflight", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode != 0 and not (bundle / ".env").exists()
    assert "MISSING: ../lib/helper.py" in result.stderr, result.stderr[-3000:]


def test_what_lies_outside_is_named_with_its_size_and_sha256_and_run_sh_checks_it(
    recorded, tmp_path
):
    """The outside module is named with the size and sha256 of the file the export
    found at that path (read under the boundary's guards), in the manifest and the
    README; run.sh warns, without stopping there, when the file put at that path is
    another one, and says nothing when it is the same."""
    result = nbrepro("export", "nb/t.ipynb", "-o", tmp_path / "bundle", "--json", cwd=recorded)
    assert result.returncode == 0, result.stderr[-3000:]
    bundle = tmp_path / "bundle"
    digest = hashlib.sha256(b"X = 41\n").hexdigest()
    manifest = json.loads((bundle / "manifest.json").read_text())
    outside = manifest["inputs"]["outside"]
    assert outside == [
        {
            "module": "helper",
            "path": "../lib/helper.py",
            "cells": [1],
            "carried": False,
            "size": 7,
            "sha256": digest,
        }
    ], outside
    readme = (bundle / "README.md").read_text()
    row = [line for line in readme.splitlines() if line.startswith("| `../lib/helper.py`")]
    assert row == ["| `../lib/helper.py` | module helper | 1 | 7 | `%s` |" % digest], row

    env = dict(os.environ, NBREPRO_PYTHON="false", PIP_NO_INDEX="1")
    run = ["bash", str(bundle / "run.sh"), "--no-run", "--no-preflight", "--no-cache"]
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.py").write_text("X = 40\n")
    result = subprocess.run(run, capture_output=True, text=True, timeout=120, env=env)
    said = result.stderr
    assert "MISSING: ../lib/helper.py" not in said, said[-3000:]
    assert "run.sh: WARNING: ../lib/helper.py is not the file the notebook read" in said, said
    assert "check-packages.sh:" in said, said  # a warning: run.sh went on to the packages
    (tmp_path / "lib" / "helper.py").write_text("X = 41\n")
    result = subprocess.run(run, capture_output=True, text=True, timeout=120, env=env)
    assert "helper.py" not in result.stderr, result.stderr[-3000:]
