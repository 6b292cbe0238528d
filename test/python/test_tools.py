"""Every child process nbrepro starts is bounded (`capture/tools.py`): the CLI's too.

The capture's tools are tested with fake `nvidia-smi` scripts in
`capture/test_gpu.py`; here the runner itself and `nbrepro run --python`'s check.
"""

import os
import stat
import sys
import time

import pytest

from nbrepro import errors
from nbrepro.capture import tools
from nbrepro.run import runner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell fakes")


def script(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_exit_status_and_merged_output():
    assert tools.run(["sh", "-c", "echo out; echo err >&2; exit 3"], time.monotonic() + 10) == (
        3,
        "out\nerr\n",
    )


def test_timeout_is_none_and_kills_the_group(tmp_path):
    started = time.monotonic()
    assert tools.run(["sh", "-c", "sleep 30 & sleep 30"], time.monotonic() + 0.5) is None
    assert time.monotonic() - started < 2


def test_output_over_the_cap_is_an_error_not_a_buffer():
    with pytest.raises(tools.ToolError, match="more than 64 KiB"):
        tools.run(["sh", "-c", "yes"], time.monotonic() + 10, max_output=64 * 1024)


def test_a_missing_program_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        tools.run([str(tmp_path / "absent")], time.monotonic() + 5)


def test_the_marker_is_private_to_the_run():
    env = tools.run(["env"], time.monotonic() + 5)[1]
    assert env.count(tools.MARKER + "=") == 1
    assert tools.MARKER not in os.environ


def test_run_python_that_floods_or_fails_is_a_clear_error(tmp_path):
    flood = script(tmp_path / "python-flood", "yes ModuleNotFoundError\n")
    with pytest.raises(errors.RunError, match="cannot be run: printed more than 64 KiB"):
        runner.check_interpreter(str(flood))
    broken = script(
        tmp_path / "python-broken",
        "echo \"ModuleNotFoundError: No module named 'ipykernel'\" >&2\nexit 1\n",
    )
    with pytest.raises(errors.RunError, match="cannot import ipykernel .ModuleNotFoundError"):
        runner.check_interpreter(str(broken))
