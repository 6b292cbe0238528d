"""`nbrepro check` shows the input files a recording read that changed since:
the environment may be the same, but the outputs no longer follow from the
same data."""

import json

import pytest

from nbrepro import cli


@pytest.fixture(scope="module")
def recorded(record):
    return record(
        ["rows = open('data/x.csv').read().split()"],
        files={"data/x.csv": "a b\n"},
    )


def check(path, capsys, *extra):
    capsys.readouterr()
    status = cli.main(["check", str(path), *extra])
    return status, capsys.readouterr().out


def test_unchanged_inputs_are_not_drift(recorded, capsys):
    status, out = check(recorded, capsys, "--json")
    assert json.loads(out)["inputs"] == []
    assert "input data" not in check(recorded, capsys)[1]


def test_a_changed_input_is_shown_and_counts_as_medium(recorded, capsys):
    data = recorded.parent / "data" / "x.csv"
    before = data.read_text()
    try:
        data.write_text("a c\n")
        # medium: shown, and a failure from --fail-on medium (the default fails on high)
        assert check(recorded, capsys, "--fail-on", "medium")[0] == 1
        status, out = check(recorded, capsys)
        assert (
            "input data changed: data/x.csv (read by cell 1; its sha256 differs from the "
            "recording's)" in out
        )
        status, out = check(recorded, capsys, "--json")
        report = json.loads(out)
        assert report["severity"] in ("high", "medium")
        assert [(i["path"], i["status"]) for i in report["inputs"]] == [("data/x.csv", "changed")]
        assert status == (1 if report["severity"] == "high" else 0)
        data.unlink()
        status, out = check(recorded, capsys, "--fail-on", "medium")
        assert status == 1 and "input data missing: data/x.csv (read by cell 1)" in out
    finally:
        data.write_text(before)


def test_against_another_file_does_not_look_at_the_folder(recorded, tmp_path, capsys):
    data = recorded.parent / "data" / "x.csv"
    before = data.read_text()
    try:
        data.write_text("changed\n")
        status, out = check(recorded, capsys, "--against", str(recorded), "--json")
        assert "inputs" not in json.loads(out)
    finally:
        data.write_text(before)
