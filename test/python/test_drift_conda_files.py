"""`nbrepro check` and `nbrepro diff` say in words which conda the conda files
are written for and why, on each side, also when nothing changed; an upgraded
conda is information, with what it changes."""

import contextlib
import io
import json
import shutil
from pathlib import Path

import golden_prefixes
import jsonschema
import nbformat
import pytest

from nbrepro.capture import capture
from nbrepro.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schema" / "drift.schema.json").read_text("utf-8"))
ENV_ID = "0123456789abcdef"
FOUND = "(found from the environment's location, in its envs/ folder)"


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A conda installation at <tmp>/base holding conda 25.7.0, and an
    environment under its envs/ (the rattler-plain fixture prefix)."""
    for name in ("CONDA_EXE", "CONDA_PYTHON_EXE", "_CE_CONDA", "CONDA_ROOT", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CONDARC", str(tmp_path / "rc" / "condarc"))
    base = tmp_path / "base"
    (base / "conda-meta").mkdir(parents=True)
    (base / "conda-meta" / "conda-25.7.0-py311_0.json").write_text("{}")
    prefix = base / "envs" / "old"
    shutil.copytree(golden_prefixes.root() / "rattler-plain", prefix)
    return base, prefix


def notebook(path, environment):
    nb = nbformat.v4.new_notebook()
    nb.metadata["nbrepro"] = {
        "schema_version": 1,
        "current": ENV_ID,
        "snapshots": {ENV_ID: {"environment": environment, "captured_at": "2026-01-01T00:00:00Z"}},
        "runs": {},
    }
    nbformat.write(nb, str(path))
    return path


def cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_check_says_which_conda_also_when_nothing_changed(tmp_path, installed):
    base, prefix = installed
    environment = capture(options={"prefix": str(prefix), "gpu": False})["environment"]
    nb = notebook(tmp_path / "nb.ipynb", environment)
    code, out, err = cli("check", nb, "--prefix", prefix)
    assert code == 0, err
    sentence = "written as conda 25.7.0 writes them, the conda installed at %s %s" % (base, FOUND)
    assert "no drift\nconda files of both: %s\n" % sentence in out

    code, out, _ = cli("check", nb, "--prefix", prefix, "--json")
    report = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["conda_files"] == {"before": sentence, "after": sentence}


def test_an_upgraded_conda_is_said_on_both_sides(tmp_path, installed):
    base, prefix = installed
    environment = capture(options={"prefix": str(prefix), "gpu": False})["environment"]
    nb = notebook(tmp_path / "nb.ipynb", environment)
    (base / "conda-meta" / "conda-25.7.0-py311_0.json").rename(
        base / "conda-meta" / "conda-26.7.1-py311_0.json"
    )
    code, out, err = cli("check", nb, "--prefix", prefix)
    assert code == 0, err  # information, not drift that fails a check
    assert "info      conda-changed  conda  25.7.0 -> 26.7.1" in out
    assert (
        "conda files of the recorded environment: written as conda 25.7.0 writes them, "
        "the conda installed at %s %s\n" % (base, FOUND)
    ) in out
    assert (
        "conda files of the other: written as conda 26.7.1 writes them, "
        "the conda installed at %s %s\n" % (base, FOUND)
    ) in out

    # diff of two snapshots says the same
    now = capture(options={"prefix": str(prefix), "gpu": False, "full": False})
    after = tmp_path / "now.json"
    after.write_text(json.dumps(now))
    code, out, _ = cli("diff", nb, after, "--json")
    report = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["conda_files"]["before"].startswith("written as conda 25.7.0 writes them")
    assert report["conda_files"]["after"].startswith("written as conda 26.7.1 writes them")
    (change,) = [d for d in report["differences"] if d["kind"] == "conda-changed"]
    assert "without the implicit defaults channel" in change["detail"]


def test_no_words_without_a_conda_environment(tmp_path):
    environment = capture(options={"gpu": False})["environment"]
    assert environment["conda"] is None  # the test venv
    nb = notebook(tmp_path / "nb.ipynb", environment)
    code, out, _ = cli("check", nb, "--json")
    assert "conda_files" not in json.loads(out)
    assert "conda files" not in cli("check", nb)[1]


def test_a_forged_behaviour_is_read_as_data(tmp_path, installed):
    """A snapshot file is untrusted: a behaviour of the wrong shape, or text that
    would move the terminal's cursor, neither crashes nor reaches the terminal."""
    _, prefix = installed
    environment = capture(options={"prefix": str(prefix), "gpu": False})["environment"]
    forged = json.loads(json.dumps(environment))
    forged["conda"]["behaviour"] = {"conda": ["26.7"], "source": {"x": 1}, "version": 3}
    a = tmp_path / "a.json"
    a.write_text(json.dumps({"environment": forged}))
    forged = json.loads(json.dumps(environment))
    forged["conda"]["behaviour"]["root"] = "/opt/\x1b[2Jconda"
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"environment": forged}))
    code, out, err = cli("diff", a, b)
    assert code in (0, 1), err
    assert "conda files of the recorded environment: written as conda 26.7" in out
    assert "\x1b" not in out
