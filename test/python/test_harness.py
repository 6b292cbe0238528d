"""The suite's own machinery (harness.py): what counts as a kernel, a venv or a browser,
the watch that sees every process a test starts, the message that fails an unmarked
test, the shelf that builds a thing once for every xdist worker, and the rule that the
full command (scripts/test.sh) skips nothing but facts of the machine."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from harness import ProcessWatch, Shelf, kinds_of, unexpected_skip, unmarked

# Command lines as the tests start them (taken from real runs).
SEEN = [
    (["/w/.venv/bin/python", "-m", "ipykernel_launcher", "-f", "/tmp/tmpx.json"], {"kernel"}),
    (["/tmp/venv-a/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"], {"kernel"}),
    (["/w/.venv/bin/python", "-m", "bash_kernel", "-f", "k.json"], {"kernel"}),
    (["python3", "-m", "venv", "/tmp/b/.env"], {"venv"}),
    (["/tmp/b/.env/bin/python3.11", "-m", "ensurepip", "--upgrade", "--default-pip"], {"venv"}),
    (["/w/.venv/bin/python", "-m", "pip", "--python", "/tmp/e/bin/python", "install"], {"venv"}),
    (["/w/.venv/bin/python", "-I", "-m", "pip", "wheel", "--no-deps", "."], {"venv"}),
    (["/tmp/e/bin/pip", "install", "-r", "requirements.txt"], {"venv"}),
    (["/tmp/e/bin/python", "/tmp/e/lib/pip/__pip-runner__.py", "install"], {"venv"}),
    (["/w/.venv/bin/uv", "venv", "-q", "--python", "/w/.venv/bin/python", "env"], {"venv"}),
    (["/w/.venv/bin/uv", "pip", "install", "--offline", "-r", "pylock.toml"], {"venv"}),
    (["/usr/lib/chromium/chromium", "--headless", "--no-sandbox"], {"browser"}),
    # what is none of them
    (["/w/.venv/bin/nbrepro", "export", "nb.ipynb", "-o", "bundle"], set()),
    (["/w/.venv/bin/python", "analysis.py", "-p", "alpha", "0.3"], set()),
    (["git", "clone", "--quiet", "/w", "clone"], set()),
    (["bash", "run.sh", "--help"], set()),
    (["/w/.venv/bin/uv", "--version"], set()),
    (["/w/.venv/bin/python", "-m", "nbrepro", "check", "nb.ipynb"], set()),
    (["/w/.venv/bin/python", "-c", "import pip_helpers"], set()),
    ([], set()),
]


@pytest.mark.parametrize("argv, kinds", SEEN)
def test_command_lines_are_named_by_what_they_start(argv, kinds):
    assert kinds_of(argv) == kinds


def sleeper(argv):
    return {"kernel"} if argv == ["sleep", "0.4"] else set()


def test_the_watch_sees_children_of_children_and_a_process_that_execs():
    watch = ProcessWatch(classify=sleeper)
    assert watch.supported, "needs /proc/<pid>/task/<tid>/children (Linux)"
    try:
        watch.start()
        assert watch.found() == {}
        # a grandchild (bash forks, sleep runs below it) ...
        subprocess.run(["bash", "-c", "sleep 0.4; true"], check=True)
        assert watch.found() == {"kernel": [["sleep", "0.4"]]}
        watch.stop()
        # ... and a child that is bash for a while (seen, and nothing) and sleep after its
        # exec: a process is looked at again until it is something
        watch.start()
        subprocess.run(["bash", "-c", "sleep 0.3; exec sleep 0.4"], check=True)
        assert watch.found() == {"kernel": [["sleep", "0.4"]]}
        # a process that was running before the test started is not the test's
        before = subprocess.Popen(["sleep", "2"])
        try:
            time.sleep(0.3)
            watch.stop()
            watch.start()
            time.sleep(0.3)
            assert watch.found() == {}
        finally:
            before.kill()
            before.wait()
    finally:
        watch.stop()


def test_an_unmarked_kind_fails_with_the_command_and_how_to_mark_it():
    found = {"kernel": [["python", "-m", "ipykernel_launcher", "-f", "k.json"]]}
    assert unmarked(found, ["kernel"]) is None
    assert unmarked({}, []) is None
    message = unmarked(found, ["venv"])
    assert message.splitlines() == [
        "this test starts a real kernel, but is not marked so:",
        "  kernel: python -m ipykernel_launcher -f k.json",
        "mark it (@pytest.mark.kernel), or the fixture that does it (@harness.uses('kernel'))",
    ]
    both = dict(found, venv=[["python3", "-m", "venv", "env"]])
    assert unmarked(both, []).startswith(
        "this test starts a real kernel and builds a virtual environment or runs pip,"
    )


def test_the_shelf_builds_once_for_every_worker_and_never_keeps_half_a_build(tmp_path_factory):
    shelf = Shelf(tmp_path_factory)
    calls = []

    def build(folder):
        calls.append(folder)
        time.sleep(0.2)  # the others wait on the lock, then take it as built
        (folder / "made").write_text("once")

    threads = [threading.Thread(target=shelf.get, args=("t", {"k": 1}, build)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    folder = shelf.get("t", {"k": 1}, build)
    assert len(calls) == 1 and (folder / "made").read_text() == "once"
    assert shelf.get("t", {"k": 2}, build) != folder and len(calls) == 2

    def broken(folder):
        (folder / "half").write_text("")
        raise RuntimeError("the build failed")

    for _ in range(2):  # the second ask fails the same way: nothing half-built was kept
        with pytest.raises(RuntimeError, match="the build failed"):
            shelf.get("t", {"k": "broken"}, broken)


def test_only_facts_of_the_machine_are_skips_the_full_command_accepts():
    assert unexpected_skip("Skipped: NBREPRO_TEST_NETWORK=1") is None
    assert unexpected_skip("this machine has an NVIDIA GPU") is None
    message = unexpected_skip("Skipped: shellcheck is not installed")
    assert "shellcheck is not installed" in message and "harness.MACHINE_FACTS" in message


SKIPS = """import pytest

def test_a_missing_tool():
    pytest.skip("shellcheck is not installed")

@pytest.mark.skipif(True, reason="NBREPRO_TEST_NETWORK=1")
def test_the_network():
    pass

def test_that_runs():
    pass
"""


def test_under_test_sh_a_skip_fails_unless_it_is_a_fact_of_the_machine(tmp_path):
    (tmp_path / "test_skips.py").write_text(SKIPS)
    (tmp_path / "test_whole_module.py").write_text(
        "import pytest\npytest.importorskip('nbrepro_no_such_module')\n"
    )
    # this suite's conftest.py as a plugin, in a folder of its own
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider"]
    command += ["-q", "-rA", str(tmp_path)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    env.pop("NBREPRO_EVERY_TEST", None)
    alone = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "1 passed, 3 skipped" in alone.stdout, alone.stdout

    env["NBREPRO_EVERY_TEST"] = "1"
    every = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    # a module skipped whole is an error of collection, which stops the run
    assert every.returncode == 2, every.stdout + every.stderr
    assert "ERROR test_whole_module.py - skipped (could not import" in every.stdout
    (tmp_path / "test_whole_module.py").unlink()
    every = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert every.returncode == 1, every.stdout + every.stderr
    assert "FAILED test_skips.py::test_a_missing_tool" in every.stdout
    assert "shellcheck is not installed), but scripts/test.sh runs every test" in every.stdout
    assert "1 failed, 1 passed, 1 skipped" in every.stdout, every.stdout


GROUPED = """import os

import pytest

@pytest.fixture(scope="module")
def made():
    with open(os.environ["MADE_LOG"], "a") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "-") + "\\n")

@pytest.mark.parametrize("n", range(6))
def test_uses_the_module_fixture(made, n):
    pass

@pytest.mark.parametrize("n", range(6))
def test_alone(n):
    pass
"""


def test_a_module_fixture_is_made_once_under_two_xdist_workers(tmp_path):
    """Tests that share a module-scoped fixture run on one worker (--dist loadgroup)."""
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    log = tmp_path / "made.log"
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider"]
    command += ["-q", "-n", "2", "--dist", "loadgroup", str(tmp_path)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent), MADE_LOG=str(log))
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 passed" in done.stdout, done.stdout
    assert len(log.read_text().split()) == 1, log.read_text()
