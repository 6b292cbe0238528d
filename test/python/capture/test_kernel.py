"""The capture inside real ipykernels, through jupyter_client and ``kernel_bridge``.

What a user must never notice: output on any channel, a changed execution
count, new names, changed RNG states, modules they did not import, an
exception, or a long wait (a hanging ``nvidia-smi``, a corrupt conda record).
"""

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import kernel_helpers
import pytest
from harness import uses

from nbrepro import errors
from nbrepro.run import kernel as kernel_bridge

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "schema" / "snapshot.schema.json").read_text())
KERNEL_START_TIMEOUT = 60


# -- a kernel of a chosen interpreter and environment ---------------------------------


class Kernel(kernel_helpers.Kernel):
    """The shared test kernel, with calls that also wait for the kernel to be idle."""

    def execute(self, code, timeout=60):
        """Run code as a user cell would; return the reply content after the kernel is idle."""
        msg_id = self.client.execute(code, store_history=True, allow_stdin=False)
        reply = self.reply(msg_id, timeout)
        self._wait_idle(msg_id, timeout)
        assert reply["status"] == "ok", reply
        return reply

    def evaluate(self, **expressions):
        """Evaluate expressions silently (no history, no output); return their text/plain."""
        msg_id = self.client.execute(
            "", silent=True, store_history=False, allow_stdin=False, user_expressions=expressions
        )
        reply = self.reply(msg_id, 30)
        self._wait_idle(msg_id, 30)
        values = {}
        for key, value in reply["user_expressions"].items():
            assert value["status"] == "ok", value
            values[key] = json.loads(value["data"]["text/plain"].strip("'"))
        return values

    def _wait_idle(self, msg_id, timeout):
        deadline = time.monotonic() + timeout
        while True:
            msg = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
            ):
                return

    def iopub_messages(self, wait=0.5):
        return self.iopub(wait)


def start_kernel(tmp_path, python, extra_env=None):
    return kernel_helpers.start_kernel(tmp_path, python, extra_env, kernel_class=Kernel)


stop_kernel = kernel_helpers.stop_kernel


@pytest.fixture
@uses("kernel")
def kernel(tmp_path):
    started = start_kernel(tmp_path, sys.executable)
    yield started
    stop_kernel(started)


# What the user can see, read through silent expressions that leave no trace themselves.
STATE = {
    "names": "sorted(get_ipython().user_ns)",
    "history": "len(get_ipython().user_ns['In'])",
    "modules": "sorted(__import__('sys').modules)",
    "random": "__import__('hashlib').sha256(repr(__import__('random').getstate())"
    ".encode()).hexdigest()",
    "numpy": "__import__('sys').modules['numpy.random'].get_state()[1].tobytes().hex() "
    "if 'numpy.random' in __import__('sys').modules else None",
    "torch": "__import__('sys').modules['torch'].get_rng_state().numpy().tobytes().hex() "
    "if 'torch' in __import__('sys').modules else None",
}


def state(kernel):
    return kernel.evaluate(**{k: "__import__('json').dumps(%s)" % v for k, v in STATE.items()})


def stdlib(name):
    top = name.partition(".")[0]
    return top in getattr(sys, "stdlib_module_names", ()) or top in sys.builtin_module_names


def validate(result):
    jsonschema.Draft202012Validator(SCHEMA).validate(result)


def capture(kernel, options=None, timeout=30):
    started = time.perf_counter()
    result = kernel_bridge.capture_in_kernel(kernel.client, options or {}, timeout=timeout)
    return result, time.perf_counter() - started


# -- the user never notices -----------------------------------------------------------------

USER_CELL = """\
import random
import numpy as np
random.seed(5)
np.random.seed(5)
x = [1, 2, 3]
"""


