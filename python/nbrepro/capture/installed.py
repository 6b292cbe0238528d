"""Which conda the user runs: found the way conda itself is found.

The files nbrepro writes for a conda prefix (environment.yml, the explicit
lock, `conda export` formats) differ between conda releases, so they are
written as the conda the user has installed would write them. That conda is
not the one named in the prefix's history (which only says which conda last
changed the prefix, often years ago), but the one the user's shell runs. The
sources, first that answers wins:

- ``option``: the caller named a release (``--conda-version``);
- ``conda-exe``: ``$CONDA_EXE`` (set by conda's shell activation) names the
  conda executable, ``<root>/bin/conda`` or ``<root>/condabin/conda``; with
  ``$_CE_CONDA`` set (a development install) it names the Python that runs
  ``-m conda`` instead, ``<root>/bin/python``;
- ``conda-python-exe``: ``$CONDA_PYTHON_EXE``, the root's own Python;
- ``envs-folder``: the prefix is ``<root>/envs/<name>``;
- ``root``: the prefix is itself a root (``conda-meta/conda-<version>-*.json``
  and ``condabin/`` or ``bin/conda``);
- ``environments-txt``: ``~/.conda/environments.txt`` (every conda appends
  the environments it creates) lists environments of a root; the root whose
  entries are listed nearest the prefix's own line wins;
- markers of tools that need no conda at all, each meaning the newest rules:
  ``pixi`` (``conda-meta/pixi``, or pixi's history stub), ``micromamba``
  (the history's commands are micromamba's or mamba's, whose
  ``# conda version: 3.8.0`` is a placeholder libmamba writes) and
  ``rattler`` (an empty history, as rattler-based installers leave it);
- ``history``: the conda version of the latest history transaction, a guess;
- ``newest``: nothing said anything.

A root's conda is its ``conda-meta/conda-<version>-<build>.json`` record
(else a ``conda-<version>.dist-info`` in its site-packages). Where the root's
record and the history disagree, the root wins.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import os
import re

from .safeio import open_regular

SOURCES = (
    "option",
    "conda-exe",
    "conda-python-exe",
    "envs-folder",
    "root",
    "environments-txt",
    "pixi",
    "micromamba",
    "rattler",
    "history",
    "newest",
)
# Sources that name an installed conda (the others say why there is none).
INSTALLED = ("conda-exe", "conda-python-exe", "envs-folder", "root", "environments-txt")
MARKERS = ("pixi", "micromamba", "rattler")
_NUMBER = re.compile(r"\d+")
_DIST_INFO = re.compile(r"^conda-([0-9][^-]*)\.dist-info$")
_LIMIT = 1024 * 1024


def version_key(version):
    return tuple(int(n) for n in _NUMBER.findall(str(version))[:4])


def conda_of_root(root):
    """The version of the conda installed at ``root``, or None."""
    if not root:
        return None
    try:
        names = os.listdir(os.path.join(root, "conda-meta"))
    except OSError:
        names = []
    found = []
    for name in names:
        if name.startswith("conda-") and name.endswith(".json"):
            parts = name[: -len(".json")].rsplit("-", 2)
            if len(parts) == 3 and parts[0] == "conda" and parts[1][:1].isdigit():
                found.append(parts[1])
    if not found:
        # conda installed by pip into a Python of its own.
        for lib in ("lib", "Lib"):
            try:
                pythons = os.listdir(os.path.join(root, lib))
            except OSError:
                continue
            for python in pythons:
                folder = os.path.join(root, lib, python, "site-packages")
                if python == "site-packages":
                    folder = os.path.join(root, lib, python)
                try:
                    entries = os.listdir(folder)
                except OSError:
                    continue
                for entry in entries:
                    match = _DIST_INFO.match(entry)
                    if match:
                        found.append(match.group(1))
    if not found:
        return None
    return max(found, key=version_key)


def has_conda_executable(root):
    for parts in (("condabin",), ("bin", "conda"), ("Scripts", "conda.exe")):
        if os.path.exists(os.path.join(root, *parts)):
            return True
    return False


def is_root(path):
    """conda's root prefix: its own conda record and the conda executable."""
    return has_conda_executable(path) and conda_of_root(path) is not None


