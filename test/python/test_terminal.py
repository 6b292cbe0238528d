"""Untrusted names and values reach the terminal escaped, never as control sequences."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbrepro.cli import terminal

BIN = Path(sys.executable).parent
# OSC title + BEL, clear screen, carriage return over the line, 8-bit CSI, RTL override.
EVIL = "evil\x1b]0;pwned\x07\x1b[2J\rhidden\x9b31m\u202e"
UNSAFE = [c for c in EVIL if terminal.UNSAFE.match(c)]


def side(packages):
    return {
        "packages": packages,
        "channels": None,
        "python": None,
        "platform": None,
        "gpu": None,
        "runtime": None,
    }


@pytest.fixture
def sides(tmp_path):
    before = {"numpy": {"name": "numpy", "version": "1.0", "manager": "pip"}}
    after = {
        "numpy": {"name": "numpy", "version": "2.0" + EVIL, "manager": "pip"},
        "x": {"name": EVIL, "version": "1" + EVIL, "manager": "pip"},
    }
    (tmp_path / "a.json").write_text(json.dumps(side(before)))
    (tmp_path / "b.json").write_text(json.dumps(side(after)))
    return tmp_path / "a.json", tmp_path / "b.json"


def nbrepro(*args):
    return subprocess.run(
        [str(BIN / "nbrepro")] + [str(a) for a in args],
        capture_output=True,
        timeout=120,
    )


def assert_no_raw_controls(data):
    text = data.decode("utf-8")
    assert not [c for c in text if terminal.UNSAFE.match(c)], text


def test_diff_table_escapes_control_characters(sides):
    done = nbrepro("diff", *sides, "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done.stdout + done.stderr)
    assert b"evil\\u001b]0;pwned\\u0007\\u001b[2J\\u000dhidden" in done.stdout
    # the columns are measured on what is shown
    lines = done.stdout.decode().splitlines()
    assert lines[1].index("numpy") == lines[2].index("evil")


def test_diff_json_escapes_and_still_parses_to_the_same_values(sides):
    done = nbrepro("diff", *sides, "--json", "--fail-on", "never")
    assert_no_raw_controls(done.stdout)
    report = json.loads(done.stdout)
    assert EVIL in [d.get("name") for d in report["differences"]]


def test_paths_in_error_messages_are_escaped(tmp_path):
    done = nbrepro("check", tmp_path / ("no\x1b[31msuch\r.ipynb"))
    assert done.returncode == 2
    assert_no_raw_controls(done.stdout + done.stderr)
    assert b"no\\u001b[31msuch\\u000d.ipynb" in done.stderr


def test_escape_keeps_newlines_tabs_and_ordinary_unicode():
    assert terminal.escape("a\tb\nc é 日本 🙂") == "a\tb\nc é 日本 🙂"
    assert terminal.escape("\x00\x7f\ud800") == "\\u0000\\u007f\\ud800"
