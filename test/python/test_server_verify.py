"""The server's verify runs (``POST /nbrepro/verify``, ``GET``/``DELETE
/nbrepro/verify/<id>``) in a real Jupyter Server with real kernels: the report
is ``nbrepro verify``'s, the notebook is never written, Cancel and the time
limit stop the run and its kernel, and the bounds answer in JSON."""

import asyncio
import io
import json
import os
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from test_verify_units import png
from tornado.httpclient import HTTPClientError

from nbrepro import cli
from nbrepro.cli import verify as verify_command
from nbrepro.server import jobs

CELLS = [
    "print('same every time')",
    "print(open('value.txt').read())",
    "from IPython.display import Image, display\ndisplay(Image(filename='picture.png'))",
    "import random\nrandom.random()",
]
SLEEPER = ["print('before')", "import time\ntime.sleep(300)", "print('after')"]


def write_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# verify in the server")] + [
        nbformat.v4.new_code_cell(code) for code in cells
    ]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


@pytest.fixture
def kernel_mark(monkeypatch):
    """A variable every process the run starts inherits: its kernel can be found."""
    mark = secrets.token_hex(8)
    monkeypatch.setenv("NBREPRO_TEST_VERIFY_MARK", mark)
    return mark


def processes_with(mark):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            environ = Path("/proc", pid, "environ").read_bytes()
        except OSError:
            continue
        if ("NBREPRO_TEST_VERIFY_MARK=%s" % mark).encode() in environ.split(b"\0"):
            found.append(int(pid))
    return found


async def answer(jp_fetch, *parts, **kwargs):
    try:
        response = await jp_fetch(*parts, **kwargs)
    except HTTPClientError as error:
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def start(jp_fetch, **body):
    return await answer(jp_fetch, "nbrepro", "verify", method="POST", body=json.dumps(body))


async def until(jp_fetch, job, done, limit=120):
    deadline = time.monotonic() + limit
    while True:
        code, state = await answer(jp_fetch, "nbrepro", "verify", job)
        assert code == 200, state
        if done(state):
            return state
        assert time.monotonic() < deadline, state
        await asyncio.sleep(0.2)


def finished(state):
    return state["state"] != "running"


@pytest.mark.kernel
async def test_the_report_is_nbrepro_verifys_and_the_notebook_is_not_written(
    jp_fetch, jp_root_dir, private_ipython
):
    folder = jp_root_dir / "work"
    folder.mkdir()
    (folder / "value.txt").write_text("0.5")
    (folder / "picture.png").write_bytes(png((255, 0, 0)))
    path = write_notebook(folder / "nb.ipynb", CELLS)
    loop = asyncio.get_running_loop()
    # The command line runs its own event loop: in a thread, beside the server's.
    assert await loop.run_in_executor(None, cli.main, ["run", str(path)]) == 0
    (folder / "value.txt").write_text("0.75")
    (folder / "picture.png").write_bytes(png((0, 0, 255)))
    before, stat = path.read_bytes(), path.stat()

    code, job = await start(jp_fetch, path="work/nb.ipynb", kernel="python3")
    assert code == 202, job
    assert job["state"] == "running" and job["path"] == "work/nb.ipynb"
    state = await until(jp_fetch, job["id"], finished)
    assert state["state"] == "done", state
    assert state["done"] == state["total"] == 4
    ids = [c["id"] for c in nbformat.read(str(path), as_version=4).cells]
    assert [c["id"] for c in state["cells"]] == ids[1:]

    # The same report as `nbrepro verify --json` on the same notebook.
    stdout, stderr = io.StringIO(), io.StringIO()
    args = cli.build_parser().parse_args(["verify", str(path), "--json"])
    assert await loop.run_in_executor(None, verify_command.run, args, stdout, stderr) == 1
    cli_report = json.loads(stdout.getvalue())
    server_report = state["report"]

    def shape(report):
        return [
            (c["cell"], c["status"], (c["difference"] or {}).get("where"), c["causes"])
            for c in report["cells"]
        ]

    assert shape(server_report) == shape(cli_report)
    assert [c["status"] for c in server_report["cells"]] == [
        "same",
        "different",
        "different",
        "different",
    ]
    assert server_report["summary"] == cli_report["summary"]
    # The report's keys, not the executed notebook beside them (verify_notebook's "rerun").
    assert set(server_report) - {"cells"} == set(cli_report) - {"cells"}
    # Each cell names its id; the image that differs comes with both images.
    assert [c["id"] for c in server_report["cells"]] == ids[1:]
    picture = server_report["cells"][2]
    assert picture["images"]["mimetype"] == "image/png"
    assert picture["images"]["recorded"] != picture["images"]["now"]
    assert "images" not in server_report["cells"][1]
    # Never written: the same bytes, the same modification time.
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in folder.iterdir()) == ["nb.ipynb", "picture.png", "value.txt"]


@pytest.mark.kernel
async def test_cancel_stops_the_run_and_its_kernel_and_the_bound_answers_429(
    jp_fetch, jp_root_dir, private_ipython, kernel_mark, monkeypatch
):
    monkeypatch.setattr(jobs, "MAX_RUNNING", 1)
    write_notebook(jp_root_dir / "sleeper.ipynb", SLEEPER)
    code, job = await start(jp_fetch, path="sleeper.ipynb")
    assert code == 202, job
    state = await until(jp_fetch, job["id"], lambda s: s["running"] == 3)
    assert state["done"] == 1 and state["total"] == 3
    assert processes_with(kernel_mark), "the run's kernel should be running"

    code, busy = await start(jp_fetch, path="sleeper.ipynb")
    assert code == 429
    assert "at most 1 at once" in busy["message"]

    code, cancelling = await answer(jp_fetch, "nbrepro", "verify", job["id"], method="DELETE")
    assert code == 200, cancelling
    started = time.monotonic()
    state = await until(jp_fetch, job["id"], finished, limit=30)
    assert state["state"] == "cancelled", state
    assert state["report"] is None
    elapsed = time.monotonic() - started
    assert elapsed < jobs.CANCEL_GRACE, "stopped by SIGINT, not killed (%.1f s)" % elapsed
    deadline = time.monotonic() + 10
    while processes_with(kernel_mark) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert processes_with(kernel_mark) == [], "the run's kernel is still running"


