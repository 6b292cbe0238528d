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
from harness import uses

from nbrepro.capture import capture
from nbrepro.integrations import snakemake

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


def test_the_committed_demo_runs_as_a_fresh_clone_has_it(tmp_path):
    """demo/pipeline as git has it (tracked files only, nothing a run made): the
    README's `snakemake --cores 1` runs both committed steps, in order."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "."], cwd=str(DEMO), capture_output=True, timeout=60
    )
    if listed.returncode != 0 or not listed.stdout:
        pytest.skip("not a git checkout")
    for name in listed.stdout.decode().split("\0"):
        if name:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(DEMO / name, tmp_path / name)
    assert not (tmp_path / "results").exists()
    ran = tool("snakemake", "--cores", "1", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stderr.index("rule prepare:") < ran.stderr.index("rule summarize:")
    summary = json.loads((tmp_path / "results" / "summary.json").read_text())
    assert summary == {"count": 4, "max": 81.95, "mean": 59.22}


def test_a_string_parameter_with_braces_quotes_and_dashes_reaches_the_step(pipeline):
    """Issue 20, defect 11: Snakemake reads ``{name}`` in a ``params:`` string as a
    wildcard (WildcardError); a value starting with "-" or empty must survive the
    command line too. Real Snakemake runs the step, which writes what it was given."""
    label = "-{sample} $HOME 'q' \\n\"dq\" {{x}} }"
    nb = nbformat.read(str(pipeline / "prepare.ipynb"), as_version=4)
    nb.cells[1].source += "\nlabel = %r\nempty = ''" % label
    nb.cells.append(
        nbformat.v4.new_code_cell(
            'with open("label.txt", "w") as handle:\n    handle.write(repr((label, empty)))'
        )
    )
    nbformat.write(nb, str(pipeline / "prepare.ipynb"))
    done = tool("nbrepro", "export", "prepare.ipynb", "--workflow", "snakemake", "-o", ".",
                cwd=pipeline)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ran = tool("snakemake", "--cores", "1", cwd=pipeline)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (pipeline / "label.txt").read_text() == repr((label, ""))


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


@pytest.mark.kernel
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


@pytest.mark.venv
def test_a_conda_step_gets_its_lock_where_snakemake_reads_a_pin_file(pipeline, conda_prefix):
    from snakemake.sourcecache import LocalSourceFile

    nb = nbformat.read(str(pipeline / "prepare.ipynb"), as_version=4)
    environment = capture(options={"prefix": str(conda_prefix), "gpu": False})["environment"]
    for snapshot in nb.metadata["nbrepro"]["snapshots"].values():
        snapshot["environment"] = environment
    nbformat.write(nb, str(pipeline / "prepare.ipynb"))
    steps = snakemake.export([pipeline / "prepare.ipynb"], pipeline / "wf")
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
    assert snakemake.names_path("data/raw.csv") and snakemake.names_path("model.pkl")
    for value in ("hello", "", " a.csv", "https://x.org/a.csv", 3, "two words"):
        assert not snakemake.names_path(value), value


# -- input:/output: from the recorded file accesses ------------------------------------


def notebook(path, *cells):
    """A notebook of code cells; a (source, tags) pair is a tagged cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for cell in cells:
        source, tags = cell if isinstance(cell, tuple) else (cell, [])
        nb.cells.append(nbformat.v4.new_code_cell(source))
        if tags:
            nb.cells[-1].metadata["tags"] = tags
    nbformat.write(nb, str(path))


def recorded(folder, *names):
    for name in names:
        done = tool("nbrepro", "run", name, cwd=folder)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture()
@uses("kernel")
def accessed(tmp_path):
    """Two notebooks chained by files only one of them names in a parameter; the first
    also opens a file outside its folder. Both recorded by `nbrepro run`."""
    (tmp_path / "outside.txt").write_text("not the workflow's\n")
    folder = tmp_path / "wf"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "in.txt").write_text("3 4 5\n")
    notebook(
        folder / "load.ipynb",
        ('table = "work/table.csv"\nfactor = 2', ["parameters"]),
        "import os\nrows = open('data/in.txt').read().split()\nopen('../outside.txt').read()",
        "os.makedirs('work', exist_ok=True)\n"
        "with open(table, 'w') as handle:\n"
        "    handle.write(','.join(str(int(r) * factor) for r in rows))\n"
        "with open('work/notes.txt', 'w') as handle:\n"
        "    handle.write('loaded %d rows' % len(rows))\n"
        "with open('scratch.tmp', 'w') as handle:\n"
        "    handle.write('gone at the end of the cell')\n"
        "os.remove('scratch.tmp')",
    )
    notebook(
        folder / "report.ipynb",
        ("digits = 1", ["parameters"]),
        "values = [float(v) for v in open('work/table.csv').read().split(',')]\n"
        "with open('report.txt', 'w') as handle:\n"
        "    handle.write('mean %.*f' % (digits, sum(values) / len(values)))",
    )
    recorded(folder, "load.ipynb", "report.ipynb")
    for made in ("work", "report.txt"):
        shutil.rmtree(folder / made) if made == "work" else (folder / made).unlink()
    return folder


