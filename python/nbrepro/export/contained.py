"""A hard bound on the process tree of a build nbrepro runs.

A package's build (``pip wheel`` runs its ``setup.py`` or build backend) is a
stranger's code. ``capture.tools.run`` bounds time and output and kills the
process group and every process carrying its marker variable; a child that
calls ``setsid`` and clears its environment escapes both. Here the build runs
inside a bound nothing can leave, the first that works on this machine:

- ``namespace``: a new PID namespace (``unshare --pid --fork --kill-child``,
  with ``--user --map-root-user`` when not root, as an unprivileged user may).
  The build's first process is the namespace's init: when it exits, or when
  ``unshare`` is killed (``--kill-child``), the kernel kills every process in
  the namespace, wherever it moved its session or environment.
- ``reaper``: ``reaper.py`` as a child subreaper (``PR_SET_CHILD_SUBREAPER``):
  orphans are re-parented to it, and it kills them all when the build ends or
  its time is up. (A cgroup would do as well, but needs a delegated cgroup
  tree, which an unprivileged user seldom has.)

``prefix(seconds)`` is the argv to put before the command, and which bound it is.
"""

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

BOUNDS = ("namespace", "reaper")
PROBE_TIMEOUT = 10


def _unshare_flags():
    flags = ["--pid", "--fork", "--kill-child"]
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        flags = ["--user", "--map-root-user"] + flags
    return flags


@functools.lru_cache(maxsize=1)
def namespace_works():
    """Whether ``unshare`` makes a PID namespace here (once per process)."""
    unshare = shutil.which("unshare")
    if not unshare or not sys.platform.startswith("linux"):
        return False
    try:
        done = subprocess.run(
            [unshare] + _unshare_flags() + ["sh", "-c", "test $$ = 1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PROBE_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def prefix(seconds, bound=None):
    """``(argv prefix, bound)`` for a command that may run ``seconds``: the
    namespace where it works, else the reaper (``bound`` picks one)."""
    if bound is None:
        bound = "namespace" if namespace_works() else "reaper"
    if bound == "namespace":
        return [shutil.which("unshare")] + _unshare_flags(), bound
    if bound == "reaper":
        reaper = str(Path(__file__).with_name("reaper.py"))
        return [sys.executable, "-I", reaper, "%g" % seconds], bound
    raise ValueError("no such bound: %r (one of %s)" % (bound, ", ".join(BOUNDS)))
