"""Environment files from a capture's `environment` section: conda's
environment.yml (as `conda env export` writes it), the explicit lock (as
`conda list --explicit --md5`), what `conda export --format F` (conda >= 25.7)
writes, and pip requirements (as `pip freeze`).

They read the stored (compact) form, where each conda package is one string,
through `capture.compact`; the verbose `environment_full` works too, and is
what a sha256 lock needs (the stored form keeps md5 only, as conda's own
`--md5` lock does).

The export bundle's files come last: a portable environment.yml,
requirements.txt with what can be reinstalled elsewhere, and runtime.txt.

Pure functions over plain data; the snapshot CLI and export reuse them.
"""

import contextlib
import contextvars
import json
import re
from urllib.parse import urlsplit

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from .. import __version__, errors
from ..capture import compact, distinfo, urls
from . import condayaml

NO_CONDA = (
    "this environment has no conda-meta/ folder, so there is no conda export; "
    "use --format requirements for its pip packages"
)


def _conda(environment):
    conda = (environment or {}).get("conda")
    if not conda:
        raise ValueError(NO_CONDA)
    return conda


# One export reads the same records for environment.yml, the lock, requirements.txt
# and the SBOM; inside `reading_once()` each is parsed once (10^5 packages cost
# seconds per pass). Keys are the ids of the argument objects, which the memo
# keeps alive so that no id can be reused while it lasts; callers get fresh
# lists and must not change the records (none does).
_MEMO = contextvars.ContextVar("nbrepro_envfiles_memo", default=None)


