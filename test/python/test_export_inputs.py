"""What the notebook needs besides packages travels with it: a real recording
(``nbrepro run``, the audit hook in a real kernel), then ``nbrepro export``."""

import hashlib
import json

import nbformat
import pytest

from nbrepro import cli
from nbrepro.cli.export import data_size

CELLS = [
    "import helpers, pkg\nimport numpy as np\nrows = open('data/x.csv').read().splitlines()",
    "x = np.random.rand(3)",
    "with open('out.txt', 'w') as f:\n    f.write('hi')\nback = open('out.txt').read()",
    "big = len(open('data/big.bin', 'rb').read())",
]


@pytest.fixture(autouse=True)
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


@pytest.fixture(scope="module")
def recorded(record):
    return record(
        [nbformat.v4.new_markdown_cell("# Data"), *CELLS],
        metadata={"kernelspec": None},
        files={
            "data/x.csv": "a,b\n1,2\n",
            "data/big.bin": b"\1" * 4096,
            "helpers.py": "def twice(v):\n    return 2 * v\n",
            "pkg/__init__.py": "from .inner import VALUE\n",
            "pkg/inner.py": "VALUE = 3\n",
        },
        name="analysis.ipynb",
    )


def export(capsys, path, *argv):
    status = cli.main(["export", str(path), "--json", "--force", *map(str, argv)])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


def test_export_carries_modules_and_small_data_and_lists_the_rest(recorded, capsys):
    folder = recorded.parent
    result = export(capsys, recorded, "--data-limit", "1K")
    bundle = folder / "analysis-bundle"
    assert (bundle / "helpers.py").read_bytes() == (folder / "helpers.py").read_bytes()
    assert (bundle / "pkg" / "__init__.py").is_file() and (bundle / "pkg" / "inner.py").is_file()
    assert (bundle / "data" / "x.csv").read_text() == "a,b\n1,2\n"
    assert not (bundle / "data" / "big.bin").exists()
    assert not (bundle / "out.txt").exists()  # written by the notebook before it read it

    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["files"]["data/x.csv"]["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    data = {item["path"]: item for item in manifest["inputs"]["data"]}
    assert set(data) == {"data/x.csv", "data/big.bin"}
    assert data["data/big.bin"]["carried"] is False and data["data/big.bin"]["cells"] == [5]
    assert data["data/big.bin"]["sha256"] == hashlib.sha256(b"\1" * 4096).hexdigest()
    modules = {item["module"]: item for item in manifest["inputs"]["modules"]}
    assert modules["helpers"]["path"] == "helpers.py" and modules["pkg"]["carried"] is True

    kinds = {f["kind"]: f for f in result["findings"]}
    assert kinds["large-inputs"]["cells"] == [5]
    assert "data/big.bin (4.0 KB)" in kinds["large-inputs"]["message"]
    assert kinds["unseeded"]["cells"] == [3]
    assert "numpy.random.seed(0)" in kinds["unseeded"]["message"]
    assert "missing-inputs" not in kinds
    readme = (bundle / "README.md").read_text()
    assert "## What the notebook reads" in readme
    assert (
        "| `data/big.bin` | data | 5 | 4096 | `%s` | **no** |" % (data["data/big.bin"]["sha256"])
        in readme
    )
    # The Dockerfile copies the carried files too, each into its folder, before CMD.
    copies = {}
    for line in (bundle / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, target = json.loads(line.split(" ", 2)[2])
            copies.update((source, target) for source in sources)
        assert not line.startswith("CMD ") or {"helpers.py", "data/x.csv"} <= set(copies)
    assert copies["helpers.py"] == "./" and copies["data/x.csv"] == "./data/"
    assert copies["pkg/__init__.py"] == copies["pkg/inner.py"] == "./pkg/"
    assert "data/big.bin" not in copies


def test_the_readme_lists_every_file_of_the_bundle_and_titles_its_findings(recorded, capsys):
    result = export(capsys, recorded, "--data-limit", "1K", "-o", recorded.parent / "listed")
    bundle = recorded.parent / "listed"
    readme = (bundle / "README.md").read_text()
    listed = readme.split("\n## Files\n", 1)[1].split("\n\n", 1)[1].splitlines()
    written = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    # carried modules and data, the bill of materials: everything on disk is listed
    assert {"helpers.py", "pkg/inner.py", "data/x.csv", "sbom.cdx.json"} <= set(written)
    assert listed == ["- `%s`" % name for name in written]
    # each finding under the title the export dialog shows (src/data/finding-titles.json)
    kinds = [f["kind"] for f in result["findings"]]
    assert {"large-inputs", "unseeded"} <= set(kinds)
    assert "- **Input data not carried**: input data over the 1.0 KB limit" in readme
    assert "- **Unseeded randomness**: " in readme
    for kind in kinds:
        assert "**%s**" % kind not in readme


def test_export_warns_when_a_needed_file_is_gone(recorded, capsys):
    folder = recorded.parent
    moved = folder / "helpers.moved"
    (folder / "helpers.py").rename(moved)
    try:
        result = export(capsys, recorded, "-o", folder / "second")
    finally:
        moved.rename(folder / "helpers.py")
    (finding,) = [f for f in result["findings"] if f["kind"] == "missing-inputs"]
    assert finding["cells"] == [2]
    assert "module helpers: helpers.py is not in the project" in finding["message"]
    assert (folder / "second" / "data" / "big.bin").is_file()  # default limit: 50 MB


@pytest.mark.parametrize(
    "text, size", [("0", 0), ("500", 500), ("1K", 1024), ("50M", 50 * 1024**2), ("2g", 2 << 30)]
)
def test_data_limit_sizes(text, size):
    assert data_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1", "nan", "1T", "1e30"])
def test_bad_data_limit_is_a_usage_error(text, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["export", "x.ipynb", "--data-limit", text])
    assert stopped.value.code == 2
    assert "--data-limit" in capsys.readouterr().err


@pytest.mark.parametrize("forged", [".", "", "./", "a/..", "/"])
def test_a_forged_module_path_is_a_finding_not_a_bug(recorded, capsys, tmp_path, forged):
    """Issue 20, defect 13: ``inputs.local_modules {"x": "."}`` in a notebook's
    metadata exited 70 (IndexError), and the server's check answered 500."""
    from nbrepro.server import requests

    nb = json.loads(recorded.read_text())
    runs = nb["metadata"]["nbrepro"]["runs"]
    for run in runs.values():
        run.setdefault("inputs", {})["local_modules"] = {"x": forged}
    path = tmp_path / "forged.ipynb"
    path.write_text(json.dumps(nb))
    result = export(capsys, path)
    missing = [f for f in result["findings"] if f["kind"] == "missing-inputs"]
    assert any("module x" in f["message"] for f in missing), result["findings"]
    checked = requests.check_notebook(path)
    assert any("module x" in f["message"] for f in checked["findings"])
