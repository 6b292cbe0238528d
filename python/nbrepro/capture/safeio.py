"""Opening the files of an environment without waiting on them.

Kernel-side: standard library only, Python 3.8 grammar.

A prefix is read by name (``conda-meta/*.json``, ``conda-meta/history``, a
distribution's ``METADATA``, ``RECORD``, ``direct_url.json``, ``.condarc``);
``open()`` of a FIFO by such a name blocks until a writer comes, which in a
kernel means forever, after the user's cell. Here a file is opened
non-blocking and kept only when it is a regular file; anything else is an
``OSError`` that the readers already turn into a problem.
"""

import errno
import io
import os
import stat

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def open_regular(path, text=False, encoding="utf-8", errors="replace"):
    """``open(path, "rb")`` (``text``: a text reader) for a regular file only.

    FileNotFoundError as ``open`` gives it; a FIFO, socket, device or folder is
    an OSError (EINVAL) without ever waiting for it.
    """
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        handle = io.open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    if text:
        return io.TextIOWrapper(handle, encoding=encoding, errors=errors)
    return handle
