"""``nbrepro run``: a real kernel through nbclient, the metadata JupyterLab would write."""

import hashlib
import json
import os
import subprocess
import sys

import nbformat
import pytest

from nbrepro import cli
from nbrepro.record import metadata
from nbrepro.run import runner

FOREIGN = {
    "papermill": {"parameters": {"alpha": 0.5}, "environment_variables": {}, "version": "2.6.0"},
    "jupytext": {
        "formats": "ipynb,py:percent",
        "text_representation": {"extension": ".py", "format_name": "percent"},
    },
    "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
    "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}},
}
CELLS = [
    "import random\nrandom.seed(7)\nvalue = random.random()",
    "total = value * 2\nprint(total)",
    "1 / 0",
    "never = True",
]


def write_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(json.loads(json.dumps(FOREIGN)))
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook")] + [
        nbformat.v4.new_code_cell(code) for code in cells
    ]
    nbformat.write(nb, str(path))
    return path


def src(code):
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def run(capsys, *argv):
    status = cli.main(["run", *map(str, argv)])
    return status, capsys.readouterr().err


@pytest.fixture(autouse=True)
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


@pytest.mark.kernel
def test_run_records_like_jupyterlab_and_keeps_foreign_metadata(tmp_path, capsys):
    source = write_notebook(tmp_path / "in.ipynb", CELLS[:2])
    original = source.read_bytes()
    status, err = run(capsys, source, "-o", tmp_path / "out.ipynb")
    assert status == 0, err
    assert "[1/2] cell 2 ok (" in err and "[2/2] cell 3 ok (" in err
    assert source.read_bytes() == original  # -o leaves the input alone

    written = json.loads((tmp_path / "out.ipynb").read_text())
    for key, value in FOREIGN.items():
        assert json.dumps(written["metadata"][key], sort_keys=True) == json.dumps(
            value, sort_keys=True
        )
    nbformat.validate(nbformat.reads(json.dumps(written), as_version=4))
    meta = written["metadata"]["nbrepro"]
    assert metadata.validate(meta) == []
    assert meta["kernel"] == {"name": "python3", "language": "python"}
    assert list(meta["snapshots"]) == [meta["current"]]

    code_cells = [c for c in written["cells"] if c["cell_type"] == "code"]
    records = [c["metadata"]["nbrepro"] for c in code_cells]
    assert [r["src"] for r in records] == [src(code) for code in CELLS[:2]]
    assert {r["env"] for r in records} == {meta["current"]}
    assert set(meta["runs"]) == {r["run"] for r in records}
    assert meta["runs"][records[0]["run"]]["seeds"]["status"] == "seeded"
    assert all(metadata.validate_cell(r) == [] for r in records)
    printed_total = "".join(code_cells[1]["outputs"][0]["text"])
    assert printed_total == "%s\n" % (2 * __import__("random").Random(7).random())

    # The same environment as `nbrepro snapshot` for this interpreter, apart
    # from sys.path[0] (the script's folder there, the notebook's here).
    printed = subprocess.run(
        [sys.executable, "-m", "nbrepro", "snapshot"],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(tmp_path),
    )
    snapshot = json.loads(printed.stdout)["environment"]
    recorded = meta["snapshots"][meta["current"]]["environment"]
    for section in sorted(set(snapshot) | set(recorded)):
        if section == "pip":
            for key in ("distributions",):
                assert recorded["pip"][key] == snapshot["pip"][key]
        else:
            assert recorded.get(section) == snapshot.get(section), section


@pytest.mark.kernel
def test_failing_cell_stops_the_run_and_still_writes(tmp_path, capsys):
    path = write_notebook(tmp_path / "fails.ipynb", CELLS)
    status, err = run(capsys, path, "--timeout", "60")
    assert status == 1
    assert "[3/4] cell 4 failed" in err
    assert "cell 4 raised ZeroDivisionError: division by zero" in err
    assert "[4/4]" not in err

    written = nbformat.read(str(path), as_version=4)
    code_cells = [c for c in written.cells if c.cell_type == "code"]
    assert [("nbrepro" in c.metadata) for c in code_cells] == [True, True, True, False]
    assert code_cells[2].metadata["nbrepro"]["src"] == src("1 / 0")
    assert code_cells[2].outputs[0]["ename"] == "ZeroDivisionError"
    assert metadata.validate(written.metadata["nbrepro"]) == []
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