def test_capture_leaves_no_trace(kernel):
    first = kernel.execute(USER_CELL)
    before = state(kernel)
    kernel.iopub_messages()

    result, cold = capture(kernel, {"cell_source": USER_CELL})
    messages = kernel.iopub_messages()
    assert {m["msg_type"] for m in messages} <= {"status"}, messages
    result_warm, warm = capture(kernel, {"cell_source": "y = 1"})
    assert {m["msg_type"] for m in kernel.iopub_messages()} <= {"status"}

    after = state(kernel)
    assert after["names"] == before["names"]
    assert after["history"] == before["history"]
    assert after["random"] == before["random"]
    assert after["numpy"] == before["numpy"]
    new_modules = set(after["modules"]) - set(before["modules"])
    assert {
        m for m in new_modules if not stdlib(m) and not m.startswith("_nbrepro_capture")
    } == set()
    assert "torch" not in after["modules"]

    second = kernel.execute("z = 2")
    assert second["execution_count"] == first["execution_count"] + 1

    validate(result)
    validate(result_warm)
    seeds = result["runtime"]["seeds"]
    assert seeds["status"] == "seeded"
    assert seeds["recovered"]["numpy.legacy_seed"] == 5
    assert [c["func"] for c in seeds["calls"]] == ["random.seed", "numpy.random.seed"]
    assert result["runtime"]["modules"]["numpy"] == "numpy"
    assert result_warm["runtime"]["seeds"]["status"] == "seeded"
    print(
        "\ncapture_in_kernel: first %.1f ms (installs the engine), then %.1f ms"
        % (cold * 1e3, warm * 1e3)
    )


def test_torch_state_untouched_and_cuda_not_initialised(kernel):
    pytest.importorskip("torch")
    kernel.execute("import torch\ntorch.manual_seed(3)\na = torch.rand(2)")
    before = state(kernel)
    result, _ = capture(kernel, {"cell_source": "import torch\ntorch.manual_seed(3)"})
    after = state(kernel)
    assert after["torch"] == before["torch"]
    assert after["random"] == before["random"]
    assert result["runtime"]["seeds"]["recovered"]["torch.initial_seed"] == 3
    assert result["runtime"]["determinism"]["torch"]["deterministic_algorithms"] is False
    assert (
        kernel.evaluate(cuda="__import__('json').dumps(__import__('torch').cuda.is_initialized())")[
            "cuda"
        ]
        is False
    )
    draws = kernel.evaluate(d="__import__('json').dumps(float(__import__('torch').rand(1)))")
    kernel.execute("torch.manual_seed(3)\na = torch.rand(2)")
    assert (
        kernel.evaluate(d="__import__('json').dumps(float(__import__('torch').rand(1)))") == draws
    )


def test_engine_is_installed_once_and_replaced_when_changed(kernel, tmp_path):
    first, _ = capture(kernel)
    version = kernel.evaluate(
        v="__import__('json').dumps(__import__('sys').modules"
        "['_nbrepro_capture'].__engine_version__)"
    )["v"]
    assert version == kernel_bridge.engine_version(kernel_bridge.engine_sources())
    # A changed engine (another nbrepro release) is detected and reinstalled.
    changed = tmp_path / "engine"
    shutil.copytree(
        kernel_bridge.CAPTURE_DIR, changed, ignore=shutil.ignore_patterns("__pycache__")
    )
    with open(changed / "entry.py", "a") as handle:
        handle.write("\n# changed\n")
    expression = kernel_bridge.probe_expression({}, directory=changed)
    reply = kernel.evaluate(r="__import__('json').dumps(%s)" % expression)
    assert reply["r"] == kernel_bridge.NOT_INSTALLED
    kernel.client.execute(kernel_bridge.kernel_source(changed), silent=True, store_history=False)
    time.sleep(0.5)
    reply = kernel.evaluate(r="__import__('json').dumps(%s)" % expression)
    assert reply["r"] != kernel_bridge.NOT_INSTALLED