@pytest.mark.kernel
def test_rules_take_their_files_from_the_recorded_accesses_and_form_one_dag(accessed):
    done = tool(
        "nbrepro", "export", "load.ipynb", "report.ipynb", "--workflow", "snakemake", "-o", ".",
        "--json", cwd=accessed,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = {s["rule"]: s for s in json.loads(done.stdout)["steps"]}
    # `table` names no output, but the recording saw the notebook write it
    assert steps["load"]["outputs"] == {"table": "work/table.csv"}
    assert steps["load"]["output_files"] == ["work/table.csv", "work/notes.txt"]
    assert steps["load"]["input_files"] == ["data/in.txt"]
    assert steps["report"]["input_files"] == ["work/table.csv"]  # the chain, by file name
    assert steps["report"]["output_files"] == ["report.txt"]
    text = (accessed / "Snakefile").read_text()
    assert (
        "    input:\n"
        '        "data/in.txt",  # read when recorded; no parameter names it\n'
        "    output:\n"
        '        "work/notes.txt",  # written when recorded; no parameter names it\n'
        '        table="work/table.csv",\n'
    ) in text
    assert "# not listed: 1 file opened outside the notebook's folder" in text
    assert "# not listed: scratch.tmp, written and removed by the same cell" in text
    assert "outside.txt" not in text and ".ipython" not in text
    assert "--table={output.table:q}" in text  # the parameter still drives the path

    lint = tool("snakemake", "--lint", cwd=accessed)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    plan = tool("snakemake", "--dry-run", "--cores", "1", cwd=accessed)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert plan.stdout.index("rule load:") < plan.stdout.index("rule report:")
    dag = tool("snakemake", "--dag", cwd=accessed)
    assert dag.returncode == 0, dag.stderr
    ids = {rule: line.split("[")[0].strip() for line in dag.stdout.splitlines()
           for rule in ("load", "report", "all") if 'label = "%s"' % rule in line}  # fmt: skip
    assert "%s -> %s" % (ids["load"], ids["report"]) in dag.stdout
    assert "%s -> %s" % (ids["report"], ids["all"]) in dag.stdout

    ran = tool("snakemake", "--cores", "1", cwd=accessed)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (accessed / "work" / "table.csv").read_text() == "6,8,10"
    assert (accessed / "work" / "notes.txt").read_text() == "loaded 3 rows"
    assert (accessed / "report.txt").read_text() == "mean 8.0"


@pytest.mark.kernel
@pytest.mark.parametrize("left_over", [False, True])
def test_a_file_another_step_writes_is_no_missing_input_and_is_not_carried(accessed, left_over):
    """report.ipynb reads work/table.csv, which load.ipynb writes: the DAG supplies it.
    Gone since the recording (the fixture removes it), the old export called it missing;
    left over from an earlier run, it carried that (stale) copy into steps/report/."""
    if left_over:
        (accessed / "work").mkdir()
        (accessed / "work" / "table.csv").write_text("1,1,1")  # not what load will write
    done = tool("nbrepro", "export", "load.ipynb", "report.ipynb", "--workflow", "snakemake",
                "-o", "wf", cwd=accessed)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "report.ipynb: missing-inputs" not in done.stderr
    assert "load.ipynb: missing-inputs" in done.stderr  # ../outside.txt: still said
    report = accessed / "wf" / "steps" / "report"
    manifest = json.loads((report / "manifest.json").read_text())
    assert "missing-inputs" not in [f["kind"] for f in manifest["findings"]]
    assert not (report / "work").exists() and "work/table.csv" not in manifest["files"]
    [entry] = manifest["inputs"]["data"]
    assert entry["path"] == "work/table.csv" and entry["carried"] is False
    assert entry["supplied_by"] == "the workflow's step load"
    assert "| no: the workflow's step load writes it |" in (report / "README.md").read_text()
    # load's own input is still carried; the steps stay chained by the file
    assert (accessed / "wf" / "steps" / "load" / "data" / "in.txt").is_file()
    shutil.copytree(accessed / "data", accessed / "wf" / "data")
    plan = tool("snakemake", "--dry-run", "--cores", "1", cwd=accessed / "wf")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert plan.stdout.index("rule load:") < plan.stdout.index("rule report:")


@pytest.mark.kernel
@pytest.mark.parametrize("mode", ["script", "papermill"])
def test_notebooks_in_two_folders_run_each_in_its_own_and_chain(tmp_path, mode):
    """a/load.ipynb writes work/t.csv (in a/); b/report.ipynb reads it as ../a/work/t.csv
    (a parameter; the recording only counts a file outside b/). The workflow keeps the
    folders' places: each step runs in its own, and the chain goes through a/work/t.csv."""
    if mode == "papermill":
        pytest.importorskip("papermill")
    (tmp_path / "a" / "data").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "data" / "in.txt").write_text("3 4 5")
    notebook(
        tmp_path / "a" / "load.ipynb",
        ('table = "work/t.csv"', ["parameters"]),
        "import os\nrows = open('data/in.txt').read().split()\nos.makedirs('work', exist_ok=True)"
        "\nwith open(table, 'w') as handle:\n    handle.write(','.join(rows))",
    )
    notebook(
        tmp_path / "b" / "report.ipynb",
        ('table = "../a/work/t.csv"\nreport_out = "report.txt"', ["parameters"]),
        "v = [float(x) for x in open(table).read().split(',')]\n"
        "with open(report_out, 'w') as handle:\n    handle.write('mean %.1f' % (sum(v) / len(v)))",
    )
    recorded(tmp_path / "a", "load.ipynb")
    recorded(tmp_path / "b", "report.ipynb")
    shutil.rmtree(tmp_path / "a" / "work")
    (tmp_path / "b" / "report.txt").unlink()
    done = tool("nbrepro", "export", "a/load.ipynb", "b/report.ipynb", "--workflow", "snakemake",
                "--steps", mode, "-o", "wf", "--json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = {s["rule"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["load"]["input_files"] == ["a/data/in.txt"]
    assert steps["load"]["outputs"] == {"table": "a/work/t.csv"}
    assert steps["report"]["inputs"] == {"table": "a/work/t.csv"}  # the chain
    assert steps["report"]["outputs"] == {"report_out": "b/report.txt"}
    text = (tmp_path / "wf" / "Snakefile").read_text()
    assert "# the notebook ran in ../b; this step runs in b of the workflow's folder" in text
    assert (
        "# 1 file opened outside the notebook's folder; parameters name 1 path outside it, "
        "listed above (add any other file that is data the step needs)\n# the notebook ran in ../b"
    ) in text

    wf = tmp_path / "wf"
    lint = tool("snakemake", "--lint", cwd=wf)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    shutil.copytree(tmp_path / "a" / "data", wf / "a" / "data")
    ran = tool("snakemake", "--cores", "1", cwd=wf)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stderr.index("rule load:") < ran.stderr.index("rule report:")
    assert (wf / "a" / "work" / "t.csv").read_text() == "3,4,5"
    assert (wf / "b" / "report.txt").read_text() == "mean 4.0"
    assert not (tmp_path / "a" / "work").exists()  # the notebooks' own folders untouched


@pytest.mark.kernel
def test_a_file_read_then_written_is_an_output_and_a_gone_one_a_comment(tmp_path):
    (tmp_path / "state.txt").write_text("1")
    (tmp_path / "once.txt").write_text("x")
    notebook(
        tmp_path / "count.ipynb",
        "n = int(open('state.txt').read())\nopen('once.txt').read()",
        "with open('state.txt', 'w') as handle:\n    handle.write(str(n + 1))",
    )
    recorded(tmp_path, "count.ipynb")
    (tmp_path / "once.txt").unlink()
    steps = snakemake.export([tmp_path / "count.ipynb"], tmp_path / "wf")
    assert steps[0].outputs == [(None, "state.txt")] and steps[0].inputs == []
    text = (tmp_path / "wf" / "Snakefile").read_text()
    assert "# state.txt: read, then written by the notebook: an output only" in text
    assert "# once.txt: read by cell 1 when recorded, but no longer beside the notebook" in text
    assert "# the notebook ran in .. and this step runs in the workflow's folder" in text
    lint = tool("snakemake", "--lint", cwd=tmp_path / "wf")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_without_a_recording_the_rules_say_what_to_fill_in(pipeline):
    for name in NOTEBOOKS:  # the demo's notebooks, their run records' file accesses removed
        nb = nbformat.read(str(pipeline / name), as_version=4)
        for run in nb.metadata["nbrepro"]["runs"].values():
            run.pop("inputs", None)
        nbformat.write(nb, str(pipeline / name))
    steps = snakemake.export([pipeline / n for n in NOTEBOOKS], pipeline)
    assert [s.inputs for s in steps] == [
        [("source", "data/raw.csv")],
        [("table", "results/clean.csv")],
    ]
    text = (pipeline / "Snakefile").read_text()
    assert text.count("# no file accesses were recorded (run it with nbrepro to record them)") == 2
    assert "# input: and output: are the files its recorded run read and wrote" not in text


# -- --steps papermill under --sdm conda ----------------------------------------------


def _snakemake_aux(env_file, suffix):
    """The file Snakemake looks for beside a conda: yml (its own naming rule)."""
    from snakemake.sourcecache import LocalSourceFile

    aux = LocalSourceFile(str(env_file)).replace_suffix([".yaml", ".yml"], suffix)
    return Path(aux.get_path_or_uri(secret_free=True))


def _pip_section(env_file):
    import yaml

    data = yaml.safe_load(Path(env_file).read_text())
    return [d["pip"] for d in data["dependencies"] if isinstance(d, dict)][0]


def _deploy_requirements(script):
    lines = script.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("<<'NBREPRO_PIP_SECTION'"))
    return lines[start + 1 : lines.index("NBREPRO_PIP_SECTION")]


