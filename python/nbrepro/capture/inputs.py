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

Paths are recorded relative to the notebook's folder (the kernel's working
folder when recording began, or the ``notebook_dir`` option). A path outside
it is never recorded by name: only counted, or, with the ``record_paths``
privacy option, as the sha256 of its absolute path.

The clock is not an audited event: ``time.time`` and ``datetime.now`` leave no
trace an audit hook sees, so ``cell_names``'s ``clock`` is a guess from the
cell's source (it calls ``time.time``, ``datetime.now``, ``date.today`` …),
said as such.
"""

import ast
import os
import sys

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
        sys.modules[SLOT_NAME] = slot
        addaudithook(_hook)
    options = ctx_options if isinstance(ctx_options, dict) else {}
    root = options.get("notebook_dir")
    if not isinstance(root, str) or not os.path.isabs(root):
        root = slot.root or os.getcwd()
    slot.root = os.path.realpath(root)
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
    slot = _slot()
    return getattr(slot, "root", None) if slot is not None else None


# -- the record, made after the cell -------------------------------------------------


def probe(ctx):
    """Return the ``inputs`` section of the run record (None when nothing applies)."""
    recorder = ctx.cache.pop(RECORDER_KEY, None)
    root = root_dir()
    out = {}
    if recorder is not None and root:
        files, outside, overflow = _files(ctx, recorder, root)
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
        local = _local_modules(ctx, root)
        if local:
            out["local_modules"] = local
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


def _files(ctx, recorder, root):
    """(files, outside, overflow) with files sorted by path."""
    limit = ctx.option("hash_limit", DEFAULT_HASH_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool):
        limit = DEFAULT_HASH_LIMIT
    hashed_outside = bool(ctx.option("record_paths", False))
    cache = ctx.cache.setdefault(HASH_CACHE_KEY, {})
    files, outside = [], []
    outside_count = 0
    cwd = os.getcwd()
    skipped = _tool_dirs()
    code_dirs = None
    for path, write in list(recorder.files.items()):
        full = os.path.realpath(os.path.join(cwd, path))
        relative = _relative(full, root)
        if relative is None:
            if _interpreter_file(full) or _tool_file(full):
                continue
            if code_dirs is None:
                code_dirs = _code_dirs(root)
            if full.startswith(code_dirs):
                continue
            outside_count += 1
            if hashed_outside and len(outside) < MAX_FILES:
                outside.append(_sha256_text(full))
            continue
        if relative.startswith(".ipynb_checkpoints") or _interpreter_file(full):
            continue
        if any(full.startswith(skip) for skip in skipped):
            continue
        item = {"path": relative, "mode": "w" if write else "r"}
        item.update(_stat_and_hash(full, limit, cache))
        files.append(item)
        if len(files) >= MAX_FILES:
            break
    files.sort(key=lambda i: i["path"])
    result_outside = None
    if outside_count:
        result_outside = {"count": outside_count}
        if outside:
            result_outside["sha256_of_paths"] = sorted(outside)
    return files, result_outside, recorder.overflow


def _tool_dirs():
    """IPython's profile folder: its history and config are the kernel's, not the cell's."""
    out = []
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
        location = shell.profile_dir.location if shell is not None else None
    except Exception:
        location = None
    if isinstance(location, str):
        out.append(os.path.realpath(location).rstrip(os.sep) + os.sep)
    return out


_SYSTEM_DIRS = ("/usr/", "/etc/", "/var/", "/opt/", "/lib/", "/lib64/", "/bin/", "/snap/")


def _tool_file(full):
    """Outside the notebook's folder, what tools read for themselves: system folders,
    and hidden folders such as ~/.cache/matplotlib or ~/.config (fonts, settings)."""
    if full.startswith(_SYSTEM_DIRS):
        return True
    return any(part.startswith(".") for part in full.split(os.sep)[1:-1])


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
    """Folders on ``sys.path`` outside the notebook's folder (a PYTHONPATH, a
    ``pip install --target`` folder): what is read there is code and its metadata,
    the interpreter's business, not the cell's input. A tuple for ``startswith``."""
    root = root.rstrip(os.sep) + os.sep
    out = []
    for entry in list(sys.path):
        if not isinstance(entry, str) or not os.path.isabs(entry):
            continue
        folder = os.path.realpath(entry).rstrip(os.sep) + os.sep
        if folder == os.sep or folder.startswith(root) or root.startswith(folder):
            continue  # the notebook's folder, a folder inside it, or one holding it
        out.append(folder)
    return tuple(out)


def _relative(full, root):
    if full == root or not full.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return os.path.relpath(full, root).replace(os.sep, "/")


def _sha256_text(text):
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _stat_and_hash(full, limit, cache):
    """size, mtime (integer seconds) and sha256 when the file is small enough."""
    import hashlib

    try:
        st = os.stat(full)
    except OSError:
        return {"missing": True}
    import stat as stat_module

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
            with open(full, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            return out
        digest = h.hexdigest()
        if len(cache) > 4 * MAX_FILES:
            cache.clear()
        cache[key] = digest
    out["sha256"] = digest
    return out


def _local_modules(ctx, root):
    """{module: path relative to the notebook's folder} for imported top-level modules
    whose file or package folder lies in that folder and outside the interpreter."""
    key = (len(sys.modules), root)
    cached = ctx.cache.get(MODULES_CACHE_KEY)
    if cached is not None and cached[0] == key:
        return dict(cached[1])
    found = {}
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
        if not isinstance(location, str):
            continue
        full = os.path.realpath(location)
        if _interpreter_file(full):
            continue
        relative = _relative(full, root)
        if relative is None:
            continue
        if not package and os.path.basename(full) == "__init__.py":
            relative = relative.rpartition("/")[0] or relative
            package = True
        found[name] = relative
        if len(found) >= MAX_FILES:
            break
    ctx.cache[MODULES_CACHE_KEY] = (key, found)
    return dict(found)


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
