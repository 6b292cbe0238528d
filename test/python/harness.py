"""The test suite's own machinery: what a test starts, and things built once per session.

- ``uses("kernel", "venv", ...)`` on a fixture says what it starts; conftest.py gives
  every test that depends on such a fixture the markers of the same names, so that
  ``-m "not kernel and not venv and not browser"`` (``scripts/test.sh --fast``) leaves
  them out.
- ``ProcessWatch`` sees every process a test starts, children of children included,
  and names the kinds it found (a kernel, a venv build or a pip run, a browser);
  conftest.py fails a test that started one without its marker.
- ``Shelf`` builds a thing once per test session, keyed by what it is made of, in a
  folder all pytest-xdist workers share; a lock makes the others wait for it.
- ``Recorder`` is the one way the tests get "a notebook recorded in a real kernel":
  ``nbrepro run`` once per distinct notebook (its source, files and options), and a
  fresh copy for each caller.
- ``Venvs`` builds each distinct virtual environment once per session, offline from
  .cache/wheelhouse (setup.sh --browser fills it).
"""

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
BIN = Path(sys.executable).parent
KINDS = ("kernel", "venv", "browser")


def uses(*kinds):
    """Say that a fixture starts a kernel, builds a venv / runs pip, or starts a browser."""
    unknown = set(kinds) - set(KINDS)
    assert not unknown, "unknown kinds %s (known: %s)" % (sorted(unknown), KINDS)

    def mark(function):
        function.nbrepro_uses = frozenset(kinds)
        return function

    return mark


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- what a test starts ----------------------------------------------------------------


def kinds_of(argv):
    """The kinds of work a command line does: a kernel, a venv or pip, a browser."""
    found = set()
    if not argv:
        return found
    program = os.path.basename(argv[0])
    for i, arg in enumerate(argv):
        name = os.path.basename(arg)
        if name in ("ipykernel_launcher", "ipykernel_launcher.py", "bash_kernel"):
            found.add("kernel")
        if arg == "-m" and i + 1 < len(argv):
            module = argv[i + 1]
            if module in ("ipykernel", "ipykernel_launcher", "bash_kernel"):
                found.add("kernel")
            if module in ("venv", "virtualenv", "ensurepip", "pip"):
                found.add("venv")
        if name == "__pip-runner__.py":
            found.add("venv")
    if re.match(r"^(pip|pip3(\.\d+)?|virtualenv)$", program):
        found.add("venv")
    if program == "uv" and len(argv) > 1 and argv[1] in ("venv", "pip", "sync", "add"):
        found.add("venv")
    if re.match(r"^(chromium|chrome|headless_shell)", program):
        found.add("browser")
    return found


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _children(pid):
    out = []
    try:
        threads = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in threads:
        listed = _read("/proc/%d/task/%s/children" % (pid, tid))
        if listed:
            out.extend(int(child) for child in listed.split())
    return out


def _identity(pid):
    """(pid, start time): a pid the kernel gives out again is another process."""
    stat = _read("/proc/%d/stat" % pid)
    if not stat:
        return None
    return pid, stat.rpartition(b")")[2].split()[19]


def _argv(pid):
    raw = _read("/proc/%d/cmdline" % pid)
    if not raw:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


class ProcessWatch(object):
    """Polls the process tree below this process while a test runs.

    A kernel, a venv build, a pip run and a browser all live far longer than the
    polling interval (they import a lot before they do anything), so none is
    missed. A process keeps its pid across exec, so a process is looked at again
    until it shows a known kind (bash forks, then execs python -m venv).
    """

    INTERVAL = 0.05

    def __init__(self, classify=None):
        self.classify = classify or kinds_of
        self.supported = os.path.exists("/proc/self/task/%d/children" % os.getpid())
        self._lock = threading.Lock()
        self._active = False
        self._before = set()
        self._found = {}
        self._wake = threading.Event()
        if self.supported:
            threading.Thread(target=self._loop, name="nbrepro-process-watch", daemon=True).start()

    def _tree(self):
        seen, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            for child in _children(pid):
                seen.append(child)
                todo.append(child)
        return seen

    def start(self):
        with self._lock:
            self._before = {_identity(pid) for pid in self._tree()}
            self._found = {}
            self._active = True
        self._wake.set()

    def scan(self):
        with self._lock:
            if not self._active:
                return
            for pid in self._tree():
                ident = _identity(pid)
                if ident is None or ident in self._before or ident in self._found:
                    continue
                argv = _argv(pid)
                kinds = self.classify(argv)
                if kinds:
                    self._found[ident] = (kinds, argv)

    def found(self):
        """{kind: [argv, ...]} of what was started since start()."""
        self.scan()
        with self._lock:
            out = {}
            for kinds, argv in self._found.values():
                for kind in kinds:
                    out.setdefault(kind, []).append(argv)
            return out

    def stop(self):
        with self._lock:
            self._active = False

    def _loop(self):
        while True:
            if not self._active:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self.scan()
            except Exception:  # noqa: BLE001 (a vanished process; the next scan goes on)
                pass
            time.sleep(self.INTERVAL)


