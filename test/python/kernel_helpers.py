"""Real ipykernels for the session and run tests: start one, send cells, read state.

Kernels get a private IPYTHONDIR (no user profile or startup files) and a
kernelspec written to a temporary folder, for any interpreter.
"""

import ast
import json
import os
import queue
import sys
import time

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

START_TIMEOUT = 60


class Kernel(object):
    def __init__(self, manager, client):
        self.manager = manager
        self.client = client

    def send(self, code, cell_id=None):
        """Queue a cell the way JupyterLab does (cellId in the metadata); return its msg_id."""
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        metadata = {"cellId": cell_id} if cell_id else {}
        msg = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def reply(self, msg_id, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            msg = self.client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]

    def replies(self, msg_ids, timeout=60):
        """{msg_id: reply content} once every one of ``msg_ids`` has its reply."""
        deadline = time.monotonic() + timeout
        wanted, found = set(msg_ids), {}
        while wanted - set(found):
            msg = self.client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") in wanted:
                found[msg["parent_header"]["msg_id"]] = msg["content"]
        return found

    def execute(self, code, cell_id=None, timeout=60):
        content = self.reply(self.send(code, cell_id), timeout)
        assert content["status"] == "ok", content
        return content

    def evaluate(self, **expressions):
        """JSON values of expressions, evaluated silently (no history, no output)."""
        wrapped = {k: "__import__('json').dumps(%s)" % v for k, v in expressions.items()}
        msg_id = self.client.execute(
            "", silent=True, store_history=False, allow_stdin=False, user_expressions=wrapped
        )
        values = {}
        for key, value in self.reply(msg_id, 30)["user_expressions"].items():
            assert value["status"] == "ok", value
            values[key] = json.loads(ast.literal_eval(value["data"]["text/plain"]))
        return values

    def iopub(self, wait=0.5):
        out = []
        while True:
            try:
                out.append(self.client.get_iopub_msg(timeout=wait))
            except queue.Empty:
                return out


def start_kernel(tmp_path, python=sys.executable, extra_env=None, kernel_class=Kernel):
    spec_dir = tmp_path / "kernels" / "nbrepro-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "nbrepro test",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST", "JPY_"))
    }
    env["IPYTHONDIR"] = str(tmp_path / "ipython")
    env.update(extra_env or {})
    manager = KernelManager(
        kernel_name="nbrepro-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
    )
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=START_TIMEOUT)
    kernel = kernel_class(manager, client)
    kernel.iopub(wait=0.3)
    return kernel


def stop_kernel(kernel):
    kernel.client.stop_channels()
    kernel.manager.shutdown_kernel(now=True)


# What the user can see, read through silent expressions that leave no trace.
STATE = {
    "names": "sorted(k for k in get_ipython().user_ns if not k.startswith('_'))",
    "private": "sorted(k for k in get_ipython().user_ns if k.startswith('_nbrepro'))",
    "history": "len(get_ipython().user_ns['In'])",
    "modules": "sorted(__import__('sys').modules)",
    "random": "__import__('hashlib').sha256(repr(__import__('random').getstate())"
    ".encode()).hexdigest()",
}


def state(kernel):
    return kernel.evaluate(**STATE)


def stdlib(name):
    top = name.partition(".")[0]
    return top in getattr(sys, "stdlib_module_names", ()) or top in sys.builtin_module_names
