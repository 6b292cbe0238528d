"""`nbrepro snapshot` as a user runs it: a subprocess per format."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]


def snapshot(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    return subprocess.run(
        [sys.executable, "-m", "nbrepro", "snapshot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_format_of_this_interpreter():
    completed = snapshot("--format", "json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["schema_version"] == 1
    assert result["environment"]["conda"] is None


def test_environment_yml_of_a_prefix(conda_prefix):
    completed = snapshot("--prefix", str(conda_prefix), "--format", "environment.yml")
    assert completed.returncode == 0, completed.stderr
    data = yaml.safe_load(completed.stdout)
    assert list(data) == ["name", "channels", "dependencies", "prefix"]
    assert data["dependencies"][-1]["pip"][0] == "clobberme==2.0"
    assert "      - clobberme==2.0\n" in completed.stdout
    assert "clobberme" in completed.stderr  # the clobbered record is reported
    no_builds = snapshot(
        "--prefix", str(conda_prefix), "--format", "environment.yml", "--no-builds"
    )
    assert "  - nbtool=0.3\n" in no_builds.stdout


def test_from_history(ahc_prefix):
    completed = snapshot(
        "--prefix", str(ahc_prefix), "--format", "environment.yml", "--from-history"
    )
    assert completed.returncode == 0, completed.stderr
    assert "dependencies:\n  - python=3.12\n" in completed.stdout


@pytest.mark.parametrize("fmt", ["explicit", "requirements"])
def test_lock_and_requirements(conda_prefix, fmt):
    completed = snapshot("--prefix", str(conda_prefix), "--format", fmt)
    assert completed.returncode == 0, completed.stderr
    if fmt == "explicit":
        lines = completed.stdout.splitlines()
        assert "@EXPLICIT" in lines
        assert all("#" in line for line in lines[lines.index("@EXPLICIT") + 1 :])
    else:
        assert "plainpkg==1.0" in completed.stdout.splitlines()


def test_sha256_lock_and_full_record(conda_prefix):
    completed = snapshot("--prefix", str(conda_prefix), "--format", "explicit", "--sha256")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    urls = lines[lines.index("@EXPLICIT") + 1 :]
    assert len(urls) == 5
    assert all(len(line.split("#")[1]) == 64 for line in urls)
    full = json.loads(snapshot("--prefix", str(conda_prefix), "--full").stdout)
    sha = [p["url"] + "#" + p["sha256"] for p in full["environment_full"]["conda"]["packages"]]
    assert urls == sha
    assert all(isinstance(p, str) for p in full["environment"]["conda"]["packages"])
    plain = json.loads(snapshot("--prefix", str(conda_prefix)).stdout)
    assert "environment_full" not in plain
    assert plain["environment_id"] == full["environment_id"]


def test_explicit_without_conda_is_an_error(tmp_path):
    completed = snapshot("--prefix", str(tmp_path), "--format", "explicit")
    assert completed.returncode == 2
    assert "no conda-meta" in completed.stderr
