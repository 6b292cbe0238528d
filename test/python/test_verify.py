"""``nbrepro verify`` end to end: record with ``nbrepro run``, verify in a real kernel."""

import hashlib
import io
import json
import os
import shutil

import jsonschema
import nbformat
import pytest
from test_verify_units import png

from nbrepro import cli
from nbrepro.cli import verify as verify_command

# One notebook for every case that needs a kernel: recorded once, verified once.
CELLS = {
    "unseeded": "import numpy as np\nnp.random.rand()",
    "seeded": "np.random.seed(0)\nprint(np.random.rand(3))",
    "seeded later": "np.random.rand(2)",
    "address": "object()",
    "hex id": "print(hex(id(object())))",
    "now": "import datetime\nprint(datetime.datetime.now())\ndatetime.datetime.now().isoformat()",
    "timing": "%time total = sum(range(1000))",
    "progress": "import sys\nfor step in range(4):\n    sys.stderr.write('\\r%d%%' % (25 * step))\n"
    "    sys.stderr.flush()\nsys.stderr.write('\\rdone\\n')",
    "tmp": "import tempfile\nwith tempfile.TemporaryDirectory() as folder:\n    print(folder)",
    "float": "print(open('value.txt').read())",
    "same image": "from IPython.display import Image, display\ndisplay(Image(filename='same.png'))",
    "changed image": "display(Image(filename='changed.png'))",
    "edited": "print('as recorded')",
    "python random": "import random\nrandom.random()",
}
NAMES = list(CELLS)
EDITED_SOURCE = "print('edited later')"


def cell_number(name):
    return NAMES.index(name) + 2  # a markdown cell comes first


@pytest.fixture(scope="module")
def private_ipython(tmp_path_factory):
    saved = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    yield
    if saved is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = saved


def main(*argv):
    return cli.main([str(a) for a in argv])


@pytest.fixture(scope="module")
def recorded(record, private_ipython):
    path = record(
        [nbformat.v4.new_markdown_cell("# verify"), *CELLS.values()],
        files={
            "value.txt": "0.1",
            "same.png": png((10, 20, 30)),
            "changed.png": png((255, 0, 0)),
        },
    )
    folder = path.parent
    # After the recording: a float off by 1e-12, another picture, an edited cell.
    (folder / "value.txt").write_text("0.1000000000001")
    (folder / "changed.png").write_bytes(png((0, 0, 255)))
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[cell_number("edited") - 1].source = EDITED_SOURCE
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def report(recorded):
    stdout, stderr = io.StringIO(), io.StringIO()
    args = cli.build_parser().parse_args(["verify", str(recorded), "--json"])
    status = verify_command.run(args, stdout, stderr)
    return status, json.loads(stdout.getvalue()), stderr.getvalue()


def entry(report, name):
    cells = {c["cell"]: c for c in report[1]["cells"]}
    return cells[cell_number(name)]


@pytest.mark.parametrize(
    "name",
    [
        "seeded",
        "seeded later",
        "address",
        "hex id",
        "now",
        "timing",
        "progress",
        "tmp",
        "float",
        "same image",
    ],
)
def test_what_is_reproducible_or_normalised_is_the_same(report, name):
    assert entry(report, name)["status"] == "same", entry(report, name)


def test_every_status_and_the_exit_code(report):
    status, data, err = report
    assert status == 1
    different = {c["cell"] for c in data["cells"] if c["status"] == "different"}
    assert different == {
        cell_number(n) for n in ("unseeded", "changed image", "edited", "python random")
    }
    assert data["summary"] == {
        "same": 10,
        "different": 4,
        "error": 0,
        "not recorded": 0,
        "not run": 0,
    }
    # One progress line per cell when stderr is not a terminal.
    assert "[1/14] cell 2 ok (" in err and "[14/14] cell 15 ok (" in err


def test_unseeded_randomness_is_named(report):
    unseeded = entry(report, "unseeded")
    assert unseeded["difference"]["where"] == "output 1 text/plain"
    # The first cell: the run record says it drew (the state NumPy had at import moved).
    assert unseeded["causes"][0] == (
        "unseeded randomness: this cell drew from the NumPy global random generator with "
        "no seed set"
    )
    assert unseeded["causes"][1].startswith("unseeded randomness: no seed had been set")
    python_random = entry(report, "python random")
    assert python_random["causes"][0] == (
        "unseeded randomness: this cell drew from the Python random generator, "
        "whose state differs from the recording's"
    )


def test_images_say_how_they_compared(report):
    assert entry(report, "same image")["notes"] == ["output 1 image/png: same image"]
    changed = entry(report, "changed image")
    assert changed["difference"]["where"] == "output 1 image/png"
    # 1x1 red against 1x1 blue: grey 76 against 29 in the thumbnails.
    verdict = "different (max diff 255, hash distance 0 of 256, thumbnail diff 47)"
    assert changed["difference"]["detail"] == verdict
    assert changed["notes"] == ["output 1 image/png: " + verdict]


