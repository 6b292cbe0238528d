"""Where a rebuild gets each pip package, and the local wheels a bundle carries.

``classify`` reads one recorded distribution (PEP 610's ``direct_url.json`` as
the capture stored it, the dist kind, the version) plus the pip configuration
of the exporting machine (``index_config``) and names its source:

- ``index``: the public index (pypi.org), pinned by version;
- ``private-index``: an index other than pypi.org, which a reviewer may not
  reach: pip's configuration names one, or the version carries a local label
  (``2.1.0+cu118``), which pypi.org never accepts;
- ``vcs``: a VCS URL at a commit; ``url``: a direct URL to an archive;
- ``local-file``: a wheel or sdist on this machine (``pip install ./x.whl``);
- ``local-folder``: a source folder or local checkout, installed as a copy;
- ``editable``: a source folder installed in place (``pip install -e``,
  ``setup.py develop``).

``plan`` decides what the bundle does with each: a local file still at its
recorded path, whose sha256 is the recorded one, is carried in ``wheels/`` up
to a size limit; a local or editable folder inside the notebook's own project
is built into a wheel (``pip wheel --no-deps --no-build-isolation``, no index,
bounded in time); everything else that no index has becomes a finding of kind
``not-fetchable`` that says what the reviewer must supply. pip records no
index for a package it found on an index, so a private index is a finding per
index, naming the packages that may come from it.
"""

import configparser
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..capture import distinfo, tools, urls
from ..record import envfiles
from . import fill

KIND = "not-fetchable"
SOURCES = ("index", "private-index", "vcs", "url", "local-file", "local-folder", "editable")
DEFAULT_LIMIT_MB = 50
MB = 1024 * 1024
BUILD_TIMEOUT = 120
MAX_LISTED = 5
PUBLIC_HOSTS = ("pypi.org", "pypi.python.org", "files.pythonhosted.org")
# What a carried file may be called: a wheel or sdist name with nothing a shell,
# a requirements file or a Dockerfile would read as syntax.
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.(?:whl|tar\.gz|zip)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# ---------------------------------------------------------------- pip's configuration


def _split(value):
    return [part for part in re.split(r"\s+", value or "") if part]


def _public_index(url):
    host = (urlsplit(url).hostname or "").lower()
    return host in PUBLIC_HOSTS


def _shown_url(url):
    """An index URL fit to print: credentials, tokens and the user part removed."""
    url = urls.redact_url(url)
    parts = urlsplit(url)
    if parts.username or parts.password:
        url = url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)
    return url


