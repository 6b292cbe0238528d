"""Probe: the modules a cell uses, and the distribution that provides each.

Kernel-side: standard library only, Python 3.8 grammar.

Two sections, both ``{"numpy": "numpy", "yaml": "PyYAML", "mylib": null}``
(null marks a module no installed distribution provides, a local file or a
folder on sys.path; a list, a namespace package several distributions share):

- ``modules``: the top-level modules the cell names in its own import
  statements (and that are loaded). This is what "imported by this notebook"
  means, and only it raises the severity of a drift.
- ``needed``: the other top-level modules first loaded while the cell ran
  (what its imports pulled in: numpy's or pandas' own dependencies, a lazy
  import inside a library call). Shown, never counted as the notebook's own.

A third, ``stale``, is about the kernel rather than the cell: the modules a
cell loaded whose distribution changed on disk since (a ``%pip install``
without a restart), ``{"six": {"distribution": "six", "loaded": "1.16.0",
"installed": "1.17.0"}}`` (``installed`` null: uninstalled). The kernel still
runs the loaded version while the environment recorded says the installed
one, so every cell that runs until a restart carries it.

What the kernel loaded before (ipykernel, tornado, zmq, debugpy...) is in
neither: a capture without a cell (the one at kernel start) only sets the
baseline. A console sharing the kernel gets its own records, which carry no
cell id; the front end keeps only the runs of its notebook's cells.

The index of distributions is rebuilt only when the environment changes, and
the set of loaded modules only when sys.modules changes, so a repeat costs
microseconds.
"""

import ast
import os
import sys
import weakref

from . import distinfo
from .safeio import open_regular

INDEX_KEY = "modules.index"
LOADED_KEY = "modules.loaded"
SEEN_KEY = "modules.seen"
NEEDED_KEY = "modules.needed"
# Entries in sys.modules that are not importable modules of any distribution.
_PSEUDO_MODULES = frozenset(["cython_runtime"])
RESULT_KEY = "modules.result"
# {top-level module: (reference to the module object, distribution, version)} of
# the modules cells loaded, as installed when first seen; and the last answer.
TRACKED_KEY = "modules.tracked"
STALE_KEY = "modules.stale"
# The environment's stamp as ``probe`` computed it in this capture, for ``stale_probe``.
ENV_KEY_NOW = "modules.env_key_now"

# Python 3.10+ has sys.stdlib_module_names; this is its public part for 3.8/3.9.
_STDLIB_FALLBACK = frozenset(
    """
abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64
bdb binascii binhex bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code
codecs codeop collections colorsys compileall concurrent configparser contextlib
contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm decimal difflib
dis distutils doctest dummy_threading email encodings ensurepip enum errno faulthandler
fcntl filecmp fileinput fnmatch formatter fractions ftplib functools gc genericpath
getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib
imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3
linecache locale logging lzma macpath mailbox mailcap marshal math mimetypes mmap
modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers
opcode operator optparse os ossaudiodev parser pathlib pdb pickle pickletools pipes
pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile
pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource
rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtpd
smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl
stat statistics string stringprep struct subprocess sunau symbol symtable sys sysconfig
syslog tabnanny tarfile telnetlib tempfile termios textwrap this threading time timeit
tkinter token tokenize trace traceback tracemalloc tty turtle turtledemo types
typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg
winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
""".split()
)


def stdlib_names():
    names = getattr(sys, "stdlib_module_names", None)
    return frozenset(names) if names else _STDLIB_FALLBACK


def probe(ctx):
    """Return the ``modules`` section: what the cell's import statements name.

    Also computes the ``needed`` section, which :func:`needed_probe` returns.
    """
    ctx.cache.pop(NEEDED_KEY, None)
    ctx.cache.pop(ENV_KEY_NOW, None)
    try:
        env_key = ctx.cache[ENV_KEY_NOW] = environment_key(ctx.cache)
        loaded = _loaded(ctx.cache)
        seen = ctx.cache.get(SEEN_KEY)
        ctx.cache[SEEN_KEY] = loaded
        stated = _stated(ctx.cache, ctx.cell_source) & loaded
        new = (loaded - seen - stated) if seen is not None else frozenset()
        index = distribution_index(ctx, env_key) if (stated or new) else None
        if index is not None:
            _track(ctx.cache, stated | new, index)
        ctx.cache[NEEDED_KEY] = map_modules(new, index) if new else {}
        return map_modules(stated, index) if stated else {}
    except Exception as exc:
        ctx.problem("modules", "mapping imported modules to distributions failed: %r" % (exc,))
        return {}


