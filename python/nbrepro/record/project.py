"""The notebook's project: the unit a bundle carries from, and its boundary.

The project is the notebook's git work tree, else the nearest folder above it
holding ``pyproject.toml``, ``setup.cfg`` or ``environment.yml``, else the
notebook's folder (``capture/project.py`` finds it, inside the kernel and here
alike). Recordings keep paths relative to it, and the notebook's folder
relative to it (``inputs.notebook_dir``).

The boundary: a file leaves the project only as a regular file whose real path
lies inside the project, read with a size limit, and never a private one
(hidden, or named like a credential). ``read_inside`` reads one so, and
``package_files`` walks a package folder so; what they refuse comes back with
the reason, for the export to name. Nothing here follows a symbolic link out of
the project, opens a FIFO, a device or a socket, or reads past the limit.
"""

import errno
import os
import posixpath
import stat
from pathlib import Path, PurePosixPath

from ..capture import project as _capture

PROJECT_FILES = _capture.PROJECT_FILES
private_name = _capture.private_name
named_from = _capture.named_from


class Project(object):
    """``root`` (real, absolute) and ``notebook_dir``: the notebook's folder relative
    to the root, as a POSIX path ("." when they are the same)."""

    def __init__(self, root, notebook_dir="."):
        self.root = Path(root)
        self.notebook_dir = notebook_dir or "."

    @property
    def notebook_folder(self):
        return self.root.joinpath(*PurePosixPath(self.notebook_dir).parts)

    def __repr__(self):
        return "Project(%r, %r)" % (str(self.root), self.notebook_dir)


def find_root(folder):
    """The project holding ``folder`` (``capture.project.find_root``), as a Path."""
    return Path(_capture.find_root(os.path.abspath(str(folder))))


def of_notebook(path):
    """The Project of the notebook file at ``path``."""
    folder = os.path.realpath(os.path.dirname(os.path.abspath(str(path))))
    root = _capture.find_root(folder)
    return Project(root, _capture.relative(folder, root) or ".")


def of_folder(root, notebook_dir="."):
    """A Project whose root is ``root`` as given (a bundle's folder)."""
    return Project(os.path.realpath(str(root)), notebook_dir)


def join(notebook_dir, path):
    """``path`` relative to the notebook's folder, made relative to the project, as a
    POSIX path; it starts with ``..`` when it leaves the project. Pure: nothing
    here looks at the file system or the working folder."""
    return posixpath.normpath(posixpath.join(notebook_dir or ".", path))


def from_notebook_dir(notebook_dir, path):
    """``path`` relative to the project, made relative to the notebook's folder (a
    POSIX path; pure). An absolute ``path`` comes back as it is."""
    if posixpath.isabs(path):
        return path
    here = [part for part in PurePosixPath(notebook_dir or ".").parts if part != "."]
    there = [part for part in PurePosixPath(posixpath.normpath(path)).parts if part != "."]
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


def folder_name(value):
    """A recorded ``notebook_dir`` as a relative POSIX folder that stays in the
    project, or "." for anything else (absolute, climbing, odd characters)."""
    if not isinstance(value, str) or not value or "\\" in value or "\0" in value:
        return "."
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        return "."
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "."
    return str(pure)


def relative_name(value):
    """A path the notebook used for something outside the project, when it may be
    named: relative, POSIX, no home folder (``~``), no control character; else None."""
    if not isinstance(value, str) or not value or "\0" in value or "\\" in value:
        return None
    if value.startswith(("/", "~")) or (len(value) > 1 and value[1] == ":"):
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    return posixpath.normpath(value)


def inside(root, path):
    """Whether the real path of ``path`` lies inside ``root`` (the root itself is not)."""
    real = os.path.realpath(str(path))
    base = os.path.realpath(str(root))
    return _capture.relative(real, base) is not None


class Refused(Exception):
    """A file the boundary keeps in: ``reason`` says why, for a finding."""

    def __init__(self, reason):
        Exception.__init__(self, reason)
        self.reason = reason


def _kind(mode):
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def check_inside(root, relative):
    """The real path of ``root / relative`` when it is a regular file inside the
    project and its name is not private; ``Refused`` otherwise. Nothing is opened."""
    if private_name(relative):
        raise Refused("hidden, or named like a credential: never carried")
    full = Path(root).joinpath(*PurePosixPath(relative).parts)
    try:
        os.lstat(str(full))
    except OSError:
        raise Refused("not there") from None
    real = os.path.realpath(str(full))
    if _capture.relative(real, os.path.realpath(str(root))) is None:
        raise Refused("a link to a file outside the project")
    try:
        mode = os.stat(real).st_mode
    except OSError:
        raise Refused("a link to nothing") from None
    if not stat.S_ISREG(mode):
        raise Refused("%s, not a regular file" % _kind(mode))
    return real


