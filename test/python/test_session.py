"""Per-cell records kept by the kernel (``capture/session.py``), in real ipykernels.

Cells are queued back to back without waiting, as JupyterLab's Run All does,
and one collect afterwards must attribute every record to its cell exactly.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from kernel_helpers import start_kernel, state, stdlib, stop_kernel

from nbrepro.capture import session
from nbrepro.run import kernel as kernel_bridge

OPTIONS = {"gpu": False}


def collect(kernel, options=OPTIONS):
    return kernel_bridge.collect_in_kernel(kernel.client, options, timeout=60)


def send_collect(kernel, options=OPTIONS):
    return kernel.client.execute(
        "",
        silent=True,
        store_history=False,
        allow_stdin=False,
        user_expressions={"c": kernel_bridge.collect_expression(options)},
    )


def decode(reply):
    assert reply["status"] == "ok", reply
    return kernel_bridge.decode_reply(reply["user_expressions"]["c"])


def src(code):
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


CELLS = ["import random\nrandom.seed(%d)\nv%d = random.random()" % (i, i) for i in range(5)]


def test_run_all_records_every_cell_exactly(kernel):
    first = collect(kernel)  # installs engine and hooks: the kernel-start environment
    assert first["hooks"] is True and first["cells"] == []
    assert list(first["environments"]) == [first["environment_id"]]
    kernel.iopub()

    ids = [kernel.send(code, "cell-%d" % i) for i, code in enumerate(CELLS)]
    collect_id = send_collect(kernel)  # queued behind the five cells, as the front end's is
    replies = kernel.replies(ids + [collect_id])
    assert all(replies[msg_id]["status"] == "ok" for msg_id in ids)
    result = decode(replies[collect_id])
    messages = kernel.iopub()
    assert {m["msg_type"] for m in messages} <= {"status", "execute_input"}, messages

    cells = result["cells"]
    assert [c["cell_id"] for c in cells] == ["cell-%d" % i for i in range(5)]
    assert [c["execution_count"] for c in cells] == [1, 2, 3, 4, 5]
    assert [c["src"] for c in cells] == [src(code) for code in CELLS]
    assert all(c["success"] and c["env"] == first["environment_id"] for c in cells)
    assert result["environments"] == {}  # nothing new since the first collect
    assert set(result["runs"]) == {c["run"] for c in cells} and len(result["runs"]) == 5
    assert result["dropped"] == 0 and result["problems"] == []

    # Each record holds the RNG state after *its* cell: replay the cell's draws and compare.
    for i, cell in enumerate(cells):
        expected = kernel.evaluate(
            f="(__import__('random').seed(%d), __import__('random').random(), "
            "__import__('sys').modules['_nbrepro_capture.seeds'].fingerprints())[2]" % i
        )["f"]
        assert result["runs"][cell["run"]]["seeds"]["fingerprints"] == expected
        assert result["runs"][cell["run"]]["seeds"]["status"] == "seeded"

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        assert collect(kernel)["cells"] == []  # collect clears what it returned
        timings.append(time.perf_counter() - started)
    print("\ncollect round trip, nothing pending: median %.1f ms" % (sorted(timings)[2] * 1e3))


def test_hooks_and_collect_leave_no_trace(kernel):
    kernel.execute("import random\nrandom.seed(3)\nx = 1")
    before = state(kernel)
    collect(kernel)
    kernel.execute("y = random.random()")
    middle = state(kernel)
    collect(kernel, dict(OPTIONS, include_environment=True))
    after = state(kernel)
    assert after["random"] == middle["random"] != before["random"]
    assert after["names"] == middle["names"] == sorted(before["names"] + ["y"])
    assert after["private"] == [] and after["history"] == middle["history"]
    new = set(after["modules"]) - set(before["modules"])
    assert {m for m in new if not stdlib(m) and not m.startswith("_nbrepro_capture")} == set()
    assert kernel.execute("z = 2")["execution_count"] == 3
    # Our silent requests and other tools' store_history=False queries are not cells.
    kernel.client.execute("q = 1", silent=True, store_history=False)
    kernel.client.execute("w = 1", store_history=False)
    cells = collect(kernel)["cells"]
    assert [c["execution_count"] for c in cells] == [3]
    messages = kernel.iopub()
    assert not [m for m in messages if m["msg_type"] in ("stream", "error")], messages


def test_failing_cell_is_recorded_without_output_from_the_hook(kernel):
    collect(kernel)
    kernel.iopub()
    msg_id = kernel.send("1 / 0", "bad")
    assert kernel.reply(msg_id)["status"] == "error"
    cells = collect(kernel)["cells"]
    assert [(c["cell_id"], c["success"]) for c in cells] == [("bad", False)]
    errors = [m for m in kernel.iopub() if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["content"]["ename"] == "ZeroDivisionError"


def test_engine_upgrade_replaces_the_callbacks(kernel, tmp_path):
    collect(kernel)
    changed = tmp_path / "engine"
    shutil.copytree(
        kernel_bridge.CAPTURE_DIR, changed, ignore=shutil.ignore_patterns("__pycache__")
    )
    with open(changed / "session.py", "a") as handle:
        handle.write("\n# another release\n")
    old_version = kernel_bridge.engine_payload()["version"]
    expression = kernel_bridge.collect_expression(OPTIONS, directory=changed)
    assert kernel.evaluate(r=expression)["r"] == kernel_bridge.NOT_INSTALLED
    kernel.execute("a = 1")
    content = kernel.reply(
        kernel.client.execute(
            kernel_bridge.install_statement(OPTIONS, directory=changed),
            silent=True,
            store_history=False,
            user_expressions={"c": expression},
        )
    )
    assert content["status"] == "ok"
    assert kernel_bridge.decode_reply(content["user_expressions"]["c"])["cells"] == []
    count = kernel.evaluate(
        n="len([f for f in get_ipython().events.callbacks['post_run_cell'] "
        "if f.__module__.startswith('_nbrepro_capture')])"
    )["n"]
    assert count == 1
    kernel.execute("b = 2")
    result = kernel_bridge.decode_reply(_raw(kernel, expression))
    assert [c["execution_count"] for c in result["cells"]] == [2]
    assert kernel_bridge.engine_payload(changed)["version"] != old_version


def _raw(kernel, expression):
    msg_id = kernel.client.execute(
        "", silent=True, store_history=False, user_expressions={"c": expression}
    )
    return kernel.reply(msg_id)["user_expressions"]["c"]


# -- %pip install between two cells ---------------------------------------------------------


def build_wheel(folder, name="nbrepro_tinypkg", version="0.1"):
    """A pure-Python wheel, written by hand (no build backend, no network)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("%s-%s-py3-none-any.whl" % (name, version))
    dist = "%s-%s.dist-info" % (name, version)
    files = {
        "%s/__init__.py" % name: "VALUE = 42\n",
        dist + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version),
        dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: nbrepro-test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            data = text.encode()
            archive.writestr(member, data)
            digest = hashlib.sha256(data).digest()
            encoded = __import__("base64").urlsafe_b64encode(digest).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (member, encoded, len(data)))
        record.append(dist + "/RECORD,,")
        archive.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return path