def test_an_edited_cell_is_hidden_state(report):
    edited = entry(report, "edited")
    assert edited["difference"] == {
        "recorded": "as recorded",
        "now": "edited later",
        "line": 1,
        "where": "stdout",
    }
    assert edited["causes"][0] == (
        "hidden state: the cell was edited after it ran, "
        "so its recorded outputs come from other code"
    )


def test_tolerance_zero_sees_the_float(recorded, capsys):
    status = main("verify", recorded, "--rtol", "0", "--atol", "0")
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("cell %d " % cell_number("float")))
    assert line.startswith(
        "cell %d  different  stdout: recorded '0.1', now '0.1000000000001'" % cell_number("float")
    )
    assert "(0.1 vs 0.1000000000001)" in line
    assert status == 1
    assert out.splitlines()[-1] == "9 same, 5 different, 0 not recorded"


# The shape documented in `nbrepro verify --help`.
REPORT_SCHEMA = {
    "type": "object",
    "required": [
        "notebook",
        "kernel",
        "python",
        "tolerance",
        "cells",
        "summary",
        "warnings",
        "failure",
        "exit_status",
    ],
    "additionalProperties": False,
    "properties": {
        "notebook": {"type": "string"},
        "kernel": {"type": "string"},
        "python": {"type": ["string", "null"]},
        "tolerance": {
            "type": "object",
            "required": ["rtol", "atol"],
            "properties": {"rtol": {"type": "number"}, "atol": {"type": "number"}},
        },
        "cells": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["cell", "status", "difference", "causes", "notes"],
                "additionalProperties": False,
                "properties": {
                    "cell": {"type": "integer", "minimum": 1},
                    "status": {"enum": ["same", "different", "error", "not recorded", "not run"]},
                    "difference": {
                        "anyOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["where", "recorded", "now"],
                                "additionalProperties": False,
                                "properties": {
                                    "where": {"type": "string"},
                                    "recorded": {"type": "string"},
                                    "now": {"type": "string"},
                                    "line": {"type": "integer"},
                                    "detail": {"type": "string"},
                                    "path": {"type": "string"},
                                },
                            },
                        ]
                    },
                    "causes": {"type": "array", "items": {"type": "string"}},
                    "notes": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "summary": {
            "type": "object",
            "required": ["same", "different", "error", "not recorded", "not run"],
            "additionalProperties": {"type": "integer"},
        },
        "warnings": {"type": "array", "items": {"type": "string"}},
        "failure": {"type": ["string", "null"]},
        "exit_status": {"enum": [0, 1]},
    },
}


def test_json_report_has_the_documented_shape(report):
    jsonschema.validate(report[1], REPORT_SCHEMA)
    assert report[1]["exit_status"] == report[0]
    assert report[1]["tolerance"] == {
        "rtol": 1e-9,
        "atol": 0.0,
        "image_tolerance": 36,
        "image_hash_distance": 12,
    }


def seeded_bundle(record, folder):
    """A bundle folder as export writes it: a seeded notebook recorded (its fourth cell
    raises, by design), its data, a manifest."""
    return record(
        [
            nbformat.v4.new_markdown_cell("# verify"),
            "import numpy as np\nrng = np.random.default_rng(42)\nn = int(open('data.txt').read())",
            "print(rng.normal(size=n))",
            "rng.integers(0, 100, size=n)",
            "1 / 0",
            "print('after the error')",
        ],
        files={"data.txt": "3\n"},
        name="seeded.ipynb",
        status=1,
        into=folder,
    ).parent


def manifest(folder):
    files = {}
    for name in ("seeded.ipynb", "data.txt"):
        raw = (folder / name).read_bytes()
        files[name] = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
    (folder / "manifest.json").write_text(
        json.dumps(
            {"nbrepro_bundle": 1, "notebook": "seeded.ipynb", "script": "seeded.py", "files": files}
        )
    )