WHY = {
    "kernel": "starts a real kernel",
    "venv": "builds a virtual environment or runs pip",
    "browser": "starts a browser",
}


def unmarked(found, marked):
    """The message for a test that started ``found`` ({kind: [argv, ...]}) while marked
    with the kinds in ``marked``, or None when every kind it started is marked."""
    missing = [kind for kind in KINDS if kind in found and kind not in marked]
    if not missing:
        return None
    lines = ["this test %s, but is not marked so:" % " and ".join(WHY[k] for k in missing)]
    for kind in missing:
        for argv in found[kind][:3]:
            lines.append("  %s: %s" % (kind, " ".join(argv)[:300]))
    lines.append(
        "mark it (%s), or the fixture that does it (@harness.uses(%s))"
        % (", ".join("@pytest.mark.%s" % k for k in missing), ", ".join(repr(k) for k in missing))
    )
    return "\n".join(lines)


# -- every test runs --------------------------------------------------------------------

# The skips that ``scripts/test.sh`` (NBREPRO_EVERY_TEST=1) accepts: facts of the machine
# that setup.sh cannot change. Any other skip there fails the test, so that a missing
# tool or package is never a quietly shorter run. Each reason is matched as a prefix.
MACHINE_FACTS = (
    "NBREPRO_TEST_NETWORK=1",  # the network tests ask a real index: an opt-in
    "this machine has an NVIDIA GPU",  # the no-GPU tests, on a GPU machine
    "conda is not on PATH",  # no conda channel is reachable to install it from
    "could not install ipykernel for py38",  # pyenv's 3.8 needs a real index
    "the system python3 has nbrepro installed",
    "chattr +i fails here",  # containers without the immutable flag
    "the immutable flag does not stop writes here",
    "the lock test expects a linux-64 host",
    "the rattler fixtures are built for linux-64",
)


def unexpected_skip(reason):
    """The failure message for a skip with ``reason`` under scripts/test.sh, or None
    when the reason is one of MACHINE_FACTS."""
    reason = reason.strip()
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: ") :]
    if reason.startswith(MACHINE_FACTS):
        return None
    return (
        "skipped (%s), but scripts/test.sh runs every test: install what it needs in "
        "scripts/setup.sh, or, if it is a fact of the machine that setup cannot change, "
        "add the reason to harness.MACHINE_FACTS" % reason
    )


# -- built once per session ------------------------------------------------------------


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Shelf(object):
    """Things built once per test session in a folder every xdist worker shares."""

    def __init__(self, tmp_path_factory):
        base = tmp_path_factory.getbasetemp()
        # pytest-xdist gives each worker <session>/popen-gwN; the session's folder is shared
        self.root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        self.root = self.root / "shelf"
        self.root.mkdir(exist_ok=True)

    @contextlib.contextmanager
    def _locked(self, name):
        with open(self.root / (name + ".lock"), "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def get(self, kind, key, build):
        """The folder for ``key``, made by ``build(folder)`` the first time anyone asks.

        A failed build leaves nothing behind, so the next test that asks fails the
        same way instead of using half a build.
        """
        name = "%s-%s" % (kind, digest(key))
        folder = self.root / name
        done = self.root / (name + ".done")
        if done.exists():
            return folder
        with self._locked(name):
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                try:
                    build(folder)
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
                done.write_text(json.dumps(key, default=str, indent=1))
        return folder


def run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in command], **kwargs)


# pip's --no-compile as an environment variable. pip sets a flag's destination to the
# variable's value, and --no-compile is "compile = False": so 0 means "do not compile".
# Compiling every .py of NumPy, matplotlib and Jupyter takes three quarters of pip's
# time; the few modules a test imports are compiled when Python first imports them.
NO_COMPILE = "0"


def need_wheelhouse():
    if (WHEELHOUSE / ".nbrepro-stamp").is_file():
        return WHEELHOUSE
    message = "no wheelhouse at %s: run bash scripts/setup.sh --browser" % WHEELHOUSE
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def offline_pip(base=None, find_links=()):
    """``base`` (os.environ) with pip told to use local wheels only: no index, no config."""
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items() if not k.startswith("PIP_")}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(
        {
            # no pip.conf either: its find-links, extra index and constraints are this machine's
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": " ".join(str(p) for p in (need_wheelhouse(), *find_links)),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_COMPILE": NO_COMPILE,
        }
    )
    return env


def _files_key(folders):
    """What the wheels in ``folders`` are: their names and sizes (a rebuilt wheel differs)."""
    return [
        sorted((p.name, p.stat().st_size) for p in Path(folder).iterdir() if p.is_file())
        for folder in folders
    ]


