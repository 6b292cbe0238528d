"""Parameters the papermill way: the injected cell byte for byte as real papermill
writes it, typed as papermill's CLI types values; ``nbrepro run -p``; errors."""

import json
import math

import nbformat
import pytest

from nbrepro import cli
from nbrepro.record import metadata
from nbrepro.record import parameters as params

papermill_cli = pytest.importorskip("papermill.cli")
papermill_iorw = pytest.importorskip("papermill.iorw")
papermill_parameterize = pytest.importorskip("papermill.parameterize")

VALUES = {
    "alpha": 0.3,
    "source": "data/2026.csv",
    "count": 5,
    "flag": True,
    "off": False,
    "nothing": None,
    "big": 10**30,
    "tiny": 1e-20,
    "quoted": 'q"u\\o\t\u00e9\n\u2603 %s {x}',
    "nan": float("nan"),
    "minus_inf": float("-inf"),
    "plus_inf": float("inf"),
    "nested": {"a": [1, 2.5, None, {"b": "c", "t": True}], "e": {}},
    "empty": [],
}
TEXTS = ["True", "False", "None", "true", "1", "-7", " 7 ", "1_000", "0x10", "1.5", "1e3"]
TEXTS += ["nan", "-inf", "Infinity", "abc", "data/2026.csv", "", "\u0663", "2026-01-01"]


def make_notebook(path, tagged=True, injected=False):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    cell = nbformat.v4.new_code_cell("alpha = 0.1\nsource = 'in.csv'\n")
    if tagged:
        cell.metadata["tags"] = ["parameters"]
    cells = [nbformat.v4.new_markdown_cell("# title"), cell]
    if injected:
        old = nbformat.v4.new_code_cell("# Parameters\nalpha = 9\n")
        old.metadata["tags"] = ["injected-parameters"]
        cells.append(old)
    cells.append(nbformat.v4.new_code_cell("result = alpha * 2\nprint(result, source)"))
    nb.cells = cells
    nbformat.write(nb, str(path))
    return path


def injected_of(nb):
    return [c for c in nb.cells if "injected-parameters" in (c.metadata.get("tags") or [])]


def test_values_are_typed_as_papermills_cli_types_them():
    for text in TEXTS:
        ours, theirs = params.resolve_type(text), papermill_cli._resolve_type(text)
        assert type(ours) is type(theirs), text
        assert ours == theirs or (isinstance(ours, float) and math.isnan(ours)), text


@pytest.mark.parametrize(
    "tagged,injected", [(True, False), (False, False), (True, True)], ids=["after", "top", "again"]
)
def test_injected_cell_is_byte_for_byte_papermills(tmp_path, tagged, injected):
    path = make_notebook(tmp_path / "nb.ipynb", tagged=tagged, injected=injected)
    theirs = papermill_parameterize.parameterize_notebook(
        papermill_iorw.load_notebook_node(str(path)),
        dict(VALUES),
        kernel_name="python3",
        language="python",
    )
    ours, _ = params.inject(nbformat.read(str(path), as_version=4), dict(VALUES))

    assert len(ours.cells) == len(theirs.cells)
    for mine, real in zip(ours.cells, theirs.cells):
        assert mine.source.encode() == real.source.encode()
        assert (mine.metadata.get("tags") or []) == (real.metadata.get("tags") or [])
    [cell] = injected_of(ours)
    [real] = injected_of(theirs)
    assert cell.metadata == {"tags": ["injected-parameters"]} == real.metadata
    assert cell.outputs == real.outputs == [] and cell.execution_count is None
    assert json.dumps(ours.metadata["papermill"]["parameters"]) == json.dumps(
        theirs.metadata["papermill"]["parameters"]
    )
    # The source is Python that gives the values back.
    scope = {}
    exec(cell.source, scope)  # noqa: S102
    assert scope["nested"] == VALUES["nested"] and scope["quoted"] == VALUES["quoted"]
    assert math.isnan(scope["nan"]) and scope["minus_inf"] == -math.inf


def test_yaml_files_are_read_as_papermill_reads_them(tmp_path):
    text = "alpha: 0.5\nwhen: 2026-01-01\nitems: [1, two, null]\nflag: yes\n"
    (tmp_path / "p.yaml").write_text(text)
    ours = params.collect(files=[str(tmp_path / "p.yaml")], pairs=[("alpha", "7")])
    theirs = dict(papermill_iorw.read_yaml_file(str(tmp_path / "p.yaml")))
    theirs["alpha"] = papermill_cli._resolve_type("7")
    assert ours == theirs and ours["when"] == "2026-01-01" and ours["alpha"] == 7


