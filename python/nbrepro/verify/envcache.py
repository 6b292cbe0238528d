"""Environments built from bundles, kept and shared between bundles with the same lock.

A reviewer who verifies twenty bundles made in one lab builds the same hundred
packages twenty times unless the environment is kept. Here each environment is
kept under a key made of what it is built from (the lock's or requirements'
lines, the carried wheels, the Python, the platform), so every later bundle with
the same lock, and every ``run.sh`` (which computes the same key in bash), gets
it without building.

Under the cache root (``NBREPRO_CACHE_DIR``, else ``$XDG_CACHE_HOME/nbrepro``,
else ``~/.cache/nbrepro``)::

    envs/<key>/env/        the environment: a venv or a conda prefix
    envs/<key>/entry.json  written last, once the build succeeded (ENTRY below)
    envs/<key>/build.log   what the build printed
    envs/<key>/last-used   touched at every use: eviction goes by its time
    envs/<key>.lock        flock(2): exclusive while building or removing,
                           shared while in use (prune skips what is in use)

Two builds of one key wait for each other (the second reuses the first's);
builds of different keys run side by side. The key text, one line each (run.sh
writes the same bytes; ``key_text``)::

    nbrepro environment 1
    method pip|lock|environment.yml
    python 3.11
    platform linux-64
    file requirements.txt <sha256 of its lines, comments and blank lines left out>
    wheel wheels/x-1.0-py3-none-any.whl <sha256 of the file>

The cache has a size limit (``NBREPRO_CACHE_MAX``, default 20G): after a build,
the least recently used entries not in use are removed until the rest fits.
"""

import hashlib
import json
import os
import platform as platform_module
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .. import __version__, errors

KEY_VERSION = 1
DEFAULT_MAX = 20 * 1024**3
ENTRY = "entry.json"
PACKAGE_SUFFIXES = (".whl", ".tar.gz", ".zip")
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)i?[bB]?\s*$")


def cache_root(environ=None):
    environ = os.environ if environ is None else environ
    if environ.get("NBREPRO_CACHE_DIR"):
        return Path(environ["NBREPRO_CACHE_DIR"]).expanduser()
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nbrepro"


def parse_size(text):
    """Bytes from ``20G``, ``500M``, ``1.5T`` or a plain number; ValueError otherwise."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError("not a size: %r (give a number with K, M, G or T)" % (text,))
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** " KMGT".index(unit or " "))


def max_size(environ=None):
    environ = os.environ if environ is None else environ
    value = environ.get("NBREPRO_CACHE_MAX")
    if not value:
        return DEFAULT_MAX
    try:
        return parse_size(value)
    except ValueError:
        return DEFAULT_MAX


def host_platform():
    """This machine as a conda subdir, as run.sh's host_platform says it."""
    system, machine = platform_module.system(), platform_module.machine()
    table = {
        ("Linux", "x86_64"): "linux-64",
        ("Linux", "aarch64"): "linux-aarch64",
        ("Linux", "arm64"): "linux-aarch64",
        ("Linux", "ppc64le"): "linux-ppc64le",
        ("Darwin", "x86_64"): "osx-64",
        ("Darwin", "arm64"): "osx-arm64",
        ("Windows", "AMD64"): "win-64",
    }
    return table.get((system, machine), "unknown")