class Venvs(object):
    """Virtual environments built once per session, offline, keyed by what they hold.

    Callers use a venv as it is: they run its Python and never install into it
    (one that a test changes is the test's own, not one from here).
    """

    def __init__(self, shelf):
        self.shelf = shelf

    def get(self, *requirements, find_links=(), python=sys.executable, index=False):
        """A venv of ``python`` holding ``requirements`` (pip's syntax, from the wheelhouse
        and ``find_links``, or with ``index=True`` from pip's configured index)."""
        key = {
            "python": str(python),
            "requirements": sorted(requirements),
            "find_links": [str(f) for f in find_links],
            "wheels": _files_key(find_links),
            "index": index,
        }
        if index:
            env = dict(os.environ, PIP_NO_COMPILE=NO_COMPILE)
            env.pop("VIRTUAL_ENV", None)
        else:
            env = offline_pip(find_links=find_links)

        def build(folder):
            result = run([python, "-m", "venv", folder])
            assert result.returncode == 0, result.stderr
            if requirements:
                result = run(
                    [folder / "bin" / "python", "-m", "pip", "install", "-q", *requirements],
                    env=env,
                )
                assert result.returncode == 0, "pip install %s failed: %s" % (
                    " ".join(requirements),
                    result.stderr[-3000:],
                )

        return self.shelf.get("venv", key, build)


def notebook(cells, metadata=None):
    """A notebook of ``cells`` (see Recorder) with a python3 kernelspec and ``metadata``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for key, value in (metadata or {}).items():
        if value is None:  # {"kernelspec": None}: a notebook without one
            nb.metadata.pop(key, None)
        else:
            nb.metadata[key] = value
    for cell in cells:
        if isinstance(cell, tuple):
            source, tags = cell
            cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
        elif isinstance(cell, str):
            cell = nbformat.v4.new_code_cell(cell)
        nb.cells.append(cell)
    return nb


class Recorder(object):
    """Notebooks recorded by ``nbrepro run`` in a real kernel, once per distinct content."""

    def __init__(self, shelf, tmp_path_factory):
        self.shelf = shelf
        self.tmp_path_factory = tmp_path_factory

    def __call__(
        self,
        cells,
        *,
        metadata=None,
        files=None,
        name="nb.ipynb",
        python=None,
        args=(),
        status=0,
        into=None,
    ):
        """Record a notebook and return the path of a fresh copy of it.

        ``cells``: code cell sources; a ``(source, tags)`` pair is a tagged code cell;
        an nbformat cell is taken as it is; bytes are a whole notebook file, written
        as they are. ``metadata`` goes into the notebook's (a python3 kernelspec
        unless it names another; None removes a key); ``files`` ({relative path: str
        or bytes}) are written beside it first; ``python`` is ``nbrepro run --python``;
        ``args`` more options of ``nbrepro run``; ``status`` the exit status it must
        give. The copy lands in ``into`` (a folder, made if missing) or a new
        temporary one.
        """
        if isinstance(cells, bytes):  # a notebook file, byte for byte
            raw, bare = cells, hashlib.sha256(cells).hexdigest()
        else:
            nb = notebook(cells, metadata)
            raw = nbformat.writes(nb).encode()
            # cell ids are random: the key is the notebook without them, the file keeps them
            bare = json.loads(raw)
            for cell in bare["cells"]:
                cell.pop("id", None)
        files = {
            path: data.encode() if isinstance(data, str) else data
            for path, data in (files or {}).items()
        }
        key = {
            "notebook": bare,
            "name": name,
            "files": {p: hashlib.sha256(d).hexdigest() for p, d in sorted(files.items())},
            "python": str(python) if python else None,
            "args": [str(a) for a in args],
            "status": status,
            # what the kernel inherits (PYTHONHASHSEED, OMP_NUM_THREADS ...) is recorded too
            "environ": digest(
                {
                    k: v
                    for k, v in os.environ.items()
                    # per test or per xdist worker, and nothing a recording keeps
                    if not k.startswith(("PYTEST_", "IPYTHONDIR", "NBREPRO_CACHE_DIR"))
                }
            ),
        }

        def build(folder):
            for path, data in files.items():
                (folder / path).parent.mkdir(parents=True, exist_ok=True)
                (folder / path).write_bytes(data)
            (folder / name).write_bytes(raw)
            argv = [BIN / "nbrepro", "run", name, *args]
            if python:
                argv += ["--python", python]
            env = dict(os.environ, IPYTHONDIR=str(folder / ".ipython"))
            result = run(argv, cwd=str(folder), env=env)
            assert result.returncode == status, "nbrepro run gave %d, not %d:\n%s" % (
                result.returncode,
                status,
                (result.stdout + result.stderr)[-3000:],
            )
            shutil.rmtree(folder / ".ipython", ignore_errors=True)

        source = self.shelf.get("recorded", key, build)
        if into is None:
            into = self.tmp_path_factory.mktemp("recorded")
        into = Path(into)
        shutil.copytree(source, into, dirs_exist_ok=True)
        return into / name


@functools.lru_cache(maxsize=None)
def shellcheck(text):
    """``shellcheck -s bash -`` on a script's text: (exit status, findings). The same text
    (several plans write the same check-packages.sh, two test modules lint the same
    run.sh) is checked once per worker: shellcheck takes about 0.4 s of CPU a script."""
    done = subprocess.run(
        ["shellcheck", "-s", "bash", "-"], input=text, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout
