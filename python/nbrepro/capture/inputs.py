"""Probe: inputs. What a cell needs besides packages: the files it opened,
the local modules it imported, the generators it drew from, and network use;
and ``cell_names``: the names a cell binds and reads and its clock calls, from
its source.

Kernel-side: standard library only, Python 3.8 grammar.

Files come from an audit hook (``sys.addaudithook``, Python 3.8+) on the
``open`` and ``socket.connect`` events. Audit hooks cannot be removed, so the
hook is installed once per kernel and kept as small as can be: while no cell
is running it returns after one attribute read; during a cell it drops the
interpreter's own reads (``.py``/``.pyc``/extension modules, ``/proc``,
``/sys``, ``/dev``) by a string test and keeps at most ``MAX_EVENTS`` distinct
paths in a dict. It never raises. Nothing is hashed or stat-ed in the hook:
sizes, modification times and sha256 are read when the cell's record is made
(``probe``), with a cache keyed by (size, mtime).

Paths are recorded relative to the notebook's project (``project.find_root``:
its git work tree, else the folder with its ``pyproject.toml``, ``setup.cfg``
or ``environment.yml``, else the notebook's folder, which is the kernel's
working folder when recording began or the ``notebook_dir`` option), and
``notebook_dir`` says where the notebook's folder is in it: relative facts
only, never an absolute path. Only what is there after the cell counts: a
failed open of a name that never existed is no input. Reads under the
interpreter's folders, installed packages, ``sys.path`` folders outside the
project and the folders tools read for themselves (the user's cache and
configuration folders, IPython's profile, system fonts, time zones, locales,
certificates) are not the notebook's data. Any other file read outside the
project is counted, and named by the path the cell used when that path was
relative and names no folder above the user's home (``../../data/x.csv``);
with the ``record_paths`` privacy option also by the sha256 of its absolute
path. Private files (hidden, or named like credentials: ``project.private_name``)
are named only: never hashed, their size never read.

The clock is not an audited event: ``time.time`` and ``datetime.now`` leave no
trace an audit hook sees, so ``cell_names``'s ``clock`` is a guess from the
cell's source (it calls ``time.time``, ``datetime.now``, ``date.today`` …),
said as such.
"""

import ast
import os
import sys

from . import project

# The hook's shared slot lives in sys.modules under this name, not in the
# engine package: a newer engine replaces the package, while the hook (which
# cannot be removed) must go on finding the recorder.
SLOT_NAME = "_nbrepro_capture_audit"
MAX_EVENTS = 512
MAX_FILES = 200
MAX_NAMES = 200
MAX_MODULE_FILES = 200
DEFAULT_HASH_LIMIT = 64 * 1024 * 1024
HASH_CACHE_KEY = "inputs.hashes"
# The session puts the running cell's recorder here for the probe to take.
RECORDER_KEY = "inputs.recorder"
MODULES_CACHE_KEY = "inputs.modules"
_SKIP_SUFFIXES = (".py", ".pyc", ".pyo", ".so", ".pyd", ".pth", ".dist-info", ".egg-info")
_SKIP_PREFIXES = ("/proc/", "/sys/", "/dev/")
# Font files read are font facts (fonts.py), not data inputs; at most MAX_FONTS a cell.
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb", ".afm", ".TTF", ".OTF", ".TTC", ".PFB", ".AFM")
MAX_FONTS = 64
# Opened to write: "r+" reads an existing file (an input), "w", "a" and "x" make one.
_WRITE_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_EVENTS = frozenset(["open", "socket.connect", "socket.getaddrinfo"])
_CLOCK_CALLS = frozenset(
    [
        "time.time",
        "time.time_ns",
        "time.localtime",
        "time.gmtime",
        "time.ctime",
        "time.strftime",
        "datetime.now",
        "datetime.utcnow",
        "datetime.today",
        "date.today",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "pd.Timestamp.now",
        "pandas.Timestamp.now",
        "pd.Timestamp.today",
        "np.datetime64",
    ]
)


class _Recorder(object):
    """What the hook saw during the running cell."""

    __slots__ = ("files", "network", "overflow", "generators", "fonts", "font_overflow")

    def __init__(self):
        self.files = {}  # path as opened -> True when opened for writing
        self.fonts = {}  # font files read: facts for fonts.py, not data inputs
        self.font_overflow = 0
        self.network = 0
        self.overflow = 0
        self.generators = None  # RNG fingerprints before the cell