def run(capsys, *argv):
    status = cli.main(["run", *map(str, argv)])
    return status, capsys.readouterr().err


@pytest.fixture(autouse=True)
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


@pytest.mark.kernel
def test_run_injects_records_and_the_exported_script_takes_the_options(tmp_path, capsys):
    path = make_notebook(tmp_path / "nb.ipynb")
    (tmp_path / "p.yaml").write_text("alpha: 0.25\nsource: from-file.csv\n")
    out = tmp_path / "out.ipynb"
    status, err = run(capsys, path, "-o", out, "-f", tmp_path / "p.yaml", "-p", "alpha", "0.3")
    assert status == 0, err
    nb = nbformat.read(str(out), as_version=4)
    [cell] = injected_of(nb)
    assert cell.source == '# Parameters\nalpha = 0.3\nsource = "from-file.csv"\n'
    assert nb.metadata["papermill"]["parameters"] == {"alpha": 0.3, "source": "from-file.csv"}
    assert nb.cells[-1].outputs[0]["text"] == "0.6 from-file.csv\n"
    # recorded like every other cell that ran
    record = cell.metadata["nbrepro"]
    assert metadata.validate_cell(record) == []
    assert record["src"] == notebook_src(cell.source)

    from nbrepro.export import script

    conversion = script.convert(nb, nb.metadata["nbrepro"].get("runs") or {}, name="out")
    names = {(p["name"], p["type"], p["default"]) for p in conversion.parameters}
    assert names == {("alpha", "float", "0.3"), ("source", "str", "'from-file.csv'")}


def notebook_src(code):
    import hashlib

    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["-p", "1x", "3"], "parameter name '1x' is not a Python name"),
        (["-p", "class", "3"], "parameter name 'class' is not a Python name"),
        (["-r", "a-b", "3"], "parameter name 'a-b' is not a Python name"),
        (["-y", "[1, 2]"], "must hold a mapping of parameter names to values, not a list"),
        (["-y", "a: [1"], "is not valid YAML"),
        (["-y", "a: !!binary aGk="], "parameter a: a bytes is no parameter value"),
        (["-y", "a: {1: x}"], "mapping key 1 is not a string"),
        (["-f", "missing.yaml"], "cannot read parameters file missing.yaml"),
        # Issue 20, defect 13: a name Python reserves, and one Python would fold
        # into another (ﬁle is file to Python: two -p names, one variable).
        (["-p", "__builtins__", "1"], "parameter name '__builtins__' is one of Python's own"),
        (["-p", "\ufb01le", "1"], "is the name 'file' as Python reads it"),
    ],
)
def test_bad_names_and_values_exit_2_with_a_clear_error(tmp_path, capsys, argv, message):
    path = make_notebook(tmp_path / "nb.ipynb")
    before = path.read_bytes()
    status, err = run(capsys, path, *argv)
    assert status == 2
    assert message in err and "Traceback" not in err
    assert path.read_bytes() == before


LAUGHS = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    "%s: &%s [%s]\n" % (name, name, ", ".join(["*" + before] * 9))
    for before, name in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize(
    "text,message",
    [
        (LAUGHS, "stands for more than 100000 values once its aliases"),
        ("x: " + "[" * 3000 + "]" * 3000, "nests deeper than 100 levels"),
        ("x: &a [1, *a]\n", "a value that contains itself"),
    ],
)
def test_a_hostile_parameters_file_exits_2_at_once(tmp_path, text, message):
    """Issue 20, defect 13: billion laughs (nine aliases of nine, nine levels deep)
    hung ``nbrepro run -f``, deep nesting exited 70; both are refused before any
    value is built or a kernel starts."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    path = make_notebook(tmp_path / "nb.ipynb")
    before = path.read_bytes()
    (tmp_path / "p.yaml").write_text(text)
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbrepro"), "run", str(path), "-f", "p.yaml"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 30
    assert path.read_bytes() == before


def test_parameters_into_another_language_exit_2(tmp_path, capsys):
    path = make_notebook(tmp_path / "nb.ipynb")
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["kernelspec"] = {"name": "bash", "language": "bash", "display_name": "Bash"}
    nbformat.write(nb, str(path))
    status, err = run(capsys, path, "-p", "alpha", "1")
    assert status == 2 and "Python notebooks only; this one is bash" in err
