"""The notebook's project, and which file names are private.

Kernel-side: standard library only, Python 3.8 grammar. The core uses these
pure helpers too (``record/project.py``), so that the kernel, the export and
verify mean the same project and the same private names.

The project is the unit a bundle carries from: the nearest folder above the
notebook (the notebook's own folder included) that is a git work tree (holds
``.git``), else the nearest that holds ``pyproject.toml``, ``setup.cfg`` or
``environment.yml``, else the notebook's folder. The home folder and the file
system's root are never a project (a home kept in git for its dotfiles would
otherwise make every file of the user's part of every notebook's project).

Private names are never carried and never hashed: hidden files and folders
(a name starting with ``.``: ``.env``, ``.git``, ``.ssh``) and names that look
like credentials (``*.pem``, ``*.key``, ``id_rsa``, ``.netrc``,
``credentials.json``, ...).
"""

import os
import re

PROJECT_FILES = ("pyproject.toml", "setup.cfg", "environment.yml")
# Names a credential usually has; a match is named as left out, never read.
_CREDENTIAL = re.compile(
    r"^(?:"
    r"id_[a-z0-9]+(?:_sk)?(?:\.pub)?"  # SSH keys: id_rsa, id_ed25519_sk.pub
    r"|credentials(?:\..*|[-_].*)?"  # credentials, credentials.json, credentials_prod.csv
    r"|netrc|_netrc|pgpass|pypirc|npmrc|htpasswd"
    r"|.*\.(?:pem|key|p12|pfx|jks|keystore|kdbx|ovpn|tfstate)"
    r"|secrets?(?:\..*)?"
    r")$",
    re.IGNORECASE,
)


def _home():
    try:
        home = os.path.expanduser("~")
    except Exception:
        return None
    if not home or home == "~":
        return None
    return os.path.realpath(home)


def find_root(folder):
    """The project holding ``folder`` (an absolute path of a folder): see the module
    docstring. Returned with symlinks resolved, as ``os.path.realpath`` gives it."""
    start = os.path.realpath(folder)
    home = _home()
    candidates = []
    current = start
    while current != home and current != os.path.dirname(current):
        candidates.append(current)
        current = os.path.dirname(current)
    for candidate in candidates:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
    for candidate in candidates:
        for name in PROJECT_FILES:
            if os.path.isfile(os.path.join(candidate, name)):
                return candidate
    return start


def relative(full, root):
    """``full`` (absolute, real) as a POSIX path relative to ``root``, or None when
    it is not below ``root`` (``root`` itself is not below it)."""
    root = root.rstrip(os.sep) or os.sep
    prefix = root if root.endswith(os.sep) else root + os.sep
    if not full.startswith(prefix) or full == root:
        return None
    return full[len(prefix) :].replace(os.sep, "/")


def private_name(path):
    """Whether a path (relative or absolute, either separator) names a hidden file
    or folder, or a file whose name looks like a credential."""
    parts = [p for p in re.split(r"[/\\]", path) if p and p != "." and p != ".."]
    if not parts:
        return False
    if any(part.startswith(".") for part in parts):
        return True
    return bool(_CREDENTIAL.match(parts[-1]))


def named_from(folder, full):
    """How a file outside the project may be named: its path relative to the
    notebook's ``folder`` (both absolute), or None when naming it that way would
    spell out where the user lives: the two share no folder but the file
    system's root, or only a folder above the home folder (``/home``)."""
    folder = os.path.normpath(folder)
    full = os.path.normpath(full)
    try:
        common = os.path.commonpath([folder, full])
    except ValueError:  # another drive
        return None
    if common == os.path.dirname(common):
        return None  # only the root in common
    home = _home()
    if home is not None:
        plain_home = os.path.normpath(os.path.expanduser("~"))
        for h in (home, plain_home):
            if h != common and h.startswith(common.rstrip(os.sep) + os.sep):
                return None  # /home: the walk up would pass the user's name
    return os.path.relpath(full, folder).replace(os.sep, "/")