@pytest.mark.kernel
async def test_a_run_past_the_time_limit_is_stopped(
    jp_fetch, jp_root_dir, private_ipython, kernel_mark, monkeypatch
):
    monkeypatch.setattr(jobs, "TIME_LIMIT", 4.0)
    write_notebook(jp_root_dir / "sleeper.ipynb", SLEEPER)
    code, job = await start(jp_fetch, path="sleeper.ipynb")
    assert code == 202, job
    state = await until(jp_fetch, job["id"], finished, limit=40)
    assert state["state"] == "timed out", state
    assert "the longest a verify run may take" in state["message"]
    deadline = time.monotonic() + 10
    while processes_with(kernel_mark) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert processes_with(kernel_mark) == []


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({}, 400, "no notebook path given: send the .ipynb path to verify"),
        ({"path": "../x.ipynb"}, 400, "leads out of Jupyter's root folder"),
        ({"path": "missing.ipynb"}, 404, "no notebook at"),
        ({"path": "notes.txt"}, 400, "only .ipynb files can be verified"),
        ({"path": "nb.ipynb", "kernel": "no such/kernel"}, 400, "kernelspec's name"),
        ({"path": "broken.ipynb"}, 400, "Unreadable Notebook"),
    ],
)
async def test_bad_requests_answer_in_json(jp_fetch, jp_root_dir, body, status, words):
    write_notebook(jp_root_dir / "nb.ipynb", ["1"])
    (jp_root_dir / "broken.ipynb").write_text("{not json")
    code, reply = await start(jp_fetch, **body)
    assert code == status, reply
    assert words in reply["message"]


async def test_an_unknown_kernel_or_run_is_said_so(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "nb.ipynb", ["1"])
    code, job = await start(jp_fetch, path="nb.ipynb", kernel="no-such-kernel")
    assert code == 202
    state = await until(jp_fetch, job["id"], finished, limit=60)
    assert state["state"] == "failed"
    assert "no kernel named 'no-such-kernel'" in state["message"]
    code, reply = await answer(jp_fetch, "nbrepro", "verify", "0" * 32)
    assert code == 404 and "no verify run" in reply["message"]
    code, reply = await answer(jp_fetch, "nbrepro", "verify", "0" * 32, method="DELETE")
    assert code == 404


async def test_verify_requires_authentication(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "nb.ipynb", ["1"])
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch(
            "nbrepro",
            "verify",
            method="POST",
            body=json.dumps({"path": "nb.ipynb"}),
            headers={"Authorization": "token wrong"},
        )
    assert failure.value.code == 403


def job_command(notebook, workdir, *extra):
    return [sys.executable, "-m", "nbrepro.verify.job", str(notebook), str(workdir), "", *extra]


def gone(mark, limit=30):
    deadline = time.monotonic() + limit
    while processes_with(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    return processes_with(mark) == []


@pytest.mark.kernel
def test_a_run_stops_itself_past_its_time_limit(tmp_path, private_ipython, kernel_mark):
    notebook = write_notebook(tmp_path / "sleeper.ipynb", SLEEPER)
    done = subprocess.run(
        job_command(notebook, tmp_path, "--time-limit", "8"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    events = [json.loads(line)["event"] for line in done.stdout.splitlines()]
    assert events[-1] == "cancelled", (events, done.stderr[-2000:])
    assert done.returncode == 130
    assert gone(kernel_mark), "the run's kernel is still running"


@pytest.mark.kernel
@pytest.mark.parametrize("after", [0, 6.0])
def test_a_run_whose_server_is_gone_stops_with_its_kernel(
    tmp_path, private_ipython, kernel_mark, after
):
    """The server that started the run (here: a shell, which says its process
    id as the server does) is gone at once, before the run has even looked
    at its parent (0 s), or while a cell runs (6 s)."""
    notebook = write_notebook(tmp_path / "sleeper.ipynb", SLEEPER)
    log = tmp_path / "job.log"
    command = " ".join(shlex.quote(part) for part in job_command(notebook, tmp_path))
    command += " --parent $$"
    shell = subprocess.Popen(
        ["sh", "-c", "%s > %s 2>&1 & echo $!; sleep %s" % (command, shlex.quote(str(log)), after)],
        stdout=subprocess.PIPE,
        text=True,
    )
    job = int(shell.stdout.readline())
    shell.wait(timeout=60)
    deadline = time.monotonic() + 60
    while Path("/proc/%d" % job).exists() and time.monotonic() < deadline:
        status = Path("/proc/%d/stat" % job).read_text().split()[2:3]
        if status == ["Z"]:
            break
        time.sleep(0.2)
    assert not Path("/proc/%d" % job).exists() or status == ["Z"], log.read_text()[-2000:]
    assert gone(kernel_mark), "the run's kernel outlived it: %s" % log.read_text()[-2000:]
    events = [json.loads(line)["event"] for line in log.read_text().splitlines() if line[:1] == "{"]
    assert events[-1:] == ["cancelled"], log.read_text()[-2000:]