def config_files(prefix=None, environ=None):
    """pip's configuration files in the order pip reads them (later wins):
    global, user, site (the environment's own ``pip.conf``); or only
    ``PIP_CONFIG_FILE`` when set (``os.devnull`` meaning none)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("PIP_CONFIG_FILE")
    if chosen:
        return [] if chosen == os.devnull else [chosen]
    files = []
    for folder in (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep):
        if folder:
            files.append(os.path.join(folder, "pip", "pip.conf"))
    files.append("/etc/pip.conf")
    home = os.path.expanduser("~")
    files.append(os.path.join(home, ".pip", "pip.conf"))
    config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    files.append(os.path.join(config_home, "pip", "pip.conf"))
    if prefix:
        files.append(os.path.join(prefix, "pip.conf"))
    return files


def index_config(prefix=None, environ=None):
    """``{"index_url", "extra_index_urls"}`` as pip on this machine would use
    them (config files, then PIP_* variables), redacted of credentials; only
    indexes other than pypi.org are kept."""
    environ = os.environ if environ is None else environ
    values = {}
    for path in config_files(prefix, environ):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            for key in ("index-url", "extra-index-url"):
                if parser.has_option(section, key):
                    values[key] = parser.get(section, key)
    for key in ("index-url", "extra-index-url"):
        variable = "PIP_" + key.upper().replace("-", "_")
        if environ.get(variable):
            values[key] = environ[variable]
    index = _split(values.get("index-url"))[:1]
    extra = _split(values.get("extra-index-url"))
    return {
        "index_url": next((_shown_url(u) for u in index if not _public_index(u)), None),
        "extra_index_urls": [_shown_url(u) for u in extra if not _public_index(u)],
    }


# ---------------------------------------------------------------- classification


def local_path(url):
    """The file system path of a ``file:`` URL (``file://~/x`` is the home of
    whoever exports), or None."""
    if not isinstance(url, str) or not url.startswith("file:"):
        return None
    path = unquote(url[len("file:") :])
    if path.startswith("//"):
        path = path[2:]
        if path.startswith("localhost/"):
            path = path[len("localhost") :]
    if path.startswith("~"):
        path = os.path.expanduser(path)
    return path or None


def classify(distribution, index=None):
    """``(source, detail)`` for one recorded distribution: one of SOURCES, and
    the path, URL or index it names (None for the public index)."""
    source = distribution.get("source") or {}
    url = urls.redact_url(source.get("url") or "")
    local = url.startswith("file:")
    if distribution.get("kind") == "egg-link" or (source.get("dir_info") or {}).get("editable"):
        return "editable", local_path(url) or url or None
    if "dir_info" in source:
        return "local-folder", local_path(url) or url
    if "vcs_info" in source:
        if local:
            return "local-folder", local_path(url)
        commit = source["vcs_info"].get("commit_id")
        return "vcs", "%s+%s%s" % (
            source["vcs_info"].get("vcs", "git"),
            url,
            "@" + commit if commit else "",
        )
    if url and local:
        return "local-file", local_path(url)
    if url:
        return "url", url
    index = index or {}
    if "+" in str(distribution.get("version") or ""):
        return "private-index", index.get("index_url")
    if index.get("index_url"):
        return "private-index", index["index_url"]
    return "index", None


# ---------------------------------------------------------------- the plan


def dist_key(name, version):
    """How run.sh names a package when it looks for its file: the name as wheel
    file names spell it (PEP 427: lower case, runs of ``-_.`` as ``_``), a
    space, the version in lower case."""
    return "%s %s" % (re.sub(r"[-_.]+", "_", str(name)).lower(), str(version).lower())


class Plan(object):
    """What the bundle does with each pip package that no public index has."""

    def __init__(self, limit, check=False, index=None):
        self.limit = limit
        # indexes besides pypi.org that pip here reads (redacted): a package
        # found only there looks like pypi.org's, since pip records no index
        self.extra_index_urls = list((index or {}).get("extra_index_urls") or ())
        self.check = check  # only the findings count: file contents are not kept
        self.files = {}  # "wheels/<file>" -> bytes
        self.lines = {}  # normalized name -> (requirement line, sha256)
        self.carried = []  # {"name", "version", "source", "file", "sha256", "size", "how"}
        self.flagged = []  # {"name", "version", "source", "reason", "supply", "key"}
        self.sources = []  # each non-index package: name, version, source, detail, action
        self.findings = []
        self.project = None  # the notebook's project folder: local paths are named from it

    def shown(self, path):
        """A local path as a bundle may name it (``shown_path``)."""
        return shown_path(path, self.project)

    @property
    def needs_folder(self):
        return bool(self.carried or any(item.get("key") for item in self.flagged))

    def vcs_tools(self):
        """The version control tools pip runs for the VCS requirements (git, hg, ...)."""
        tools = set()
        for row in self.sources:
            if row["source"] == "vcs":
                tool = str(row["detail"]).split("+", 1)[0]
                if re.fullmatch(r"git|hg|svn|bzr", tool):
                    tools.add(tool)
        return sorted(tools)

    def carried_by_name(self):
        return dict((distinfo.normalize(c["name"]), c) for c in self.carried)


def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _size(value):
    return "%.1f MB" % (value / MB) if value >= MB / 10 else "%d bytes" % value


def _carry_file(plan, distribution, path, sha256, how, source):
    """Carry ``path`` as wheels/<name>; returns None when carried, else why not."""
    name = os.path.basename(path)
    if not _FILE_NAME.match(name):
        return "its file name %r is no plain wheel or sdist name" % name
    size = os.path.getsize(path)
    if size > plan.limit:
        return (
            "its file is %s, over the %s wheel limit (--wheel-limit, the exportWheelLimitMB "
            "setting)"
            % (
                _size(size),
                _size(plan.limit),
            )
        )
    # Read once: the bytes hashed are the bytes carried.
    with open(path, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        return "the file at %s is not the one installed (its sha256 differs)" % plan.shown(path)
    target = "wheels/" + name
    if target in plan.files:
        return "another package's file has the same name"
    plan.files[target] = data if not plan.check else b""
    plan.lines[distinfo.normalize(distribution["name"])] = ("./" + target, sha256)
    plan.carried.append(
        {
            "name": distribution["name"],
            "version": distribution["version"],
            "source": source,
            "file": target,
            "sha256": sha256,
            "size": size,
            "how": how,
        }
    )
    return None


def _local_file(plan, distribution, path):
    recorded = (distinfo_hash(distribution) or "").lower()
    if not path or not os.path.isfile(path):
        return "the file it was installed from (%s) is no longer there" % plan.shown(path)
    if not _SHA256.match(recorded):
        return "pip recorded no sha256 for the file, so it cannot be told apart from another build"
    try:
        return _carry_file(plan, distribution, path, recorded, "copied", "local-file")
    except OSError as error:
        return "its file cannot be read: %s" % (error.strerror or error)


def shown_path(path, project):
    """A local path as a bundle, its README and its findings may name it: relative to
    the project when it lies inside, else by its last name only (``.../mylib``):
    never an absolute path, never the home folder or the user's name."""
    if not path:
        return "?"
    path = str(path)
    if project and _inside(path, project):
        relative = os.path.relpath(os.path.realpath(path), os.path.realpath(str(project)))
        return "the project's folder" if relative == "." else relative.replace(os.sep, "/")
    return ".../" + (os.path.basename(path.rstrip("/\\")) or "?")