def normalised_lines(data):
    """The lines that mean something to pip or conda: trailing blanks cut, blank
    lines and comment lines left out, each ended by a newline (run.sh's awk)."""
    out = []
    for line in data.split(b"\n"):
        line = line.rstrip(b" \t\r\x0b\x0c")
        if not line or line.lstrip(b" \t\r\x0b\x0c").startswith(b"#"):
            continue
        out.append(line + b"\n")
    return b"".join(out)


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(str(path), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Plan(object):
    """What a bundle's environment is built from, and how."""

    def __init__(self, folder, kind, method, python, lock=None):
        self.folder = Path(folder)
        self.kind = kind  # "pip" or "conda"
        self.method = method  # "pip", "lock" or "environment.yml"
        self.python = python  # major.minor of the Python the environment will have
        self.lock = lock
        self.platform = host_platform()
        self.base = None  # (path, major.minor) of the Python that makes a venv
        self.recorded = python

    def files(self):
        if self.method == "pip":
            names = ["requirements.txt"]
        elif self.method == "lock":
            names = [self.lock, "requirements.txt"]
        else:
            names = ["environment.yml"]
        return [n for n in names if (self.folder / n).is_file()]

    def wheels(self):
        folder = self.folder / "wheels"
        if not folder.is_dir() or folder.is_symlink():
            return []
        return sorted(
            p.name
            for p in folder.iterdir()
            if p.is_file() and not p.is_symlink() and p.name.endswith(PACKAGE_SUFFIXES)
        )

    def key_text(self):
        lines = [
            "nbrepro environment %d" % KEY_VERSION,
            "method %s" % self.method,
            "python %s" % self.python,
            "platform %s" % self.platform,
        ]
        for name in self.files():
            data = (self.folder / name).read_bytes()
            lines.append("file %s %s" % (name, _sha256(normalised_lines(data))))
        for name in self.wheels():
            lines.append("wheel wheels/%s %s" % (name, file_sha256(self.folder / "wheels" / name)))
        return "".join(line + "\n" for line in lines)

    def key(self):
        return _sha256(self.key_text().encode("utf-8"))[:32]


def plan_for(folder, manifest, python=None):
    """The Plan of an opened bundle: ``manifest`` is its manifest (read at the door).
    ``python``: ``(path, major.minor)`` of the interpreter that makes a venv (pip
    bundles; default ``find_python``'s): the key holds the Python it will have."""
    environment = manifest.get("environment") if isinstance(manifest, dict) else None
    environment = environment if isinstance(environment, dict) else {}
    kind = environment.get("kind") if environment.get("kind") in ("pip", "conda") else None
    folder = Path(folder)
    if kind is None:
        kind = "pip" if (folder / "requirements.txt").is_file() else "conda"
    recorded = environment.get("python")
    recorded = recorded if isinstance(recorded, str) and re.match(r"^\d+\.\d+$", recorded) else None
    if kind == "pip":
        if not (folder / "requirements.txt").is_file():
            raise errors.BundleError("%s has no requirements.txt to build its environment" % folder)
        base = python or find_python(recorded or "unknown")
        plan = Plan(folder, "pip", "pip", base[1])
        plan.base = base
        plan.recorded = recorded
        return plan
    lock = environment.get("lock")
    lock = lock if isinstance(lock, str) and re.match(r"^[\w.-]+\.lock$", lock) else None
    lock_platform = environment.get("platform")
    if lock and (folder / lock).is_file() and lock_platform == host_platform():
        return Plan(folder, "conda", "lock", recorded or "unknown", lock=lock)
    if not (folder / "environment.yml").is_file():
        raise errors.BundleError("%s has no environment.yml to build its environment" % folder)
    return Plan(folder, "conda", "environment.yml", recorded or "unknown")


def find_python(version, environ=None):
    """``(path, major.minor)`` of the interpreter that builds a venv for ``version``:
    NBREPRO_PYTHON when set (as run.sh), else ``pythonX.Y`` on PATH, else python3
    (run.sh's), else this one; the first whose version is ``version``, else the
    first found."""
    environ = os.environ if environ is None else environ
    if environ.get("NBREPRO_PYTHON"):
        candidates = [environ["NBREPRO_PYTHON"]]
    else:
        candidates = ["python%s" % version] if re.match(r"^\d+\.\d+$", version or "") else []
        candidates += ["python3", sys.executable]
    found = []
    for candidate in candidates:
        path = shutil.which(candidate, path=environ.get("PATH"))
        have = interpreter_version(path) if path else None
        if have is None:
            continue
        if have == version:
            return path, have
        found.append((path, have))
    if found:
        return found[0]
    raise errors.BundleError(
        "no Python to build the environment with: install Python %s or set NBREPRO_PYTHON" % version
    )


_VERSIONS = {}


def interpreter_version(path):
    if path not in _VERSIONS:
        try:
            done = subprocess.run(
                [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        _VERSIONS[path] = done.stdout.strip() if done.returncode == 0 else None
    return _VERSIONS[path]


def env_python(prefix):
    for relative in ("bin/python", "python.exe", "Scripts/python.exe"):
        path = Path(prefix) / relative
        if path.is_file() and os.access(str(path), os.X_OK):
            return str(path)
    return None


def fingerprint(prefix):
    """What is installed, by name: the dist-info folders of site-packages and the
    conda-meta records (run.sh computes the same). An environment someone
    installed into after it was built no longer matches its key."""
    prefix = Path(prefix)
    names = []
    for pattern in ("lib/python*/site-packages/*.dist-info", "Lib/site-packages/*.dist-info"):
        names += [p.name for p in prefix.glob(pattern) if p.is_dir()]
    names += [p.name for p in prefix.glob("conda-meta/*.json") if p.is_file()]
    text = b"".join(name.encode("utf-8", "surrogateescape") + b"\n" for name in sorted(set(names)))
    return _sha256(text)


def folder_size(path):
    total = 0
    for root, _dirs, files in os.walk(str(path)):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class Lock(object):
    """flock(2) on a file (run.sh's flock(1) takes the same lock)."""

    def __init__(self, path):
        self.path = Path(path)
        self.handle = None

    def acquire(self, exclusive=True, wait=True):
        import fcntl

        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(str(self.path), "a+")
        flags = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if not wait:
            flags |= fcntl.LOCK_NB
        try:
            fcntl.flock(self.handle.fileno(), flags)
        except BlockingIOError:
            return False
        return True

    def release(self):
        if self.handle is not None:
            self.handle.close()  # closing drops the lock
            self.handle = None


class Entry(object):
    """One kept environment."""

    def __init__(self, root, key):
        self.root = Path(root)
        self.key = key
        self.folder = self.root / "envs" / key
        self.prefix = self.folder / "env"
        self.lock = Lock(self.root / "envs" / (key + ".lock"))

    def info(self):
        try:
            with open(str(self.folder / ENTRY), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("key") == self.key else None

    def last_used(self):
        for path in (self.folder / "last-used", self.folder / ENTRY):
            try:
                return path.stat().st_mtime
            except OSError:
                continue
        return 0.0

    def touch(self):
        try:
            (self.folder / "last-used").touch()
        except OSError:
            pass

    def usable(self):
        """The entry's python when it is complete and nothing was installed into it since."""
        info = self.info()
        python = env_python(self.prefix)
        if info is None or python is None:
            return None
        if info.get("fingerprint") and info["fingerprint"] != fingerprint(self.prefix):
            return None
        return python

    def remove(self):
        # entry.json first: a half-removed folder is never taken for a complete one
        try:
            (self.folder / ENTRY).unlink()
        except OSError:
            pass
        shutil.rmtree(str(self.folder), ignore_errors=True)


def entries(root=None):
    root = cache_root() if root is None else Path(root)
    folder = root / "envs"
    if not folder.is_dir():
        return []
    return [Entry(root, p.name) for p in sorted(folder.iterdir()) if p.is_dir()]


class Obtained(object):
    """An environment handed out: its python, whether it was built now, how long that took."""

    def __init__(self, entry, python, built, seconds, waited):
        self.entry = entry
        self.python = python
        self.built = built
        self.seconds = seconds
        self.waited = waited

    @property
    def key(self):
        return self.entry.key


# key -> why its build failed, in this process: a batch does not build a failing
# lock again for each bundle that has it (a later run tries again).
_FAILED = {}


@contextmanager
def obtain(plan, root=None, log=None, base_python=None, build_timeout=None):
    """The environment of ``plan``, built now unless the cache holds it; held with a
    shared lock while the caller uses it (prune and eviction leave it alone)."""
    log = log or (lambda text: None)
    root = cache_root() if root is None else Path(root)
    entry = Entry(root, plan.key())
    started = time.perf_counter()
    # Shared first: many users of one kept environment go on side by side.
    entry.lock.acquire(exclusive=False)
    try:
        python = entry.usable()
        built = False
        seconds = 0.0
        if python is None:
            # Exclusive to build: a second builder of this key waits here, then
            # finds the first one's environment.
            entry.lock.release()
            entry.lock.acquire(exclusive=True)
            python = entry.usable()
        waited = time.perf_counter() - started
        if python is None and entry.key in _FAILED:
            raise errors.BundleError(_FAILED[entry.key])
        if python is None:
            if entry.folder.exists():
                why = "incomplete" if entry.info() is None else "changed since it was built"
                log("the cached environment %s is %s: building it again" % (entry.key, why))
                entry.remove()
            began = time.perf_counter()
            try:
                _build(plan, entry, log, base_python, build_timeout)
            except errors.BundleError as error:
                _FAILED[entry.key] = "%s (the same lock's build failed before)" % error
                raise
            seconds = time.perf_counter() - began
            python = entry.usable()
            if python is None:
                entry.remove()
                raise errors.BundleError("the environment built in %s has no python" % entry.prefix)
            built = True
            entry.lock.acquire(exclusive=False)  # from here on only in use
        entry.touch()
        if built:
            evict(root, max_size(), keep=entry.key, log=log)
        yield Obtained(entry, python, built, seconds, waited)
    finally:
        entry.lock.release()


def _build(plan, entry, log, base_python, build_timeout):
    entry.folder.mkdir(parents=True, exist_ok=True)
    prefix = entry.prefix
    log_path = entry.folder / "build.log"
    deadline = time.monotonic() + build_timeout if build_timeout else None
    with open(str(log_path), "w", encoding="utf-8", errors="replace") as out:

        def step(argv, what):
            out.write("$ %s\n" % " ".join(argv))
            out.flush()
            left = None if deadline is None else max(1.0, deadline - time.monotonic())
            try:
                done = subprocess.run(
                    argv, cwd=str(plan.folder), stdout=out, stderr=subprocess.STDOUT, timeout=left
                )
            except subprocess.TimeoutExpired:
                raise _BuildFailed(
                    "%s did not finish within %g s" % (what, build_timeout)
                ) from None
            except OSError as error:
                raise _BuildFailed("%s could not start: %s" % (what, error)) from None
            if done.returncode != 0:
                raise _BuildFailed("%s failed with exit status %d" % (what, done.returncode))

        try:
            if plan.kind == "pip":
                python, have = base_python or plan.base or find_python(plan.python)
                log("building %s with %s -m venv (Python %s)" % (entry.key, python, have))
                step([python, "-m", "venv", str(prefix)], "python -m venv")
                step(
                    [env_python(prefix), "-m", "pip", "install", "-r", "requirements.txt"],
                    "pip install -r requirements.txt",
                )
            else:
                tool = _conda_tool()
                if plan.method == "lock":
                    log("building %s from %s with %s" % (entry.key, plan.lock, tool))
                    step([tool, "create", "--yes", "-p", str(prefix), "--file", plan.lock], tool)
                    if "requirements.txt" in plan.files() and _has_lines(plan.folder):
                        step(
                            [env_python(prefix), "-m", "pip", "install", "-r", "requirements.txt"],
                            "pip install -r requirements.txt",
                        )
                else:
                    log("building %s from environment.yml with %s" % (entry.key, tool))
                    yes = ["--yes"] if "mamba" in Path(tool).name else []
                    step(
                        [tool, "env", "create"]
                        + yes
                        + ["-p", str(prefix)]
                        + ["--file", "environment.yml"],
                        tool,
                    )
        except _BuildFailed as failed:
            out.flush()
            tail = _tail(log_path)
            shutil.rmtree(str(prefix), ignore_errors=True)
            raise errors.BundleError(
                "building the environment failed: %s%s"
                % (failed, "; it said: " + tail if tail else "")
            ) from None
    info = {
        "key": entry.key,
        "method": plan.method,
        "python": plan.python,
        "platform": plan.platform,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "built_by": "nbrepro %s" % __version__,
        "fingerprint": fingerprint(prefix),
        "size": folder_size(prefix),
        "key_text": plan.key_text(),
    }
    temporary = entry.folder / (ENTRY + ".tmp")
    temporary.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(str(temporary), str(entry.folder / ENTRY))


class _BuildFailed(Exception):
    pass


def _has_lines(folder):
    data = (Path(folder) / "requirements.txt").read_bytes()
    return any(
        not line.startswith(b"-") for line in normalised_lines(data).splitlines() if line.strip()
    )


def _conda_tool():
    if os.environ.get("NBREPRO_CONDA"):
        return os.environ["NBREPRO_CONDA"]
    for tool in ("micromamba", "mamba", "conda"):
        path = shutil.which(tool)
        if path:
            return path
    raise _BuildFailed(
        "this environment needs conda, mamba or micromamba, and none is on PATH "
        "(or set NBREPRO_CONDA)"
    )


def _tail(path, lines=3):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " / ".join(kept)[-600:]


def describe(entry):
    """A row of ``nbrepro cache list``: what an entry holds (None for a broken one)."""
    info = entry.info()
    if info is None:
        return {"key": entry.key, "complete": False, "size": folder_size(entry.folder)}
    return {
        "key": entry.key,
        "complete": True,
        "method": info.get("method"),
        "python": info.get("python"),
        "platform": info.get("platform"),
        "built_at": info.get("built_at"),
        "built_by": info.get("built_by"),
        "last_used": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(entry.last_used())),
        "size": info.get("size")
        if isinstance(info.get("size"), int)
        else folder_size(entry.folder),
    }


def evict(root, limit, keep=None, log=None, older_than=None):
    """Remove the least recently used entries not in use until the rest fits
    ``limit`` bytes (and every entry unused for ``older_than`` seconds); the
    keys removed. An entry in use (its lock held by anyone) is skipped."""
    log = log or (lambda text: None)
    now = time.time()
    rows = []
    for entry in entries(root):
        row = describe(entry)
        rows.append((entry.last_used(), entry, row["size"] or 0))
    rows.sort(key=lambda r: r[0])
    total = sum(size for _, _, size in rows)
    removed = []
    for used, entry, size in rows:
        if entry.key == keep:
            continue
        stale = older_than is not None and now - used > older_than
        if total <= limit and not stale:
            continue
        if not entry.lock.acquire(exclusive=True, wait=False):
            log("keeping %s: in use" % entry.key)
            continue
        try:
            entry.remove()
        finally:
            entry.lock.release()
        total -= size
        removed.append(entry.key)
        log("removed %s (%s)" % (entry.key, human_size(size)))
    return removed


def human_size(size):
    size = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (size, unit)
        size /= 1024.0
    return "%.1f TB" % size
