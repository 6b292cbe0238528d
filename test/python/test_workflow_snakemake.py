"""``nbrepro export NB... --workflow snakemake``: real Snakemake lints the Snakefile,
plans it, runs it with ``--cores 1`` in this environment, and plans it for SLURM
with the real executor plugin. The notebooks are the demo's (demo/pipeline),
recorded by ``nbrepro run``, so the test also keeps the demo honest."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from capture import conftest as capture_env

from nbrepro.capture import capture
from nbrepro.export import workflow

pytest.importorskip("snakemake")
BIN = Path(sys.executable).parent
DEMO = Path(__file__).resolve().parents[2] / "demo" / "pipeline"
NOTEBOOKS = ("prepare.ipynb", "summarize.ipynb")

built = capture_env.built
conda_prefix = capture_env.conda_prefix


def tool(name, *argv, cwd):
    # The rules call `python`: this environment's, as a user's activated one.
    env = dict(os.environ, PATH="%s%s%s" % (BIN, os.pathsep, os.environ.get("PATH", "")))
    env["IPYTHONDIR"] = str(Path(cwd) / ".ipython")
    return subprocess.run(
        [str(BIN / name), *map(str, argv)],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture()
def pipeline(tmp_path):
    for name in NOTEBOOKS:
        shutil.copy(DEMO / name, tmp_path / name)
    shutil.copytree(DEMO / "data", tmp_path / "data")
    return tmp_path


def test_demo_workflow_is_the_one_export_writes(pipeline):
    done = tool("nbrepro", "export", *NOTEBOOKS, "--workflow", "snakemake", "-o", ".", cwd=pipeline)
    assert done.returncode == 0, done.stderr
    assert (pipeline / "Snakefile").read_text() == (DEMO / "Snakefile").read_text()


def test_snakemake_lints_plans_runs_and_would_submit_to_slurm(pipeline):
    done = tool(
        "nbrepro", "export", *NOTEBOOKS, "--workflow", "snakemake", "-o", ".", "--json",
        cwd=pipeline,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = {s["rule"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["prepare"]["inputs"] == {"source": "data/raw.csv"}
    assert steps["prepare"]["outputs"] == {"table_out": "results/clean.csv"}
    assert steps["summarize"]["inputs"] == {"table": "results/clean.csv"}  # the chain
    snakefile = (pipeline / "Snakefile").read_text()
    assert 'conda:\n        "envs/prepare.yml"' in snakefile
    assert "threads: 1" in snakefile and "mem_mb=2000" in snakefile
    assert (pipeline / "envs" / "prepare.yml").read_bytes() == (
        pipeline / "steps" / "prepare" / "environment.yml"
    ).read_bytes()

    lint = tool("snakemake", "--lint", cwd=pipeline)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Congratulations, your workflow is in a good condition!" in lint.stdout + lint.stderr

    plan = tool("snakemake", "--dry-run", "--cores", "1", cwd=pipeline)
    assert plan.returncode == 0, plan.stderr
    assert "prepare          1" in plan.stdout and "summarize        1" in plan.stdout

    ran = tool("snakemake", "--cores", "1", cwd=pipeline)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads((pipeline / "results" / "summary.json").read_text())
    assert summary == {"count": 4, "max": 81.95, "mean": 59.22}
    assert "wrote results/clean.csv" in (pipeline / "logs" / "prepare.log").read_text()
    again = tool("snakemake", "--dry-run", "--cores", "1", cwd=pipeline)
    assert "Nothing to be done" in again.stdout + again.stderr  # outputs are up to date

    slurm = tool(
        "snakemake", "--dry-run", "--executor", "slurm", "--jobs", "2", "--forceall",
        cwd=pipeline,
    )  # fmt: skip
    assert slurm.returncode == 0, slurm.stdout + slurm.stderr
    assert "mem_mb=2000" in slurm.stdout and "runtime=60" in slurm.stdout
    assert "prepare          1" in slurm.stdout and "summarize        1" in slurm.stdout


def test_papermill_steps_run_the_notebook_through_the_nbrepro_engine(pipeline):
    pytest.importorskip("papermill")
    out = pipeline / "wf"
    done = tool(
        "nbrepro", "export", *NOTEBOOKS, "--workflow", "snakemake", "--steps", "papermill",
        "-o", out, cwd=pipeline,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shutil.copytree(pipeline / "data", out / "data")
    ran = tool("snakemake", "--cores", "1", cwd=out)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads((out / "results" / "summary.json").read_text())["count"] == 4
    executed = nbformat.read(str(out / "executed" / "summarize.ipynb"), as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    # papermill applies -p (typed) before -r (strings)
    assert injected[0].source == (
        '# Parameters\ndigits = 2\ntable = "results/clean.csv"\n'
        'report_out = "results/summary.json"\n'
    )
    assert "nbrepro" in injected[0].metadata and executed.metadata["nbrepro"]["current"]


def test_a_conda_step_gets_its_lock_where_snakemake_reads_a_pin_file(pipeline, conda_prefix):
    from snakemake.sourcecache import LocalSourceFile

    nb = nbformat.read(str(pipeline / "prepare.ipynb"), as_version=4)
    environment = capture(options={"prefix": str(conda_prefix), "gpu": False})["environment"]
    for snapshot in nb.metadata["nbrepro"]["snapshots"].values():
        snapshot["environment"] = environment
    nbformat.write(nb, str(pipeline / "prepare.ipynb"))
    steps = workflow.export([pipeline / "prepare.ipynb"], pipeline / "wf")
    platform = environment["conda"]["platform"]
    env_file = pipeline / "wf" / "envs" / "prepare.yml"
    # Snakemake's own rule for the pin file's name: the .yml suffix replaced.
    pin = LocalSourceFile(str(env_file)).replace_suffix([".yaml", ".yml"], ".%s.pin.txt" % platform)
    assert (
        Path(pin.get_path_or_uri(secret_free=True)).read_bytes()
        == (steps[0].bundle.files["conda-%s.lock" % platform])
    )
    assert Path(pin.get_path_or_uri(secret_free=True)).read_text().splitlines()[4] == "@EXPLICIT"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["prepare.ipynb", "summarize.ipynb"], "several notebooks make a workflow"),
        (["prepare.ipynb", "--workflow", "snakemake"], "give it with -o DIR"),
        (["prepare.ipynb", "prepare.ipynb", "--workflow", "snakemake", "-o", "w"], "rename one"),
    ],
)
def test_workflow_mistakes_exit_2(pipeline, argv, message):
    done = tool("nbrepro", "export", *argv, cwd=pipeline)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_snakefile_nbrepro_did_not_write_is_never_replaced(pipeline):
    (pipeline / "Snakefile").write_text("rule mine:\n    shell: 'true'\n")
    done = tool("nbrepro", "export", *NOTEBOOKS, "--workflow", "snakemake", "-o", ".", "--force",
                cwd=pipeline)  # fmt: skip
    assert done.returncode == 2 and "not written by nbrepro" in done.stderr
    assert (pipeline / "Snakefile").read_text() == "rule mine:\n    shell: 'true'\n"


def test_path_parameters():
    assert workflow.names_path("data/raw.csv") and workflow.names_path("model.pkl")
    for value in ("hello", "", " a.csv", "https://x.org/a.csv", 3, "two words"):
        assert not workflow.names_path(value), value