def distinfo_hash(distribution):
    """The sha256 pip recorded for the archive it installed, or None."""
    return envfiles.archive_sha256(distribution.get("source") or {})


def _inside(path, root):
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


def project_root(notebook_path):
    """The notebook's own project: the nearest folder above it holding ``.git``,
    else the notebook's folder."""
    folder = Path(os.path.abspath(notebook_path)).parent
    for candidate in [folder] + list(folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def build_wheel(folder, python=None, timeout=BUILD_TIMEOUT):
    """``(wheel path in a temporary folder, None)`` or ``(None, why not)``:
    ``pip wheel --no-deps --no-build-isolation`` with no index, so only what
    builds from the folder and the installed build backend succeeds. Bounded
    like every tool nbrepro starts (``capture.tools``: time, output, process
    tree); ``-I`` keeps the current folder's files off pip's import path."""
    python = python or sys.executable
    out = tempfile.mkdtemp(prefix="nbrepro-wheel-")
    env = dict(os.environ)
    env.update({"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    env.pop("PIP_FIND_LINKS", None)
    command = [python, "-I", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    command += ["-w", out, str(folder)]
    try:
        done = tools.run(command, time.monotonic() + timeout, max_output=256 * 1024, env=env)
    except OSError as error:
        shutil.rmtree(out, ignore_errors=True)
        return None, "pip wheel could not run: %s" % (getattr(error, "strerror", None) or error)
    built = [os.path.join(out, n) for n in sorted(os.listdir(out)) if n.endswith(".whl")]
    if done is None:
        shutil.rmtree(out, ignore_errors=True)
        return None, "pip wheel took longer than %d s" % timeout
    code, output = done
    if code != 0 or len(built) != 1:
        shutil.rmtree(out, ignore_errors=True)
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        why = lines[-1] if lines else "exit status %d" % code
        return None, "pip wheel --no-build-isolation failed without network: %s" % why[:300]
    return built[0], None


def _built(plan, distribution, folder, python, source):
    path, why = build_wheel(folder, python)
    if why:
        return why
    try:
        parts = os.path.basename(path).split("-")
        if dist_key(parts[0], parts[1]) != dist_key(distribution["name"], distribution["version"]):
            return "the folder now builds %s %s, not the recorded version" % (parts[0], parts[1])
        return _carry_file(plan, distribution, path, _sha256_of(path), "built", source)
    finally:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


WHAT = {
    "local-file": "installed from a local file",
    "local-folder": "installed from a local folder",
    "editable": "an editable install of a local folder",
}
SUPPLY = {
    "local-file": "put its wheel or sdist in the bundle's wheels/ folder or in a folder named in "
    "PIP_FIND_LINKS",
    "local-folder": "build a wheel of its source (pip wheel --no-deps FOLDER) into wheels/ or a "
    "PIP_FIND_LINKS folder",
    "editable": "build a wheel of its source (pip wheel --no-deps FOLDER) into wheels/ or a "
    "PIP_FIND_LINKS folder",
}


def _flag(plan, distribution, source, reason):
    label = "%s %s" % (distribution["name"], distribution["version"])
    supply = SUPPLY[source]
    plan.flagged.append(
        {
            "name": distribution["name"],
            "version": distribution["version"],
            "source": source,
            "reason": reason,
            "supply": supply,
            "key": dist_key(distribution["name"], distribution["version"]),
            "sha256": distinfo_hash(distribution) if source == "local-file" else None,
        }
    )
    plan.findings.append(
        {
            "kind": KIND,
            "cells": [],
            "message": "%s: %s, not carried in the bundle (%s); no index has it: %s"
            % (label, WHAT[source], reason, supply),
            "packages": [{"name": distribution["name"], "version": distribution["version"]}],
            "source": source,
        }
    )


def plan(
    dists,
    index=None,
    project=None,
    limit=DEFAULT_LIMIT_MB * MB,
    build=True,
    python=None,
    check=False,
):
    """The Plan for ``dists`` (``envfiles.pip_dists``).

    ``project`` is the notebook's project folder (editable and local folders
    inside it are built when ``build``); ``limit`` the most bytes one carried
    file may have; ``python`` the interpreter that builds. ``check`` builds
    nothing and reports nothing for what would be built (the export dialog's
    check, which must be quick)."""
    result = Plan(limit, check, index)
    result.project = project
    private = {}
    for distribution in dists:
        if distribution.get("location") == "outside":
            continue
        source, detail = classify(distribution, index)
        if source == "index":
            continue
        row = {
            "name": distribution["name"],
            "version": distribution["version"],
            "source": source,
            "detail": result.shown(detail) if source in WHAT else detail,
        }
        result.sources.append(row)
        if source in ("vcs", "url"):
            row["action"] = "fetched"
            continue
        if source == "private-index":
            row["action"] = "flagged"
            private.setdefault(detail, []).append(distribution)
            continue
        if source == "local-file":
            why = _local_file(result, distribution, detail)
        else:
            if not detail or not os.path.isdir(detail):
                why = "its folder %s is not on this machine" % result.shown(detail)
            elif not project or not _inside(detail, project):
                why = "its folder is outside the notebook's project, so nbrepro does not build it"
            elif check:
                row["action"] = "to build"
                continue
            elif not build:
                why = "building wheels was turned off (--no-build)"
            else:
                why = _built(result, distribution, detail, python, source)
        if why is None:
            row["action"] = "carried"
        else:
            row["action"] = "flagged"
            _flag(result, distribution, source, why)
    for index_url, members in private.items():
        names = ["%s %s" % (d["name"], d["version"]) for d in members]
        shown = ", ".join(names[:MAX_LISTED])
        if len(names) > MAX_LISTED:
            shown += " and %d more" % (len(names) - MAX_LISTED)
        if index_url:
            where = "from %s, the index pip on this machine is set to use" % index_url
        else:
            where = (
                "from an index other than pypi.org (their versions carry a local label, which "
                "pypi.org never has)"
            )
            extra = (index or {}).get("extra_index_urls")
            if extra:
                where += "; pip on this machine also reads %s" % ", ".join(extra)
        result.findings.append(
            {
                "kind": KIND,
                "cells": [],
                "message": "%s may come only %s: give the rebuild that index (PIP_INDEX_URL or "
                "PIP_EXTRA_INDEX_URL, with your own credentials) or put their wheels in wheels/"
                % (shown, where),
                "packages": [{"name": d["name"], "version": d["version"]} for d in members],
                "source": "private-index",
            }
        )
    return result


def folder_readme(plan):
    """wheels/README.txt (``templates/wheels-README.txt.in``): what the folder
    holds and what a reviewer adds."""
    return fill.fill(
        "wheels-README.txt.in",
        {
            "carried": [
                {
                    "file": fill.plain(item["file"][len("wheels/") :]),
                    "name": fill.plain(item["name"]),
                    "version": fill.plain(item["version"]),
                    "how": fill.plain(item["how"]),
                    "sha256": fill.plain(item["sha256"]),
                }
                for item in plan.carried
            ],
            "missing": [
                {
                    "name": fill.plain(item["name"]),
                    "version": fill.plain(item["version"]),
                    "reason": fill.plain(item["reason"]),
                    "supply": fill.plain(item["supply"]),
                }
                for item in plan.flagged
                if item.get("key")
            ],
        },
    )