def needed_probe(ctx):
    """The ``needed`` section :func:`probe` computed (run it first)."""
    return ctx.cache.pop(NEEDED_KEY, None) or {}


def stale_probe(ctx):
    """The ``stale`` section, or None when every module cells loaded is the one installed.

    Looked at again only when the environment's stamp changed (an install), so a
    repeat costs a dictionary lookup.
    """
    env_key = ctx.cache.pop(ENV_KEY_NOW, None)  # the same stamp: never stat twice a capture
    tracked = ctx.cache.get(TRACKED_KEY)
    if not tracked:
        return None
    try:
        if env_key is None:
            env_key = environment_key(ctx.cache)
        cached = ctx.cache.get(STALE_KEY)
        if cached is not None and cached[0] == env_key and cached[1] == len(tracked):
            if not cached[2]:
                return None
            # Only the stale ones can change without an install: reloaded or unloaded.
            tops, versions = list(cached[2]), cached[3]
        else:
            tops, versions = list(tracked), _installed_versions(ctx, env_key)
        stale = {}
        for top in tops:
            ref, name, version = tracked[top]
            module = sys.modules.get(top)
            if module is None or ref() is not module:
                del tracked[top]  # unloaded or replaced: tracked again when next loaded
                continue
            now = versions.get(name)
            if now == version:
                continue
            if now is not None and _own_version(module) == now:
                tracked[top] = (ref, name, now)  # reloaded in place
                continue
            stale[top] = {"distribution": name, "loaded": version, "installed": now}
        result = stale or None
        ctx.cache[STALE_KEY] = (env_key, len(tracked), result, versions)
        return result
    except Exception as exc:
        ctx.problem("stale", "comparing loaded modules with the installed ones failed: %r" % (exc,))
        return None


def _track(cache, names, index):
    """Remember the installed version of each newly loaded module's one distribution."""
    tracked = cache.setdefault(TRACKED_KEY, {})
    versions = None
    for top in names:
        if top in tracked:
            continue
        holders = index["metas"].get(top) or ()
        if len(holders) != 1:
            continue  # no distribution (a local module), or a shared namespace
        module = sys.modules.get(top)
        try:
            ref = weakref.ref(module)
        except TypeError:
            continue
        if versions is None:
            versions = _versions_of(cache, index)
        name = holders[0][0]
        if versions.get(name) is not None:
            tracked[top] = (ref, name, versions[name])


def _installed_versions(ctx, env_key):
    return _versions_of(ctx.cache, distribution_index(ctx, env_key))


def _versions_of(cache, index):
    """{distribution name: version} of the distributions in ``index``."""
    recorded = {}
    for record in cache.get("distributions") or ():
        if isinstance(record, dict) and record.get("name") and record.get("version"):
            recorded[str(record["name"])] = str(record["version"])
    versions = {}
    for holders in index["metas"].values():
        for name, meta in holders:
            if name not in versions:
                versions[name] = recorded.get(name) or _metadata_version(meta)
    return versions


def _metadata_version(meta):
    """The Version header of a .dist-info's METADATA (an .egg-info's PKG-INFO)."""
    for filename in ("METADATA", "PKG-INFO"):
        headers, _problem = distinfo.read_headers(os.path.join(meta, filename), ("version",))
        if headers.get("version"):
            return headers["version"]
    return None


def _own_version(module):
    """The module's own ``__version__``, read without triggering a module ``__getattr__``."""
    try:
        value = vars(module).get("__version__")
    except TypeError:
        return None
    return value if isinstance(value, str) else None


def _loaded(cache):
    """Top-level names in sys.modules (less stdlib and ours), recomputed when it changed."""
    # sys.modules only grows in practice: its size and newest entry say whether it changed.
    key = (len(sys.modules), _newest_module())
    cached = cache.get(LOADED_KEY)
    if cached is not None and cached[0] == key:
        return cached[1]
    names = imported_top_level()
    cache[LOADED_KEY] = (key, names)
    return names


