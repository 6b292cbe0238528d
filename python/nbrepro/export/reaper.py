"""Run a command and, when it ends or its time is up, end every process it left.

``python reaper.py SECONDS COMMAND...`` (``contained.prefix`` builds the line)
makes itself a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``): a process
the command starts that outlives its parent, even one that called ``setsid``,
cleared its environment or forked twice, is re-parented to this process rather
than to init, so it stays a descendant here. When the command exits, or after
SECONDS, each remaining child is killed and reaped, again and again as orphans
of the killed ones arrive, until this process has no child left. The exit
status is the command's (124 when its time was up, as ``timeout`` says).

Used where a new PID namespace (``unshare``) cannot be made. Standard library
only: it runs with any Python.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
TIMED_OUT = 124


def make_subreaper():
    """True when this process is now a child subreaper (Linux 3.4 or later)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children():
    """The pids whose parent is this process (``/proc``)."""
    own = os.getpid()
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == own:
            found.append(int(name))
    return found


def reap_all():
    """Kill and reap every child until none is left (orphans keep arriving while
    their parents die)."""
    while True:
        for pid in children():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            pid, _status = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def main(argv):
    seconds, command = float(argv[0]), argv[1:]
    if not make_subreaper():
        os.execvp(command[0], command)  # noqa: S606 (nothing better here: the caller's bounds hold)
    deadline = time.monotonic() + seconds
    child = subprocess.Popen(command)
    status = None
    while status is None:
        try:
            status = child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            status = TIMED_OUT
            child.kill()
    reap_all()
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