def _same(a, b):
    try:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))
    except (OSError, ValueError):
        return False


def root_of_executable(path):
    """(root, version) of the conda installation an executable belongs to:
    ``<root>/bin/conda``, ``<root>/condabin/conda``, ``<root>/Scripts/conda.exe``,
    ``<root>/bin/python`` or ``<root>/python.exe``; links followed when the
    path itself is not inside a root."""
    path = os.path.abspath(os.path.expanduser(path))
    candidates = [os.path.dirname(os.path.dirname(path)), os.path.dirname(path)]
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        real = path
    if real != path:
        candidates += [os.path.dirname(os.path.dirname(real)), os.path.dirname(real)]
    for root in candidates:
        version = conda_of_root(root)
        if version:
            return root, version
    return None, None


def from_environment(environ):
    """(source, root, version) of the conda the process environment names."""
    exe = environ.get("CONDA_EXE")
    if exe:
        root, version = root_of_executable(exe)
        if version:
            return "conda-exe", root, version
    python = environ.get("CONDA_PYTHON_EXE")
    if python:
        root, version = root_of_executable(python)
        if version:
            return "conda-python-exe", root, version
    return None


def from_location(prefix):
    """(source, root, version) when the prefix is `<root>/envs/<name>` or a root."""
    parent = os.path.dirname(prefix)
    if os.path.basename(parent) == "envs":
        root = os.path.dirname(parent)
        version = conda_of_root(root)
        if version:
            return "envs-folder", root, version
    if has_conda_executable(prefix):
        version = conda_of_root(prefix)
        if version:
            return "root", prefix, version
    return None


def environments_txt():
    return os.path.join(os.path.expanduser("~"), ".conda", "environments.txt")


def from_environments_txt(prefix, path=None):
    """(source, root, version) of the root whose environments
    ~/.conda/environments.txt lists nearest the prefix's own line (the last
    root listed when the prefix is not)."""
    try:
        with open_regular(path or environments_txt()) as handle:
            text = handle.read(_LIMIT).decode("utf-8", "replace")
    except OSError:
        return None
    lines = [line.strip() for line in text.splitlines()]
    own = None
    roots = []  # (line number, root, version)
    known = {}
    for number, line in enumerate(lines):
        if not line or line.startswith("#"):
            continue
        if _same(line, prefix):
            own = number
            continue
        candidates = [line]
        if os.path.basename(os.path.dirname(line)) == "envs":
            candidates.append(os.path.dirname(os.path.dirname(line)))
        for candidate in candidates:
            if candidate not in known:
                known[candidate] = conda_of_root(candidate) if is_root(candidate) else None
            if known[candidate]:
                roots.append((number, candidate, known[candidate]))
                break
    if not roots:
        return None
    if own is None:
        _, root, version = roots[-1]
    else:
        _, root, version = sorted(roots, key=lambda r: (abs(r[0] - own), -r[0]))[0]
    return "environments-txt", root, version


def marker(summary, pixi_found):
    """The tool that made a prefix needing no conda, by its own marks, or None."""
    if pixi_found or summary.get("format") == "pixi-stub":
        return "pixi"
    if summary.get("tool") in ("micromamba", "mamba"):
        return "micromamba"
    if summary.get("format") == "empty":
        return "rattler"
    return None


def find(prefix, summary, pixi_found, option=None, environ=None):
    """(source, root or None, version or None) in the order of the module docstring."""
    if option:
        return "option", None, str(option)
    prefix = os.path.abspath(prefix)
    for found in (
        from_environment(os.environ if environ is None else environ),
        from_location(prefix),
        from_environments_txt(prefix),
    ):
        if found:
            return found
    tool = marker(summary, pixi_found)
    if tool:
        return tool, None, None
    if summary.get("conda_version"):
        return "history", None, summary["conda_version"]
    return "newest", None, None
