"""``papermill --engine nbrepro``: real papermill, through the entry point, records
what ``nbrepro run`` records, and ``nbrepro verify`` passes on its output."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nbrepro.record import metadata

pytest.importorskip("papermill")
BIN = Path(sys.executable).parent


def make_notebook(path, fail=False):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    params = nbformat.v4.new_code_cell("alpha = 0.1\nsource = 'in.csv'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A step"),
        params,
        nbformat.v4.new_code_cell("import random\nrandom.seed(3)\nvalue = random.random()"),
        nbformat.v4.new_code_cell("print(round(alpha * value, 6), source)"),
    ]
    if fail:
        nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
        nb.cells.append(nbformat.v4.new_code_cell("never = True"))
    nbformat.write(nb, str(path))
    return path


def tool(name, *argv, cwd):
    env = dict(os.environ, IPYTHONDIR=str(Path(cwd) / "ipython"))
    return subprocess.run(
        [str(BIN / name), *map(str, argv)],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.kernel
def test_papermill_with_the_nbrepro_engine_records_like_nbrepro_run(tmp_path):
    make_notebook(tmp_path / "in.ipynb")
    done = tool(
        "papermill", "--engine", "nbrepro", "in.ipynb", "pm.ipynb", "-p", "alpha", "0.3",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    ran = tool("nbrepro", "run", "in.ipynb", "-o", "run.ipynb", "-p", "alpha", "0.3", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr

    pm = nbformat.read(str(tmp_path / "pm.ipynb"), as_version=4)
    run = nbformat.read(str(tmp_path / "run.ipynb"), as_version=4)
    meta = pm.metadata["nbrepro"]
    assert metadata.validate(meta) == []
    assert meta["current"] in meta["snapshots"] and meta["kernel"]["name"] == "python3"
    assert sorted(meta) == sorted(run.metadata["nbrepro"])
    # the injected cell, then every code cell, carries its record
    code = [c for c in pm.cells if c.cell_type == "code"]
    assert [c.metadata.get("tags") for c in code[:2]] == [["parameters"], ["injected-parameters"]]
    assert code[1].source == "# Parameters\nalpha = 0.3\n"
    assert code[1].source == [c for c in run.cells if c.cell_type == "code"][1].source
    for cell in code:
        record = cell.metadata["nbrepro"]
        assert metadata.validate_cell(record) == [] and record["env"] == meta["current"]
        assert record["run"] in meta["runs"]
        assert cell.metadata["papermill"]["status"] == "completed"  # papermill's own still there
    assert code[-1].outputs[0]["text"] == run.cells[-1].outputs[0]["text"]
    assert pm.metadata["papermill"]["parameters"] == {"alpha": 0.3}

    verify = tool("nbrepro", "verify", "pm.ipynb", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "0 different" in verify.stdout


@pytest.mark.kernel
def test_a_failing_cell_fails_papermill_and_keeps_the_records_of_what_ran(tmp_path):
    make_notebook(tmp_path / "in.ipynb", fail=True)
    done = tool("papermill", "--engine", "nbrepro", "in.ipynb", "out.ipynb", cwd=tmp_path)
    assert done.returncode == 1 and "ZeroDivisionError" in done.stderr
    nb = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all("nbrepro" in c.metadata for c in code[:-1])  # the failing cell ran too
    assert "nbrepro" not in code[-1].metadata  # never ran
    assert code[-2].metadata["papermill"]["status"] == "failed"
    assert nb.metadata["papermill"]["exception"] is True
    assert metadata.validate(nb.metadata["nbrepro"]) == []


def test_nothing_but_the_engine_imports_papermill():
    probe = (
        "import sys, nbrepro.cli, nbrepro.run.runner, nbrepro.record.parameters\n"
        "import nbrepro.export.bundle\n"
        "nbrepro.cli.build_parser()\n"
        "print('papermill' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
    package = Path(metadata.__file__).parents[1]
    importers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "import papermill" in path.read_text() or "from papermill" in path.read_text()
    )
    assert importers == ["integrations/papermill_engine.py"]