def _slot():
    slot = sys.modules.get(SLOT_NAME)
    if slot is None or not hasattr(slot, "recorder"):
        return None
    return slot


def _hook(event, args):
    # Runs for every audited event in every thread: the first test must be cheap.
    slot = sys.modules.get(SLOT_NAME)
    recorder = getattr(slot, "recorder", None)
    if recorder is None or event not in _EVENTS:
        return
    try:
        if event == "open":
            path = args[0]
            if not isinstance(path, str):
                if isinstance(path, bytes):
                    path = path.decode("utf-8", "surrogateescape")
                else:
                    return  # a file descriptor: opened elsewhere
            if path.startswith(_SKIP_PREFIXES) or "__pycache__" in path:
                return
            mode = args[1]
            if isinstance(mode, str):
                write = "w" in mode or "a" in mode or "x" in mode
            else:
                flags = args[2] if len(args) > 2 else 0
                write = bool(isinstance(flags, int) and flags & _WRITE_FLAGS)
            if not write and path.endswith(_SKIP_SUFFIXES):
                return  # the interpreter reading code (a cell writing a .py file is kept)
            if not write and path.endswith(FONT_SUFFIXES):
                if len(recorder.fonts) < MAX_FONTS:
                    recorder.fonts[path] = True
                elif path not in recorder.fonts:
                    recorder.font_overflow += 1
                return  # a font drawn with: fonts.py records it
            files = recorder.files
            if path in files:
                if write:
                    files[path] = True
            elif len(files) < MAX_EVENTS:
                files[path] = write
            else:
                recorder.overflow += 1
        else:
            recorder.network += 1
    except BaseException:  # noqa: B036 - an audit hook that raises aborts the user's call
        pass


def install(ctx_options=None):
    """Add the audit hook once per kernel; return True when one is in place."""
    addaudithook = getattr(sys, "addaudithook", None)
    if addaudithook is None:
        return False  # Python 3.7 and older
    slot = _slot()
    if slot is None:
        import types

        slot = types.ModuleType(SLOT_NAME, "nbrepro's audit hook slot (see capture/inputs.py)")
        slot.recorder = None
        slot.root = None
        slot.notebook = None
        sys.modules[SLOT_NAME] = slot
        addaudithook(_hook)
    options = ctx_options if isinstance(ctx_options, dict) else {}
    folder = options.get("notebook_dir")
    if not isinstance(folder, str) or not os.path.isabs(folder):
        folder = getattr(slot, "notebook", None) or os.getcwd()
    slot.notebook = os.path.realpath(folder)
    slot.root = project.find_root(slot.notebook)
    return True


def begin():
    """A cell starts: record its opens from now on."""
    slot = _slot()
    if slot is not None:  # a recorder a missed post_run_cell left behind is replaced
        recorder = _Recorder()
        try:
            from .seeds import fingerprints

            recorder.generators = fingerprints()  # reads states, draws nothing
        except Exception:
            recorder.generators = None
        slot.recorder = recorder


def end():
    """The cell ended: stop recording; return what was seen (None without a hook)."""
    slot = _slot()
    if slot is None:
        return None
    recorder, slot.recorder = slot.recorder, None
    return recorder


def root_dir():
    """The project's folder (``project.find_root``), or None before ``install``."""
    slot = _slot()
    return getattr(slot, "root", None) if slot is not None else None


def notebook_dir():
    """The notebook's folder, or None before ``install``."""
    slot = _slot()
    return getattr(slot, "notebook", None) if slot is not None else None


# -- the record, made after the cell -------------------------------------------------


