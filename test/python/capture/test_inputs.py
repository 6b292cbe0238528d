"""What a cell needs besides packages (``capture/inputs.py``), in real ipykernels:
the files it opened (an audit hook), its local modules, the names it bound and read."""

import hashlib
import time

from kernel_helpers import state

from nbrepro.capture import inputs
from nbrepro.run import kernel as kernel_bridge

OPTIONS = {"gpu": False}


def collect(kernel):
    return kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)


def runs_by_cell(result):
    return [result["runs"][cell["run"]].get("inputs", {}) for cell in result["cells"]]


def test_files_modules_and_names_per_cell(kernel, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "helpers.py").write_text("def twice(v):\n    return 2 * v\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("VALUE = 3\n")
    outside = tmp_path.parent / ("outside-%d.txt" % time.time_ns())
    outside.write_text("secret place\n")
    collect(kernel)
    before = state(kernel)
    cells = [
        "import helpers, pkg\nrows = open('data/x.csv').read().splitlines()",
        "with open('out.json', 'w') as f:\n    f.write(str(helpers.twice(len(rows))))",
        "import os\ntext = open(%r).read()\nsize = os.path.getsize('data/x.csv')" % str(outside),
        "import datetime\nstamp = datetime.datetime.now()",
    ]
    for i, code in enumerate(cells):
        kernel.execute(code, "cell-%d" % i)
    result = collect(kernel)
    first, second, third, fourth = runs_by_cell(result)

    digest = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert first["files"] == [
        {
            "path": "data/x.csv",
            "mode": "r",
            "size": 8,
            "mtime": int((tmp_path / "data" / "x.csv").stat().st_mtime),
            "sha256": digest,
        }
    ]
    assert first["local_modules"] == {"helpers": "helpers.py", "pkg": "pkg"}
    # Names come from the source at verify time: not stored per run.
    assert "defines" not in first and "reads" not in first
    assert [(f["path"], f["mode"]) for f in second["files"]] == [("out.json", "w")]
    assert second["files"][0]["sha256"] == hashlib.sha256(b"4").hexdigest()
    # Outside the notebook's folder: counted, never named; os.path.getsize opens nothing.
    assert "files" not in third and third["outside"] == {"count": 1}
    assert str(outside) not in str(result) and outside.name not in str(result)
    assert "files" not in fourth and "clock" not in fourth
    # Nothing left in the user's namespace and no output; the hook is installed once.
    after = state(kernel)
    bound = {"f", "helpers", "os", "pkg", "rows", "size", "stamp", "text", "datetime"}
    assert set(after["names"]) == set(before["names"]) | bound
    assert after["private"] == before["private"] == []
    hooks = kernel.evaluate(
        n="len([1 for k in __import__('sys').modules if k == %r])" % inputs.SLOT_NAME
    )
    assert hooks["n"] == 1


def test_privacy_option_hashes_outside_paths(kernel, tmp_path):
    outside = tmp_path.parent / ("elsewhere-%d.txt" % time.time_ns())
    outside.write_text("x")
    kernel_bridge.collect_in_kernel(kernel.client, dict(OPTIONS, record_paths=True), timeout=60)
    kernel.execute("open(%r).read()" % str(outside), "c1")
    result = kernel_bridge.collect_in_kernel(
        kernel.client, dict(OPTIONS, record_paths=True), timeout=60
    )
    (record,) = runs_by_cell(result)
    expected = hashlib.sha256(str(outside.resolve()).encode()).hexdigest()
    assert record["outside"] == {"count": 1, "sha256_of_paths": [expected]}
    assert str(outside) not in str(result)


def test_cell_names_from_source():
    names = inputs.cell_names(
        "import numpy as np\nfrom os import path\n%matplotlib inline\n"
        "def f(a):\n    return a + offset\nx = f(len(data))\nx += 1\nt = time.time()"
    )
    assert names["defines"] == ["f", "np", "path", "t", "x"]
    assert names["reads"] == ["data", "f", "offset", "time", "x"]
    assert names["clock"] == ["time.time"]
    assert inputs.cell_names("def broken(:\n") == {}


def test_generators_a_cell_drew_from(kernel):
    collect(kernel)
    cells = [
        "import numpy as np\nx = np.random.rand(3)",  # numpy imported and drawn in one cell
        "y = x.round(3)",
        "import random\nz = random.random()",
        "np.random.seed(1)",
        "import numpy\nw = 1",
        "a = 1",
        "b = 2",
    ]
    for i, code in enumerate(cells):
        kernel.execute(code, "cell-%d" % i)
    result = collect(kernel)
    records = runs_by_cell(result)
    drew = [r.get("drew") for r in records]
    assert drew == [["numpy"], None, ["python"], ["numpy"], None, None, None]
    # Cells that opened and drew nothing share one run record: the notebook stays small.
    runs = [cell["run"] for cell in result["cells"]]
    assert runs[5] == runs[6]
    assert "reads" not in records[1] and "defines" not in records[1]


def test_a_cell_that_writes_a_python_file_is_recorded(kernel, tmp_path):
    collect(kernel)
    kernel.execute("%%writefile made.py\nVALUE = 1\n", "c1")
    kernel.execute("import made\nv = open('made.py').read()", "c2")
    wrote, imported = runs_by_cell(collect(kernel))
    assert [(f["path"], f["mode"]) for f in wrote["files"]] == [("made.py", "w")]
    # Reading Python source is the interpreter's business: not an input file.
    assert "files" not in imported and imported["local_modules"] == {"made": "made.py"}


def test_code_folders_on_sys_path_are_not_inputs(kernel, tmp_path):
    """A `pip install --target` folder or a PYTHONPATH outside the notebook's folder:
    importing from it and reading its distributions' metadata (what `import torch`
    does through entry points) is the interpreter's business, not a cell's input.
    Seen on a real GPU machine: 88 such files became a missing-inputs finding."""
    target = tmp_path.parent / ("target-%d" % time.time_ns())
    (target / "shipped").mkdir(parents=True)
    (target / "shipped" / "__init__.py").write_text("NAME = 'shipped'\n")
    info = target / "shipped-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shipped\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[shipped.plugins]\none = shipped:NAME\n")
    outside = tmp_path.parent / ("data-%d.csv" % time.time_ns())
    outside.write_text("1\n")
    collect(kernel)
    kernel.execute(
        "import sys, importlib.metadata as md\nsys.path.insert(0, %r)\nimport shipped\n"
        "eps = md.entry_points(group='shipped.plugins')\n"
        "version = md.version('shipped')" % str(target),
        "c1",
    )
    kernel.execute("data = open(%r).read()" % str(outside), "c2")
    first, second = runs_by_cell(collect(kernel))
    assert "outside" not in first and "files" not in first
    # A data file outside the folder is still counted.
    assert second["outside"] == {"count": 1}
