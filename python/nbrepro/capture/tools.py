"""Child processes bounded in time, output size and process tree.

The capture runs inside the user's kernel, so a tool it starts (nvidia-smi,
rocm-smi, sysctl) must not hang it, fill its memory or outlive it:

- time: the tool is read until a deadline, then killed;
- output: at most `MAX_OUTPUT` bytes are kept; a tool that prints more is
  killed and reported (`ToolError`), never buffered whole;
- process tree: the tool starts a new session, and whatever is left when it
  ends is killed: its process group, then on Linux every process that still
  carries the run's marker in its environment. The marker is inherited across
  `fork`, `setsid` and reparenting to init, so a grandchild that left the group
  is found too; nothing process-wide of the kernel changes (a child subreaper
  would make every orphan of the user's own subprocesses the kernel's child).

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import os
import time

MAX_OUTPUT = 1024 * 1024
MARKER = "NBREPRO_TOOL_RUN"
# How long the tool's pipe is read after the tool itself has exited (a child
# that inherited the pipe may hold it open for ever).
EXIT_GRACE = 0.05
_RUNS = [0]


class ToolError(OSError):
    """The tool could not be run to the end within its bounds (too much output)."""


def run(argv, deadline, max_output=MAX_OUTPUT, env=None):
    """Run `argv` without a shell until `deadline` (time.monotonic()).

    Returns (exit status, output text with stderr merged), or None when the
    deadline passed first. Raises OSError when it cannot start, ToolError when
    it prints more than `max_output` bytes.
    """
    import selectors
    import subprocess

    if deadline - time.monotonic() <= 0:
        return None
    _RUNS[0] += 1
    token = "%d.%d.%d" % (os.getpid(), _RUNS[0], time.monotonic_ns())
    child_env = dict(os.environ if env is None else env)
    child_env[MARKER] = token
    kwargs = {"start_new_session": True} if os.name == "posix" else {}
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env,
        **kwargs,
    )
    chunks, size = [], 0
    outcome = "eof"
    selector = selectors.DefaultSelector()
    try:
        fd = proc.stdout.fileno()
        selector.register(fd, selectors.EVENT_READ)
        exited_at = None
        while True:
            now = time.monotonic()
            if now >= deadline:
                outcome = "timeout"
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now >= exited_at + EXIT_GRACE:
                break
            if not selector.select(min(deadline - now, EXIT_GRACE)):
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            if size + len(data) > max_output:
                outcome = "overflow"
                break
            chunks.append(data)
            size += len(data)
    finally:
        selector.close()
        kill_tree(proc, token)
        proc.stdout.close()
        proc.wait()
    if outcome == "timeout":
        return None
    if outcome == "overflow":
        raise ToolError("printed more than %d KiB; stopped" % (max_output // 1024))
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def kill_tree(proc, token):
    """Kill the tool, its process group and every process carrying its marker."""
    import signal

    if proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass
    if os.name != "posix":
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    # Children that called setsid left the group; they keep the marker.
    for _ in range(3):
        found = marked_processes(token)
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def marked_processes(token):
    """Pids whose environment holds MARKER=token (Linux /proc; [] elsewhere)."""
    wanted = ("%s=%s" % (MARKER, token)).encode()
    own = os.getpid()
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    found = []
    for name in names:
        if not name.isdigit() or int(name) == own:
            continue
        path = "/proc/" + name
        try:
            if uid is not None and os.stat(path).st_uid != uid:
                continue
            with open(path + "/environ", "rb") as handle:
                environ = handle.read(1024 * 1024)
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(name))
    return found