@contextlib.contextmanager
def reading_once():
    """Within this block, each environment's conda records, pip distributions
    and requirement plans are computed once (the environment must not change)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _once(kind, compute, *arguments):
    memo = _MEMO.get()
    if memo is None:
        return compute(*arguments)
    table = memo.get(kind)
    if table is None:
        table = memo[kind] = {}
    # One table a kind, keyed by the id alone for one argument (pip_entry is
    # asked 10^5 times: no key tuple to build each time).
    key = id(arguments[0]) if len(arguments) == 1 else tuple(map(id, arguments))
    found = table.get(key)
    if found is None:
        found = table[key] = (arguments, compute(*arguments))
    return found[1]


def packages(conda):
    """Every conda record (dicts with conda's field names), in `conda list --explicit` order."""
    return list(_once("conda", compact.conda_packages, conda))


def exported_packages(conda):
    """Conda packages `conda env export` lists: not clobbered, not replaced by pip."""
    listed = [p for p in packages(conda) if not p.get("clobbered") and not p.get("replaced_by_pip")]
    return sorted(listed, key=lambda p: p["name"])


def environment_dict(environment, no_builds=False, from_history=False):
    """What `conda env export` serialises, as an insertion-ordered dict, following
    the release line recorded in `behaviour` (the capture already ordered the
    channels and wrote the history specs that line's way)."""
    conda = _conda(environment)
    line = (conda.get("behaviour") or {}).get("conda") or "26.7"
    out = {"name": conda.get("name")}
    if from_history:
        channels = list(conda.get("config_channels") or [])
        dependencies = list(conda.get("from_history") or [])
        if not dependencies:
            if line == "24.11":
                dependencies = None  # conda <= 25.5 writes no dependencies key then
            else:
                # conda >= 25.7 lists every record, in the order conda-meta lists them.
                dependencies = list(conda.get("records_listed") or [])
    else:
        channels = list(conda.get("channels") or [])
        dependencies = []
        for package in exported_packages(conda):
            parts = [package["name"], package["version"]]
            if not no_builds:
                parts.append(package["build"])
            dependencies.append("=".join(parts))
        pip = compact.conda_pip(environment)
        if pip:
            dependencies.append({"pip": pip})
    if channels:
        out["channels"] = channels
    if dependencies is not None:
        out["dependencies"] = dependencies
    if conda.get("variables"):
        out["variables"] = dict(conda["variables"])
    out["prefix"] = conda.get("prefix")
    return out


def _scalar(value):
    """A YAML scalar as ruamel/PyYAML would write it: plain when safe, quoted otherwise."""
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if text.endswith("..."):
        text = text[:-3].rstrip()
    return text


def environment_yml(environment, no_builds=False, from_history=False):
    """environment.yml text as conda writes it (`condayaml`: ruamel's layout,
    long names and prefixes moved to the next line as ruamel moves them)."""
    return condayaml.dumps(environment_dict(environment, no_builds, from_history))


def explicit_lines(environment, hash_name="md5"):
    conda = _conda(environment)
    stored = any(isinstance(p, str) for p in conda.get("packages") or ())
    lines = []
    for package in packages(conda):
        url = package.get("url")
        if not url or url.startswith("<unknown>"):
            lines.append("# no URL for: %s" % (package.get("fn") or package["name"]))
            continue
        value = package.get(hash_name) if hash_name else None
        if hash_name == "sha256" and not value and stored and package.get("md5"):
            raise ValueError(
                "a stored snapshot keeps the md5 of a conda package, not its sha256; "
                "capture with the full record (nbrepro snapshot --full, or the "
                "environment_full of a capture with the full option) for a sha256 lock"
            )
        lines.append(url + ("#%s" % value if value else ""))
    return lines


def explicit(environment, hash_name="md5"):
    """`conda list --explicit --md5` (or `--sha256`) text: header, `@EXPLICIT`,
    topologically ordered URLs."""
    conda = _conda(environment)
    header = [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        # conda writes the platform it runs on (recorded with the behaviour).
        "# platform: %s" % ((conda.get("behaviour") or {}).get("subdir") or conda.get("platform")),
        "# created-by: nbrepro %s" % __version__,
        "@EXPLICIT",
    ]
    return "\n".join(header + explicit_lines(environment, hash_name)) + "\n"


# `conda export --format F` (conda >= 25.7): the formats and conda's aliases for them.
CONDA_EXPORT_FORMATS = ("environment-yaml", "environment-json", "explicit", "requirements")
CONDA_EXPORT_ALIASES = {"yaml": "environment-yaml", "yml": "environment-yaml"}
CONDA_EXPORT_ALIASES.update(json="environment-json", reqs="requirements", txt="requirements")


def _cep23_header(conda):
    return [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        "# platform: %s" % ((conda.get("behaviour") or {}).get("subdir") or conda.get("platform")),
        "# created-by: nbrepro %s" % __version__,
    ]


def conda_export(environment, export_format, order=None, no_builds=False, from_history=False):
    """What `conda export --format F -p P` (conda 25.7 / 26.x) prints.

    environment-yaml is `conda env export`; environment-json the same mapping as
    JSON (indent 2); explicit is CEP 23's explicit file: URLs without hashes, in
    the order conda-meta lists its records (`order`: the record file names as
    os.scandir gave them; None keeps the capture's order), refused when pip
    packages are present; requirements is `<channel>::<name>==<version>=<build>`
    per conda package, sorted by name. Raises errors.CondaRefuses where conda refuses."""
    export_format = CONDA_EXPORT_ALIASES.get(export_format, export_format)
    conda = _conda(environment)
    line = (conda.get("behaviour") or {}).get("conda") or "26.7"
    if line == "24.11":
        raise ValueError(
            "conda 24.11 has no `conda export` (no conda before 25.7 has it); "
            "use --format environment.yml or explicit, or --conda-version 25.7 or newer"
        )
    if export_format == "environment-yaml":
        return environment_yml(environment, no_builds, from_history)
    if export_format == "environment-json":
        data = environment_dict(environment, no_builds, from_history)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if (no_builds or from_history) and export_format in ("requirements", "explicit"):
        raise ValueError(
            "--no-builds and --from-history are not reproduced for conda export's %s format"
            % export_format
        )
    if export_format == "requirements":
        return _conda_export_requirements(environment, conda)
    if export_format == "explicit":
        return _conda_export_explicit(environment, conda, order)
    raise ValueError("conda export has no format %r" % export_format)


def _conda_export_requirements(environment, conda):
    listed = exported_packages(conda)
    if not listed:
        raise errors.CondaRefuses(
            "Cannot export requirements format: no requested packages found. "
            "Use 'explicit' format for environments with installed packages, "
            "or ensure the environment has package specifications."
        )
    lines = _cep23_header(conda) + [
        "# Note: This is a conda requirements file (MatchSpec format)",
        "# Contains conda package specifications, not pip requirements",
        "",
    ]
    line = (conda.get("behaviour") or {}).get("conda") or "26.7"
    subdir = (conda.get("behaviour") or {}).get("subdir") or conda.get("platform") or ""
    defaults = ("pkgs/main", "pkgs/r") + (("pkgs/msys2",) if subdir.startswith("win-") else ())
    for package in listed:
        spec = "%s==%s=%s" % (package["name"], package["version"], package["build"])
        channel = _channel_name(package)
        if channel in defaults and line != "25.7":
            # conda >= 26 writes the spec's channel by its canonical name: the
            # members of its default_channels (main, r; msys2 where conda runs
            # on Windows) become `defaults`.
            channel = "defaults"
        lines.append("%s::%s" % (channel, spec) if channel else spec)
    return "\n".join(lines) + "\n"


def _conda_export_explicit(environment, conda, order):
    records = packages(conda)
    pip = compact.conda_pip(environment)
    if not records:
        raise errors.CondaRefuses(
            "Cannot export explicit format: no explicit packages with installation metadata "
            "found. Use 'requirements' format for environments with only requested packages, "
            "or ensure the environment has been solved and installed."
        )
    if pip:
        raise errors.CondaRefuses(
            "Cannot export explicit format: environment contains external packages that cannot "
            "be represented in explicit format. Use a different format to include external "
            "packages."
        )
    if order is not None:
        position = dict((name, index) for index, name in enumerate(order))
        records = sorted(records, key=lambda p: position.get(_record_file(p), len(position)))
    lines = _cep23_header(conda) + ["@EXPLICIT"]
    for package in records:
        url = package.get("url")
        if not url or url.startswith("<unknown>"):
            raise errors.CondaRefuses(
                "Cannot export '%s': explicit format requires package URLs" % package["name"]
            )
        lines.append(url)
    return "\n".join(lines) + "\n"


def _channel_name(package):
    """conda's `Channel.name` of a record's channel (what `conda export --format
    requirements` prefixes), from its URL `<channel>/<subdir>/<file>` as conda
    reads it with its default configuration: a file:// channel is named by its
    last folder, any other by its URL path (a `/t/<token>` and a leading `conda/`
    left out), so repo.anaconda.com's defaults are `pkgs/main`, conda.anaconda.org's
    `conda-forge`."""
    url = package.get("url") or ""
    parts = urlsplit(url)
    if not parts.scheme or url.startswith("<unknown>"):
        channel = package.get("channel")
        return None if channel in (None, "", "<unknown>") else channel
    path = parts.path.rsplit("/", 2)[0].strip("/")
    if parts.scheme == "file":
        return path.rsplit("/", 1)[-1] or None
    segments = path.split("/")
    if len(segments) > 1 and segments[0] == "t":
        segments = segments[2:]
    if segments[:1] == ["conda"]:
        segments = segments[1:]
    return "/".join(segments) or None


def _record_file(package):
    """The conda-meta file name of a record: `<name>-<version>-<build>.json`."""
    return "%s-%s-%s.json" % (package["name"], package["version"], package["build"])


def requirement_line(distribution):
    """One `pip freeze` line for a distribution record."""
    name = distribution["name"]
    source = distribution.get("source") or {}
    url = source.get("url")
    if url and (source.get("dir_info") or {}).get("editable"):
        return "-e %s" % url
    if url and "vcs_info" in source:
        vcs = source["vcs_info"]
        line = "%s @ %s+%s" % (name, vcs.get("vcs", "git"), url)
        if vcs.get("commit_id"):
            line += "@" + vcs["commit_id"]
        if source.get("subdirectory"):
            line += "#subdirectory=" + source["subdirectory"]
        return line
    if url:
        return "%s @ %s" % (name, url)
    return "%s==%s" % (name, distribution["version"])


def requirements(environment):
    """pip's share of the environment, `pip freeze` style, sorted by name.

    Conda-owned distributions are left out (the conda files pin those; the
    stored form does not list them), and so are distributions shadowed by an
    earlier one of the same name and folders outside the prefix such as the
    notebook's working directory.
    """
    pip = (environment or {}).get("pip") or {}
    lines = []
    for distribution in compact.distributions(pip):
        if distribution.get("conda") or distribution.get("shadowed_by") is not None:
            continue
        if distribution["location"] == "outside":
            continue
        lines.append(requirement_line(distribution))
    return "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------- bundle files
#
# The export bundle's files are meant to be rebuilt elsewhere, so they differ
# from the `conda env export` look-alikes above: no prefix, no build strings,
# and only pip requirements that can be installed on another machine.

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONDA_NAME = re.compile(r"^(?:[^:\s]+::)?([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def _comment(text):
    """One comment line; control characters (a newline above all) cannot start a
    new requirement line inside it."""
    return "# " + _CONTROL.sub("?", str(text))


# PEP 508's name, then `==` and a version _pin has read with packaging.
_PLAIN_PIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?==[A-Za-z0-9.+!_-]+$")


_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def _pin(name, version):
    """`name==version`, or `name===version` for a version PEP 440 cannot read
    (pip's arbitrary equality, the only way to pin such a version)."""
    if _RELEASE.fullmatch(version):  # a plain release segment is a PEP 440 version
        return "%s==%s" % (name, version)
    try:
        Version(version)
    except InvalidVersion:
        return "%s===%s" % (name, version)
    return "%s==%s" % (name, version)


def archive_sha256(source):
    """The archive's sha256 from PEP 610's archive_info, or None."""
    archive = source.get("archive_info") or {}
    value = (archive.get("hashes") or {}).get("sha256")
    if not value and str(archive.get("hash", "")).startswith("sha256="):
        value = archive["hash"][len("sha256=") :]
    return value.lower() if value and re.fullmatch(r"[0-9a-fA-F]{64}", value) else None


def pip_entry(distribution):
    """How one recorded distribution is reinstalled elsewhere:
    `(requirement or None, sha256 or None, why not or a note)`.

    Installs of local folders (editable or not) cannot be repeated on another
    machine and come back as None with the reason; so do names that are no
    valid requirement. A local archive is pinned by version, from the index.
    """
    return _once("pip_entry", _pip_entry, distribution)


def _pip_entry(distribution):
    name, version = distribution["name"], distribution["version"]
    source = distribution.get("source") or {}
    url = urls.redact_url(source.get("url") or "")
    local = url.startswith("file:")
    sha256 = archive_sha256(source)
    note = None
    if distribution.get("kind") == "egg-link":
        return None, None, "a legacy editable install (setup.py develop) of a local folder"
    if distribution.get("location") == "outside":
        return None, None, "found outside the environment (the notebook's folder or PYTHONPATH)"
    if (source.get("dir_info") or {}).get("editable"):
        return None, None, "an editable install of a local folder"
    if "dir_info" in source:
        return None, None, "installed from a local folder"
    if "vcs_info" in source:
        if local:
            return None, None, "installed from a local %s checkout" % source["vcs_info"].get("vcs")
        line = "%s @ %s+%s" % (name, source["vcs_info"].get("vcs", "git"), url)
        if source["vcs_info"].get("commit_id"):
            line += "@" + source["vcs_info"]["commit_id"]
        if source.get("subdirectory"):
            line += "#subdirectory=" + source["subdirectory"]
    elif url and not local:
        line = "%s @ %s" % (name, url)
    else:
        line = _pin(name, version)
        if local:
            note = "installed from a local file; pinned by version, from the index"
    if not _PLAIN_PIN.match(line):  # `name==version` of plain characters reads as itself
        try:
            Requirement(line)
        except InvalidRequirement:
            return None, None, "not a requirement pip can read: %s" % line
    return line, sha256, note


def pip_dists(environment):
    """The recorded distributions pip must install: not shadowed (never
    imported), not owned by a conda package (the conda files pin those)."""
    return list(_once("pip_dists", _pip_dists, environment))


def _pip_dists(environment):
    pip = (environment or {}).get("pip") or {}
    conda = bool((environment or {}).get("conda"))
    out = []
    for distribution in compact.distributions(pip):
        if distribution.get("shadowed_by") is not None or distribution.get("conda"):
            continue
        if conda and distribution.get("installer") == "conda":
            # A conda package's dist-info that conda reads as pip's (the package
            # does not depend on python): the conda files carry it.
            continue
        out.append(distribution)
    return out


def _extras(extra, pinned):
    """(requirements, comments) for installs found in the notebook's `%pip install`
    lines: those not pinned already; what is no requirement becomes a comment."""
    lines, comments = [], []
    for text in extra:
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            comments.append(_comment("%%pip install in the notebook, not read here: %s" % text))
            continue
        key = distinfo.normalize(requirement.name)
        if key not in pinned:
            pinned.add(key)
            lines.append(str(requirement))
    return lines, comments


def _flagged_by_name(carry):
    """The first flagged item of each normalized name (one look-up per
    distribution, not a pass over every flagged one)."""
    found = {}
    for item in carry.flagged:
        if item.get("key"):
            found.setdefault(distinfo.normalize(item["name"]), item)
    return found


def _carried_entry(distribution, carry, flagged):
    """`(line, sha256, note)` when the bundle's wheels/ folder holds (or must
    hold) this distribution (``carry`` is export.wheels' Plan, ``flagged``
    its _flagged_by_name), else None."""
    if carry is None or not (carry.lines or flagged):
        return None
    key = distinfo.normalize(distribution["name"])
    if key in carry.lines:
        line, sha256 = carry.lines[key]
        return line, sha256, "carried in the bundle as %s" % line
    item = flagged.get(key)
    if item is not None:
        note = "no index has it and the bundle does not carry it; %s" % item["supply"]
        return _pin(distribution["name"], distribution["version"]), None, note
    return None


def _requirement_plan(environment, extra, carry=None):
    """(lines as (requirement, sha256), comments) for requirements.txt;
    ``carry`` (export.wheels' Plan) names what comes from wheels/."""
    entries, comments = _once("plan", _plan, environment, extra, carry)
    return list(entries), list(comments)


def _plan(environment, extra, carry):
    entries, comments, pinned = [], [], set()
    flagged = _flagged_by_name(carry) if carry is not None else {}
    for distribution in pip_dists(environment):
        entry = _carried_entry(distribution, carry, flagged)
        line, sha256, note = entry or pip_entry(distribution)
        if line is None or note:
            label = "%s %s" % (distribution["name"], distribution["version"])
            if line is None:
                comments.append(_comment("left out: %s, %s" % (label, note)))
                continue
            comments.append(_comment("%s: %s" % (label, note)))
        entries.append((line, sha256))
        pinned.add(distinfo.normalize(distribution["name"]))
    lines, extra_comments = _extras(extra, pinned)
    entries.extend((line, None) for line in lines)
    return entries, comments + extra_comments


def _find_links(carry):
    """The option line that lets pip find what wheels/ holds, when it holds anything."""
    return ["--find-links ./wheels"] if carry is not None and carry.needs_folder else []


def requirements_txt(environment, extra=(), carry=None):
    """requirements.txt of the bundle: what pip installed (for a conda
    environment, only that; the conda files pin the rest), plus `extra`.

    pip turns on hash-checking mode as soon as one line has `--hash`, and then
    wants a hash on every requirement; pip records none for index installs. So
    hashes go on the lines only when every line has one, else into comments.
    """
    entries, comments = _requirement_plan(environment, extra, carry)
    hashed = bool(entries) and all(sha256 for _, sha256 in entries)
    header = [
        "# The pip part of the environment the notebook ran in, by nbrepro %s." % __version__,
        "# Install with: python -m pip install -r requirements.txt",
    ]
    body = _find_links(carry)
    if hashed:
        header.append("# Every requirement carries its sha256: pip checks them all.")
        body += ["%s --hash=sha256:%s" % entry for entry in entries]
    else:
        known = [(line, sha256) for line, sha256 in entries if sha256]
        if known:
            header += [
                "# Known sha256 hashes are comments: pip checks hashes only when every",
                "# requirement has one, and it records none for packages from an index.",
            ]
        for line, sha256 in entries:
            if sha256:
                body.append(_comment("sha256 of %s: %s" % (line.split(" ")[0], sha256)))
            body.append(line)
    return "\n".join(header + comments + body) + "\n"


# Anaconda's defaults channels, by the names conda canonicalises them to.
_DEFAULTS = ("defaults", "pkgs/main", "pkgs/r", "pkgs/msys2", "pkgs/free", "pkgs/pro")


def _is_defaults(channel):
    channel = str(channel or "")
    return channel in _DEFAULTS or "repo.anaconda.com/" in channel


def _qualifier(channel, first):
    if not channel or channel == compact.UNKNOWN or first is None or channel == first:
        return ""
    if _is_defaults(channel) and _is_defaults(first):
        return ""
    return "%s::" % channel


def _conda_name(spec):
    match = _CONDA_NAME.match(str(spec))
    return match.group(1).lower() if match else None


def portable_environment_dict(
    environment, name, extra_conda=(), extra_pip=(), conda_channels=(), carry=None
):
    """What portable_environment_yml writes, as an insertion-ordered dict."""
    conda = (environment or {}).get("conda")
    if not conda:
        raise ValueError(
            "this environment is not a conda environment (no conda-meta/ was recorded), "
            "so it has no environment.yml; use requirements.txt and runtime.txt"
        )
    channels = list(dict.fromkeys(list(conda.get("channels") or []) + list(conda_channels)))
    channels = [c for c in channels if c != compact.UNKNOWN]
    # Records conda reads as replaced by pip stay: pip_dists leaves their dist-info out.
    kept = sorted((p for p in packages(conda) if not p.get("clobbered")), key=lambda p: p["name"])
    # As a secure image pins them: a package from a channel other than the first
    # is channel-qualified, so the solver cannot take it from an earlier one.
    first = channels[0] if channels else None
    dependencies = [
        "%s%s=%s" % (_qualifier(p.get("channel"), first), p["name"], p["version"]) for p in kept
    ]
    used = [p.get("channel") for p in kept]
    if channels and not any(_is_defaults(c) for c in channels + used):
        channels.append("nodefaults")  # the recording used no defaults channel
    pinned = set(p["name"].lower() for p in kept)
    for spec in extra_conda:
        key = _conda_name(spec)
        if key and key not in pinned:
            pinned.add(key)
            dependencies.append(str(spec))
    pip = [line for line, _ in _requirement_plan(environment, extra_pip, carry)[0]]
    if pip:
        pip = _find_links(carry) + pip
    if pip and "pip" not in pinned:
        dependencies.append("pip")  # conda needs pip itself to install the pip section
    if pip:
        dependencies.append({"pip": pip})
    out = {"name": name}
    if channels:
        out["channels"] = channels
    if dependencies is not None:
        out["dependencies"] = dependencies
    if conda.get("variables"):
        out["variables"] = dict(conda["variables"])
    return out


def portable_environment_yml(
    environment, name, extra_conda=(), extra_pip=(), conda_channels=(), carry=None
):
    """environment.yml for rebuilding elsewhere: `name=version` without builds
    (the lock is the exact file), channels, the pip section, no prefix.

    `extra_conda`/`extra_pip` are installs found in the notebook's `%conda
    install`/`%pip install` lines, added unless the package is pinned already.
    Dumped by PyYAML, which quotes whatever a hostile name holds.
    """
    data = portable_environment_dict(
        environment, name, extra_conda, extra_pip, conda_channels, carry
    )
    text = plain_yaml(data)
    if text is not None:
        return text
    # libyaml's emitter when PyYAML has it: the same text, ten times faster.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        data, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )


# A plain venv's environment.yml takes Python and pip from conda-forge, as
# repo2docker does, and never from Anaconda's defaults, which the recording
# did not use either.
VENV_CHANNELS = ("conda-forge", "nodefaults")


def venv_environment_dict(environment, name, extra_pip=(), carry=None):
    """environment.yml for an environment without conda: the recorded Python
    (``python=X.Y``), pip, and requirements.txt's lines as the pip section."""
    minor = python_minor(environment)
    if minor is None:
        raise ValueError(
            "no Python version was recorded for this environment, so environment.yml "
            "cannot name one; capture the environment again"
        )
    pip = [line for line, _ in _requirement_plan(environment, extra_pip, carry)[0]]
    if pip:
        pip = _find_links(carry) + pip
    dependencies = ["python=%s" % minor, "pip"]
    if pip:
        dependencies.append({"pip": pip})
    return {"name": name, "channels": list(VENV_CHANNELS), "dependencies": dependencies}


def bundle_environment_yml(
    environment, name, extra_conda=(), extra_pip=(), conda_channels=(), carry=None
):
    """The bundle's environment.yml, for a conda environment or a plain venv alike;
    ``carry`` (export.wheels' Plan) names what comes from the bundle's wheels/."""
    if (environment or {}).get("conda"):
        return portable_environment_yml(
            environment, name, extra_conda, extra_pip, conda_channels, carry
        )
    data = venv_environment_dict(environment, name, extra_pip, carry)
    text = plain_yaml(data)
    if text is not None:
        return text
    return yaml.dump(
        data,
        Dumper=_dumper_for(data),
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
    )


# Strings that PyYAML's pure-Python emitter and libyaml's write alike (no
# spaces to fold at, nothing beyond ASCII to escape differently, short);
# test_export_many holds the two emitters equal on them.
_SAME_IN_LIBYAML = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=<>!~+-]{0,59}")


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    else:
        yield value


def _dumper_for(data):
    """libyaml's emitter (ten times faster) when every string is one it writes
    as PyYAML's own emitter does, else PyYAML's (the text a venv's bundle has
    always had)."""
    fast = getattr(yaml, "CSafeDumper", None)
    if fast is not None and all(
        isinstance(text, str) and _SAME_IN_LIBYAML.fullmatch(text) for text in _strings(data)
    ):
        return fast
    return yaml.SafeDumper


# Strings PyYAML and libyaml both write as they are, unquoted, in block
# style: a letter, digit or `_` first (no indicator), then no space, quote,
# `#`, `,` or anything beyond ASCII, and no `:` last (so none is followed by
# a space). Whether the text would read back as another type (`yes`, `1.5`,
# `null`) is asked of PyYAML's own resolvers. test_export_yaml holds both
# emitters to this on generated strings.
_PLAIN_YAML = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._=<>!~+/:-]*(?<!:)")
_RESOLVERS = yaml.SafeDumper.yaml_implicit_resolvers