@pytest.mark.kernel
def test_hanging_nvidia_smi_and_corrupt_conda_record(tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "nvidia-smi"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    prefix = tmp_path / "prefix"
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "conda-meta" / "numpy-1.26.4-py311h1.json").write_text('{"name": "numpy", "vers')
    (prefix / "conda-meta" / "history").write_text("==> 2024-01-01 00:00:00 <==\n+defaults::numpy")
    path = str(tools) + os.pathsep + os.environ.get("PATH", "")
    kernel = start_kernel(tmp_path, sys.executable, {"PATH": path})
    try:
        kernel.execute("import os\nv = 1")
        before = state(kernel)
        result, elapsed = capture(kernel, {"prefix": str(prefix), "cell_source": "v = 1"})
        assert elapsed < 6.0
        assert result["capture"]["kernel_ms"] < 3500
        messages = [p["message"] for p in result["problems"]]
        assert any(p["probe"] == "conda" for p in result["problems"]), messages
        assert any("nvidia-smi did not answer" in m for m in messages), messages
        assert {m["msg_type"] for m in kernel.iopub_messages()} <= {"status"}
        after = state(kernel)
        assert after["names"] == before["names"]
        validate(result)
        # GPU facts are cached per kernel: the next capture does not wait again.
        _, again = capture(kernel, {"prefix": str(prefix)})
        assert again < 1.5
        leftover = subprocess.run(["pgrep", "-f", str(fake)], capture_output=True, text=True)
        assert leftover.stdout.strip() == ""
    finally:
        stop_kernel(kernel)


def test_capture_errors_never_reach_the_user(kernel):
    kernel.execute("q = 1")
    bad = kernel_bridge.probe_expression({"timeout": "soon", "cell_source": 42, "gpu": False})
    msg_id = kernel.client.execute(
        kernel_bridge.kernel_source(),
        silent=True,
        store_history=False,
        user_expressions={"nbrepro": bad},
    )
    content = kernel.reply(msg_id, 30)
    assert content["status"] == "ok"
    result = kernel_bridge.decode_reply(content["user_expressions"]["nbrepro"])
    validate(result)
    assert {m["msg_type"] for m in kernel.iopub_messages()} <= {"status"}


# -- kernels without nbrepro ---------------------------------------------------------------


def _interpreters():
    found = [("current", sys.executable)]
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in sorted(glob.glob(os.path.join(pyenv, "versions", "3.8*", "bin", "python3.8"))):
        found.append(("py38", candidate))
        break
    return found


def fresh_venv(venvs, label, base):
    """A venv of ``base`` with only ipykernel: from the wheelhouse for this Python, from
    pip's index for another one (the wheelhouse holds this Python's wheels only)."""
    try:
        return venvs.get("ipykernel", python=base, index=label != "current") / "bin" / "python"
    except AssertionError as failed:
        if label == "current":
            raise
        pytest.skip("could not install ipykernel for %s: %s" % (label, str(failed)[-300:]))


@pytest.mark.kernel
@pytest.mark.venv
@pytest.mark.parametrize("label, base", _interpreters())
def test_fresh_venv_with_only_ipykernel(venvs, tmp_path, label, base):
    """A kernel whose environment has ipykernel and its dependencies, and no nbrepro."""
    python = fresh_venv(venvs, label, base)
    check = subprocess.run([str(python), "-c", "import nbrepro"], capture_output=True)
    assert check.returncode != 0  # nbrepro is really absent there
    kernel = start_kernel(tmp_path, python)
    try:
        kernel.execute("import random\nrandom.seed(11)")
        before = state(kernel)
        # The cell as the capture sees it names ipykernel: mapped in that venv too.
        source = "import random, ipykernel\nrandom.seed(11)"
        result, _ = capture(kernel, {"cell_source": source})
        after = state(kernel)
        assert after["names"] == before["names"] and after["random"] == before["random"]
        validate(result)
        seeds = result["runtime"]["seeds"]
        assert seeds["recovered"]["python.random_seed"] == 11
        assert result["runtime"]["modules"].get("ipykernel") == "ipykernel"
        if "environment" in result:
            assert result["environment"]["python"]
    finally:
        stop_kernel(kernel)


# -- the bridge and the entry point without a kernel ------------------------------------


def test_kernel_source_is_built_from_the_capture_files():
    sources = kernel_bridge.engine_sources()
    names = {p.stem for p in kernel_bridge.CAPTURE_DIR.glob("*.py")}
    assert set(sources) == names
    order = kernel_bridge.load_order(sources)
    assert set(order) == names - {"__init__"}
    for name in order:
        for dep in kernel_bridge._relative_imports(sources[name]) & set(order):
            if name not in kernel_bridge._relative_imports(sources[dep]):
                assert order.index(dep) < order.index(name), (dep, name)
    text = kernel_bridge.kernel_source()
    assert text.startswith("exec(") and text.count("\n") == 1
    assert kernel_bridge.kernel_source() is text  # built once per engine version


