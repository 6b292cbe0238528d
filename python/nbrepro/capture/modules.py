"""Probe: which distribution provides each imported top-level module.

Kernel-side: standard library only, Python 3.8 grammar.

The answer is ``{"numpy": "numpy", "yaml": "PyYAML", "mylib": null}``: null
marks a module no installed distribution provides (a local file or a folder
on sys.path), a list a namespace package several distributions share.
The index of distributions is rebuilt only when the environment changes, and
the answer only when the set of imported modules changes, so a repeat costs
microseconds.
"""

import os
import sys

INDEX_KEY = "modules.index"
# Entries in sys.modules that are not importable modules of any distribution.
_PSEUDO_MODULES = frozenset(["cython_runtime"])
RESULT_KEY = "modules.result"

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
    """Return the ``modules`` section: imported top-level module -> distribution."""
    try:
        env_key = environment_key(ctx.cache)
        # sys.modules only grows in practice: its size and newest entry say whether it changed.
        modules_key = (len(sys.modules), _newest_module(), env_key)
        cached = ctx.cache.get(RESULT_KEY)
        if cached is not None and cached[0] == modules_key:
            return cached[1]
        names = imported_top_level()
        if cached is not None and cached[2] == (names, env_key):
            ctx.cache[RESULT_KEY] = (modules_key, cached[1], cached[2])
            return cached[1]
        index = distribution_index(ctx, env_key)
        result = map_modules(names, index)
        ctx.cache[RESULT_KEY] = (modules_key, result, (names, env_key))
        return result
    except Exception as exc:
        ctx.problem("modules", "mapping imported modules to distributions failed: %r" % (exc,))
        return {}


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
    editable = []
    for name, meta in _metadata_dirs(ctx.cache):
        try:
            tops = top_level_names(meta)
        except Exception as exc:
            ctx.problem("modules", "could not read %s: %r" % (os.path.basename(meta), exc))
            continue
        for top in tops:
            holders = index.setdefault(top, [])
            if name not in holders:
                holders.append(name)
        source_dir = _editable_dir(meta)
        if source_dir:
            editable.append((source_dir, name))
    index = {"modules": index, "editable": editable}
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
            with open(os.path.join(meta, filename), "rb") as handle:
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
        with open(os.path.join(meta, "top_level.txt")) as handle:
            names = [line.strip().replace("/", ".").split(".")[0] for line in handle]
        return [n for n in names if n]
    except OSError:
        pass
    names = []
    try:
        with open(os.path.join(meta, "RECORD"), encoding="utf-8", errors="replace") as handle:
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
        with open(os.path.join(meta, "direct_url.json")) as handle:
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
            holder = _editable_holder(name, index["editable"])
            if holder is None and name.startswith("_"):
                continue  # private helpers of compiled packages, not user modules
            result[name] = holder
        elif len(holders) == 1:
            result[name] = holders[0]
        else:
            result[name] = sorted(holders)
    return result


def _editable_holder(name, editable):
    if not editable:
        return None
    module = sys.modules.get(name)
    location = getattr(module, "__file__", None)
    if not location:
        paths = getattr(module, "__path__", None)
        location = next(iter(paths), None) if paths is not None else None
    if not isinstance(location, str):
        return None
    location = os.path.normpath(location)
    for source_dir, dist_name in editable:
        if location == source_dir or location.startswith(source_dir + os.sep):
            return dist_name
    return None