def _stated(cache, source):
    cached = cache.get("modules.stated")
    if cached is not None and cached[0] == source:
        return cached[1]
    names = stated_modules(source)
    cache["modules.stated"] = (source, names)
    return names


def stated_modules(source):
    """Top-level modules named by the import statements of a cell's source."""
    if not isinstance(source, str) or "import" not in source:
        return frozenset()
    from .seeds import python_source

    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.add(alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.partition(".")[0])
    return frozenset(names)


def _newest_module():
    try:
        return next(reversed(sys.modules.keys()))
    except (StopIteration, TypeError, RuntimeError):
        return None


def imported_top_level():
    """Top-level names of imported modules, less the standard library and our own."""
    stdlib = stdlib_names()
    builtin = frozenset(sys.builtin_module_names)
    names = set()
    for key in list(sys.modules):
        top = key.partition(".")[0]
        if top in stdlib or top in builtin or top in _PSEUDO_MODULES:
            continue
        if top.startswith("__") or top.startswith("_nbrepro"):
            continue
        names.add(top)
    return frozenset(names)


def _site_dirs(cache):
    dirs = cache.get("site_dirs")
    if not dirs:
        dirs = [p for p in sys.path if p and os.path.isdir(p)]
    out = []
    for entry in dirs:
        path = entry if isinstance(entry, str) else (entry or {}).get("path")
        if isinstance(path, str) and path not in out:
            out.append(path)
    return out


def environment_key(cache):
    """Cheap stamp of the environment: site dirs' mtimes plus the recorded distributions."""
    parts = []
    for path in _site_dirs(cache):
        try:
            st = os.stat(path)
            parts.append((path, st.st_mtime_ns, st.st_ino))
        except OSError:
            parts.append((path, None, None))
    dists = cache.get("distributions")
    parts.append((id(dists), len(dists) if isinstance(dists, list) else None))
    return tuple(parts)


def distribution_index(ctx, env_key):
    """{top-level module: [distribution names]} for every distribution on the site dirs."""
    cached = ctx.cache.get(INDEX_KEY)
    if cached is not None and cached[0] == env_key:
        return cached[1]
    index = {}
    metas = {}
    editable = []
    pairs = _metadata_dirs(ctx.cache)
    for name, meta in pairs:
        try:
            tops = top_level_names(meta)
        except Exception as exc:
            ctx.problem("modules", "could not read %s: %r" % (os.path.basename(meta), exc))
            continue
        for top in tops:
            holders = index.setdefault(top, [])
            if name not in holders:
                holders.append(name)
            metas.setdefault(top, []).append((name, meta))
        source_dir = _editable_dir(meta)
        if source_dir:
            editable.append((source_dir, name))
    sites = sorted(
        set(os.path.normpath(p) for p in _site_dirs(ctx.cache) if "-packages" in p)
        | set(os.path.dirname(os.path.normpath(meta)) for _, meta in pairs),
        key=len,
        reverse=True,
    )
    index = {"modules": index, "metas": metas, "editable": editable, "sites": sites}
    ctx.cache[INDEX_KEY] = (env_key, index)
    return index


def _metadata_dirs(cache):
    """(distribution name, .dist-info or .egg-info directory) pairs.

    The pip probe's records (``cache["distributions"]``: name and ``path``)
    are used when present: they are already deduplicated by sys.path order.
    Otherwise the site directories are listed.
    """
    records = cache.get("distributions")
    if isinstance(records, list) and records:
        pairs = []
        for record in records:
            path = record.get("path") if isinstance(record, dict) else None
            if isinstance(path, str) and record.get("name") and os.path.isdir(path):
                pairs.append((str(record["name"]), path))
        if pairs:
            return pairs
    pairs = []
    for site in _site_dirs(cache):
        try:
            entries = os.listdir(site)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith((".dist-info", ".egg-info")):
                meta = os.path.join(site, entry)
                if os.path.isdir(meta):
                    pairs.append((_distribution_name(entry, meta), meta))
    return pairs


def _distribution_name(entry, meta):
    """The Name header of METADATA (PyYAML, not pyyaml), else the directory's stem."""
    name = entry.rsplit(".", 1)[0].partition("-")[0]
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open_regular(os.path.join(meta, filename)) as handle:
                head = handle.read(4096)
        except OSError:
            continue
        for line in head.split(b"\n"):
            if line.lower().startswith(b"name:"):
                return line[5:].strip().decode("utf-8", "replace")
            if not line.strip():
                break
    return name


