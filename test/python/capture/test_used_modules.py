"""What "imported by this notebook" means, in a real ipykernel.

The rule (``capture/modules.py``): a run's ``modules`` are the top-level
modules its cell names in import statements; ``needed`` are the others first
loaded while the cell ran (what those imports pulled in). What the kernel had
loaded before the first cell (ipykernel, tornado, zmq, traitlets, debugpy) is
in neither, and a console's executions carry no cell id.
"""

import sys
from pathlib import Path

import pytest

from nbrepro.capture import modules
from nbrepro.capture.context import Context
from nbrepro.run import kernel as kernel_bridge

OPTIONS = {"gpu": False}


def collect(kernel):
    return kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)


def distributions(section):
    out = set()
    for value in (section or {}).values():
        for name in value if isinstance(value, list) else [value]:
            if name:
                out.add(name)
    return out


def notebook_runs(result):
    """The runs of records that carry a cell id, as the front end keeps them."""
    return [result["runs"][c["run"]] for c in result["cells"] if c["cell_id"] and c["run"]]


def test_run_all_of_a_numpy_notebook_marks_only_numpy(kernel):
    collect(kernel)  # kernel start: the baseline, as JupyterLab's first collect
    cells = [
        "import numpy as np",
        "%matplotlib --list\nx = np.arange(5)",
        "from numpy import random as rnd\nrnd.seed(0)\ny = rnd.random()",
        "import json, os\nz = json.dumps(x.tolist())",
    ]
    for index, code in enumerate(cells):
        kernel.execute(code, cell_id="cell-%d" % index)
    result = collect(kernel)
    runs = notebook_runs(result)
    assert len(runs) == len(cells)
    imported = set()
    needed = set()
    for run in runs:
        imported |= distributions(run["modules"])
        needed |= distributions(run.get("needed"))
    assert imported == {"numpy"}
    # Nothing the kernel loaded before the first cell shows up at all.
    for preloaded in ("ipykernel", "tornado", "pyzmq", "traitlets", "debugpy", "jupyter-client"):
        assert preloaded not in imported | needed


def test_transitive_imports_are_needed_not_imported(kernel):
    collect(kernel)
    kernel.execute("import jsonschema", cell_id="a")
    run = notebook_runs(collect(kernel))[0]
    assert distributions(run["modules"]) == {"jsonschema"}
    # jsonschema's own dependencies, first loaded by that cell.
    assert {"attrs", "referencing"} <= distributions(run["needed"])
    assert "jsonschema" not in distributions(run["needed"])


def test_a_console_import_is_not_the_notebooks(kernel):
    collect(kernel)
    kernel.execute("import numpy", cell_id="nb-cell")
    kernel.execute("import six")  # a console on the same kernel: no cell id
    result = collect(kernel)
    console = [c for c in result["cells"] if not c["cell_id"]]
    assert console and distributions(result["runs"][console[0]["run"]]["modules"]) == {"six"}
    imported = set()
    for run in notebook_runs(result):
        imported |= distributions(run["modules"]) | distributions(run.get("needed"))
    assert imported == {"numpy"}


def test_vendored_modules_map_to_the_distribution_that_ships_them(tmp_path, monkeypatch):
    """debugpy puts its vendored pydevd on sys.path: pydevd is debugpy's, not
    an editable project's whose folder happens to hold the virtual env."""
    import debugpy

    vendored = Path(debugpy.__file__).parent / "_vendored" / "pydevd"
    if not (vendored / "pydevd_file_utils.py").exists():
        pytest.skip("this debugpy has no vendored pydevd")
    monkeypatch.syspath_prepend(str(vendored))
    sys.modules.pop("pydevd_file_utils", None)
    import pydevd_file_utils  # noqa: F401

    ctx = Context(cell_source="import pydevd_file_utils")
    try:
        section = modules.probe(ctx)
    finally:
        sys.modules.pop("pydevd_file_utils", None)
    assert section == {"pydevd_file_utils": "debugpy"}, ctx.problems


def test_stated_modules_read_the_cells_imports():
    source = (
        "%matplotlib inline\nimport numpy.linalg as la, os\n"
        "from pandas.api import types\nfrom . import x\n"
    )
    assert modules.stated_modules(source) == {"numpy", "os", "pandas"}
    assert modules.stated_modules("x = 'import numpy'") == frozenset()
    assert modules.stated_modules("def f(:\n import numpy") == frozenset()
    assert modules.stated_modules(None) == frozenset()