def read_inside(root, relative, limit):
    """The bytes of ``root / relative``, a regular file inside the project of at most
    ``limit`` bytes (``check_inside``); ``Refused`` says why not. Opened without
    following a link and without blocking, checked again once open, and never read
    past ``limit``: a FIFO, ``/dev/zero`` or a sparse file of 20 GB is refused."""
    real = check_inside(root, relative)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(real, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused("a link, swapped in while it was read") from None
        raise Refused("cannot be read: %s" % (error.strerror or error)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused("%s, not a regular file" % _kind(info.st_mode))
        if info.st_size > limit:
            raise Refused("%s, over the limit of %s" % (human(info.st_size), human(limit)))
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused("grew past the limit of %s while it was read" % human(limit))
    return data


def hash_outside(folder, relative, limit):
    """``(size, sha256)`` of a file outside the project, named by ``relative``, the
    path the notebook used from its ``folder``: read only when that path may be
    named (``relative_name``; ``named_from``: the capture would name it so), is not
    private, passes through no symbolic link from ``folder`` on, and ends at a
    regular file of at most ``limit`` bytes.
    Opened without following a link and without blocking, checked again once
    open, hashed in chunks and never read past ``limit``; ``Refused`` says why
    not (a FIFO, a device, a folder, a link, a file over the limit)."""
    import hashlib

    named = relative_name(relative)
    if named is None:
        raise Refused("a path nbrepro does not name")
    if private_name(named):
        raise Refused("hidden, or named like a credential: never read")
    base = os.path.realpath(str(folder))
    full = os.path.normpath(os.path.join(base, named))
    if named_from(base, full) is None:
        # forged metadata naming /etc/shadow by climbing: the capture never names such a
        # path (it shares only the root, or a folder above the home, with the notebook's)
        raise Refused("a path nbrepro does not name")
    try:
        mode = os.lstat(full).st_mode
    except OSError:
        raise Refused("not there") from None
    if os.path.realpath(full) != full:
        raise Refused("reached through a link: not read")
    if not stat.S_ISREG(mode):
        raise Refused("%s, not a regular file" % _kind(mode))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(full, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused("a link, swapped in while it was read") from None
        raise Refused("cannot be read: %s" % (error.strerror or error)) from None
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused("%s, not a regular file" % _kind(info.st_mode))
        if info.st_size > limit:
            raise Refused("%s, over the limit of %s" % (human(info.st_size), human(limit)))
        while True:
            chunk = handle.read(min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise Refused("grew past the limit of %s while it was read" % human(limit))
            digest.update(chunk)
    return size, digest.hexdigest()


def size_inside(root, relative):
    """The size of a file ``check_inside`` accepts (``Refused`` otherwise)."""
    return os.stat(check_inside(root, relative)).st_size


def package_files(root, relative, max_files):
    """``(files, refused)`` of the package folder ``root / relative``: its Python
    files as project-relative paths, and ``[(path, reason)]`` for what the
    boundary keeps in (links out of the project, special files, private names).
    Links to folders are not followed; hidden folders and ``__pycache__`` are not
    entered. ``files`` is None when there are more than ``max_files``."""
    base = Path(root).joinpath(*PurePosixPath(relative).parts)
    files, refused = [], []
    for folder, dirs, names in os.walk(str(base)):
        here = PurePosixPath(relative) / Path(folder).relative_to(base).as_posix()
        keep = []
        for name in sorted(dirs):
            if name == "__pycache__" or name.startswith("."):
                continue
            if os.path.islink(os.path.join(folder, name)):
                target = os.path.realpath(os.path.join(folder, name))
                if _capture.relative(target, os.path.realpath(str(root))) is None:
                    refused.append((str(here / name), "a link to a folder outside the project"))
                continue  # a link inside the project: its files are carried where they are
            keep.append(name)
        dirs[:] = keep
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = str(here / name)
            if path.startswith("./"):
                path = path[2:]
            try:
                check_inside(root, path)
            except Refused as refusal:
                refused.append((path, refusal.reason))
                continue
            files.append(path)
            if len(files) > max_files:
                return None, refused
    return files, refused


def human(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (size, unit)
        size /= 1024.0
    return "%d B" % size


def kind_of(project):
    """What made ``project``'s root the root, in words for the bundle README."""
    root = Path(project.root)
    if (root / ".git").exists():
        return "the notebook's git work tree"
    for name in PROJECT_FILES:
        if (root / name).is_file():
            return "the folder holding %s" % name
    return "the notebook's folder"