def top_level_names(meta):
    """Importable top-level names a distribution installs: top_level.txt, else RECORD."""
    try:
        with open_regular(os.path.join(meta, "top_level.txt"), text=True) as handle:
            names = [line.strip().replace("/", ".").split(".")[0] for line in handle]
        return [n for n in names if n]
    except OSError:
        pass
    names = []
    try:
        with open_regular(os.path.join(meta, "RECORD"), text=True) as handle:
            lines = handle.readlines()
    except OSError:
        return names
    for line in lines:
        path = line.rsplit(",", 2)[0].strip().strip('"') if line.count(",") >= 2 else line.strip()
        top = _record_top_level(path)
        if top and top not in names:
            names.append(top)
    return names


def _record_top_level(path):
    if not path or path.startswith(("..", "/")):
        return None
    first, sep, _ = path.partition("/")
    if sep:
        if first.endswith((".dist-info", ".data", ".egg-info")) or first == "__pycache__":
            return None
        return first if first.isidentifier() else None
    if first.endswith(".py"):
        stem = first[:-3]
    elif first.endswith((".so", ".pyd")):
        stem = first.split(".")[0]
    else:
        return None
    if stem.startswith("__editable__") or not stem.isidentifier():
        return None
    return stem


def _editable_dir(meta):
    """Source directory of a PEP 610 editable install, else None."""
    import json

    try:
        with open_regular(os.path.join(meta, "direct_url.json"), text=True) as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not (data.get("dir_info") or {}).get("editable"):
        return None
    url = str(data.get("url", ""))
    if not url.startswith("file://"):
        return None
    from urllib.parse import unquote, urlsplit

    return os.path.normpath(unquote(urlsplit(url).path))


def map_modules(names, index):
    modules = index["modules"]
    result = {}
    for name in sorted(names):
        holders = modules.get(name)
        if not holders:
            holder = _shipping_holder(name, index)
            if holder is None:
                holder = _editable_holder(name, index["editable"], index.get("sites", ()))
            if holder is None and name.startswith("_"):
                continue  # private helpers of compiled packages, not user modules
            result[name] = holder
        elif len(holders) == 1:
            result[name] = holders[0]
        else:
            result[name] = sorted(holders)
    return result


def _location(name):
    module = sys.modules.get(name)
    location = getattr(module, "__file__", None)
    if not location:
        paths = getattr(module, "__path__", None)
        try:
            location = next(iter(paths), None) if paths is not None else None
        except TypeError:
            location = None
    return os.path.normpath(location) if isinstance(location, str) else None


def _shipping_holder(name, index):
    """The distribution whose RECORD lists the module's file, for a module that
    lives inside another distribution's folder (debugpy puts its vendored
    ``pydevd*`` modules on sys.path): the folder's own top-level name is looked
    up, and the distribution is named only if its RECORD lists the file."""
    location = _location(name)
    if location is None:
        return None
    for site in index.get("sites", ()):
        if not location.startswith(site + os.sep):
            continue
        relative = location[len(site) + 1 :].replace(os.sep, "/")
        top = relative.partition("/")[0]
        for holder, meta in index.get("metas", {}).get(top, ()):
            if relative in _record_paths(meta):
                return holder
    return None


_RECORD_PATHS = {}


def _record_paths(meta):
    paths = _RECORD_PATHS.get(meta)
    if paths is None:
        paths = set()
        try:
            with open_regular(os.path.join(meta, "RECORD"), text=True) as handle:
                for line in handle:
                    paths.add(line.rsplit(",", 2)[0].strip().strip('"'))
        except OSError:
            pass
        _RECORD_PATHS[meta] = paths
    return paths


def _editable_holder(name, editable, sites=()):
    if not editable:
        return None
    location = _location(name)
    if location is None:
        return None
    if any(location.startswith(site + os.sep) for site in sites):
        # Installed into an environment that happens to sit inside the
        # editable project's folder (a .venv in the checkout): not its source.
        return None
    for source_dir, dist_name in editable:
        if location == source_dir or location.startswith(source_dir + os.sep):
            return dist_name
    return None
