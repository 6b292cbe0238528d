"""Probes: python and platform. The interpreter and the machine it runs on.

No hostname, user name or home path unless the `record_hostname` /
`record_paths` options opt in.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import os
import sys

from . import privacy
from .safeio import open_regular


def executable_kind(prefix, base_prefix=None):
    """venv (pyvenv.cfg), conda (conda-meta/), or system."""
    if os.path.isfile(os.path.join(prefix, "pyvenv.cfg")) or (
        base_prefix is not None and base_prefix != prefix
    ):
        return "venv"
    if os.path.isdir(os.path.join(prefix, "conda-meta")):
        return "conda"
    return "system"


def python_probe(ctx):
    redactor = privacy.redactor_for(ctx)
    prefix = ctx.option("prefix")
    if prefix:
        prefix = os.path.abspath(os.path.expanduser(str(prefix)))
        if os.path.realpath(prefix) != os.path.realpath(sys.prefix):
            return prefix_python(ctx, prefix, redactor)
    info = sys.version_info
    implementation = sys.implementation
    impl_version = implementation.version
    result = {
        "source": "interpreter",
        "version": "%d.%d.%d" % (info[0], info[1], info[2]),
        "version_info": [info[0], info[1], info[2], info[3], info[4]],
        "implementation": implementation.name,
        "implementation_version": "%d.%d.%d" % (impl_version[0], impl_version[1], impl_version[2]),
        "cache_tag": implementation.cache_tag,
        "executable_kind": executable_kind(sys.prefix, getattr(sys, "base_prefix", None)),
        "prefix": redactor.path(sys.prefix),
        "bits": 64 if sys.maxsize > 2**32 else 32,
        "abiflags": getattr(sys, "abiflags", ""),
        "gil_disabled": _gil_disabled(),
    }
    base = getattr(sys, "base_prefix", sys.prefix)
    if base != sys.prefix:
        result["base_prefix"] = redactor.path(base)
    if ctx.option("record_paths", False):
        result["executable"] = sys.executable
    return result


def _gil_disabled():
    if sys.version_info < (3, 13):
        return False  # no free-threaded build before 3.13 (and sysconfig costs 12 ms)
    try:
        import sysconfig

        return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    except Exception:
        return False


def prefix_python(ctx, prefix, redactor):
    """Python facts of another prefix, read from its files (nothing is run)."""
    result = {
        "source": "prefix",
        "version": None,
        "implementation": None,
        "executable_kind": executable_kind(prefix),
        "prefix": redactor.path(prefix),
    }
    cfg = os.path.join(prefix, "pyvenv.cfg")
    try:
        with open_regular(cfg) as handle:
            for line in handle.read(64 * 1024).decode("utf-8", "replace").splitlines():
                key, sep, value = line.partition("=")
                if sep and key.strip() in ("version", "version_info") and not result["version"]:
                    result["version"] = value.strip()
                if sep and key.strip() == "implementation":
                    result["implementation"] = value.strip().lower()
    except OSError:
        pass
    if not result["version"]:
        try:
            for name in sorted(os.listdir(os.path.join(prefix, "conda-meta"))):
                parts = name[:-5].rsplit("-", 2) if name.endswith(".json") else []
                if len(parts) == 3 and parts[0] == "python":
                    result["version"] = parts[1]
                    break
        except OSError:
            pass
    if not result["version"]:
        ctx.problem(
            "python", "cannot tell the Python version of this prefix", redactor.path(prefix)
        )
    if result["implementation"] is None and result["version"]:
        result["implementation"] = "cpython"
    return result


def libc():
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        value = None
    if value:
        name, _, version = value.partition(" ")
        return {"name": name, "version": version}
    if sys.platform.startswith("linux"):
        try:
            import platform

            name, version = platform.libc_ver()
            if name:
                return {"name": name, "version": version}
        except Exception:
            pass
        return {"name": "unknown", "version": None}
    return None


def os_release():
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with open(path, "rb") as handle:
                text = handle.read(16 * 1024).decode("utf-8", "replace")
        except OSError:
            continue
        values = {}
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep and key in ("ID", "VERSION_ID", "PRETTY_NAME"):
                values[key.lower()] = value.strip().strip("\"'")
        return values
    return None


def platform_probe(ctx):
    import platform

    uname = platform.uname()
    result = {
        "system": uname.system,
        "release": uname.release,
        "machine": uname.machine,
        "sys_platform": sys.platform,
        "libc": libc(),
        "cpu_count": os.cpu_count(),
    }
    if sys.platform.startswith("linux"):
        release = os_release()
        if release:
            result["os"] = release
    elif sys.platform == "darwin":
        version = platform.mac_ver()[0]
        if version:
            result["os"] = {"id": "macos", "version_id": version}
    elif sys.platform.startswith("win"):
        win = platform.win32_ver()
        result["os"] = {"id": "windows", "version_id": win[1], "pretty_name": win[0]}
    if ctx.option("record_hostname", False):
        result["hostname"] = uname.node
    return result