def _plain(text):
    if type(text) is not str or not _PLAIN_YAML.fullmatch(text):
        return False
    return not any(regexp.match(text) for _tag, regexp in _RESOLVERS.get(text[0], ()))


def _plain_key(text):
    # A longer key is no simple key: the emitters write `? key` for it.
    return _plain(text) and len(text) < 100


def plain_yaml(data):
    """The text ``yaml.dump(data, sort_keys=False, default_flow_style=False,
    allow_unicode=True)`` writes for an environment.yml's mapping (keys in
    order; values a string, a list of strings and one-key mappings of a list
    of strings, or a mapping of strings), written here when every key and
    string is ``_plain``: PyYAML spends seconds representing 10^5 packages.
    None for any other value (then PyYAML writes it)."""
    lines = []
    for key, value in data.items():
        if not _plain_key(key):
            return None
        if type(value) is str:
            if not _plain(value):
                return None
            lines.append("%s: %s" % (key, value))
        elif type(value) is list and value:
            lines.append(key + ":")
            for item in value:
                if type(item) is dict and len(item) == 1:
                    ((inner, values),) = item.items()
                    if not (_plain_key(inner) and type(values) is list and values):
                        return None
                    if not all(map(_plain, values)):
                        return None
                    lines.append("- %s:" % inner)
                    lines.extend("  - " + text for text in values)
                elif _plain(item):
                    lines.append("- " + item)
                else:
                    return None
        elif type(value) is dict and value:
            lines.append(key + ":")
            for inner, text in value.items():
                if not (_plain_key(inner) and _plain(text)):
                    return None
                lines.append("  %s: %s" % (inner, text))
        else:
            return None
    return "\n".join(lines) + "\n"