def test_the_text_scan_of_relative_imports_equals_ast():
    """``_relative_imports`` reads the engine's sources by a text scan (fast); it must
    find exactly what Python's parser finds, in every capture module and in the
    forms a module might use."""
    import ast

    def by_ast(source):
        found = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        return found

    sources = dict(kernel_bridge.engine_sources())
    sources["forms"] = (
        "from . import a, b as c  # note\nfrom . import (\n    d,\n    e,  # why\n)\n"
        "def f():\n    from .g import h\n    from .i import (j, k)\nfrom .. import up\n"
        "from .l.m import n\n"
    )
    for name, source in sources.items():
        assert kernel_bridge._relative_imports(source) == by_ast(source), name


def test_probe_expression_reads_the_engine_files_only_when_they_change(tmp_path, monkeypatch):
    engine = tmp_path / "engine"
    shutil.copytree(kernel_bridge.CAPTURE_DIR, engine, ignore=shutil.ignore_patterns("__pycache__"))
    first = kernel_bridge.probe_expression({}, directory=engine)
    reads = []
    read_text = Path.read_text

    def counting(self, *args, **kwargs):
        reads.append(self.name)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    assert kernel_bridge.probe_expression({}, directory=engine) == first
    assert reads == []
    with open(engine / "entry.py", "a") as handle:
        handle.write("\n# changed\n")
    changed = kernel_bridge.probe_expression({}, directory=engine)
    assert changed != first
    assert sorted(reads) == sorted(p.name for p in engine.glob("*.py"))


def test_engine_runs_in_a_plain_interpreter_without_nbrepro(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(
        kernel_bridge.kernel_source()
        + "import json, sys\n"
        + "print(json.dumps({'value': %s, 'names': sorted(k for k in globals() "
        "if not k.startswith('__'))}))\n" % kernel_bridge.probe_expression({"gpu": False})
    )
    out = subprocess.run(
        [sys.executable, "-I", str(script)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert printed["names"] == ["json", "sys"]  # the installer left nothing behind
    result = kernel_bridge.decode_reply({"status": "ok", "data": {"text/plain": printed["value"]}})
    validate(result)


def test_decode_reply_errors():
    assert (
        kernel_bridge.decode_reply(
            {"status": "ok", "data": {"text/plain": repr(kernel_bridge.NOT_INSTALLED)}}
        )
        is None
    )
    with pytest.raises(errors.KernelCaptureError, match="KeyError"):
        kernel_bridge.decode_reply({"status": "error", "ename": "KeyError", "evalue": "x"})
    with pytest.raises(errors.KernelCaptureError, match="base64"):
        kernel_bridge.decode_reply({"status": "ok", "data": {"text/plain": "'not base64!'"}})


def test_entry_bounds_the_total_time(monkeypatch, tmp_path):
    import nbrepro.capture as package
    from nbrepro.capture import entry, gpu

    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    monkeypatch.setattr(gpu, "_NVML_NAMES", ("libnvidia-ml-absent-for-test.so.1",))
    monkeypatch.setattr(package, entry.CACHE_ATTRIBUTE, {}, raising=False)
    started = time.monotonic()
    result = kernel_bridge.decode_reply(
        {"status": "ok", "data": {"text/plain": repr(entry.run(json.dumps({"timeout": 0.5})))}}
    )
    assert time.monotonic() - started < 1.5
    assert "took longer than 0.5 s" in result["problems"][0]["message"]
    validate(result)
    # While the first capture is still finishing, a second one does not pile up.
    second = json.loads(__import__("base64").b64decode(entry.run("{}")))
    assert "still running" in second["problems"][0]["message"]
    deadline = time.monotonic() + 5
    while entry.kernel_cache()[entry._WORKER_KEY].is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    third = json.loads(__import__("base64").b64decode(entry.run("{}")))
    assert any("did not answer" in p["message"] for p in third["problems"]) is False
    assert gpu.CACHE_KEY in entry.kernel_cache()  # the slow run filled the cache
