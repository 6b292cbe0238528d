"""``nbrepro run --mlflow URI``: a real ``mlflow server`` on a SQLite store and an
artifact folder (started once for the module, stopped at the end), a notebook
that logs a metric from its own cell, and the run read back with MlflowClient."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402

BIN = Path(sys.executable).parent
START_TIMEOUT = 240  # the server imports a lot; on a busy machine that takes a minute


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    uri = "http://127.0.0.1:%d" % port
    log = open(root / "server.log", "wb")
    process = subprocess.Popen(
        [
            str(BIN / "mlflow"), "server",
            "--backend-store-uri", "sqlite:///%s" % (root / "store.db"),
            "--artifacts-destination", str(root / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers go with it at the end
    )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(uri + "/health", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("mlflow server did not start:\n" + (root / "server.log").read_text())
            time.sleep(0.5)
        yield {"uri": uri, "root": root}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        log.close()


def make_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    params = nbformat.v4.new_code_cell("alpha = 0.1\nsource = 'in.csv'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("score = alpha * 10\nprint(score)"),
        nbformat.v4.new_code_cell("import mlflow\nmlflow.log_metric('score', score)"),
    ]
    nbformat.write(nb, str(path))


def tool(name, *argv, cwd, env=None):
    full = dict(os.environ, IPYTHONDIR=str(Path(cwd) / ".ipython"), **(env or {}))
    full["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "1"
    full["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "0"  # the one retry at once, no sleep
    return subprocess.run(
        [str(BIN / name), *map(str, argv)],
        cwd=str(cwd),
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
    )


def git(folder, *argv):
    subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org", *argv],
        check=True,
        capture_output=True,
        timeout=30,
    )


def last_run(client):
    return client.search_runs(["0"], order_by=["attributes.start_time DESC"], max_results=1)[0]


def artifact(client, run_id, name, folder):
    return Path(client.download_artifacts(run_id, "nbrepro/" + name, str(folder))).read_bytes()


@pytest.mark.kernel
def test_one_run_per_execution_with_params_tags_metrics_and_export_files(server, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    make_notebook(repo / "step.ipynb")
    git(repo, "init", "-q")
    git(repo, "add", "step.ipynb")
    git(repo, "commit", "-q", "-m", "a step")
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()

    done = tool(
        "nbrepro", "run", "step.ipynb", "-o", "ran.ipynb", "-p", "alpha", "0.3",
        "--mlflow", server["uri"], cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    client = MlflowClient(server["uri"])
    run = last_run(client)
    assert "MLflow run %s" % run.info.run_id in done.stderr
    assert run.info.status == "FINISHED" and run.info.run_name == "step"
    assert run.data.params == {"alpha": "0.3", "source": "in.csv"}
    assert run.data.metrics == {"score": 3.0}  # logged by the notebook's own cell

    ran = nbformat.read(str(repo / "ran.ipynb"), as_version=4)
    tags = run.data.tags
    assert tags["nbrepro.snapshot"] == ran.metadata["nbrepro"]["current"]
    assert tags["nbrepro.kernel"] == "python3" and tags["nbrepro.version"]
    assert tags["mlflow.source.git.commit"] == head
    assert tags["nbrepro.git.dirty"] == "false"  # ran.ipynb is untracked

    export = tool("nbrepro", "export", "ran.ipynb", "-o", tmp_path / "bundle", cwd=repo)
    assert export.returncode == 0, export.stderr
    listed = sorted(f.path for f in client.list_artifacts(run.info.run_id, "nbrepro"))
    assert listed == [
        "nbrepro/environment.yml",
        "nbrepro/ran.ipynb",
        "nbrepro/requirements.txt",
        "nbrepro/snapshot.json",
    ]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for name in ("environment.yml", "requirements.txt"):
        assert (
            artifact(client, run.info.run_id, name, downloads)
            == (tmp_path / "bundle" / name).read_bytes()
        )
    assert (
        artifact(client, run.info.run_id, "ran.ipynb", downloads)
        == (repo / "ran.ipynb").read_bytes()
    )
    snapshot = json.loads(artifact(client, run.info.run_id, "snapshot.json", downloads))
    assert snapshot == json.loads(
        json.dumps(ran.metadata["nbrepro"]["snapshots"][tags["nbrepro.snapshot"]])
    )

    # an edited tracked file: the next run says dirty
    (repo / "step.ipynb").write_text((repo / "step.ipynb").read_text().replace("0.1", "0.2"))
    again = tool("nbrepro", "run", "step.ipynb", "--mlflow", server["uri"], cwd=repo)
    assert again.returncode == 0, again.stderr
    second = last_run(client)
    assert second.info.run_id != run.info.run_id
    assert second.data.tags["nbrepro.git.dirty"] == "true"
    assert second.data.params["alpha"] == "0.2"


@pytest.mark.kernel
def test_papermill_engine_logs_the_same_run_with_nbrepro_mlflow(server, tmp_path):
    pytest.importorskip("papermill")
    make_notebook(tmp_path / "step.ipynb")
    done = tool(
        "papermill", "--engine", "nbrepro", "step.ipynb", "out.ipynb", "-p", "alpha", "0.5",
        cwd=tmp_path, env={"NBREPRO_MLFLOW": server["uri"]},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    client = MlflowClient(server["uri"])
    run = last_run(client)
    assert run.info.run_name == "step" and run.info.status == "FINISHED"
    assert run.data.metrics == {"score": 5.0} and run.data.params["alpha"] == "0.5"
    out = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert run.data.tags["nbrepro.snapshot"] == out.metadata["nbrepro"]["current"]
    listed = sorted(f.path for f in client.list_artifacts(run.info.run_id, "nbrepro"))
    assert "nbrepro/step.ipynb" in listed and "nbrepro/environment.yml" in listed


def test_an_unreachable_server_is_exit_2_and_the_notebook_untouched(tmp_path):
    make_notebook(tmp_path / "step.ipynb")
    before = (tmp_path / "step.ipynb").read_bytes()
    done = tool(
        "nbrepro", "run", "step.ipynb", "--mlflow", "http://127.0.0.1:%d" % free_port(),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "cannot start an MLflow run at http://127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "step.ipynb").read_bytes() == before


SECRET = "s3cr3t-pass"


@pytest.mark.kernel
def test_credentials_in_the_tracking_uri_are_never_printed(server, tmp_path):
    """Issue 20, defect 8: MLflow's "View run at" lines (printed by the client in
    nbrepro's process) showed ``user:password@``; they and the kernel's
    MLFLOW_TRACKING_URI now have none: the credentials travel as MLflow's
    username and password variables (the same basic auth), and the run works."""
    path = tmp_path / "step.ipynb"
    make_notebook(path)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import os\nprint(os.environ['MLFLOW_TRACKING_URI'])\n"
            "print(os.environ.get('MLFLOW_TRACKING_USERNAME'))"
        )
    )
    nbformat.write(nb, str(path))
    uri = server["uri"].replace("http://", "http://reviewer:%s@" % SECRET)
    done = tool("nbrepro", "run", "step.ipynb", "-o", "ran.ipynb", "--mlflow", uri, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "View run step at: %s/#/experiments/0/runs/" % server["uri"] in done.stdout
    assert SECRET not in done.stdout + done.stderr
    ran = (tmp_path / "ran.ipynb").read_text()
    assert SECRET not in ran
    last = nbformat.read(str(tmp_path / "ran.ipynb"), as_version=4).cells[-1]
    assert last.outputs[0]["text"] == "%s\nreviewer\n" % server["uri"]
    run = last_run(MlflowClient(server["uri"]))
    assert run.data.metrics == {"score": 1.0} and run.info.status == "FINISHED"


def test_an_unreachable_server_is_named_without_its_credentials(tmp_path):
    """Issue 20, defect 8: nbrepro's own message for a server it cannot reach."""
    make_notebook(tmp_path / "step.ipynb")
    uri = "http://reviewer:%s@127.0.0.1:%d/?token=tok-%s" % (SECRET, free_port(), SECRET)
    done = tool("nbrepro", "run", "step.ipynb", "--mlflow", uri, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "cannot start an MLflow run at http://127.0.0.1:" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_without_mlflow_installed_the_message_says_what_to_install(tmp_path):
    shadow = tmp_path / "shadow"
    (shadow / "mlflow").mkdir(parents=True)
    (shadow / "mlflow" / "__init__.py").write_text("raise ImportError('not installed')\n")
    make_notebook(tmp_path / "step.ipynb")
    done = tool(
        "nbrepro", "run", "step.ipynb", "--mlflow", cwd=tmp_path,
        env={"PYTHONPATH": str(shadow)},
    )  # fmt: skip
    assert done.returncode == 2
    assert 'MLflow is not installed here: pip install "nbrepro[mlflow]"' in done.stderr
    shutil.rmtree(shadow)
