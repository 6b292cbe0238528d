"""A stat-based fingerprint of everything the environment probes read.

conda adds or removes `conda-meta/*.json` (the folder's mtime changes) and
appends to `history`; pip and uv create or remove `*.dist-info` folders (the
site folder's mtime changes), even for a same-version reinstall. So comparing
(mtime_ns, size, inode) of those folders and files, plus `sys.path` itself and
the options, tells whether a rescan can find anything new. About 2 us a path.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import os
import sys

from . import pip

# Options that change what the environment probes record.
ENVIRONMENT_OPTIONS = (
    "prefix",
    "gpu",
    "record_hostname",
    "record_paths",
    "record_env_values",
    "config_channels",
    "conda_version",
    "full",
)


def _stat(path):
    try:
        st = os.stat(path)
    except (OSError, ValueError, TypeError):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def compute(ctx):
    prefix = ctx.option("prefix")
    base = os.path.abspath(os.path.expanduser(str(prefix))) if prefix else sys.prefix
    paths = [
        os.path.join(base, "conda-meta"),
        os.path.join(base, "conda-meta", "history"),
        os.path.join(base, "conda-meta", "pixi"),
        os.path.join(base, "pyvenv.cfg"),
    ]
    if prefix:
        paths.append(os.path.join(base, "lib"))
        paths.extend(pip.prefix_site_packages(base))
    else:
        cwd = None
        for entry in sys.path:
            if not entry:
                cwd = cwd or os.getcwd()
                entry = cwd
            paths.append(entry)
        user = pip.user_site(ctx)
        if user:
            paths.append(user)
    options = tuple((name, repr(ctx.option(name))) for name in ENVIRONMENT_OPTIONS)
    return (base, tuple(sys.path), options, tuple((p, _stat(p)) for p in paths))
