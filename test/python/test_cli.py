"""The console script, run as a user runs it."""

import subprocess
import sys

from nbrepro import __version__


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "nbrepro", *args], capture_output=True, text=True, timeout=60
    )


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "nbrepro " + __version__


def test_help_lists_what_nbrepro_is():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "usage: nbrepro" in result.stdout
    assert "drifts" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
