"""What restoring a notebook's recorded versions must never touch: the
packages the Jupyter server, the kernel machinery and nbrepro itself run on,
when the kernel shares the server's environment.

The server knows its own environment: ``server_environment()`` runs in the
server's process and names its prefix (as the kernel's snapshot would record
it) and every distribution those need, by following their requirements in
this Python. The front end (src/drift/restore.ts) leaves those out of the
restore commands when the kernel's prefix is one of the server's, and says
so.
"""

import os
import re
import sys
from importlib import metadata

from ..capture.privacy import Redactor
from ..record.words import normalize

# What a notebook's kernel and its server run on; their requirements follow.
ROOTS = (
    "jupyter_server",
    "jupyterlab",
    "jupyterlab_server",
    "notebook",
    "notebook_shim",
    "jupyter_core",
    "jupyter_client",
    "ipykernel",
    "ipython",
    "comm",
    "tornado",
    "pyzmq",
    "traitlets",
    "nbformat",
    "nbrepro",
    "pip",
)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirements(dist):
    """The names ``dist`` requires without extras, its markers evaluated here."""
    out = []
    for text in dist.requires or ():
        requirement, _, marker = text.partition(";")
        if marker.strip() and not _marker_holds(marker):
            continue
        match = _NAME.match(requirement)
        if match:
            out.append(normalize(match.group(1)))
    return out


def _marker_holds(marker):
    """Whether an environment marker holds in this Python; a requirement behind
    an extra is left out (nothing installs extras of the server's packages
    for it), and one that cannot be read is kept."""
    if "extra" in marker:
        return False
    try:
        from packaging.markers import Marker
    except ImportError:  # pragma: no cover - packaging comes with the server
        return True
    try:
        return Marker(marker.strip()).evaluate()
    except Exception:
        return True


def needed_by(roots=ROOTS, distributions=None):
    """Sorted PEP 503 names of the installed distributions ``roots`` need,
    themselves included (those installed), following requirements."""
    if distributions is None:
        distributions = {}
        for dist in metadata.distributions():
            name = dist.metadata["Name"]
            if name:
                distributions.setdefault(normalize(name), dist)
    seen = set()
    stack = [normalize(root) for root in roots]
    while stack:
        name = stack.pop()
        if name in seen or name not in distributions:
            continue
        seen.add(name)
        stack.extend(_requirements(distributions[name]))
    return sorted(seen)


def server_environment():
    """This process's environment as the front end compares it with a kernel's:
    the prefix in every form a snapshot may have recorded it (as it is, with
    symlinks resolved, and with the home directory as ``~``), and what it
    must keep."""
    prefixes = []
    redactor = Redactor(record_paths=False)
    for prefix in (sys.prefix, os.path.realpath(sys.prefix)):
        for form in (prefix, redactor.path(prefix)):
            if form not in prefixes:
                prefixes.append(form)
    return {"prefixes": prefixes, "needed": needed_by()}