def python_minor(environment):
    """The recorded Python as ``major.minor`` (``"3.11"``), or None when not recorded."""
    python = (environment or {}).get("python") or {}
    info = python.get("version_info")
    if isinstance(info, list) and len(info) >= 2 and all(isinstance(v, int) for v in info[:2]):
        return "%d.%d" % (info[0], info[1])
    version = python.get("version")
    match = re.match(r"^(\d+)\.(\d+)", version) if isinstance(version, str) else None
    return "%s.%s" % match.groups() if match else None


def runtime_txt(environment):
    """repo2docker's runtime.txt (`python-3.11`) for an environment without
    conda; None for a conda environment, whose files pin python themselves."""
    if (environment or {}).get("conda"):
        return None
    minor = python_minor(environment)
    if minor is None:
        raise ValueError(
            "no Python version was recorded for this environment (got %r), so runtime.txt "
            "cannot name one; capture the environment again"
            % (((environment or {}).get("python") or {}).get("version"),)
        )
    return "python-%s\n" % minor


# ---------------------------------------------------------------- which conda, in words

_FOUND_BY = {
    "conda-exe": "named by $CONDA_EXE",
    "conda-python-exe": "named by $CONDA_PYTHON_EXE",
    "envs-folder": "found from the environment's location, in its envs/ folder",
    "root": "the environment is that installation itself",
    "environments-txt": "listed beside the environment in ~/.conda/environments.txt",
}
_NO_CONDA = {
    "pixi": "pixi manages this environment (conda-meta/pixi) and no conda is installed for it",
    "micromamba": "micromamba made this environment (its history's `conda version: 3.8.0` "
    "is a placeholder libmamba writes) and no conda is installed for it",
    "rattler": "a rattler-based installer made this environment (its history is empty) and "
    "no conda is installed for it",
    "newest": "no installed conda was found and the history names none",
}