def overlay_venv(root):
    """A venv without pip whose site-packages sees this one's (ipykernel, pip) via a .pth."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "zz_parent.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.kernel
@pytest.mark.venv
def test_pip_install_between_cells_splits_the_environments(tmp_path):
    wheel = build_wheel(tmp_path / "wheels")
    python = overlay_venv(tmp_path / "venv")
    kernel = start_kernel(
        tmp_path, python, {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    )
    try:
        environments = {}
        first = collect(kernel)
        environments.update(first["environments"])
        codes = [
            "before = 1",
            "%%pip install --no-index --no-deps %s" % wheel,
            "import nbrepro_tinypkg\nafter = nbrepro_tinypkg.VALUE",
        ]
        ids = [kernel.send(code, "c%d" % i) for i, code in enumerate(codes)]
        collect_id = send_collect(kernel)
        replies = kernel.replies(ids + [collect_id], timeout=120)
        assert all(replies[msg_id]["status"] == "ok" for msg_id in ids), replies
        result = decode(replies[collect_id])
        environments.update(result["environments"])
        cells = result["cells"]
        assert [c["cell_id"] for c in cells] == ["c0", "c1", "c2"]
        env_before, env_pip, env_after = (c["env"] for c in cells)
        assert env_before == first["environment_id"]
        assert env_pip == env_after != env_before
        assert result["environment_id"] == env_after
        assert set(environments) >= {env_before, env_after}

        def names(env_id):
            return {d["name"] for d in environments[env_id]["pip"]["distributions"]}

        assert "nbrepro-tinypkg" in names(env_after) or "nbrepro_tinypkg" in names(env_after)
        assert not {"nbrepro-tinypkg", "nbrepro_tinypkg"} & names(env_before)
    finally:
        stop_kernel(kernel)


@pytest.mark.kernel
@pytest.mark.venv
def test_a_module_loaded_before_a_pip_install_is_recorded_as_stale(tmp_path):
    """`%pip install` of a newer version of a module a cell already loaded, without a
    restart: the kernel still runs the old code, so every later cell's record says so."""
    old = build_wheel(tmp_path / "wheels", version="0.1")
    new = build_wheel(tmp_path / "wheels", version="0.2")
    python = overlay_venv(tmp_path / "venv")
    kernel = start_kernel(
        tmp_path, python, {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    )
    try:
        collect(kernel)
        codes = [
            "%%pip install --no-index --no-deps %s" % old,
            "import nbrepro_tinypkg",
            "%%pip install --no-index --no-deps %s" % new,
            "value = nbrepro_tinypkg.VALUE",
            "import importlib, sys\nsys.modules.pop('nbrepro_tinypkg')\nimport nbrepro_tinypkg",
        ]
        ids = [kernel.send(code, "c%d" % i) for i, code in enumerate(codes)]
        collect_id = send_collect(kernel)
        replies = kernel.replies(ids + [collect_id], timeout=180)
        assert all(replies[msg_id]["status"] == "ok" for msg_id in ids), replies
        result = decode(replies[collect_id])
        cells = result["cells"]
        assert [c["cell_id"] for c in cells] == ["c0", "c1", "c2", "c3", "c4"]
        runs = [result["runs"].get(c["run"]) or {} for c in cells]
        stale = {
            "nbrepro_tinypkg": {
                "distribution": "nbrepro_tinypkg",
                "loaded": "0.1",
                "installed": "0.2",
            }
        }
        assert [run.get("stale") for run in runs] == [None, None, stale, stale, None]
        # the cells after the install are credited to the new environment, and say so
        assert cells[3]["env"] == cells[2]["env"] != cells[1]["env"]
    finally:
        stop_kernel(kernel)


@pytest.mark.kernel
@pytest.mark.venv
def test_nbrepro_run_records_the_stale_module_and_export_names_the_cells(tmp_path):
    """The same through `nbrepro run` and `nbrepro export --check-only`: the run
    records reach the notebook through the door, and the check names the cells."""
    old = build_wheel(tmp_path / "wheels", version="0.1")
    new = build_wheel(tmp_path / "wheels", version="0.2")
    python = overlay_venv(tmp_path / "venv")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(source)
        for source in (
            "%%pip install -q --no-index --no-deps %s" % old,
            "import nbrepro_tinypkg",
            "%%pip install -q --no-index --no-deps %s" % new,
            "nbrepro_tinypkg.VALUE",
        )
    ]
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    env = dict(os.environ, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    nbrepro = Path(sys.executable).parent / "nbrepro"
    result = subprocess.run(
        [str(nbrepro), "run", "nb.ipynb", "--python", str(python)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [str(nbrepro), "export", "nb.ipynb", "--check-only", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "stale-modules"]
    assert len(findings) == 1, result.stdout + result.stderr
    assert findings[0]["cells"] == [3, 4]
    assert findings[0]["message"].startswith(
        "cells 3, 4 ran nbrepro_tinypkg 0.1, loaded before nbrepro_tinypkg 0.2 was installed "
        "without a restart"
    )


# -- without a kernel -----------------------------------------------------------------------


def test_payload_shapes_and_shared_template():
    payload = kernel_bridge.engine_payload()
    assert set(payload) == {
        "version",
        "source",
        "install_hooks",
        "collect_template",
        "not_installed",
        "placeholder",
    }
    assert payload["placeholder"] in payload["collect_template"]
    assert payload["placeholder"] in payload["install_hooks"]
    options = {"gpu": False, "name": 'é "quoted" \\ </script>'}
    # What the front end does: JSON.stringify(JSON.stringify(options)).
    literal = json.dumps(json.dumps(options, separators=(",", ":")), ensure_ascii=False)
    expression = payload["collect_template"].replace(payload["placeholder"], literal)
    compile(expression, "<collect>", "eval")
    assert json.loads(eval(literal)) == options  # noqa: S307 - a literal we built
    assert kernel_bridge.collect_expression(options).startswith(
        payload["collect_template"].split(payload["placeholder"])[0]
    )


def test_collect_without_ipython_reports_no_hooks(monkeypatch):
    import nbrepro.capture as package

    monkeypatch.setattr(package, session.STATE_ATTRIBUTE, None, raising=False)
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    session.install_hooks(json.dumps(OPTIONS))
    result = json.loads(__import__("base64").b64decode(session.collect(json.dumps(OPTIONS))))
    assert result["hooks"] is False
    assert result["cells"] == [] and result["environment_id"]
    assert list(result["environments"]) == [result["environment_id"]]
    assert set(result) == {
        "schema_version",
        "hooks",
        "engine_version",
        "environment_id",
        "environments",
        "runs",
        "cells",
        "dropped",
        "problems",
    }


def test_post_run_cell_never_raises_and_bounds_pending(monkeypatch):
    import nbrepro.capture as package

    class Info(object):
        raw_cell = "x = 1"
        cell_id = "c"
        silent = False
        store_history = True

    class Result(object):
        info = Info()
        execution_count = 1
        success = True

    monkeypatch.setattr(package, session.STATE_ATTRIBUTE, None, raising=False)
    monkeypatch.setattr(session, "MAX_PENDING", 3)
    session.state().options = dict(OPTIONS)
    session.post_run_cell(object())  # no info at all
    session.post_run_cell(None)
    costs = []
    for _ in range(5):
        started = time.perf_counter()
        session.post_run_cell(Result())
        costs.append(time.perf_counter() - started)
    current = session.state()
    assert len(current.pending) == 3 and current.dropped == 4
    assert current.pending[-1]["src"] == src("x = 1")
    costs.sort()
    print("\npost_run_cell in process, environment unchanged: median %.2f ms" % (costs[2] * 1e3))
    assert os.environ.get("NBREPRO_NO_TIMING") or costs[2] < 0.05


def test_cells_run_before_the_hooks_are_named_late_and_recorded(kernel):
    # The user runs a cell while the kernel starts: it reaches the kernel before
    # the engine, so no hook sees it; the front end names it in the next collect.
    code = "import random\nrandom.seed(3)\nearly = random.random()"
    assert kernel.execute(code, "early-cell")["status"] == "ok"
    late = [{"cell_id": "early-cell", "source": code, "execution_count": 1, "success": True}]
    result = collect(kernel, dict(OPTIONS, late_cells=late))
    assert result["hooks"] is True
    [record] = result["cells"]
    assert record["cell_id"] == "early-cell"
    assert record["src"] == src(code)
    assert record["env"] == result["environment_id"]
    seeds = result["runs"][record["run"]]["seeds"]
    assert "random.seed" in json.dumps(seeds)
    # Malformed entries are skipped, never raised into the kernel.
    bad = [None, {"cell_id": 3, "source": "x"}, {"cell_id": "x" * 500, "source": "y"}]
    assert collect(kernel, dict(OPTIONS, late_cells=bad))["cells"] == []


def test_a_late_cell_is_not_credited_with_the_seeding_of_the_cells_after_it(kernel):
    """A cell that ran while the kernel started is recorded at the next collect,
    after cells that ran since: NumPy's global generator seeded by a later cell
    (its seed still readable in the state) says nothing about the late one."""
    code = "import numpy as np\nprint(np.__version__)"
    assert kernel.execute(code, "late-cell")["status"] == "ok"
    collect(kernel)  # the engine's hooks are in the kernel from here on
    assert kernel.execute("np.random.seed(0)", "seeding-cell")["status"] == "ok"
    late = [{"cell_id": "late-cell", "source": code, "execution_count": 1, "success": True}]
    result = collect(kernel, dict(OPTIONS, late_cells=late))
    records = {c["cell_id"]: c for c in result["cells"]}
    seeding = result["runs"][records["seeding-cell"]["run"]]["seeds"]
    assert seeding["status"] == "seeded"
    seeds = result["runs"][records["late-cell"]["run"]]["seeds"]
    assert seeds["status"] == "unseeded", seeds
    assert seeds["recovered"] == {} and seeds["fingerprints"] == {}
    assert "seeded_earlier_by" not in seeds