def test_papermill_steps_get_papermill_and_nbrepro_in_their_conda_env(pipeline, conda_prefix):
    from importlib import metadata

    from nbrepro import __version__

    nb = nbformat.read(str(pipeline / "prepare.ipynb"), as_version=4)
    environment = capture(options={"prefix": str(conda_prefix), "gpu": False})["environment"]
    for snapshot in nb.metadata["nbrepro"]["snapshots"].values():
        snapshot["environment"] = environment
    nbformat.write(nb, str(pipeline / "prepare.ipynb"))
    platform = environment["conda"]["platform"]
    runners = ["papermill==%s" % metadata.version("papermill"), "nbrepro==%s" % __version__]

    for mode in ("papermill", "script"):
        out = pipeline / mode
        steps = snakemake.export([pipeline / "prepare.ipynb"], out, mode=mode)
        env_file = out / "envs" / "prepare.yml"
        recorded = _pip_section(out / "steps" / "prepare" / "environment.yml")
        assert recorded and not any(r.startswith(("papermill", "nbrepro")) for r in recorded)
        assert recorded[0] == "--find-links ./wheels"  # the bundle's wheels: in steps/ here
        wheels = '--find-links "${NBREPRO_WORKFLOW_DIR}/steps/prepare/wheels"'
        expected = [wheels] + recorded[1:] + (runners if mode == "papermill" else [])
        assert _pip_section(env_file) == expected
        # Snakemake installs the pin file (conda packages only) instead of the yml ...
        pin = _snakemake_aux(env_file, ".%s.pin.txt" % platform)
        assert pin.read_bytes() == steps[0].bundle.files["conda-%s.lock" % platform]
        # ... and then runs the post-deploy script, which installs the pip section
        deploy = _snakemake_aux(env_file, ".post-deploy.sh")
        assert os.access(str(deploy), os.X_OK)
        assert _deploy_requirements(deploy) == expected
        assert (out / "steps" / "prepare" / "wheels").is_dir()
        assert subprocess.run(["bash", "-n", str(deploy)], timeout=30).returncode == 0
    lint = tool("snakemake", "--lint", cwd=pipeline / "papermill")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_a_venv_papermill_step_has_no_pin_file_and_papermill_in_its_yml(pipeline):
    out = pipeline / "wf"
    snakemake.export([pipeline / n for n in NOTEBOOKS], out, mode="papermill")
    assert sorted(p.name for p in (out / "envs").iterdir()) == ["prepare.yml", "summarize.yml"]
    section = _pip_section(out / "envs" / "prepare.yml")
    assert section[:-2] == _pip_section(out / "steps" / "prepare" / "environment.yml")
    assert [s.split("==")[0] for s in section[-2:]] == ["papermill", "nbrepro"]
    assert "a development\n# nbrepro is not there" in (out / "envs" / "prepare.yml").read_text()