def probe(ctx):
    """Return the ``inputs`` section of the run record (None when nothing applies)."""
    recorder = ctx.cache.pop(RECORDER_KEY, None)
    root, folder = root_dir(), notebook_dir()
    out = {}
    if root and folder:
        where = project.relative(folder, root)
        if where:
            out["notebook_dir"] = where
    if recorder is not None and root:
        files, outside, overflow = _files(ctx, recorder, root, folder or root)
        if files:
            out["files"] = files
        if outside:
            out["outside"] = outside
        if overflow:
            out["overflow"] = overflow
        if recorder.network:
            out["network"] = recorder.network
        drew = _drew(recorder.generators)
        if drew:
            out["drew"] = drew
    if root:
        local, elsewhere = _local_modules(ctx, root, folder or root)
        if local:
            out["local_modules"] = local
        if elsewhere:
            out["outside_modules"] = elsewhere
    # The names a cell binds and reads, and its clock calls, come from its source
    # (``cell_names``), which the notebook keeps: verify reads them there, so that
    # cells that opened nothing share one run record and the notebook stays small.
    return out or None


def _drew(before):
    """Global generators whose state the cell changed (it drew from them, or seeded them)."""
    if not isinstance(before, dict):
        return []
    from .seeds import fingerprints

    after = fingerprints()
    drew = [k for k in after if k in before and after[k] != before[k]]
    if "numpy" in after and "numpy" not in before and _numpy_drew_since_import():
        drew.append("numpy")
    return sorted(drew)


def _numpy_drew_since_import():
    """NumPy was imported during the cell: its global state, seeded from the OS at
    import, sits at position 623 (624 after a seed) until something draws."""
    random = sys.modules.get("numpy.random")
    try:
        from .seeds import _numpy_state

        state = _numpy_state(random)
        return not (state[2] in (623, 624) and not state[3])
    except Exception:
        return False


def _files(ctx, recorder, root, folder):
    """(files, outside, overflow): the files the cell opened inside the project, by
    path relative to it and sorted; what it read outside the project (counted, and
    named by the path the cell used when that path is relative and says nothing of
    where the user lives); how many opens were not kept."""
    limit = ctx.option("hash_limit", DEFAULT_HASH_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool):
        limit = DEFAULT_HASH_LIMIT
    hashed_outside = bool(ctx.option("record_paths", False))
    cache = ctx.cache.setdefault(HASH_CACHE_KEY, {})
    files, outside, named = [], [], []
    outside_count = 0
    cwd = os.getcwd()
    skipped = _tool_dirs()
    code_dirs = None
    for path, write in list(recorder.files.items()):
        absolute = os.path.normpath(os.path.join(cwd, path))
        full = os.path.realpath(absolute)
        if _interpreter_file(full) or _tool_file(full, skipped) or _tool_file(absolute, skipped):
            continue
        relative = project.relative(full, root)
        if relative is not None:
            if relative.startswith(".ipynb_checkpoints") or "/.ipynb_checkpoints/" in relative:
                continue
            item = {"path": relative, "mode": "w" if write else "r"}
            item.update(_facts(full, relative, limit, cache))
            if item.get("missing") and not write:
                continue  # a failed open of a name that was never there: no input
            files.append(item)
            if len(files) >= MAX_FILES:
                break
            continue
        if write:
            continue  # written outside the project: an output, not something the bundle lacks
        if code_dirs is None:
            code_dirs = _code_dirs(root)
        if full.startswith(code_dirs) or not os.path.exists(full):
            continue  # code on sys.path, or a name that was never there
        outside_count += 1
        if hashed_outside and len(outside) < MAX_FILES:
            outside.append(_sha256_text(full))
        shown = None if os.path.isabs(path) else project.named_from(folder, absolute)
        if shown is not None and len(named) < MAX_FILES:
            item = {"path": shown, "mode": "r"}
            item.update(_facts(full, shown, limit, cache))
            if not item.get("missing"):
                named.append(item)
    files.sort(key=lambda i: i["path"])
    result_outside = None
    if outside_count:
        result_outside = {"count": outside_count}
        if outside:
            result_outside["sha256_of_paths"] = sorted(outside)
        if named:
            result_outside["files"] = sorted(named, key=lambda i: i["path"])
    return files, result_outside, recorder.overflow


def _facts(full, name, limit, cache):
    """What is recorded of a file beside its path: nothing of a private one (hidden,
    or named like a credential: never hashed), else size, mtime and sha256."""
    if project.private_name(name):
        return {"private": True}
    return _stat_and_hash(full, limit, cache)