def test_a_seeded_bundle_verifies_and_an_altered_file_is_named(
    record, tmp_path, capsys, private_ipython
):
    folder = seeded_bundle(record, tmp_path / "bundle")
    nb = nbformat.read(str(folder / "seeded.ipynb"), as_version=4)
    del nb.cells[4:]  # what an exported notebook holds: the cells that ran cleanly
    nbformat.write(nb, str(folder / "seeded.ipynb"))
    manifest(folder)
    capsys.readouterr()

    status = main("verify", folder)
    captured = capsys.readouterr()
    assert (
        captured.out
        == "cell 2  same\ncell 3  same\ncell 4  same\n3 same, 0 different, 0 not recorded\n"
    )
    assert status == 0, captured.err
    assert "warning" not in captured.err

    # Issue 20, defect 6: a changed file stops verify before anything runs...
    (folder / "data.txt").write_text("3\n\n")  # same outputs, altered file
    status = main("verify", folder)
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert (
        "data.txt does not match the sha256 in manifest.json: the bundle was altered after "
        "export" in captured.err
    )
    assert "--allow-modified" in captured.err
    # ... and --allow-modified runs it, saying so first.
    status = main("verify", folder, "--allow-modified")
    captured = capsys.readouterr()
    assert status == 0
    assert (
        "nbrepro verify: warning: data.txt does not match the sha256 in manifest.json: "
        "the bundle was altered after export" in captured.err
    )
    assert captured.err.count("data.txt does not match") == 1
    (folder / "data.txt").write_text("3\n")

    # An interpreter that came with the bundle never runs, whatever its stamp says:
    # run.sh's stamp names the folder it built by inode.
    marker = tmp_path / "ran"
    fake = folder / ".env" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\ntouch %s\nexit 1\n" % marker)
    fake.chmod(0o755)
    (folder / ".env" / ".nbrepro-stamp").write_text(
        "method pip\nbuilt 12345 %s\n" % (folder / ".env").resolve()
    )
    status = main("verify", folder)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert not marker.exists()
    assert ".env/bin/python, which run.sh did not build here" in captured.err

    # The same bundle as a zip, its .env/ too (never unpacked, never run); a
    # progress bar when stderr is a terminal.
    shutil.make_archive(str(tmp_path / "bundle"), "zip", str(folder))
    stdout, stderr = io.StringIO(), Terminal()
    args = cli.build_parser().parse_args(["verify", str(tmp_path / "bundle.zip")])
    assert verify_command.run(args, stdout, stderr) == 0
    assert stdout.getvalue().endswith("3 same, 0 different, 0 not recorded\n")
    assert "\r[" + "#" * verify_command.BAR_WIDTH + "] 3/3 cell 4" in stderr.getvalue()
    assert "[1/3]" not in stderr.getvalue()


def test_a_tampered_bundle_runs_nothing(record, tmp_path, capsys):
    """Issue 20, defect 6: verify ran a bundle's tampered notebook, then warned."""
    folder = seeded_bundle(record, tmp_path / "bundle")
    manifest(folder)
    marker = tmp_path / "ran"
    nb = nbformat.read(str(folder / "seeded.ipynb"), as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("open(%r, 'w').write('ran')" % str(marker)))
    nbformat.write(nb, str(folder / "seeded.ipynb"))
    (folder / "numpy.py").write_text("open(%r, 'w').write('ran')\n" % str(marker))
    status = main("verify", folder)
    captured = capsys.readouterr()
    assert status == 2 and not marker.exists()
    assert "seeded.ipynb does not match the sha256 in manifest.json" in captured.err
    assert "numpy.py is not in manifest.json: a module the notebook could import" in captured.err
    assert main("verify", folder, "--check-only") == 2 and not marker.exists()
    (folder / "numpy.py").unlink()
    manifest(folder)
    assert main("verify", folder, "--check-only") == 0
    assert "matches its manifest" in capsys.readouterr().err


def test_a_cell_that_raises_now_or_then(record, tmp_path, capsys, private_ipython):
    path = record(
        [nbformat.v4.new_markdown_cell("# verify"), "x = 1", "print(x)", "1 / 0", "print('after')"],
        name="raises.ipynb",
        status=1,
        into=tmp_path,
    )
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[1].source = "x = 0"  # now cell 3 raises where it printed
    nb.cells[2].source = "print(1 / x)"
    nbformat.write(nb, str(path))
    capsys.readouterr()
    status = main("verify", path)
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    # what the records know of why: the test edited the cell after it ran
    assert out[1] == (
        "cell 3  error  (raised ZeroDivisionError now)  likely: hidden state: the cell was "
        "edited after it ran, so its recorded outputs come from other code"
    )
    assert out[2] == "cell 4  error  (raised ZeroDivisionError in the recording)"
    assert out[3] == "cell 5  not recorded"
    assert out[4] == "1 same, 0 different, 2 error, 1 not recorded"
    assert out[5] == "the re-run stopped: cell 3 raised ZeroDivisionError: division by zero"


def test_a_recording_made_with_allow_errors_verifies_to_its_last_cell(
    record, tmp_path, capsys, private_ipython
):
    """A teaching notebook recorded with --allow-errors: verify goes on past its
    errors, and each error raised again is the same (issue 21)."""
    path = record(
        [
            nbformat.v4.new_markdown_cell("# verify"),
            *["x = 1", "print('before')\n1 / 0", "print(x)", "%nosuchmagic", "[][0]"],
            "print('end')",
        ],
        name="teach.ipynb",
        args=("--allow-errors",),
        status=1,
        into=tmp_path,
    )
    capsys.readouterr()
    status = main("verify", path)
    out = capsys.readouterr().out.splitlines()
    assert status == 0, out
    assert out[-1] == "6 same, 0 different, 0 not recorded"
    assert "cell 3  same  (raised ZeroDivisionError, as in the recording)" in out


class Terminal(io.StringIO):
    def isatty(self):
        return True
