"""Files replaced in one step, and the leftovers of a write that was killed.

Both writers (``nbrepro run`` writing a notebook, ``export`` writing a zip or
a folder) write a temporary sibling and rename it over the target. The
sibling's name carries the writer's process id, ``.<name>.nbrepro-<pid>.<random>``,
so that the next write can tell a leftover of a process that is gone (killed,
out of disk) from the work of one still running, and remove only the former.
"""

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from .. import errors

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


def digest(path):
    """The sha256 of the file at ``path`` now, or None when there is none."""
    h = hashlib.sha256()
    try:
        with open(str(path), "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


@contextlib.contextmanager
def locked(path, what):
    """An advisory lock (``flock``) on the file at ``path`` for the block, taken at
    once or not at all: errors.FileBusy names ``what`` holds it. The file a path
    names may be replaced (``os.replace``) while a holder waits; the lock is taken
    again until it is on the file the path names. Where the file system has no
    locks (or the platform no flock) the block runs unlocked."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    for _attempt in range(10):
        try:
            handle = open(str(path), "rb")  # noqa: SIM115 (held for the block)
        except OSError:
            yield  # nothing to lock: the reader says why
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise errors.FileBusy(
                "%s is being run by another nbrepro run (%s); wait for it to finish, or write "
                "elsewhere with -o" % (path, what)
            ) from None
        except OSError:  # no locks on this file system
            handle.close()
            yield
            return
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(str(path)))
        except OSError:
            same = False
        if not same:  # replaced between open and lock: lock what the path names now
            handle.close()
            continue
        try:
            yield
        finally:
            handle.close()
        return
    yield


def write_beside(path, data, label):
    """Write ``data`` to a new file beside ``path`` named ``<stem>.<label>.<suffix>``
    (``-2``, ``-3``... when taken), never replacing one; returns its path."""
    path = Path(path)
    handle = temporary_file(path)
    try:
        with handle:
            handle.write(data)
        os.chmod(handle.name, new_file_mode())
        for number in range(1, 1000):
            name = "%s.%s%s%s" % (
                path.stem,
                label,
                "" if number == 1 else "-%d" % number,
                path.suffix,
            )
            target = path.with_name(name)
            try:
                os.link(handle.name, str(target))  # fails when the name is taken
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: exclusive creation
                try:
                    with open(str(target), "xb") as out:
                        out.write(data)
                except FileExistsError:
                    continue
            return target
        raise OSError("no free name beside %s" % path)
    finally:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