@pytest.mark.venv
def test_the_post_deploy_script_installs_the_pip_section_with_pip(tmp_path, built):
    """The script Snakemake runs after building an environment from a pin file, run
    for real in a fresh venv (offline: the package comes from a local folder)."""

    class Bundle(object):
        files = {
            "environment.yml": b"name: s\ndependencies:\n- python=3.11\n- pip\n- pip:\n"
            b"  - plainpkg==1.0\n",
            "conda-linux-64.lock": b"@EXPLICIT\n",
        }
        manifest = {"environment": {"lock": "conda-linux-64.lock", "platform": "linux-64"}}

    step = snakemake.Step(tmp_path / "s.ipynb", "s", Bundle(), [])
    env_yml, pin, deploy = snakemake.step_environment(step, "script")
    assert env_yml == Bundle.files["environment.yml"] and pin == b"@EXPLICIT\n"
    (tmp_path / "deploy.sh").write_bytes(deploy)
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = dict(os.environ, PATH="%s%s%s" % (venv / "bin", os.pathsep, os.environ["PATH"]))
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(built["wheels"]), PIP_CONFIG_FILE=os.devnull)
    ran = subprocess.run(["bash", str(tmp_path / "deploy.sh")], env=env, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    shown = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "show", "plainpkg"],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "Version: 1.0" in shown.stdout


