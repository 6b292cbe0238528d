"""End to end, offline: packages no index has travel in the bundle, or stop run.sh.

Venv A gets ipykernel from .cache/wheelhouse, `mylib` from a wheel this test
builds in dist/ (`pip install ./dist/mylib-0.1.0-py3-none-any.whl`, as lab
packages are shared), and `projpkg`, a package of the notebook's own project,
as an editable install. The notebook imports both. Then:

- exported with the default wheel limit, the original wheel deleted, the
  bundle rebuilds venv B with local wheels only (PIP_NO_INDEX=1) and verifies;
- exported with `--wheel-limit 0`, export reports both packages, and run.sh
  stops before pip, naming them and saying how to supply them; once supplied
  in wheels/, it builds.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from capture.builders import project, wheel
from harness import uses

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
BIN = Path(sys.executable).parent
MYLIB = "def greet(name):\n    return 'hello %s from mylib 0.1.0' % name\n"


def run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in command], **kwargs)


def offline_env():
    env = dict(os.environ)
    env.update(
        {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(WHEELHOUSE),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            # no index settings from this machine's pip.conf reach export or pip
            "PIP_CONFIG_FILE": os.devnull,
            "PATH": "%s%s%s" % (BIN, os.pathsep, os.environ.get("PATH", "")),
        }
    )
    for name in ("VIRTUAL_ENV", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
@uses("kernel", "venv")
def recorded(tmp_path_factory):
    if not (WHEELHOUSE / ".nbrepro-stamp").is_file():
        message = "no wheelhouse at %s: run bash scripts/setup.sh --browser" % WHEELHOUSE
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("wheels-e2e")
    env = offline_env()
    built = wheel(root / "dist", "mylib", "0.1.0", modules={"mylib/__init__.py": MYLIB})
    keep = root / "reviewer-copy"
    keep.mkdir()
    shutil.copy2(built, keep)
    work = root / "project"
    (work / ".git").mkdir(parents=True)  # the notebook's project: its git root
    project(work / "projpkg", "projpkg", "1.0")

    venv_a = root / "venv-a"
    assert run([sys.executable, "-m", "venv", venv_a]).returncode == 0
    python_a = venv_a / "bin" / "python"
    result = run([python_a, "-m", "pip", "install", "-q", "ipykernel", built], env=env)
    assert result.returncode == 0, result.stderr
    result = run([python_a, "-m", "pip", "install", "-q", "-e", work / "projpkg"], env=env)
    assert result.returncode == 0, result.stderr

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell("import mylib\nprint(mylib.greet('reviewer'))"),
        nbformat.v4.new_code_cell("import projpkg\nprojpkg.VERSION"),
    ]
    path = work / "analysis.ipynb"
    nbformat.write(nb, str(path))
    result = run([BIN / "nbrepro", "run", path, "--python", python_a], env=env)
    assert result.returncode == 0, result.stderr

    carried = work / "carried"
    result = run([BIN / "nbrepro", "export", path, "-o", carried], env=env)
    assert result.returncode == 0, result.stderr
    over = work / "over-limit"
    limited = run(
        [BIN / "nbrepro", "export", path, "-o", over, "--wheel-limit", "0", "--json"], env=env
    )
    assert limited.returncode == 0, limited.stderr
    # The reviewer's machine: the wheel mylib was installed from is gone.
    shutil.rmtree(root / "dist")
    return {
        "root": root,
        "env": env,
        "carried": carried,
        "over": over,
        "over_report": json.loads(limited.stdout),
        "keep": keep / built.name,
        "work": work,
        "export_stderr": result.stderr,
    }


def test_local_wheel_and_project_package_travel_in_wheels(recorded):
    bundle = recorded["carried"]
    assert "not-fetchable" not in recorded["export_stderr"]
    names = sorted(p.name for p in (bundle / "wheels").iterdir())
    assert names == ["README.txt", "mylib-0.1.0-py3-none-any.whl", "projpkg-1.0-py3-none-any.whl"]
    lines = (bundle / "requirements.txt").read_text().splitlines()
    assert "--find-links ./wheels" in lines
    assert "./wheels/mylib-0.1.0-py3-none-any.whl" in lines
    assert "./wheels/projpkg-1.0-py3-none-any.whl" in lines
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "wheels/mylib-0.1.0-py3-none-any.whl" in manifest["files"]
    carried = {c["name"]: c for c in manifest["packages"]["carried"]}
    assert carried["mylib"]["how"] == "copied" and carried["projpkg"]["how"] == "built"
    sbom = json.loads((bundle / "sbom.cdx.json").read_text())
    [component] = [c for c in sbom["components"] if c["name"] == "mylib"]
    sha256 = manifest["files"]["wheels/mylib-0.1.0-py3-none-any.whl"]["sha256"]
    assert {"alg": "SHA-256", "content": sha256} in component["hashes"]
    assert {"name": "nbrepro:carried", "value": "wheels/mylib-0.1.0-py3-none-any.whl"} in (
        component["properties"]
    )
    dockerfile = (bundle / "Dockerfile").read_text()
    copy_wheels = dockerfile.index('["wheels", "./wheels/"]')
    assert copy_wheels < dockerfile.index("pip install")
    readme = (bundle / "README.md").read_text()
    assert "## Packages no public index has" in readme
    assert "`wheels/mylib-0.1.0-py3-none-any.whl`" in readme


def test_the_bundle_rebuilds_offline_from_its_own_wheels_and_verifies(recorded):
    bundle = recorded["carried"]
    result = run(["bash", bundle / "run.sh", "--verify"], env=recorded["env"], cwd=recorded["root"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hello reviewer from mylib 0.1.0" in result.stdout
    assert "2 same, 0 different, 0 not recorded" in result.stdout


def test_over_the_limit_export_reports_and_run_sh_stops_before_pip(recorded):
    findings = [f for f in recorded["over_report"]["findings"] if f["kind"] == "not-fetchable"]
    messages = " | ".join(f["message"] for f in findings)
    assert len(findings) == 2, messages
    assert "mylib 0.1.0: installed from a local file" in messages
    assert "over the 0 bytes wheel limit" in messages
    assert "projpkg 1.0: an editable install of a local folder" in messages
    bundle = recorded["over"]
    readme = (bundle / "README.md").read_text()
    assert "mylib 0.1.0: installed from a local file" in readme
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert {f["name"] for f in manifest["packages"]["flagged"]} == {"mylib", "projpkg"}
    assert sorted(os.listdir(bundle / "wheels")) == ["README.txt"]

    # preflight, before anything is built, names both and stops (exit 6) ...
    result = run(["bash", bundle / "run.sh"], env=recorded["env"], cwd=recorded["root"])
    assert result.returncode == 6, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "carried   no       mylib 0.1.0, which no index has" in said
    assert "projpkg 1.0, which no index has: build a wheel of its source" in said
    assert "cannot be rebuilt here: carried" in said
    assert not (bundle / ".env").exists()
    # ... and without it run.sh's own check of the same stops before pip (exit 5)
    result = run(
        ["bash", bundle / "run.sh", "--no-preflight"], env=recorded["env"], cwd=recorded["root"]
    )
    assert result.returncode == 5, result.stdout + result.stderr
    assert "MISSING: mylib 0.1.0, which no index has: put its wheel or sdist in the " in (
        result.stderr
    )
    assert "MISSING: projpkg 1.0, which no index has: build a wheel of its source" in (
        result.stderr
    )
    assert "pip" not in result.stdout and "Collecting" not in result.stderr
    assert not (bundle / ".env").exists()  # stopped before building anything

    # Supplied as the message says, the same bundle builds offline.
    shutil.copy2(recorded["keep"], bundle / "wheels")
    supply = recorded["root"] / "supplied"
    result = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            supply,
            recorded["work"] / "projpkg",
        ],
        env=recorded["env"],
    )
    assert result.returncode == 0, result.stderr
    env = dict(recorded["env"], PIP_FIND_LINKS="%s %s" % (WHEELHOUSE, supply))
    result = run(["bash", bundle / "run.sh", "--no-run"], env=env, cwd=recorded["root"])
    assert result.returncode == 0, result.stdout + result.stderr
    python_b = bundle / ".env" / "bin" / "python"
    result = run(
        [python_b, "-c", "import mylib, projpkg; print(mylib.greet('b'), projpkg.VERSION)"]
    )
    assert result.stdout.strip() == "hello b from mylib 0.1.0 1.0", result.stderr


def test_a_build_is_named_first_and_runs_only_with_the_users_yes(recorded):
    """Issue 20, defect 4: the export dialog's check named no build and the
    endpoint built every local package of the project (its setup.py runs). The
    check now names each build; the endpoint builds only with build_wheels;
    the command line says which build it runs before it does (--no-build skips)."""
    from nbrepro.server import requests

    path = recorded["work"] / "analysis.ipynb"
    checked = requests.check_notebook(path)
    assert checked["builds"] == [
        {
            "name": "projpkg",
            "version": "1.0",
            "message": "will run the build of projpkg 1.0 from projpkg (pip wheel runs its "
            "setup code)",
        }
    ]
    assert str(recorded["root"]) not in json.dumps(checked["builds"])
    root = recorded["work"]
    refused = requests.export_notebook(root, path, force=True)
    assert "wheels/projpkg-1.0-py3-none-any.whl" not in refused["files"]
    [finding] = [f for f in refused["findings"] if "projpkg" in f["message"]]
    assert "its build runs the package's own code, which was not allowed" in finding["message"]
    allowed = requests.export_notebook(root, path, force=True, build_wheels=True)
    assert "wheels/projpkg-1.0-py3-none-any.whl" in allowed["files"]
    assert (
        "nbrepro export: will run the build of projpkg 1.0 from projpkg (pip wheel runs its "
        "setup code)" in recorded["export_stderr"]
    )
    listed = run([BIN / "nbrepro", "export", path, "--check-only"], env=recorded["env"])
    assert "build: will run the build of projpkg 1.0 from projpkg" in listed.stdout