def test_write_is_atomic(tmp_path, monkeypatch):
    path = write_notebook(tmp_path / "nb.ipynb", CELLS[:1])
    before = path.read_bytes()
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["nbrepro"] = metadata.empty()
    nb.cells[1].source = "changed = 1"

    def fail(src_, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(runner.os, "replace", fail)
    with pytest.raises(OSError, match="simulated"):
        runner.write_atomically(nb, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ipython", "nb.ipynb"] or sorted(
        os.listdir(tmp_path)
    ) == ["nb.ipynb"]

    monkeypatch.undo()
    nb.metadata["nbrepro"]["snapshots"] = {"bad": {}}  # invalid: nothing is written
    with pytest.raises(ValueError, match="schema"):
        runner.write_atomically(nb, path)
    assert path.read_bytes() == before


def test_unknown_kernel_and_unreadable_input_exit_2(tmp_path, capsys):
    path = write_notebook(tmp_path / "nb.ipynb", CELLS[:1])
    status, err = run(capsys, path, "--kernel", "no-such-kernel-xyz")
    assert status == 2
    assert "no kernel named 'no-such-kernel-xyz'" in err and "--kernel" in err

    status, err = run(capsys, tmp_path / "missing.ipynb")
    assert status == 2 and "cannot read" in err

    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    status, err = run(capsys, broken)
    assert status == 2 and "not a readable notebook" in err


@pytest.mark.kernel
def test_timeout_interrupts_the_cell_and_records_it(tmp_path, capsys):
    path = write_notebook(
        tmp_path / "slow.ipynb", ["a = 1", "import time\ntime.sleep(60)", "b = 2"]
    )
    started = __import__("time").monotonic()
    status, err = run(capsys, path, "--timeout", "1")
    assert status == 1
    assert __import__("time").monotonic() - started < 30
    assert "cell 3 did not finish within 1 s; interrupted" in err
    written = nbformat.read(str(path), as_version=4)
    code_cells = [c for c in written.cells if c.cell_type == "code"]
    assert [("nbrepro" in c.metadata) for c in code_cells] == [True, True, False]


# -- issue 14: failed and partial recordings --------------------------------------------


@pytest.mark.kernel
def test_cells_below_a_stop_lose_the_authors_stale_outputs(tmp_path, capsys):
    from nbrepro.export import gate

    path = write_notebook(tmp_path / "stale.ipynb", CELLS)
    nb = nbformat.read(str(path), as_version=4)
    stale = nb.cells[4]  # "never = True", below the failing cell
    stale.execution_count = 9
    stale.outputs = [nbformat.v4.new_output("stream", name="stdout", text="author's output\n")]
    stale.metadata["nbrepro"] = {"env": "0123456789abcdef", "src": src("never = True")}
    nbformat.write(nb, str(path))

    status, _err = run(capsys, path, "--timeout", "60")
    assert status == 1
    written = nbformat.read(str(path), as_version=4)
    below = written.cells[4]
    assert (below.execution_count, below.outputs, "nbrepro" in below.metadata) == (None, [], False)
    findings = gate.check(written)
    assert [f["kind"] for f in findings] == ["stopped", "never-run", "not-one-pass"]
    assert findings[0]["message"].startswith("recording stopped at cell 4: ZeroDivisionError")
    assert findings[0]["cells"] == [4] and findings[1]["cells"] == [5]
    # The author's lone count 9 is kept as their evidence (metadata.nbrepro.author_order).
    assert findings[2]["message"].startswith(
        "before nbrepro re-ran it, the author's execution counts were cell 2: -, cell 3: -, "
        "cell 4: -, cell 5: 9: the cells were not run once from the top"
    )


@pytest.mark.kernel
def test_allow_errors_runs_every_cell_and_still_fails(tmp_path, capsys):
    path = write_notebook(tmp_path / "allow.ipynb", CELLS)
    status, err = run(capsys, path, "--timeout", "60", "--allow-errors")
    assert status == 1
    assert "cell 4 raised ZeroDivisionError: division by zero" in err
    assert "[4/4] cell 5 ok" in err
    written = nbformat.read(str(path), as_version=4)
    assert [c.execution_count for c in written.cells[1:]] == [1, 2, 3, 4]
    assert all("nbrepro" in c.metadata for c in written.cells[1:])


@pytest.mark.kernel
def test_a_cell_tagged_raises_exception_does_not_stop_or_fail_the_run(tmp_path, capsys):
    path = write_notebook(tmp_path / "tagged.ipynb", CELLS)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[3].metadata["tags"] = ["raises-exception"]
    nbformat.write(nb, str(path))
    status, err = run(capsys, path, "--timeout", "60")
    assert status == 0, err
    written = nbformat.read(str(path), as_version=4)
    assert written.cells[4].execution_count == 4


def _start_run(path, *argv):
    return subprocess.Popen(
        [sys.executable, "-m", "nbrepro", "run", str(path), *argv],
        cwd=str(path.parent),
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path, process, timeout=120):
    import time

    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the cell never started"
        time.sleep(0.05)


SLOW_CELLS = ["import pathlib, time\npathlib.Path('started').touch()\ntime.sleep(4)", "x = 1"]


@pytest.mark.kernel
def test_an_edit_saved_while_the_notebook_runs_is_kept_and_the_run_goes_beside_it(tmp_path):
    """Issue 20, defect 7: ``nbrepro run NB`` wrote over an edit saved (by
    JupyterLab, an editor) while its cells ran, and exited 0."""
    path = write_notebook(tmp_path / "nb.ipynb", SLOW_CELLS)
    process = _start_run(path)
    _wait_for(tmp_path / "started", process)
    edited = write_notebook(tmp_path / "edited.ipynb", SLOW_CELLS + ["# my edit"]).read_bytes()
    path.write_bytes(edited)  # the user's save
    err = process.communicate(timeout=120)[1]
    assert process.returncode == 2, err
    assert path.read_bytes() == edited
    beside = tmp_path / "nb.nbrepro-run.ipynb"
    assert "changed while it ran" in err and str(beside) in err
    ran = nbformat.read(str(beside), as_version=4)
    assert ran.cells[2].execution_count == 2 and "nbrepro" in ran.metadata


@pytest.mark.kernel
def test_a_second_run_of_the_same_notebook_stops_at_once_and_loses_nothing(tmp_path):
    """Issue 20, defect 7: two concurrent in-place runs both exited 0 and one run
    was lost; the second now stops at once (exit 2) while the first holds the lock."""
    path = write_notebook(tmp_path / "nb.ipynb", SLOW_CELLS)
    first = _start_run(path)
    _wait_for(tmp_path / "started", first)
    second = subprocess.run(
        [sys.executable, "-m", "nbrepro", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 2
    assert "is being run by another nbrepro run" in second.stderr
    err = first.communicate(timeout=120)[1]
    assert first.returncode == 0, err
    assert nbformat.read(str(path), as_version=4).cells[2].execution_count == 2
