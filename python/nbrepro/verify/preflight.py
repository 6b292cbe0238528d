"""Can this bundle be rebuilt here? Asked before anything is built, answered in seconds.

Each check says ``yes``, ``no`` or ``unknown`` with its reason:

- ``python``: an interpreter of the recorded version (pip bundles), or a conda
  tool (conda bundles, whose Python conda installs);
- ``packages``: every pinned pip package has a wheel for the target's tags or
  an sdist, on the sources pip is configured with (``index``), asked in
  parallel under one time bound; a source that does not answer makes the
  package ``unknown``, never ``no``;
- ``carried``: the wheels the bundle carries are there with their sha256, and
  every package no index has is in ``wheels/`` or a ``PIP_FIND_LINKS`` folder;
- ``gpu``: the recording's NVIDIA GPU and CUDA against this machine's GPU and
  driver (read as the capture reads them);
- ``fonts``: the fonts the notebook drew with (a bundle with ``nbrepro-fonts/``),
  carried or installed here, else ``unknown`` (figures may differ);
- ``disk``: free space where the environment is built, against an estimate.

``packages`` counts a pin that a new venv of the building Python already holds
(ensurepip's pip, and setuptools before Python 3.12) as ``yes``: pip installs
nothing for it.

The verdict is ``no`` when a check says no, else ``unknown`` when one does,
else ``yes``. ``platform``: another platform (a conda subdir such as
``osx-arm64``, or a wheel platform tag such as ``macosx_11_0_arm64``); then only
what can be known from here is checked (packages, carried files, and a CUDA
notebook on macOS).
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from . import index as indexes

DEFAULT_TIMEOUT = 4.0
# Threads asking the index. More is slower: a big project's page is megabytes
# of JSON (numpy's: 1.9 MB), and reading and parsing it holds the GIL; 218 pins
# took 2.0 s one by one, 1.75 s with 4 threads, 3.8 s with 16 (2-core machine).
WORKERS = 6
# An unpacked environment is about this many times its wheels; a package whose
# size the index does not tell counts this much.
UNPACKED_FACTOR = 3
UNKNOWN_PACKAGE_SIZE = 20 * 1024**2
CONDA_PACKAGE_SIZE = 40 * 1024**2
# The glibc assumed for a Linux platform named without one (manylinux_2_28).
DEFAULT_GLIBC = (2, 28)
DEFAULT_MACOS = {"arm64": (14, 0), "x86_64": (14, 0)}

_SUBDIRS = {
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
    "linux-ppc64le": ("linux", "ppc64le"),
    "linux-s390x": ("linux", "s390x"),
    "osx-64": ("macos", "x86_64"),
    "osx-arm64": ("macos", "arm64"),
    "win-64": ("windows", "amd64"),
    "win-arm64": ("windows", "arm64"),
}


class Target(object):
    """What the rebuild would run on: a label, its system, wheel platforms, Python."""

    def __init__(self, label, system, platforms, python, here):
        self.label = label
        self.system = system  # linux, macos, windows
        self.platforms = platforms  # wheel platform tags, most specific first
        self.python = python  # (major, minor)
        self.here = here

    def tags(self):
        if getattr(self, "_tags", None) is None:
            from packaging import tags

            interpreter = "cp%d%d" % self.python
            found = list(tags.cpython_tags(self.python, platforms=self.platforms))
            found += list(tags.compatible_tags(self.python, interpreter, self.platforms))
            self._tags = frozenset(found)
        return self._tags


def _linux_platforms(arch, glibc=DEFAULT_GLIBC):
    found = []
    for minor in range(glibc[1], 4, -1):
        found.append("manylinux_%d_%d_%s" % (glibc[0], minor, arch))
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(minor)
        if legacy and (legacy != "manylinux2010" or arch in ("x86_64", "i686")):
            found.append("%s_%s" % (legacy, arch))
    return found + ["linux_%s" % arch]


def target_for(platform=None, python=None):
    """The Target for ``platform`` (None: this machine) and Python ``(major, minor)``.
    ValueError for a platform name it does not know."""
    from packaging import tags

    if platform is None:
        system = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}.get(
            __import__("platform").system(), "other"
        )
        platforms = list(tags.platform_tags())
        return Target("this machine", system, platforms, python, True)
    name = platform.strip()
    if name in _SUBDIRS:
        system, arch = _SUBDIRS[name]
        if system == "linux":
            platforms = _linux_platforms(arch)
        elif system == "macos":
            platforms = list(tags.mac_platforms(DEFAULT_MACOS[arch], arch))
        else:
            platforms = ["win_%s" % arch]
        return Target(name, system, platforms, python, False)
    match = re.match(r"^manylinux_(\d+)_(\d+)_(\w+)$", name)
    if match:
        glibc = (int(match.group(1)), int(match.group(2)))
        return Target(name, "linux", _linux_platforms(match.group(3), glibc), python, False)
    match = re.match(r"^(manylinux2014|manylinux2010|manylinux1|linux)_(\w+)$", name)
    if match:
        glibc = {"manylinux2014": (2, 17), "manylinux2010": (2, 12), "manylinux1": (2, 5)}.get(
            match.group(1), DEFAULT_GLIBC
        )
        return Target(name, "linux", _linux_platforms(match.group(2), glibc), python, False)
    match = re.match(r"^macosx_(\d+)_(\d+)_(\w+)$", name)
    if match:
        arch = match.group(3)
        version = (int(match.group(1)), int(match.group(2)))
        return Target(name, "macos", list(tags.mac_platforms(version, arch)), python, False)
    if re.match(r"^win(32|_amd64|_arm64)$", name):
        return Target(name, "windows", [name], python, False)
    raise ValueError(
        "unknown platform %r: give a conda subdir (%s) or a wheel platform tag "
        "(macosx_11_0_arm64, manylinux_2_28_x86_64, win_amd64)" % (platform, ", ".join(_SUBDIRS))
    )


# -- the requirements -----------------------------------------------------------------

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;#]+)\s*(;.*)?$")


def read_requirements(path):
    """``(pins, options, others)`` of a requirements file: pins as ``(name,
    version, marker)``, pip options as ``(option, value)``, and the lines that
    are neither (URLs, local files) as text."""
    pins, options, others = [], [], []
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return pins, options, others
    text = re.sub(r"\\\r?\n", " ", text)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            option, _, value = line.partition(" ")
            if "=" in option and option.startswith("--"):
                option, _, value = line.partition("=")
            value = value.strip()
            if option in ("--find-links", "-f") and "://" not in value:
                value = str((Path(path).parent / value).resolve())
            options.append((option, value))
            continue
        line = re.sub(r"\s--hash[= ]\S+", "", line).strip()
        match = _PIN.match(line)
        if match:
            pins.append((match.group(1), match.group(3), (match.group(4) or "")[1:].strip()))
        else:
            others.append(line)
    return pins, options, others


def _marker_applies(marker, target):
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker

    try:
        env = {
            "python_version": "%d.%d" % target.python,
            "python_full_version": "%d.%d.0" % target.python,
            "sys_platform": {"linux": "linux", "macos": "darwin", "windows": "win32"}.get(
                target.system, "linux"
            ),
            "platform_system": {"linux": "Linux", "macos": "Darwin", "windows": "Windows"}.get(
                target.system, "Linux"
            ),
            "os_name": "nt" if target.system == "windows" else "posix",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
        }
        return Marker(marker).evaluate(env)
    except (InvalidMarker, Exception):  # noqa: BLE001 - an odd marker: ask for the package
        return True


def _release_files(files, project, version):
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )
    from packaging.version import InvalidVersion, Version

    try:
        wanted = Version(version)
    except InvalidVersion:
        wanted = None
    name = indexes.canonical(project)
    wheels, sdists = [], []
    same_version = {}
    for item in files:
        filename = item["filename"]
        # The version's text first (a project lists thousands of files, few of this release).
        if filename.endswith(".whl"):
            text = filename.split("-")[1] if filename.count("-") >= 4 else None
        elif filename.endswith(".tar.gz"):
            text = filename[:-7].rpartition("-")[2]
        elif filename.endswith(".zip"):
            text = filename[:-4].rpartition("-")[2]
        else:
            continue
        if text is None:
            continue
        if text not in same_version:
            try:
                same_version[text] = Version(text) == wanted if wanted else text == version
            except InvalidVersion:
                same_version[text] = False
        if not same_version[text]:
            continue
        try:
            if filename.endswith(".whl"):
                parsed_name, _parsed_version, _build, tags = parse_wheel_filename(filename)
                bucket = wheels
            else:
                parsed_name, _parsed_version = parse_sdist_filename(filename)
                tags = None
                bucket = sdists
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
        if indexes.canonical(str(parsed_name)) == name:
            bucket.append(dict(item, tags=tags))
    return wheels, sdists


def check_package(name, version, sources, target, deadline):
    """One pin on every source: a row ``{name, version, verdict, reason, size}``."""
    row = {"name": name, "version": version, "verdict": "no", "reason": "", "size": None}
    wanted = target.tags()
    seen_wheels, failures, listed = [], [], False
    places = [(link, False) for link in sources.find_links]
    places += [(url, True) for url in sources.indexes]
    for place, is_index in places:
        left = deadline - time.monotonic()
        if left <= 0:
            failures.append("no time left")
            break
        try:
            files = indexes.project_files(place, name, min(left, 5.0), is_index=is_index)
        except indexes.Unreachable as error:
            failures.append(str(error))
            continue
        wheels, sdists = _release_files(files, name, version)
        if wheels or sdists:
            listed = True
        fit = [w for w in wheels if w["tags"] & wanted]
        if fit:
            best = fit[0]
            row.update(verdict="yes", reason="wheel %s" % best["filename"], size=best.get("size"))
            return row
        if sdists:
            row.update(
                verdict="yes",
                reason="sdist %s (pip builds it here)" % sdists[0]["filename"],
                size=sdists[0].get("size"),
            )
            return row
        seen_wheels += wheels
    if seen_wheels:
        platforms = sorted({t.platform for w in seen_wheels for t in w["tags"]})
        pythons = sorted({t.interpreter for w in seen_wheels for t in w["tags"]})
        row["reason"] = "no wheel for %s (cp%d%d) and no sdist; its wheels are for %s (%s)" % (
            target.label,
            target.python[0],
            target.python[1],
            ", ".join(platforms[:6]) + (", ..." if len(platforms) > 6 else ""),
            ", ".join(pythons[:6]) + (", ..." if len(pythons) > 6 else ""),
        )
        return row
    if failures and not listed:
        row.update(verdict="unknown", reason="not asked: " + "; ".join(failures[:2]))
        return row
    row["reason"] = "version %s is not on %s" % (version, sources.describe())
    return row


def _no_index(manifest):
    """The canonical names of the packages the bundle carries or flags: no index
    has them, and the ``carried`` check looks for them instead."""
    packages = manifest.get("packages") if isinstance(manifest.get("packages"), dict) else {}
    names = set()
    for key in ("carried", "flagged"):
        for item in packages.get(key) or []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.add(indexes.canonical(item["name"]))
    return names


def check_packages(requirements, target, sources, timeout, skip=()):
    pins, _options, others = read_requirements(requirements)
    pins = [
        (n, v)
        for n, v, marker in pins
        if _marker_applies(marker, target) and indexes.canonical(n) not in skip
    ]
    deadline = time.monotonic() + timeout
    rows = []
    if pins:
        workers = min(WORKERS, len(pins))
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
        futures = [pool.submit(check_package, n, v, sources, target, deadline) for n, v in pins]
        done, _pending = concurrent.futures.wait(futures, timeout=timeout + 0.5)
        for (name, version), future in zip(pins, futures):
            if future in done and future.exception() is None:
                rows.append(future.result())
            else:
                rows.append(
                    {
                        "name": name,
                        "version": version,
                        "verdict": "unknown",
                        "reason": "no answer within %g s" % timeout,
                        "size": None,
                    }
                )
        pool.shutdown(wait=False, cancel_futures=True)
    return rows, others


# -- the checks -----------------------------------------------------------------------


def _check(name, verdict, reason, **extra):
    return dict({"check": name, "verdict": verdict, "reason": reason}, **extra)


def python_check(kind, recorded, environ=None):
    from .envcache import find_python

    if kind == "conda":
        tool = (environ or os.environ).get("NBREPRO_CONDA") or next(
            (t for t in ("micromamba", "mamba", "conda") if shutil.which(t)), None
        )
        if tool:
            return _check(
                "python", "yes", "conda installs Python %s (with %s)" % (recorded, tool)
            ), None
        return _check(
            "python",
            "no",
            "the environment is a conda one, and no conda, mamba or micromamba is on PATH "
            "(install micromamba or set NBREPRO_CONDA)",
        ), None
    try:
        path, have = find_python(recorded, environ)
    except Exception as error:  # noqa: BLE001 - errors.BundleError: no Python at all
        return _check("python", "no", str(error)), None
    if have == recorded:
        return _check("python", "yes", "Python %s (%s)" % (have, path)), have
    return _check(
        "python",
        "unknown",
        "the notebook ran on Python %s; the Python here is %s (%s), and the packages were "
        "built for %s: set NBREPRO_PYTHON to a Python %s"
        % (recorded, have, path, recorded, recorded),
    ), have


# What `python -m venv` puts into a new environment (ensurepip's wheels: pip, and
# setuptools before Python 3.12), asked of that interpreter; a bounded child.
_SEEDS = (
    "import ensurepip, json\n"
    "try:\n"
    "    found = {n: p.version for n, p in ensurepip._get_packages().items()}\n"
    "except Exception:\n"
    "    found = {'pip': ensurepip.version()}\n"
    "print(json.dumps(found))\n"
)


def venv_seeds(python, timeout=10):
    """``{canonical name: version}`` of the packages a new venv of ``python``
    holds before pip installs anything; ``{}`` when it cannot be asked."""
    try:
        done = subprocess.run(
            [python, "-I", "-c", _SEEDS],
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        found = json.loads(done.stdout.decode("utf-8", "replace")[:4096] or "{}")
    except (OSError, ValueError, subprocess.SubprocessError):
        return {}
    if done.returncode != 0 or not isinstance(found, dict):
        return {}
    return {
        indexes.canonical(name): version
        for name, version in found.items()
        if isinstance(name, str) and isinstance(version, str)
    }


def _python_and_seeds(kind, recorded, environ):
    """The ``python`` check, the version found, and what a venv of it starts with."""
    from .envcache import find_python

    check, have = python_check(kind, recorded, environ)
    seeds = {}
    if kind == "pip" and check["verdict"] != "no":
        try:
            seeds = venv_seeds(find_python(recorded, environ)[0])
        except Exception:  # noqa: BLE001 - no Python: the python check says so
            seeds = {}
    return check, have, seeds


def _seeded(row, seeds):
    """A pin a new venv already holds at that version needs no index."""
    if row["verdict"] != "yes" and seeds.get(indexes.canonical(row["name"])) == row["version"]:
        return dict(row, verdict="yes", reason="a new venv holds it (Python's ensurepip)", size=0)
    return row


def carried_check(folder, manifest, environ=None):
    from .envcache import file_sha256

    environ = os.environ if environ is None else environ
    packages = manifest.get("packages") if isinstance(manifest.get("packages"), dict) else {}
    carried = [c for c in packages.get("carried") or [] if isinstance(c, dict)]
    flagged = [f for f in packages.get("flagged") or [] if isinstance(f, dict) and f.get("key")]
    problems = []
    for item in carried:
        name = item.get("file")
        from .bundle import safe_relative

        relative = safe_relative(name)
        if relative is None:
            problems.append("%r is not a path inside the bundle" % (name,))
            continue
        path = Path(folder).joinpath(*relative.parts)
        if not path.is_file():
            problems.append("%s is missing" % name)
        elif item.get("sha256") and file_sha256(path) != str(item["sha256"]).lower():
            problems.append("%s is not the file that was installed (its sha256 differs)" % name)
    folders = [Path(folder) / "wheels"]
    for link in re.split(r"\s+", environ.get("PIP_FIND_LINKS", "")):
        if link and "://" not in link:
            folders.append(Path(link))
        elif link.startswith("file://"):
            folders.append(Path(link[len("file://") :]))
    have = set()
    for place in folders:
        if place.is_dir():
            have |= {_dist_key(p.name) for p in place.iterdir()}
    for item in flagged:
        if str(item["key"]).lower() not in have:
            problems.append(
                "%s %s, which no index has: %s"
                % (item.get("name"), item.get("version"), item.get("supply") or "supply its wheel")
            )
    if problems:
        return _check("carried", "no", "; ".join(problems))
    if not carried and not flagged:
        return _check("carried", "yes", "the bundle needs no package that no index has")
    return _check(
        "carried",
        "yes",
        "%d carried file(s) with their sha256, %d package(s) no index has found"
        % (len(carried), len(flagged)),
    )


def _dist_key(filename):
    base = filename
    if base.endswith(".whl"):
        parts = base[:-4].split("-")
        if len(parts) < 2:
            return None
        name, version = parts[0], parts[1]
    elif base.endswith((".tar.gz", ".zip")):
        base = base[:-7] if base.endswith(".tar.gz") else base[:-4]
        name, _, version = base.rpartition("-")
        if not name:
            return None
    else:
        return None
    return "%s %s" % (re.sub(r"[-_.]+", "_", name).lower(), version.lower())


def gpu_check(gpu_needed, cuda, devices, target):
    if not gpu_needed:
        return _check("gpu", "yes", "the notebook ran without an NVIDIA GPU")
    what = "the notebook ran on an NVIDIA GPU"
    if devices:
        what += " (%s)" % devices
    if cuda:
        what += " with CUDA %s" % cuda
    if not target.here:
        if target.system == "macos":
            return _check("gpu", "no", "%s; macOS has no CUDA" % what)
        return _check("gpu", "unknown", "%s; the GPU of another machine is not known here" % what)
    from ..capture import gpu

    problems = []
    hardware = gpu.read_hardware(gpu.TOOL_BUDGET, problems)
    found = [d for d in hardware.get("devices") or [] if isinstance(d, dict)]
    if not found or hardware.get("source") in (None, "rocm"):
        said = "; ".join(problems[:1])
        return _check(
            "gpu",
            "no",
            "%s, and this machine has no NVIDIA GPU%s" % (what, " (%s)" % said if said else ""),
        )
    names = ", ".join(sorted({str(d.get("name") or "?") for d in found}))
    driver_cuda = hardware.get("cuda_driver_version")
    if cuda and driver_cuda:
        if _version_tuple(driver_cuda) < _version_tuple(cuda):
            return _check(
                "gpu",
                "no",
                "%s; this driver (%s) supports CUDA %s only: update the NVIDIA driver to one "
                "for CUDA %s or newer" % (what, hardware.get("driver_version"), driver_cuda, cuda),
            )
    elif cuda:
        return _check(
            "gpu",
            "unknown",
            "%s; %s here, but which CUDA its driver supports is not known" % (what, names),
        )
    return _check(
        "gpu",
        "yes",
        "%d GPU(s) here (%s), driver %s for CUDA %s"
        % (len(found), names, hardware.get("driver_version"), driver_cuda or "?"),
    )


def _version_tuple(text):
    return tuple(int(p) for p in re.findall(r"\d+", str(text))[:2])


def disk_check(where, needed, cached):
    if cached:
        return _check("disk", "yes", "the environment is in the cache already (%s)" % cached)
    place = Path(where)
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        free = shutil.disk_usage(str(place)).free
    except OSError as error:
        return _check("disk", "unknown", "cannot read the free space of %s: %s" % (place, error))
    from .envcache import human_size

    if free < needed:
        return _check(
            "disk",
            "no",
            "%s free in %s, about %s needed for the environment"
            % (human_size(free), place, human_size(needed)),
        )
    return _check(
        "disk",
        "yes",
        "%s free in %s, about %s needed" % (human_size(free), place, human_size(needed)),
    )


def verdict_of(checks):
    verdicts = [c["verdict"] for c in checks]
    if "no" in verdicts:
        return "no"
    if "unknown" in verdicts:
        return "unknown"
    return "yes"


def preflight(
    bundle,
    platform=None,
    timeout=DEFAULT_TIMEOUT,
    index_url=None,
    environ=None,
    packages=True,
    cache_root=None,
):
    """The preflight report of an opened ``verify.bundle.Bundle`` (see the module
    docstring): ``{"bundle", "target", "python", "verdict", "checks", "seconds"}``."""
    from ..export.bundle import gpu_of
    from ..record import document
    from . import envcache

    started = time.perf_counter()
    environ = os.environ if environ is None else environ
    # the manifest as read at the door (record/manifest.py): its environment and packages
    folder, manifest = bundle.folder, bundle.manifest.raw
    environment = (
        manifest.get("environment") if isinstance(manifest.get("environment"), dict) else {}
    )
    kind = environment.get("kind") if environment.get("kind") in ("pip", "conda") else "pip"
    recorded = environment.get("python") if isinstance(environment.get("python"), str) else None
    checks = []
    python = _version_tuple(recorded) if recorded else None
    if not python or len(python) < 2:
        import sys

        python = sys.version_info[:2]
    here = platform is None
    # Which Python would build it is asked beside the index (a pyenv shim takes a second).
    asking = None
    if here:
        asking = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        python_future = asking.submit(_python_and_seeds, kind, recorded or "unknown", environ)
    target = target_for(platform, python)
    # the recording's GPU and CUDA, from the notebook read at the door
    try:
        doc = document.read_notebook(bundle.notebook)
        meta = doc.meta or {}
        snapshot = (meta.get("snapshots") or {}).get(meta.get("current")) or {}
        env_record = snapshot.get("environment") or {}
        gpu_needed, cuda = gpu_of(env_record, meta.get("runs") or {})
        names = ", ".join(
            sorted(
                {
                    str(d.get("name"))
                    for d in (env_record.get("gpu") or {}).get("devices") or []
                    if isinstance(d, dict) and d.get("name")
                }
            )
        )
    except Exception as error:  # noqa: BLE001 - errors.Unreadable: said as unknown
        gpu_needed, cuda, names = None, None, ""
        checks.append(_check("gpu", "unknown", "the notebook cannot be read: %s" % error))

    needed = 0
    requirements = Path(folder) / "requirements.txt"
    if packages and requirements.is_file():
        _pins, options, _ = read_requirements(requirements)
        sources = indexes.configured(environ, index_url, options)
        rows, others = check_packages(requirements, target, sources, timeout, _no_index(manifest))
        if asking is not None:
            seeds = python_future.result()[2]
            rows = [_seeded(row, seeds) for row in rows]
        no = [r for r in rows if r["verdict"] == "no"]
        unknown = [r for r in rows if r["verdict"] == "unknown"]
        if no:
            verdict = "no"
            reason = "%d of %d pinned packages cannot be installed for %s: %s" % (
                len(no),
                len(rows),
                target.label,
                "; ".join("%s %s: %s" % (r["name"], r["version"], r["reason"]) for r in no[:5]),
            )
        elif unknown:
            verdict = "unknown"
            reason = "%d of %d pinned packages could not be asked about (%s): %s" % (
                len(unknown),
                len(rows),
                sources.describe(),
                unknown[0]["reason"],
            )
        else:
            verdict = "yes"
            reason = "all %d pinned packages have a wheel for %s or an sdist on %s" % (
                len(rows),
                target.label,
                sources.describe(),
            )
        if others:
            reason += "; %d line(s) not checked (URLs or local files): %s" % (
                len(others),
                ", ".join(indexes.shown(o) for o in others[:3]),
            )
        checks.append(_check("packages", verdict, reason, packages=rows))
        needed += sum(
            (r["size"] if r.get("size") else UNKNOWN_PACKAGE_SIZE) * UNPACKED_FACTOR for r in rows
        )
    elif packages and kind == "pip":
        checks.append(_check("packages", "no", "the bundle has no requirements.txt"))
    if kind == "conda":
        lock = environment.get("lock")
        count = 0
        if isinstance(lock, str) and (Path(folder) / lock).is_file():
            text = (Path(folder) / lock).read_text(encoding="utf-8", errors="replace")
            count = sum(1 for line in text.splitlines() if "://" in line)
        needed += count * CONDA_PACKAGE_SIZE
        checks.append(
            _check(
                "conda",
                "unknown",
                "the %d conda packages are not looked up (the lock names their URLs)" % count
                if count
                else "the conda packages are solved from environment.yml, not looked up",
            )
        )

    if asking is not None:
        checks.insert(0, python_future.result()[0])
        asking.shutdown()
    checks.append(carried_check(folder, manifest, environ))
    if here:
        # the fonts the notebook drew with, carried or installed here (fonts are
        # this machine's: nothing is known of them for another platform)
        from ..export.fonts import fonts_check

        fonts = fonts_check(folder)
        if fonts:
            checks.append(fonts)
    if gpu_needed is not None:
        checks.append(gpu_check(gpu_needed, cuda, names, target))
    if here:
        cached = None
        root = envcache.cache_root(environ) if cache_root is None else Path(cache_root)
        try:
            plan = envcache.plan_for(folder, manifest)
            entry = envcache.Entry(root, plan.key())
            if entry.usable():
                cached = entry.key
        except Exception:  # noqa: BLE001 - no plan: the other checks say why
            cached = None
        checks.append(disk_check(root, needed or UNKNOWN_PACKAGE_SIZE, cached))
    return {
        "bundle": str(folder),
        "target": target.label,
        "python": "%d.%d" % target.python,
        "verdict": verdict_of(checks),
        "checks": checks,
        "seconds": round(time.perf_counter() - started, 3),
    }


def format_report(report, name):
    lines = [
        "preflight %s for %s (Python %s): %s"
        % (name, report["target"], report["python"], report["verdict"])
    ]
    for check in report["checks"]:
        lines.append("  %-9s %-8s %s" % (check["check"], check["verdict"], check["reason"]))
    if report["verdict"] == "no":
        lines.append(
            "cannot be rebuilt %s: %s"
            % (
                "here" if report["target"] == "this machine" else "for " + report["target"],
                "; ".join(c["check"] for c in report["checks"] if c["verdict"] == "no"),
            )
        )
    return "\n".join(lines) + "\n"
