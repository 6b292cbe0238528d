"""Reading Python distribution metadata directly from disk.

Only the header block of METADATA / PKG-INFO is read (it ends at the first
blank line; the long description after it can be hundreds of KB), plus
INSTALLER and PEP 610's direct_url.json. `importlib.metadata` parses the whole
file with the email package on every access, which is 10-20x slower.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import json
import os
import re

from .safeio import open_regular

_NORMALIZE_RE = re.compile(r"[-_.]+")
HEADER_LIMIT = 64 * 1024
FIRST_READ = 2048


def normalize(name):
    """PEP 503 normalised project name."""
    return _NORMALIZE_RE.sub("-", name).lower()


def conda_norm(name):
    """conda's `norm_package_name`: dots and underscores to dashes, lower case."""
    return name.replace(".", "-").replace("_", "-").lower() if name else ""


def read_headers(path, wanted=("name", "version")):
    """Return {lower-case header: value} for `wanted` headers, and a problem or None.

    Reads at most HEADER_LIMIT bytes and stops at the first blank line.
    Undecodable bytes are replaced rather than fatal.
    """
    found = {}
    problem = None
    try:
        with open_regular(path) as handle:
            # Name and Version come first (Metadata-Version, Name, Version): the
            # first block nearly always has them, and the classifiers after
            # them are most of a header (a snapshot reads some 200 of these).
            raw = handle.read(FIRST_READ)
            if len(raw) == FIRST_READ and not _has_all(raw, wanted):
                raw += handle.read(HEADER_LIMIT - FIRST_READ)
    except OSError as error:
        return found, "cannot read %s: %s" % (os.path.basename(path), error.strerror or error)
    end = raw.find(b"\n\n")
    end2 = raw.find(b"\r\n\r\n")
    if end2 >= 0 and (end < 0 or end2 < end):
        end = end2
    if end >= 0:
        raw = raw[:end]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        problem = "%s is not valid UTF-8; undecodable bytes replaced" % os.path.basename(path)
    for line in text.splitlines():
        if not line or line[0] in " \t":
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        if key in wanted and key not in found:
            found[key] = value.strip()
            if len(found) == len(wanted):
                break
    return found, problem


def _has_all(raw, wanted):
    """Whether every wanted header starts a line of ``raw`` (any case), before its
    blank line: then the rest of the file need not be read."""
    head = raw.split(b"\n\n", 1)[0].lower()
    return all((b"\n" + name.encode("ascii") + b":") in b"\n" + head for name in wanted)


def read_small_text(path, limit=4096):
    try:
        with open_regular(path) as handle:
            return handle.read(limit).decode("utf-8", "replace").strip()
    except OSError:
        return None


def read_direct_url(path, redactor=None):
    """PEP 610 data with credentials removed; None when absent; (None, problem) on error."""
    from .urls import redact_url

    try:
        with open_regular(path) as handle:
            raw = handle.read(1024 * 1024)
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, "cannot read direct_url.json: %s" % (error.strerror or error,)
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
    except ValueError as error:
        return None, "direct_url.json is not valid JSON: %s" % error
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None, "direct_url.json has no url"
    url = redact_url(data["url"])
    if redactor is not None:
        url = redactor.url(url)
    source = {"url": url}
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict):
        info = {}
        for key in ("vcs", "commit_id", "requested_revision"):
            if isinstance(vcs.get(key), str):
                info[key] = vcs[key]
        source["vcs_info"] = info
    archive = data.get("archive_info")
    if isinstance(archive, dict):
        info = {}
        hashes = archive.get("hashes")
        if isinstance(hashes, dict):
            info["hashes"] = dict((k, v) for k, v in hashes.items() if isinstance(v, str))
        if isinstance(archive.get("hash"), str):
            info["hash"] = archive["hash"]
        source["archive_info"] = info
    dir_info = data.get("dir_info")
    if isinstance(dir_info, dict):
        source["dir_info"] = {"editable": bool(dir_info.get("editable", False))}
    if isinstance(data.get("subdirectory"), str):
        source["subdirectory"] = data["subdirectory"]
    return source, None


def git_head(directory):
    """The commit checked out in `directory` (a git work tree), without running git."""
    try:
        git = os.path.join(directory, ".git")
        if os.path.isfile(git):
            text = read_small_text(git) or ""
            if not text.startswith("gitdir:"):
                return None
            git = os.path.join(directory, text[len("gitdir:") :].strip())
        head = read_small_text(os.path.join(git, "HEAD"))
        if not head:
            return None
        if not head.startswith("ref:"):
            return head if re.match(r"^[0-9a-f]{40,64}$", head) else None
        ref = head[4:].strip()
        value = read_small_text(os.path.join(git, *ref.split("/")))
        if value:
            return value
        packed = read_small_text(os.path.join(git, "packed-refs"), limit=4 * 1024 * 1024) or ""
        for line in packed.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    except Exception:
        return None
    return None


def egg_link_target(path):
    """The directory an `.egg-link` points to (its first line)."""
    text = read_small_text(path)
    if not text:
        return None
    return text.splitlines()[0].strip() or None


def find_egg_info(directory):
    """The single `*.egg-info` in `directory` (file or dir) and the PKG-INFO path."""
    try:
        names = [e.name for e in os.scandir(directory) if e.name.endswith(".egg-info")]
    except OSError:
        return None
    if len(names) != 1:
        return None
    full = os.path.join(directory, names[0])
    if os.path.isdir(full):
        return os.path.join(full, "PKG-INFO")
    return full