def _fresh_venv(path):
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path / "bin" / "python"


def _installed(python, name):
    shown = subprocess.run([str(python), "-m", "pip", "show", name],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    return shown.stdout


@pytest.mark.venv
def test_the_step_wheels_are_found_where_snakemake_and_conda_run_pip(tmp_path, built):
    """A bundle's ``--find-links ./wheels``, its user-supplied wheels in steps/<step>/wheels.
    Snakemake (create_env in snakemake/deployment/conda.py) copies envs/<step>.yml to
    <conda prefix>/<hash>.yaml and runs `conda env create --file` on the copy; conda
    (conda/env/installers/pip.py) writes the pip section to condaenv.*.requirements.txt in
    the copy's folder and runs `pip install -U -r FILE --exists-action=b` there. Done here as
    they do it, with real pip offline, and the variable as real Snakemake sets it; the
    post-deploy script likewise, from Snakemake's copy in the conda prefix."""

    class Bundle(object):
        snapshot_id = "0123456789abcdef"
        files = {
            "environment.yml": b"name: s\ndependencies:\n- python=3.11\n- pip\n- pip:\n"
            b"  - --find-links ./wheels\n  - plainpkg==1.0\n",
            "conda-linux-64.lock": b"@EXPLICIT\n",
        }
        manifest = {"environment": {"lock": "conda-linux-64.lock", "platform": "linux-64"}}

    out = tmp_path / "wf"
    step = snakemake.Step(out / "s.ipynb", "s", Bundle(), [])
    env_yml, _pin, deploy = snakemake.step_environment(step, "script")
    (out / "envs").mkdir(parents=True)
    (out / "envs" / "s.yml").write_bytes(env_yml)
    (out / "envs" / "s.post-deploy.sh").write_bytes(deploy)
    (out / "steps" / "s" / "wheels").mkdir(parents=True)
    for wheel in built["wheels"].glob("plainpkg-*.whl"):
        shutil.copy(wheel, out / "steps" / "s" / "wheels")
    probe = '\nrule probe:\n    output:\n        "probe.txt",\n    shell:\n' \
        '        "printf %s \\"$NBREPRO_WORKFLOW_DIR\\" > {output:q}"\n'  # fmt: skip
    (out / "Snakefile").write_text(snakemake.snakefile([step]) + probe)
    ran = tool("snakemake", "--cores", "1", "probe.txt", cwd=out)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    seen = (out / "probe.txt").read_text()
    assert seen == str(out)  # what Snakemake's own subprocesses (conda among them) inherit

    prefix = out / ".snakemake" / "conda"  # Snakemake's conda prefix, made by the run above
    assert prefix.is_dir()
    shutil.copy(out / "envs" / "s.yml", prefix / "0123abcd.yaml")  # create_env's copy
    requirements = prefix / "condaenv.x1.requirements.txt"  # conda's pip installer
    requirements.write_text("\n".join(_pip_section(prefix / "0123abcd.yaml")))
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, NBREPRO_WORKFLOW_DIR=seen)
    env.pop("PIP_FIND_LINKS", None)
    python = _fresh_venv(tmp_path / "yml-env")
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-U", "-r", str(requirements), "--exists-action=b"],
        cwd=str(prefix), env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert "Version: 1.0" in _installed(python, "plainpkg")

    shutil.copy(out / "envs" / "s.post-deploy.sh", prefix / "0123abcd.post-deploy.sh")
    python = _fresh_venv(tmp_path / "pin-env")
    env["PATH"] = "%s%s%s" % (python.parent, os.pathsep, os.environ["PATH"])
    ran = subprocess.run(["bash", str(prefix / "0123abcd.post-deploy.sh")], cwd=str(out), env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Version: 1.0" in _installed(python, "plainpkg")


@pytest.mark.kernel
def test_notebooks_that_read_each_others_outputs_are_refused(tmp_path):
    for name, reads, writes in (("one", "b.txt", "a.txt"), ("two", "a.txt", "b.txt")):
        (tmp_path / reads).write_text("x")
        notebook(
            tmp_path / ("%s.ipynb" % name),
            "text = open(%r).read()\nwith open(%r, 'w') as handle:\n    handle.write(text)"
            % (reads, writes),
        )
    recorded(tmp_path, "one.ipynb", "two.ipynb")
    done = tool("nbrepro", "export", "one.ipynb", "two.ipynb", "--workflow", "snakemake",
                "-o", "wf", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "read each other's outputs in a loop (" in done.stderr, done.stderr
    assert not (tmp_path / "wf" / "Snakefile").exists()


def test_recorded_paths_a_rule_cannot_name_are_left_out():
    assert snakemake._workflow_path("data/raw.csv") == "data/raw.csv"
    installed = "env/lib/python3.11/site-packages/p/data.txt"
    for path in ("/etc/hosts", "../x.csv", ".cache/a", "d/.hidden", installed,
                 "out/{sample}.csv", "x\\\\y", 'a"b.csv', ""):  # fmt: skip
        assert snakemake._workflow_path(path) is None, path


# -- nbrepro verify --workflow snakemake: a conda bundle's rule ---------------------------


def test_a_conda_bundles_verification_rule_has_its_env_pin_file_and_post_deploy(
    pipeline, conda_prefix
):
    """`nbrepro verify B... --workflow snakemake`: a conda bundle is verified in the
    environment Snakemake makes from the bundle's environment.yml and lock (named as
    Snakemake looks for them), its pip packages installed by the post-deploy script,
    the kernel run with that environment's Python."""
    nb = nbformat.read(str(pipeline / "prepare.ipynb"), as_version=4)
    environment = capture(options={"prefix": str(conda_prefix), "gpu": False})["environment"]
    for snapshot in nb.metadata["nbrepro"]["snapshots"].values():
        snapshot["environment"] = environment
    nbformat.write(nb, str(pipeline / "prepare.ipynb"))
    platform = environment["conda"]["platform"]
    done = tool("nbrepro", "export", "prepare.ipynb", "-o", "bundle", cwd=pipeline)
    assert done.returncode == 0, done.stderr
    bundle = pipeline / "bundle"
    done = tool(
        "nbrepro", "verify", "bundle", "--workflow", "snakemake", "-o", "verify", cwd=pipeline
    )
    assert done.returncode == 0, done.stderr
    out = pipeline / "verify"
    env_file = out / "envs" / "01-bundle.yml"
    assert env_file.read_bytes() == (bundle / "environment.yml").read_bytes()
    pin = _snakemake_aux(env_file, ".%s.pin.txt" % platform)
    assert pin.read_bytes() == (bundle / ("conda-%s.lock" % platform)).read_bytes()
    deploy = _snakemake_aux(env_file, ".post-deploy.sh")
    assert os.access(str(deploy), os.X_OK)
    assert subprocess.run(["bash", "-n", str(deploy)], timeout=30).returncode == 0
    requirements = out / "envs" / "01-bundle.requirements.txt"
    assert requirements.read_bytes() == (bundle / "requirements.txt").read_bytes()
    assert str(requirements.resolve()) in deploy.read_text()
    snakefile = (out / "Snakefile").read_text()
    assert 'conda:\n        "envs/01-bundle.yml"' in snakefile
    assert '--python \\"$CONDA_PREFIX/bin/python\\"' in snakefile
    dry = tool("snakemake", "--dry-run", cwd=out)  # --sdm conda needs conda itself
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "verify_01_bundle" in dry.stdout
