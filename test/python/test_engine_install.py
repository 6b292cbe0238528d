"""The engine goes into a kernel as bytecode when the kernel's Python reads the same
(its magic number), as source when it does not, through user_expressions (never
as a cell), and either way leaves the user's namespace and history alone."""

import pytest
from jupyter_client.manager import start_new_kernel

from nbrepro.run import kernel as bridge

pytestmark = pytest.mark.kernel


def evaluate(client, expression):
    msg_id = client.execute(
        "", silent=True, store_history=False, user_expressions={"x": expression}
    )
    while True:
        reply = client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["user_expressions"]["x"]["data"]["text/plain"]


FILENAME = "sys.modules['_nbrepro_capture.session'].collect.__code__.co_filename"
FORGET = (
    "[sys.modules.pop(n) for n in list(sys.modules) if n.startswith('_nbrepro_capture')] and None"
)


def test_bytecode_when_the_magic_matches_and_sources_when_it_does_not(monkeypatch):
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive("import sys", timeout=60)
        names = evaluate(client, "sorted(k for k in globals() if not k.startswith('_'))")
        count = evaluate(client, "get_ipython().execution_count")

        codes, _magic = bridge.engine_codes()
        with monkeypatch.context() as patched:
            patched.setattr(bridge, "engine_codes", lambda directory=None: (codes, "00000000"))
            result = bridge.collect_in_kernel(client, {}, timeout=60, fresh=True)
        assert result["hooks"] is True and result["environment_id"]
        # another Python's bytecode: the kernel asked for the sources and compiled them
        assert evaluate(client, FILENAME) == repr("<_nbrepro_capture/session.py>")

        evaluate(client, FORGET)
        result = bridge.collect_in_kernel(client, {}, timeout=60, fresh=True)
        assert result["hooks"] is True and result["environment_id"]
        # the same Python: this interpreter's bytecode of the capture package
        assert evaluate(client, FILENAME).strip("'").endswith("capture/session.py")

        assert evaluate(client, "sorted(k for k in globals() if not k.startswith('_'))") == names
        assert evaluate(client, "get_ipython().execution_count") == count
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