def _tool_dirs():
    """Folders whose files tools read for themselves, as prefixes ending in a separator:
    IPython's profile and Jupyter's folders, the user's cache and configuration
    folders (matplotlib's font cache, fontconfig), fonts, time zones, locales and
    certificates of the system. Made once per kernel."""
    slot = _slot()
    cached = getattr(slot, "tool_dirs", None) if slot is not None else None
    if cached is not None:
        return cached
    home = os.path.expanduser("~")
    env = os.environ
    found = []
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
        location = shell.profile_dir.location if shell is not None else None
    except Exception:
        location = None
    if isinstance(location, str):
        found.append(location)
    for name, default in (
        ("IPYTHONDIR", ".ipython"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_CONFIG_HOME", ".config"),
        ("MPLCONFIGDIR", ".matplotlib"),
        ("JUPYTER_CONFIG_DIR", ".jupyter"),
        ("JUPYTER_DATA_DIR", os.path.join(".local", "share", "jupyter")),
    ):
        value = env.get(name)
        if value and os.path.isabs(value):
            found.append(value)
        found.append(os.path.join(home, default))
    for name in (
        os.path.join(".local", "share", "fonts"),
        ".fonts",
        ".keras",
        os.path.join("Library", "Caches"),
        os.path.join("Library", "Fonts"),
    ):
        found.append(os.path.join(home, name))
    found.extend(_SYSTEM_TOOL_DIRS)
    out = []
    for folder in found:
        for variant in (folder, os.path.realpath(folder)):
            prefix = variant.rstrip(os.sep) + os.sep
            if prefix != os.sep and prefix not in out:
                out.append(prefix)
    result = tuple(out)
    if slot is not None:
        slot.tool_dirs = result
    return result


# Outside the project, what the system's libraries read for themselves. Any other
# file read outside the project (/opt/data, /etc/hostname, a hidden folder) is counted.
_SYSTEM_TOOL_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/zoneinfo",
    "/usr/share/locale",
    "/usr/share/i18n",
    "/usr/lib/locale",
    "/usr/share/mime",
    "/usr/share/X11",
    "/usr/share/ca-certificates",
    "/usr/share/matplotlib",
    "/usr/share/texmf",
    "/usr/share/texlive",
    "/usr/share/texmf-dist",
    "/var/lib/texmf",
    "/etc/texmf",
    "/etc/fonts",
    "/etc/ssl",
    "/etc/pki",
    "/etc/ca-certificates",
    "/etc/xdg",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/lib",
    "/lib64",
    "/System/Library",
    "/Library/Fonts",
    "/private/etc/ssl",
)
_SYSTEM_TOOL_FILES = frozenset(
    [
        "/etc/localtime",
        "/etc/timezone",
        "/etc/hosts",
        "/etc/host.conf",
        "/etc/resolv.conf",
        "/etc/nsswitch.conf",
        "/etc/gai.conf",
        "/etc/passwd",
        "/etc/group",
        "/etc/os-release",
        "/etc/lsb-release",
        "/etc/debian_version",
        "/etc/machine-id",
        "/etc/services",
        "/etc/protocols",
        "/etc/mime.types",
        "/etc/matplotlibrc",
        "/etc/ld.so.cache",
        "/etc/papersize",
    ]
)


def _tool_file(full, tool_dirs):
    """A file a tool reads for itself (``_tool_dirs``, ``_SYSTEM_TOOL_FILES``)."""
    return full in _SYSTEM_TOOL_FILES or full.startswith(tool_dirs)


def _interpreter_file(full):
    prefixes = getattr(sys, "prefix", None), getattr(sys, "base_prefix", None)
    for prefix in prefixes:
        if prefix and full.startswith(prefix.rstrip(os.sep) + os.sep):
            return True
    if "site-packages" in full or "dist-packages" in full:
        return True
    # importlib.metadata reading a distribution's METADATA or entry_points.txt
    return ".dist-info" + os.sep in full or ".egg-info" + os.sep in full


def _code_dirs(root):
    """Folders on ``sys.path`` outside the project (a PYTHONPATH, a ``pip install
    --target`` folder): what is read there is code and its metadata, the
    interpreter's business, not the cell's input. A tuple for ``startswith``."""
    root = root.rstrip(os.sep) + os.sep
    out = []
    for entry in list(sys.path):
        if not isinstance(entry, str) or not os.path.isabs(entry):
            continue
        folder = os.path.realpath(entry).rstrip(os.sep) + os.sep
        if folder == os.sep or folder.startswith(root) or root.startswith(folder):
            continue  # the project, a folder inside it, or one holding it
        out.append(folder)
    return tuple(out)


