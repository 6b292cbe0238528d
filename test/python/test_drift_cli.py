"""`nbrepro check` and `nbrepro diff` run as a user runs them, on real files."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import pytest
import yaml

from nbrepro.capture import capture

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "test" / "fixtures" / "real-world" / "conda-env-export"
SCHEMA = json.loads((ROOT / "schema" / "drift.schema.json").read_text("utf-8"))
ENV_ID = "0123456789abcdef"
RUN_ID = "fedcba9876543210"


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "nbrepro", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def write_notebook(path, environment, modules):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("import packaging")
    cell.metadata["nbrepro"] = {"env": ENV_ID, "run": RUN_ID, "src": "a" * 16}
    notebook.cells.append(cell)
    notebook.metadata["nbrepro"] = {
        "schema_version": 1,
        "current": ENV_ID,
        "snapshots": {ENV_ID: {"environment": environment, "captured_at": "2026-01-01T00:00:00Z"}},
        "runs": {RUN_ID: {"modules": modules}},
    }
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def here():
    """This interpreter's environment, captured as `nbrepro check` captures it."""
    return capture(options={"gpu": True})["environment"]


def with_version(environment, name, version):
    changed = json.loads(json.dumps(environment))
    for dist in changed["pip"]["distributions"]:
        if dist["name"].lower() == name:
            dist["version"] = version
            return changed
    raise AssertionError("%s is not a pip distribution here" % name)


def test_check_unchanged_environment_passes(tmp_path, here):
    notebook = write_notebook(tmp_path / "nb.ipynb", here, {"packaging": "packaging"})
    result = run_cli("check", notebook)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no drift" in result.stdout


def test_check_used_package_drift_fails(tmp_path, here):
    recorded = with_version(here, "packaging", "1.0")
    notebook = write_notebook(tmp_path / "nb.ipynb", recorded, {"packaging": "packaging"})
    result = run_cli("check", notebook, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    (item,) = [d for d in report["differences"] if d["name"] == "packaging"]
    assert item["kind"] == "package-upgraded"
    assert item["severity"] == "high" and item["used"] is True
    assert item["restore"] == {"pip": "pip install packaging==1.0"}

    table = run_cli("check", notebook)
    assert table.returncode == 1
    assert table.stdout.splitlines()[0].split() == [
        "SEVERITY",
        "KIND",
        "NAME",
        "BEFORE",
        "->",
        "AFTER",
        "USED",
    ]
    assert "packaging" in table.stdout and "1.0 -> " in table.stdout

    assert run_cli("check", notebook, "--ignore", "pack*").returncode == 0
    assert run_cli("check", notebook, "--fail-on", "never").returncode == 0


def test_check_fail_on_threshold(tmp_path, here):
    # An unused package a major release away: high, lowered to medium.
    name = here["pip"]["distributions"][0]["name"].lower()
    recorded = with_version(here, name, "0.0.0.post7")
    notebook = write_notebook(tmp_path / "nb.ipynb", recorded, {"json": None})
    assert run_cli("check", notebook).returncode == 0
    assert run_cli("check", notebook, "--fail-on", "info").returncode == 1


def test_check_against_files(tmp_path, here):
    notebook = write_notebook(tmp_path / "nb.ipynb", here, {"numpy": "numpy"})
    result = run_cli("check", notebook, "--against", EXPORTS / "ztf-ubuntu.yml", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert any(d["kind"] == "python-changed" for d in report["differences"])

    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "".join("%s==%s\n" % (d["name"], d["version"]) for d in here["pip"]["distributions"])
    )
    result = run_cli("check", notebook, "--against", requirements)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_prefix(tmp_path, here):
    notebook = write_notebook(tmp_path / "nb.ipynb", here, {})
    result = run_cli("check", notebook, "--prefix", sys.prefix, "--json")
    assert result.returncode in (0, 1)
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(result.stdout))
    result = run_cli("check", notebook, "--prefix", tmp_path / "missing")
    assert result.returncode == 2
    assert "is not a folder" in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read"),
        ("{broken", "does not parse"),
        ('{"cells": [], "metadata": {}, "nbformat": 4}', "has no recorded environment"),
    ],
)
def test_check_unreadable_notebook_is_exit_2(tmp_path, content, message):
    path = tmp_path / "nb.ipynb"
    if content is not None:
        path.write_text(content)
    result = run_cli("check", path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_check_usage_errors(tmp_path):
    assert run_cli("check").returncode == 2
    assert run_cli("check", "x.ipynb", "--fail-on", "sometimes").returncode == 2
    result = run_cli("check", EXPORTS / "ztf-osx.yml")
    assert result.returncode == 2
    assert "not a notebook" in result.stderr


def test_diff_real_world_exports():
    result = run_cli("diff", EXPORTS / "ztf-windows.yml", EXPORTS / "ztf-ubuntu.yml", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    vector = json.loads(
        (ROOT / "test" / "vectors" / "drift" / "16-ztf-windows-vs-ubuntu.json").read_text("utf-8")
    )
    assert report == vector["expected"]

    same = run_cli("diff", EXPORTS / "ztf-ubuntu.yml", EXPORTS / "ztf-ubuntu-no-builds.yml")
    assert same.returncode == 0 and "no drift" in same.stdout


def test_diff_detects_format_by_content(tmp_path):
    # An environment.yml saved as .txt, a lock saved as .yml.
    yml = tmp_path / "env.txt"
    yml.write_text((EXPORTS / "ztf-osx.yml").read_text("utf-8"))
    lock = tmp_path / "lock.yml"
    lock.write_text(
        (
            ROOT / "test" / "fixtures" / "real-world" / "conda-explicit" / "cinpla-windows.txt"
        ).read_text("utf-8")
    )
    result = run_cli("diff", yml, lock, "--json", "--fail-on", "never")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert any(d["kind"] == "python-changed" for d in report["differences"])


def test_diff_notebook_against_notebook(tmp_path, here):
    a = write_notebook(tmp_path / "a.ipynb", here, {"packaging": "packaging"})
    b = write_notebook(tmp_path / "b.ipynb", with_version(here, "packaging", "99.0"), {})
    result = run_cli("diff", a, b, "--json")
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)["differences"]
    assert (item["name"], item["used"], item["severity"]) == ("packaging", True, "high")


def test_diff_unreadable_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    result = run_cli("diff", bad, EXPORTS / "ztf-osx.yml")
    assert result.returncode == 2
    assert "neither a notebook nor an nbrepro snapshot" in result.stderr


def test_pre_commit_hook_is_declared():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "nbrepro-check"]
    assert hook["entry"] == "nbrepro check"
    assert hook["files"] == r"\.ipynb$"


def test_check_several_notebooks_as_pre_commit_passes_them(tmp_path, here):
    clean = write_notebook(tmp_path / "clean.ipynb", here, {"packaging": "packaging"})
    drifted = write_notebook(
        tmp_path / "drifted.ipynb",
        with_version(here, "packaging", "1.0"),
        {"packaging": "packaging"},
    )
    result = run_cli("check", clean, drifted)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "== %s" % clean in result.stdout and "== %s" % drifted in result.stdout
    assert run_cli("check", clean, clean).returncode == 0
