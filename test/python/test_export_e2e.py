"""End to end, offline: record in venv A, export, rebuild venv B from the bundle alone, verify.

The wheels come from .cache/wheelhouse (setup.sh --browser downloads NumPy,
ipykernel and their dependencies there at the pinned versions) and from a
folder this test fills with `tinystats` 1.0 and 1.1, a package whose two
versions round differently. pip never reaches an index: PIP_NO_INDEX=1.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from capture.builders import wheel
from harness import need_wheelhouse

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
BIN = Path(sys.executable).parent

TINYSTATS = {
    "1.0": "def mean(values):\n    return round(sum(values) / len(values), 4)\n",
    "1.1": "def mean(values):\n    return round(sum(values) / len(values), 2)\n",
}


def run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in command], **kwargs)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    need_wheelhouse()
    folder = tmp_path_factory.mktemp("wheels")
    for version, source in TINYSTATS.items():
        wheel(folder, "tinystats", version, modules={"tinystats/__init__.py": source})
    return folder


def offline_pip(wheels):
    env = dict(os.environ)
    env.update(
        {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": "%s %s" % (WHEELHOUSE, wheels),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            # the reviewer's nbrepro, which run.sh --verify calls
            "PATH": "%s%s%s" % (BIN, os.pathsep, os.environ.get("PATH", "")),
        }
    )
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, wheels, venvs, record):
    """A notebook run in venv A (NumPy, ipykernel, tinystats 1.0) and exported."""
    root = tmp_path_factory.mktemp("e2e")
    venv_a = venvs.get("numpy", "ipykernel", "tinystats==1.0", find_links=[wheels])
    path = record(
        [
            nbformat.v4.new_markdown_cell("# Seeded NumPy"),
            ("n = 6", ["parameters"]),
            "import numpy as np\nnp.random.seed(7)\nx = np.random.rand(n)\nprint(x.round(6))",
            "float(np.linalg.norm(x))",
            "import tinystats\ntinystats.mean(list(x))",
        ],
        name="analysis.ipynb",
        python=venv_a / "bin" / "python",
        into=root,
    )
    bundle = root / "bundle"
    result = run([BIN / "nbrepro", "export", path, "-o", bundle])
    assert result.returncode == 0, result.stderr
    env = offline_pip(wheels)
    return {"root": root, "notebook": path, "bundle": bundle, "env": env, "venv_a": venv_a}


def test_the_bundle_holds_what_a_reviewer_needs(recorded):
    bundle = recorded["bundle"]
    names = sorted(p.name for p in bundle.iterdir())
    for name in (
        "analysis.ipynb",
        "analysis.py",
        "requirements.txt",
        "runtime.txt",
        "run.sh",
        "Dockerfile",
        "sbom.cdx.json",
        "README.md",
        "manifest.json",
    ):
        assert name in names
    requirements = (bundle / "requirements.txt").read_text()
    assert "tinystats==1.0" in requirements
    assert "numpy==" in requirements
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert set(manifest["files"]) == set(names) - {"manifest.json"}


def test_run_sh_rebuilds_venv_b_offline_and_verify_finds_every_cell_the_same(recorded):
    bundle = recorded["bundle"]
    result = run(["bash", bundle / "run.sh", "--verify"], env=recorded["env"], cwd=recorded["root"])
    assert result.returncode == 0, result.stdout + result.stderr
    venv_b = bundle / ".env"
    assert (venv_b / "bin" / "python").exists()
    assert venv_b.resolve() != recorded["venv_a"].resolve()
    # the script ran: its seeded numbers are the notebook's
    assert "[0.076308 0.779919 0.438409 0.723465 0.97799  0.538496]" in result.stdout
    assert "4 same, 0 different, 0 not recorded" in result.stdout


def test_another_package_version_in_venv_b_is_named_as_the_cause(recorded):
    bundle = recorded["bundle"]
    venv_b = bundle / ".env"
    if not (venv_b / "bin" / "python").exists():
        result = run(["bash", bundle / "run.sh", "--no-run"], env=recorded["env"])
        assert result.returncode == 0, result.stderr
    result = run(
        [venv_b / "bin" / "python", "-m", "pip", "install", "-q", "tinystats==1.1"],
        env=recorded["env"],
    )
    assert result.returncode == 0, result.stderr
    result = run([BIN / "nbrepro", "verify", bundle, "--python", venv_b / "bin" / "python"])
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    changed = [line for line in lines if "different" in line and line.lstrip().startswith("cell 5")]
    assert changed, result.stdout
    assert "tinystats" in changed[0] and "1.0" in changed[0] and "1.1" in changed[0]
    same = [line for line in lines if line.lstrip().startswith("cell 3")]
    assert same and "same" in same[0]