def written_for(conda):
    """Which conda the conda files are written for and why, in one sentence."""
    behaviour = (conda or {}).get("behaviour") or {}
    line = behaviour.get("conda") or "26.7"
    version = behaviour.get("version")
    source = behaviour.get("source") or "newest"
    if source in _FOUND_BY:
        return "as conda %s writes them, the conda installed at %s (%s)" % (
            version or line,
            behaviour.get("root") or "?",
            _FOUND_BY[source],
        )
    if source == "option":
        return "as conda %s writes them (--conda-version)" % (version or line)
    if source == "history":
        history = ((conda or {}).get("history") or {}).get("conda_version") or version
        return (
            "as conda %s writes them, a guess: no installed conda was found, and conda %s "
            "last changed the environment (conda-meta/history)" % (line, history)
        )
    return "as conda %s (the newest nbrepro follows) writes them: %s" % (
        line,
        _NO_CONDA.get(source, _NO_CONDA["newest"]),
    )


_LINE_CHANGES = {
    ("24.11", "25.7"): "environment.yml would now list the packages' channels first and "
    "write --from-history specs without their channel",
    ("25.7", "26.7"): "environment.yml would now be written without the implicit defaults "
    "channel, and --from-history would leave out what pip replaced",
}


def conda_change(before, after):
    """The consequence of the installed conda changing from release line
    ``before`` to ``after`` ("24.11", "25.7", "26.7") for the files conda writes."""
    order = ["24.11", "25.7", "26.7"]
    if before == after or before not in order or after not in order:
        return "the files conda writes are the same for both"
    low, high = sorted((before, after), key=order.index)
    steps = [
        _LINE_CHANGES[(order[i], order[i + 1])] for i in range(order.index(low), order.index(high))
    ]
    text = "; ".join(steps)
    if order.index(after) < order.index(before):
        return "the older conda undoes this: " + text.replace(" would now ", " was ")
    return text
