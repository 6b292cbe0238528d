"""Causes that follow the data, end to end: ``nbrepro run`` records a notebook in a
real kernel, something changes, ``nbrepro verify`` re-runs it and names why."""

import io
import json

import pytest

from nbrepro import cli
from nbrepro.cli import verify as verify_command
from nbrepro.verify.causes import dependencies, follow_data

CELLS = [
    "import numpy as np\nx = np.random.rand(3)",
    "y = x * 2",
    "y.round(3)",
    "rows = open('data/x.csv').read().split()",
    "print(rows)",
    "import time\nt = time.time()",
    "print(round(t % 1, 6))",  # the fraction of a second: never the same twice
    "print(sorted(['b', 'a']))",
]


@pytest.fixture(scope="module")
def report(record):
    path = record(CELLS, files={"data/x.csv": "a b\n"})
    (path.parent / "data" / "x.csv").write_text("a c\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPYTHONDIR", str(path.parent / ".ipython"))
        stdout, stderr = io.StringIO(), io.StringIO()
        args = cli.build_parser().parse_args(["verify", str(path), "--json"])
        status = verify_command.run(args, stdout, stderr)
    return status, json.loads(stdout.getvalue())


def test_randomness_drawn_two_cells_above_is_named(report):
    status, data = report
    cells = {c["cell"]: c for c in data["cells"]}
    assert status == 1
    assert [n for n, c in sorted(cells.items()) if c["status"] == "different"] == [3, 5, 7]
    assert cells[3]["causes"][0] == (
        "unseeded randomness: cell 1 drew from the NumPy global random generator with no "
        "seed set; this cell depends on its x"
    )


def test_changed_input_data_is_checked_first_and_named(report):
    _status, data = report
    cells = {c["cell"]: c for c in data["cells"]}
    assert data["warnings"][0] == (
        "input data changed: data/x.csv (read by cell 4; its sha256 differs from the recording's)"
    )
    assert cells[5]["causes"] == [
        "input data changed: data/x.csv (read by cell 4; this cell depends on its rows)"
    ]


def test_the_clock_is_named(report):
    _status, data = report
    cells = {c["cell"]: c for c in data["cells"]}
    assert cells[7]["causes"] == [
        "time dependence: cell 6 reads the clock (time.time); this cell depends on its t"
    ]
    assert cells[8]["status"] == "same" and cells[6]["status"] == "same"


def run(defines=(), reads=(), drew=(), status="unseeded", files=()):
    inputs = {"defines": list(defines), "reads": list(reads), "drew": list(drew)}
    inputs["files"] = [{"path": p, "mode": "r"} for p in files]
    return {"inputs": inputs, "seeds": {"status": status}}


def test_dependencies_follow_the_latest_binding_through_cells():
    runs = [
        run(defines=["a"]),
        run(defines=["b"], reads=["a"]),
        run(defines=["a"]),  # rebinds a: later readers depend on this cell, not on 0
        run(reads=["b"]),
        run(reads=["a"]),
        run(reads=["print"]),
    ]
    assert dependencies(runs) == [{}, {0: ["a"]}, {}, {1: ["b"], 0: ["a"]}, {2: ["a"]}, {}]


def test_a_file_written_above_is_a_dependency():
    written = {"inputs": {"files": [{"path": "m.csv", "mode": "w"}], "reads": ["M"]}}
    runs = [run(defines=["M"], drew=["numpy"]), written, run(), run(files=["m.csv"])]
    sources = ["M = rand(3)", "savetxt('m.csv', M)", "!cat m.csv", "x = load()"]
    assert dependencies(runs, sources) == [
        {},
        {0: ["M"]},
        {1: ["file m.csv"], 0: ["M"]},
        {1: ["file m.csv"], 0: ["M"]},
    ]
    assert follow_data(2, runs, [1, 2, 3, 4], {}, dependencies(runs, sources)[2]) == [
        "unseeded randomness: cell 1 drew from the NumPy global random generator with no "
        "seed set; this cell depends on its M"
    ]


def test_follow_data_orders_and_words_the_causes():
    runs = [
        run(defines=["x"], drew=["numpy"]),
        run(defines=["rows"], files=["d.csv"]),
        run(reads=["x", "rows"]),
        run(defines=["s"], drew=["numpy"], status="seeded"),
        run(reads=["s"]),
    ]
    numbers = [2, 3, 5, 6, 7]
    assert follow_data(2, runs, numbers, {"d.csv": "missing"}) == [
        "input data is gone: d.csv (read by cell 3; this cell depends on its rows)",
        "unseeded randomness: cell 2 drew from the NumPy global random generator with no "
        "seed set; this cell depends on its x",
    ]
    assert follow_data(4, runs, numbers, {}) == []  # seeded: not the cause
    assert follow_data(0, runs, numbers, {}) == [
        "unseeded randomness: this cell drew from the NumPy global random generator with "
        "no seed set"
    ]


def _verify(path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPYTHONDIR", str(path.parent / ".ipython"))
        stdout, stderr = io.StringIO(), io.StringIO()
        args = cli.build_parser().parse_args(["verify", str(path), "--json"])
        status = verify_command.run(args, stdout, stderr)
    return status, {c["cell"]: c for c in json.loads(stdout.getvalue())["cells"]}


@pytest.mark.kernel
def test_a_cell_that_raises_now_for_want_of_its_data_is_told_why(record, tmp_path_factory):
    """The re-run raises FileNotFoundError where the recording read a file: the error
    line names the file that is gone, or, for one outside the project whose path
    nbrepro does not record, says that the bundle does not carry it."""
    outside = tmp_path_factory.mktemp("elsewhere") / "outside.csv"
    outside.write_text("a\n")
    path = record(
        ["print(open(%r).read())" % str(outside), "print(open('data/y.csv').read())"],
        files={"data/y.csv": "b\n"},
    )
    outside.unlink()
    status, cells = _verify(path)
    assert status == 1 and cells[1]["status"] == "error", cells
    assert cells[1]["causes"] == [
        "input data outside the project: this cell read 1 file by a path nbrepro does not "
        "record (absolute, or above the home folder), which the bundle does not carry (its "
        'README lists it under "Files the bundle lacks")'
    ]
    outside.write_text("a\n")
    (path.parent / "data" / "y.csv").unlink()
    status, cells = _verify(path)
    assert cells[1]["status"] == "same" and cells[2]["status"] == "error", cells
    assert cells[2]["causes"] == ["input data is gone: data/y.csv (read by this cell)"]
