"""`nbrepro export`: the bundle's files, how it is written, and what it refuses."""

import copy
import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from capture import conftest as capture_env
from harness import uses

from nbrepro.capture import capture
from nbrepro.export import bundle as bundles
from nbrepro.export.bundle import safe_stem

BIN = Path(sys.executable).parent
NOW = "2026-11-21T12:00:00Z"


def nbrepro(*args, cwd=None):
    return subprocess.run(
        [str(BIN / "nbrepro"), *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
@uses("venv")  # its %pip install runs pip
def recorded(record):
    """A small notebook recorded by `nbrepro run` in this venv's python3 kernel."""
    return record(
        [
            nbformat.v4.new_markdown_cell("# Analysis"),
            ("alpha = 0.5", ["parameters"]),
            # %pip install fails offline, but the cell goes on (pip prints an error)
            "%pip install -q tinystats==1.0\nimport random\nrandom.seed(3)",
            "!echo hello\nprint(round(random.random() * alpha, 6))",
        ],
        metadata={
            "papermill": {"parameters": {"alpha": 0.5}},
            "jupytext": {"formats": "ipynb,py:percent"},
        },
        name="analysis.ipynb",
    )


def test_a_folder_bundle_holds_every_file_and_the_manifest_checks_them(recorded, tmp_path):
    out = tmp_path / "out"
    result = nbrepro("export", recorded, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "wrote %s (12 files" % out in result.stdout
    names = sorted(p.name for p in out.iterdir())
    # a venv: pip's files, an environment.yml of the same, no conda lock; wheels/
    # because this kernel's venv holds nbrepro as an editable install, which no
    # index has
    assert "not-fetchable: nbrepro " in result.stderr
    assert (out / "wheels" / "README.txt").is_file()
    assert names == [
        "Dockerfile",
        "README.md",
        "analysis.ipynb",
        "analysis.py",
        "check-packages.sh",
        "environment.yml",
        "manifest.json",
        "requirements.txt",
        "run.sh",
        "runtime.txt",
        "sbom.cdx.json",
        "wheels",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (out / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert manifest["notebook"] == "analysis.ipynb" and manifest["script"] == "analysis.py"
    assert manifest["environment"]["kind"] == "pip"
    assert os.stat(out / "run.sh").st_mode & stat.S_IXUSR
    assert os.stat(out / "check-packages.sh").st_mode & stat.S_IXUSR
    compile((out / "analysis.py").read_text(), "analysis.py", "exec")
    # the notebook travels as it is, other tools' metadata included
    assert (out / "analysis.ipynb").read_bytes() == recorded.read_bytes()
    copied = nbformat.read(str(out / "analysis.ipynb"), 4)
    assert copied.metadata["papermill"] == {"parameters": {"alpha": 0.5}}
    assert copied.metadata["jupytext"] == {"formats": "ipynb,py:percent"}


def test_pip_install_in_a_cell_moves_into_requirements(recorded, tmp_path):
    built = bundles.build(bundles.read(recorded), recorded.name, now=NOW)
    requirements = built.files["requirements.txt"].decode()
    assert "tinystats==1.0" in requirements
    script = built.files["analysis.py"].decode()
    assert "pip install" not in "\n".join(
        line for line in script.splitlines() if not line.lstrip().startswith("#")
    )
    moved = [item for item in built.conversion.report if item["action"] == "moved"]
    assert moved and moved[0]["cell"] == 3


def test_the_script_prints_what_the_notebook_printed(recorded, tmp_path):
    built = bundles.build(bundles.read(recorded), recorded.name, now=NOW)
    bundles.write(built, tmp_path / "b")
    run = subprocess.run(
        [sys.executable, "analysis.py"], cwd=tmp_path / "b", capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    nb = nbformat.read(str(recorded), 4)
    printed = "".join(o.get("text", "") for o in nb.cells[3].outputs if o.output_type == "stream")
    # IPython runs `!cmd` in a pseudo-terminal, which ends lines with \r\n
    assert run.stdout == printed.replace("\r\n", "\n")
    halved = subprocess.run(
        [sys.executable, "analysis.py", "--alpha", "0.25"],
        cwd=tmp_path / "b",
        capture_output=True,
        text=True,
    )
    value = float(printed.split()[-1])
    assert float(halved.stdout.split()[-1]) == pytest.approx(value / 2, abs=1e-6)


def test_a_zip_has_one_top_folder_an_executable_run_sh_and_the_same_bytes_each_time(
    recorded, tmp_path
):
    built = bundles.build(bundles.read(recorded), recorded.name, now=NOW)
    first, second = tmp_path / "one.zip", tmp_path / "two.zip"
    bundles.write(built, first)
    bundles.write(bundles.build(bundles.read(recorded), recorded.name, now=NOW), second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert all(n.startswith("analysis/") for n in names)
        mode = archive.getinfo("analysis/run.sh").external_attr >> 16
        assert mode & 0o111
    verify = nbrepro("verify", first)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_an_existing_output_is_kept_unless_forced_and_never_a_foreign_folder(recorded, tmp_path):
    out = tmp_path / "out"
    assert nbrepro("export", recorded, "-o", out).returncode == 0
    again = nbrepro("export", recorded, "-o", out)
    assert again.returncode == 2 and "--force" in again.stderr
    (out / "README.md").write_text("mine")
    assert nbrepro("export", recorded, "-o", out, "--force").returncode == 0
    assert (out / "README.md").read_text() != "mine"
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("precious")
    refused = nbrepro("export", recorded, "-o", foreign, "--force")
    assert refused.returncode == 2 and "not an nbrepro bundle" in refused.stderr
    assert (foreign / "chapter1.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "thesis"]  # no leftovers


def test_strict_stops_on_findings_and_writes_nothing(recorded, tmp_path):
    nb = nbformat.read(str(recorded), 4)
    nb.cells[3].source += "\nprint('edited')"
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, str(edited))
    result = nbrepro("export", edited, "--strict")
    assert result.returncode == 1
    assert "edited-after-run: cell 4 changed after running" in result.stderr
    assert not (tmp_path / "edited-bundle").exists()
    relaxed = nbrepro("export", edited, "--json")
    assert relaxed.returncode == 0
    report = json.loads(relaxed.stdout)
    assert [f["kind"] for f in report["findings"] if f["kind"] != "not-fetchable"] == [
        "edited-after-run"
    ]
    assert Path(report["output"]) == tmp_path / "edited-bundle"


def test_a_notebook_without_records_cannot_be_exported(tmp_path):
    path = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), str(path))
    result = nbrepro("export", path)
    assert result.returncode == 2
    assert "no recorded environment" in result.stderr and "nbrepro run" in result.stderr
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    result = nbrepro("export", broken)
    assert result.returncode == 2 and "not a readable notebook" in result.stderr


@pytest.mark.parametrize(
    "name, stem",
    [
        ("../../etc/passwd.ipynb", "passwd"),
        ("/abs/path/My Analysis (final).ipynb", "My_Analysis_final"),
        ("a'b\"c$(touch pwned);`x`|&.ipynb", "a_b_c_touch_pwned_x"),
        ("..ipynb", "notebook"),
        ("....", "notebook"),
        ("Café-ü.ipynb", "Cafe-u"),
        ("x" * 300 + ".ipynb", "x" * 244),  # 244 + len("-bundle.zip") == 255
        # Issue 14: a long but legal name was cut to 64 characters.
        ("a_descriptive_name_" * 5 + ".ipynb", "a_descriptive_name_" * 4 + "a_descriptive_name"),
        ("C:\\Users\\me\\nb.ipynb", "nb"),
        ("-rf.ipynb", "rf"),
    ],
)
def test_hostile_notebook_names_give_safe_file_names(name, stem):
    assert safe_stem(name) == stem


def test_a_hostile_name_round_trips_through_export_and_run_sh(recorded, tmp_path):
    hostile = tmp_path / "a b'$(touch PWNED)`touch PWNED2`;.ipynb"
    hostile.write_bytes(recorded.read_bytes())
    result = nbrepro("export", hostile, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "a_b_touch_PWNED_touch_PWNED2-bundle"
    assert (out / "a_b_touch_PWNED_touch_PWNED2.py").is_file()
    help_text = subprocess.run(
        ["bash", str(out / "run.sh"), "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert help_text.returncode == 0
    assert not list(tmp_path.rglob("PWNED*"))


def test_a_long_notebook_name_is_kept_whole(recorded, tmp_path):
    # Issue 14: the bundle cut names to 64 characters, so commands naming the notebook broke.
    stem = "chapter_07_" + "gradient_boosting_with_early_stopping_" * 6 + "v2"
    long_name = tmp_path / (stem + ".ipynb")
    long_name.write_bytes(recorded.read_bytes())
    for extra in ([], ["--zip"]):
        result = nbrepro("export", long_name, *extra, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    out = tmp_path / (stem + "-bundle")
    assert (out / (stem + ".ipynb")).read_bytes() == recorded.read_bytes()
    assert (out / (stem + ".py")).is_file()
    assert "notebook=%s.ipynb" % stem in (out / "run.sh").read_text()
    assert (tmp_path / (stem + "-bundle.zip")).is_file()


def test_untrusted_metadata_is_inert_in_the_readme(recorded):
    nb = nbformat.read(str(recorded), 4)
    meta = nb.metadata["nbrepro"]
    snapshot = meta["snapshots"][meta["current"]]
    snapshot["captured_at"] = "<img src=x onerror=alert(1)>"
    snapshot["environment"]["python"]["implementation"] = "[click](javascript:alert(1))"
    built = bundles.build(copy.deepcopy(nb), "x.ipynb", now=NOW)
    readme = built.files["README.md"].decode()
    assert "<img" not in readme and "&lt;img src=x onerror=alert(1)&gt;" in readme
    assert "[click](javascript" not in readme and "\\[click\\](javascript" in readme


# The real conda prefix the capture tests build with py-rattler (session fixtures).
built = capture_env.built
conda_prefix = capture_env.conda_prefix


def test_a_conda_environment_gets_environment_yml_and_the_lock(recorded, conda_prefix):
    from rattler.explicit_environment import ExplicitEnvironmentSpec

    nb = nbformat.read(str(recorded), 4)
    meta = nb.metadata["nbrepro"]
    environment = capture(options={"prefix": str(conda_prefix), "gpu": False})["environment"]
    for snapshot in meta["snapshots"].values():
        snapshot["environment"] = environment
    built = bundles.build(nb, "conda nb.ipynb", now=NOW)
    names = set(built.files)
    assert {"environment.yml", "conda-linux-64.lock", "requirements.txt"} <= names
    assert "runtime.txt" not in names  # repo2docker would read it instead of environment.yml
    assert built.manifest["environment"]["kind"] == "conda"
    assert built.manifest["environment"]["lock"] == "conda-linux-64.lock"
    env_yml = yaml.safe_load(built.files["environment.yml"])
    assert env_yml["name"] == "conda_nb" and "prefix" not in env_yml
    pip_section = next(d["pip"] for d in env_yml["dependencies"] if isinstance(d, dict))
    assert "tinystats==1.0" in pip_section  # the %pip install line of cell 3
    lock = built.files["conda-linux-64.lock"].decode()
    spec = ExplicitEnvironmentSpec.from_str(lock)
    lines = [line for line in lock.splitlines() if line and not line.startswith(("#", "@"))]
    assert len(lines) == len(spec.packages) >= 5
    for line, package in zip(lines, spec.packages):
        assert package.url.split("#")[0] == line.split("#")[0]
    run_sh = built.files["run.sh"].decode()
    assert "lock=conda-linux-64.lock" in run_sh and "kind=conda" in run_sh


def test_a_gpu_recording_makes_run_sh_check_the_gpu_and_docker_pass_it(recorded):
    nb = nbformat.read(str(recorded), 4)
    meta = nb.metadata["nbrepro"]
    plain = bundles.build(copy.deepcopy(nb), "cpu.ipynb", now=NOW)
    assert b"gpu_needed=0" in plain.files["run.sh"]
    assert b"--gpus" not in plain.files["Dockerfile"] + plain.files["README.md"]

    snapshot = meta["snapshots"][meta["current"]]
    snapshot["environment"]["gpu"].update(
        {"source": "nvml", "driver_version": "550.54.15", "cuda_driver_version": "12.4"}
    )
    # Records as the schema has them: export reads them at the door, which drops what does not.
    snapshot["environment"]["gpu"]["devices"] = [
        {
            "index": 0,
            "name": "NVIDIA H100",
            "uuid": "GPU-0",
            "pci_bus_id": "00000000:4F:00.0",
            "memory_total_mib": 81559,
            "compute_capability": "9.0",
        }
    ]
    torch = {"version": "2.5.1+cu121", "cuda": "12.1", "hip": None, "cuda_initialized": False}
    for run_record in meta["runs"].values():
        run_record["frameworks"] = {"torch": torch}
    built = bundles.build(nb, "gpu.ipynb", now=NOW)
    assert bundles.gpu_of(snapshot["environment"], meta["runs"]) == (True, "12.1")
    run_sh = built.files["run.sh"].decode()
    assert "gpu_needed=1\ncuda_version=12.1\n" in run_sh and "--no-gpu-check" in run_sh
    assert "docker run --rm --gpus all bundle" in built.files["Dockerfile"].decode()
    readme = built.files["README.md"].decode()
    assert "docker run --rm --gpus all gpu" in readme
    assert "its driver supports CUDA 12.1 and stops with status 4" in readme
    # a CUDA build seen without a GPU still needs one; a CPU build does not
    snapshot["environment"]["gpu"]["devices"] = []
    assert bundles.gpu_of(snapshot["environment"], meta["runs"]) == (True, "12.1")
    for run_record in meta["runs"].values():
        run_record["frameworks"] = {"torch": {"version": "2.13.0+cpu", "cuda": None}}
    assert bundles.gpu_of(snapshot["environment"], meta["runs"]) == (False, None)


def test_check_only_works_on_a_notebook_nbrepro_never_recorded(tmp_path):
    # Issue 14 (10): export refused such a notebook, so its author's counts told nothing.
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", execution_count=7),
        nbformat.v4.new_code_cell("y = x", execution_count=3),
        nbformat.v4.new_code_cell("z = y"),
    ]
    path = tmp_path / "theirs.ipynb"
    nbformat.write(nb, str(path))
    before = path.read_bytes()
    result = nbrepro("export", path, "--check-only", "--json")
    assert result.returncode == 0, result.stderr
    kinds = [f["kind"] for f in json.loads(result.stdout)["findings"]]
    assert kinds == ["never-run", "out-of-order", "unrecorded", "unrecorded"]
    strict = nbrepro("export", path, "--check-only", "--strict")
    assert strict.returncode == 1 and "out-of-order: cell 2 ran before" in strict.stdout
    assert strict.stdout.endswith("4 findings\n")
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["theirs.ipynb"]


@pytest.mark.kernel
def test_run_keeps_the_authors_counts_as_evidence(tmp_path):
    # Issue 14 (10): `nbrepro run` overwrote the author's execution counts, which
    # were the evidence that the outputs came from an out-of-order session.
    from nbrepro.export import gate
    from nbrepro.record import document, metadata

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# theirs"),
        nbformat.v4.new_code_cell("x = 1", execution_count=7),
        nbformat.v4.new_code_cell("y = x", execution_count=3),
        nbformat.v4.new_code_cell("print(y)"),
    ]
    path = tmp_path / "theirs.ipynb"
    nbformat.write(nb, str(path))
    ran = nbrepro("run", path)
    assert ran.returncode == 0, ran.stderr
    after = nbformat.read(str(path), as_version=4)
    assert [c.execution_count for c in after.cells[1:]] == [1, 2, 3]
    assert after.metadata["nbrepro"]["author_order"] == {
        "cells": [2, 3, 4],
        "counts": [7, 3, None],
        "finding": "out-of-order",
    }
    assert metadata.validate(after.metadata["nbrepro"]) == []
    meta, problems = document.read_meta(after.metadata["nbrepro"])
    assert problems == [] and meta["author_order"]["counts"] == [7, 3, None]
    found = [f for f in gate.check(after, meta) if f["kind"] == "out-of-order"]
    assert found == [
        {
            "kind": "out-of-order",
            "cells": [3],
            "message": "before nbrepro re-ran it, the author's execution counts were cell 2: 7, "
            "cell 3: 3, cell 4: -: execution counts go down at cell 3, so the outputs the "
            "author saw may not be what a top-to-bottom run gives",
        }
    ]
    check = nbrepro("export", path, "--check-only", "--strict")
    assert check.returncode == 1 and "before nbrepro re-ran it" in check.stdout
    # A second run (now one pass from the top) keeps the author's evidence.
    assert nbrepro("run", path).returncode == 0
    again = nbformat.read(str(path), as_version=4)
    assert again.metadata["nbrepro"]["author_order"]["counts"] == [7, 3, None]


def test_the_readme_says_seeding_in_the_panels_words(recorded):
    """Issue 23: seeding as the call and its effect, cells numbered as the
    notebook shows them (markdown not counted), later cells pointed at the
    cell that seeded, determinism as sentences; no raw record keys."""
    built = bundles.build(nbformat.read(str(recorded), 4), "x.ipynb", now=NOW)
    readme = built.files["README.md"].decode()
    section = readme.split("\n## Seeds and determinism\n", 1)[1].split("\n## ", 1)[0]
    assert "- cell 1: no seeding" in section
    assert "- cell 2: seeded Python's random module with 3" in section
    assert "- cell 3: RNG seeded earlier (cell 2), not in this cell" in section
    assert "- String hashes are randomised" in section
    for raw in ("python.random_seed", "hash_randomization", "=true", "cells seeded"):
        assert raw not in readme


def test_the_seeding_row_counts_cells_that_drew_not_run_records():
    """A notebook that draws no random numbers is not '2 cells unseeded' (issue 21)."""
    from nbrepro.export import readme

    def run(status=None, drew=(), earlier=False):
        record = {"inputs": {"drew": list(drew)} if drew else {}}
        if status:
            record["seeds"] = {"status": status, "recovered": {}}
            if earlier:
                record["seeds"]["seeded_earlier_by"] = ["numpy.random.seed"]
        return record

    quiet = {"runs": {"a": run("unseeded"), "b": run("unseeded")}}
    assert readme._seeding_line(quiet) == "no cell seeded a generator or drew from a global one"
    seeded = {
        "runs": {
            "a": run("seeded"),
            "b": run("seeded", ["numpy"], earlier=True),
            "c": run("unseeded", ["random"]),
        }
    }
    assert readme._seeding_line(seeded) == (
        "1 cell seeded a generator; 2 cells drew from a global generator, "
        "1 of them with no seed set first"
    )
    assert readme._seeding_line({"runs": {"c": run("unseeded", ["random"])}}) == (
        "1 cell drew from a global generator, none after a seed"
    )
