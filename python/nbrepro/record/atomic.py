"""Files replaced in one step, and the leftovers of a write that was killed.

Both writers (``nbrepro run`` writing a notebook, ``export`` writing a zip or
a folder) write a temporary sibling and rename it over the target. The
sibling's name carries the writer's process id, ``.<name>.nbrepro-<pid>.<random>``,
so that the next write can tell a leftover of a process that is gone (killed,
out of disk) from the work of one still running, and remove only the former.
"""

import os
import shutil
import tempfile
from pathlib import Path

# A temporary file of a process that still runs is kept unless it is this old
# (a pid reused by an unrelated process must not keep junk forever).
STALE_SECONDS = 24 * 3600


# A file system allows 255 bytes a name: the temporary's prefix keeps at most
# this much of the target's name, leaving room for the pid, tempfile's random
# part and a suffix however long the target's own name is.
NAME_KEPT = 180


def _kept(path):
    return Path(path).name[:NAME_KEPT]


def prefix(path):
    return ".%s.nbrepro-%d." % (_kept(path), os.getpid())


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: alive
    return True


def remove_stale(path, now=None):
    """Remove the temporaries an interrupted write of ``path`` left beside it;
    returns their names."""
    import time

    path = Path(path)
    start = ".%s.nbrepro-" % _kept(path)
    removed = []
    try:
        entries = list(os.scandir(str(path.parent)))
    except OSError:
        return removed
    now = time.time() if now is None else now
    for entry in entries:
        if not entry.name.startswith(start):
            continue
        pid_text = entry.name[len(start) :].split(".", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if int(pid_text) == os.getpid() or (_pid_alive(int(pid_text)) and age < STALE_SECONDS):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            pass
    return removed


def new_file_mode():
    """The mode ``open()`` gives a new file: 0o666 less the umask."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # read it the only portable way, then put it back
    os.umask(mask)
    return 0o666 & ~mask


def temporary_file(path, suffix=".tmp"):
    """An open binary temporary file beside ``path`` (delete=False)."""
    path = Path(path)
    return tempfile.NamedTemporaryFile(
        dir=str(path.parent), prefix=prefix(path), suffix=suffix, delete=False
    )


def temporary_folder(path, kind=""):
    path = Path(path)
    return Path(tempfile.mkdtemp(prefix=prefix(path) + kind, dir=str(path.parent)))


def write_bytes(path, data, mode=None):
    """Write ``data`` to ``path`` through a temporary sibling, fsync, rename.

    The file keeps the mode of the one it replaces; a new file gets ``mode``,
    or the mode ``open()`` would give it (not the 0600 of a temporary file).
    """
    path = Path(path)
    remove_stale(path)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = new_file_mode()
    handle = temporary_file(path)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, mode)
        os.replace(handle.name, str(path))
    except BaseException:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        raise