def _sha256_text(text):
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _stat_and_hash(full, limit, cache):
    """size, mtime (integer seconds) and sha256 when the file is small enough; a
    file that is not a regular one (a FIFO, a device) is never opened."""
    import hashlib
    import stat as stat_module

    try:
        st = os.stat(full)
    except OSError:
        return {"missing": True}
    if not stat_module.S_ISREG(st.st_mode):
        return {"missing": True}
    out = {"size": st.st_size, "mtime": int(st.st_mtime)}
    if st.st_size > limit:
        return out
    key = (full, st.st_size, st.st_mtime_ns)
    digest = cache.get(key)
    if digest is None:
        h = hashlib.sha256()
        try:
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
            fd = os.open(full, flags)
            with os.fdopen(fd, "rb") as handle:
                if not stat_module.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return out  # swapped for something else since the stat
                read = 0
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    h.update(chunk)
                    read += len(chunk)
                    if read > limit:
                        return out  # grew past the limit while read
        except OSError:
            return out
        digest = h.hexdigest()
        if len(cache) > 4 * MAX_FILES:
            cache.clear()
        cache[key] = digest
    out["sha256"] = digest
    return out


def _local_modules(ctx, root, folder):
    """``(local, outside)``: imported top-level modules whose file or package folder
    lies in the project ({module: path relative to the project}), and those that
    lie outside it and outside the interpreter ({module: path relative to the
    notebook's folder, or None when that path would say where the user lives})."""
    key = (len(sys.modules), root, folder)
    cached = ctx.cache.get(MODULES_CACHE_KEY)
    if cached is not None and cached[0] == key:
        return dict(cached[1]), dict(cached[2])
    found, elsewhere = {}, {}
    tools = _tool_dirs()
    for name, module in list(sys.modules.items()):
        if "." in name or name.startswith("_nbrepro") or name == "__main__":
            continue
        location = getattr(module, "__file__", None)
        package = False
        if not isinstance(location, str):
            paths = getattr(module, "__path__", None)
            try:
                location = next(iter(paths), None) if paths is not None else None
            except Exception:
                location = None
            package = True
        if not isinstance(location, str) or not os.path.isabs(location):
            continue
        full = os.path.realpath(location)
        if _interpreter_file(full) or _tool_file(full, tools):
            continue
        if not package and os.path.basename(full) == "__init__.py":
            full = os.path.dirname(full)
            location = os.path.dirname(location)
        relative = project.relative(full, root)
        if relative is None:
            if len(elsewhere) < MAX_FILES:
                elsewhere[name] = project.named_from(folder, os.path.normpath(location))
            continue
        found[name] = relative
        if len(found) >= MAX_FILES:
            break
    ctx.cache[MODULES_CACHE_KEY] = (key, found, elsewhere)
    return dict(found), dict(elsewhere)


# -- names a cell bound and read (its AST) ---------------------------------------------


def cell_names(source):
    """{"defines": [...], "reads": [...], "clock": [...]} from the cell's source; names
    are module-level bindings and the free names the cell reads (any depth)."""
    if not isinstance(source, str) or not source.strip():
        return {}
    tree = _parse(source)
    if tree is None:
        return {}
    defines, reads, clock, arguments = set(), set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            arguments.add(node.arg)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                reads.add(node.id)
            else:
                defines.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defines.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    defines.add((alias.asname or alias.name).partition(".")[0])
        elif isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted and (dotted in _CLOCK_CALLS or dotted.endswith((".now", ".utcnow"))):
                clock.add(dotted)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            reads.add(node.target.id)
    builtins = sys.modules.get("builtins")
    # A function's own arguments are its locals (a global of the same name is missed).
    reads = set(r for r in reads - arguments if not hasattr(builtins, r))
    out = {}
    if defines:
        out["defines"] = sorted(defines)[:MAX_NAMES]
    if reads:
        out["reads"] = sorted(reads)[:MAX_NAMES]
    if clock:
        out["clock"] = sorted(clock)[:MAX_NAMES]
    return out


def _parse(source):
    try:
        from .seeds import python_source

        text = python_source(source)
    except Exception:
        text = source
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
