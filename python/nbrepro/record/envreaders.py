"""The door for environment files: a notebook, `nbrepro snapshot` JSON, an
environment.yml (full, ``--no-builds`` or ``--from-history``), a ``conda list
--explicit`` lock, or a requirements.txt. The format is told by the content,
not the file name.

``read_file`` returns a ``Source``: the side (``sides``) the file describes,
what was left out and why (``problems``), and for a notebook its model
(``document.Notebook``). Input it cannot read at all raises
``errors.InputError`` with a message for the user. What comes out is taken as
given by ``drift``: it never checks a side's shape again.
"""

import json
import re

from .. import errors
from . import document, envfiles
from .sides import (
    MAX_PACKAGES,
    channel_name,
    empty_side,
    read_side,
    side_from_environment,
    split_conda_string,
)
from .words import normalize, short

SUBDIRS = {
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "arm64"),
    "linux-ppc64le": ("linux", "ppc64le"),
    "osx-64": ("darwin", "x86_64"),
    "osx-arm64": ("darwin", "arm64"),
    "win-64": ("windows", "x86_64"),
    "win-arm64": ("windows", "arm64"),
}
_CONDA_SPEC = re.compile(r"^\s*(?:([^:\s]+)::)?([A-Za-z0-9_][A-Za-z0-9_.+-]*)\s*(.*?)\s*$")
# `key:` at the start of a text that no format reads: YAML, so say that.
_YAML_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*:(\s|$)")
# A requirements.txt whose first lines are all unreadable is not one.
GIVE_UP_AFTER = 50
MAX_LINE = 10000
_EXACT = re.compile(r"^[^=<>!~,|\s*]+(\.\*)?$")


class Source:
    """An environment file read at the door: ``form`` (``notebook``, ``snapshot``,
    ``side``, ``environment``, ``explicit``, ``environment.yml``,
    ``requirements.txt``), its ``side``, its ``problems``, ``doc``, a
    notebook's model (``document.Notebook``) for what else reads it, and
    ``conda_files``: which conda its conda files are written for and why, in
    words (``conda_files``), where it records a conda environment, else None."""

    def __init__(self, path, form, side, problems, doc=None, conda_files=None):
        self.path = path
        self.form = form
        self.side = side
        self.problems = problems
        self.doc = doc
        self.conda_files = conda_files


def conda_files(environment):
    """ "written as conda X writes them, ..." for a recorded environment's conda
    section (``envfiles.written_for``), or None without one. The section may
    come from an untrusted JSON file: only its string facts are read."""
    conda = environment.get("conda") if isinstance(environment, dict) else None
    if not isinstance(conda, dict):
        return None
    behaviour = conda.get("behaviour")
    behaviour = behaviour if isinstance(behaviour, dict) else {}
    facts = dict(
        (name, behaviour[name])
        for name in ("conda", "version", "source", "root")
        if isinstance(behaviour.get(name), str)
    )
    history = conda.get("history")
    version = history.get("conda_version") if isinstance(history, dict) else None
    section = {"behaviour": facts, "history": {"conda_version": version}}
    if not isinstance(version, str):
        section["history"] = {}
    return "written " + envfiles.written_for(section)


def read_file(path):
    try:
        data = document.read_bytes(path)
        return read_text(document.decode(data, str(path)), str(path))
    except errors.Unreadable as error:
        raise errors.InputError(str(error)) from None


def read_text(text, name="<input>"):
    """A Source from the text of a file, its format told by the content
    (``document.sniff``): YAML is parsed only when the text has a top-level
    ``dependencies:`` key, as every environment.yml has."""
    form = document.sniff(text)
    try:
        if form == "empty":
            raise errors.InputError(
                "%s is empty: give a notebook, nbrepro snapshot JSON, environment.yml, "
                "explicit lock or requirements.txt" % name
            )
        if form == "json":
            problems = []
            source = _from_json(document.parse_json(text, name, problems), name)
            source.problems[:0] = problems
            return source
        lines = text.splitlines()
        if form == "explicit":
            return _explicit(lines, name)
        if form == "yaml":
            data = document.parse_yaml(text, name)
            if not isinstance(data, dict) or "dependencies" not in data:
                raise errors.InputError(
                    "%s has a dependencies: line but is no YAML mapping with a dependencies "
                    "list: not an environment.yml" % name
                )
            return _environment_yml(data, name)
        try:
            return _requirements(lines, name)
        except errors.InputError:
            if _YAML_KEY.match(text.lstrip()):
                raise errors.InputError(
                    "%s is YAML without a dependencies list: not an environment.yml" % name
                ) from None
            raise
    except errors.Unreadable as error:
        raise errors.InputError(str(error)) from None


# ------------------------------------------------------------ JSON


def _from_json(value, name):
    if not isinstance(value, dict):
        raise errors.InputError("%s is JSON but not an object" % name)
    if "cells" in value or "nbformat" in value:
        return _notebook(value, name)
    if "environment" in value:
        problems = []
        if not isinstance(value["environment"], dict):
            raise errors.InputError("%s: its environment is not an object" % name)
        # `nbrepro snapshot` output (it has `capture`) comes from a process that ran
        # none of the notebook's cells: its seeds and determinism flags describe
        # nothing a notebook did, and compared with a recorded run they are all drift.
        runtime = None if "capture" in value else value.get("runtime")
        side = side_from_environment(value["environment"], runtime, problems, "environment")
        return Source(
            name, "snapshot", side, problems, conda_files=conda_files(value["environment"])
        )
    if "packages" in value:
        problems = []
        return Source(name, "side", read_side(value, "side", problems), problems)
    if "python" in value and ("pip" in value or "conda" in value):
        problems = []
        side = side_from_environment(value, None, problems)
        return Source(name, "environment", side, problems, conda_files=conda_files(value))
    raise errors.InputError(
        "%s is JSON but neither a notebook nor an nbrepro snapshot "
        "(no cells, environment or packages key)" % name
    )


def _notebook(value, name):
    try:
        doc = document.notebook_from_value(value, name)
    except errors.Unreadable as error:
        raise errors.InputError(str(error)) from None
    meta, problems = doc.meta, list(doc.problems)
    current = meta["current"]
    if current is None:
        raise errors.InputError(
            "%s has no recorded environment (metadata.nbrepro.current is empty); "
            "run it in JupyterLab with nbrepro, or with `nbrepro run`, first" % name
        )
    runtime = _last_run(doc, current)
    side = side_from_environment(
        meta["snapshots"][current]["environment"], runtime, problems, "snapshot " + current
    )
    environment = meta["snapshots"][current]["environment"]
    return Source(name, "notebook", side, problems, doc, conda_files(environment))


def _last_run(doc, env_id):
    """The run record of the last code cell that ran on ``env_id`` (notebook order)."""
    found = None
    for cell in doc.code_cells:
        record = cell.record
        if record and record["env"] == env_id and record.get("run") in doc.runs:
            found = doc.runs[record["run"]]
    return found


# ------------------------------------------------------------ conda files


def _explicit(lines, name):
    side = empty_side()
    problems = []
    channels = set()
    started = False
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if line.startswith("# platform:"):
            os_machine = SUBDIRS.get(line.split(":", 1)[1].strip())
            if os_machine:
                side["platform"] = {"os": os_machine[0], "machine": os_machine[1], "libc": None}
        if not line or line.startswith("#"):
            continue
        if line == "@EXPLICIT":
            started = True
            continue
        if not started:
            problems.append("%s line %d comes before @EXPLICIT; ignored" % (name, number))
            continue
        url = line.split("#", 1)[0]
        base, _, fn = url.rpartition("/")
        base, _, subdir = base.rpartition("/")
        parsed = split_conda_string("x/%s/%s" % (subdir, fn)) if "://" in base else None
        if parsed is None or parsed[2] is None:
            problems.append(
                "%s line %d is not a package URL: %s; skipped"
                % (name, number, json.dumps(short(line)))
            )
            continue
        if len(side["packages"]) >= MAX_PACKAGES:
            problems.append(
                "%s has more than %d packages; the rest were ignored" % (name, MAX_PACKAGES)
            )
            break
        channel = channel_name(base)
        channels.add(channel)
        _, _, package, version, build = parsed
        side["packages"][normalize(package)] = {
            "name": package,
            "version": version,
            "build": build,
            "manager": "conda",
            "channel": channel,
        }
    side["channels"] = sorted(channels)
    _python_from_packages(side)
    return Source(name, "explicit", side, problems)


def _environment_yml(data, name):
    side = empty_side()
    problems = []
    channels = data.get("channels")
    if isinstance(channels, list):
        side["channels"] = sorted({channel_name(c) for c in channels if isinstance(c, str)})
    elif channels is not None:
        problems.append("%s: channels is not a list; ignored" % name)
    dependencies = data.get("dependencies")
    if not isinstance(dependencies, list):
        raise errors.InputError("%s: dependencies is not a list" % name)
    specs, pip_lines = [], []
    for index, item in enumerate(dependencies[:MAX_PACKAGES]):
        if isinstance(item, str):
            specs.append(item)
        elif isinstance(item, dict) and isinstance(item.get("pip"), list):
            pip_lines.extend(line for line in item["pip"] if isinstance(line, str))
        else:
            problems.append("%s: dependencies[%d] is neither a spec nor a pip list" % (name, index))
    parsed = [(spec, _CONDA_SPEC.match(spec)) for spec in specs]
    # `conda env export` writes name=version=build, `--no-builds` name=version:
    # exact versions. A --from-history file holds the user's specs, where
    # `python=3.11` means 3.11.*; any spec of another shape marks one.
    from_history = any(
        match is None or not re.match(r"^(=[^=<>!~,|\s]+){1,2}$", match.group(3))
        for _, match in parsed
    )
    for spec, match in parsed:
        entry = _conda_entry(match, from_history) if match else None
        if entry is None:
            problems.append("%s: %s is not a conda spec; skipped" % (name, json.dumps(short(spec))))
            continue
        side["packages"][normalize(entry["name"])] = entry
    requirements = _requirements(pip_lines, name + " (pip section)")
    problems.extend(requirements.problems)
    side["packages"].update(requirements.side["packages"])  # pip wins, as conda has it
    _python_from_packages(side)
    return Source(name, "environment.yml", side, problems)


def _conda_entry(match, from_history):
    channel, package, rest = match.groups()
    version = build = None
    if rest.startswith("=="):
        version, _, build = rest[2:].partition("=")
    elif rest.startswith("="):
        version, _, build = rest[1:].partition("=")
        if from_history and version and not version.endswith("*"):
            version += ".*"  # conda's `=1.2` is fuzzy: 1.2.*
    elif rest and " " in rest and not re.search(r"[<>!~,|]", rest):
        version, _, build = rest.partition(" ")
    elif rest and not re.search(r"[<>!~,|=]", rest):
        version = rest
    version = version.strip() if version else None
    if version and not _EXACT.match(version):
        version = None  # a range: unpinned
    entry = {"name": package, "version": version or None, "manager": "conda"}
    if build and build.strip():
        entry["build"] = build.strip()
    if channel:
        entry["channel"] = channel_name(channel)
    return entry


def _python_from_packages(side):
    entry = side["packages"].get("python")
    if entry and entry["version"] and not entry["version"].endswith("*"):
        side["python"] = entry["version"]


# ------------------------------------------------------------ pip files


def _requirements(lines, name):
    from packaging.requirements import InvalidRequirement, Requirement

    side = empty_side()
    problems = []
    indexes = []
    for number, line in _logical_lines(lines):
        if line.startswith("-"):
            option, _, value = line.partition(" ")
            if "=" in option and option.startswith("--"):
                option, _, value = option.partition("=")
            value = value.strip()
            if option in ("-i", "--index-url", "--extra-index-url", "-f", "--find-links"):
                indexes.append(channel_name(value))
            elif option in ("-e", "--editable"):
                package = _egg_name(value)
                if package:
                    side["packages"][normalize(package)] = {
                        "name": package,
                        "version": None,
                        "manager": "pip",
                        "source": "editable " + value,
                    }
                else:
                    problems.append(
                        "%s line %d: editable without #egg=name; skipped" % (name, number)
                    )
            elif option in ("-r", "--requirement", "-c", "--constraint"):
                problems.append("%s line %d: %s is not followed; skipped" % (name, number, option))
            continue
        try:
            if len(line) > MAX_LINE:
                raise InvalidRequirement("longer than %d characters" % MAX_LINE)
            requirement = Requirement(line.split(" --hash", 1)[0].strip())
        except InvalidRequirement as error:
            problems.append(
                "%s line %d: %s" % (name, number, short(str(error).splitlines()[0], 200))
            )
            if not side["packages"] and len(problems) >= GIVE_UP_AFTER:
                # Text that is none of the formats: say so now, not after
                # reading every line of a large file.
                raise errors.InputError(_none_of(name, problems[0])) from None
            continue
        if len(side["packages"]) >= MAX_PACKAGES:
            problems.append(
                "%s has more than %d packages; the rest were ignored" % (name, MAX_PACKAGES)
            )
            break
        entry = {"name": requirement.name, "version": None, "manager": "pip"}
        specifiers = list(requirement.specifier)
        if len(specifiers) == 1 and specifiers[0].operator in ("==", "==="):
            entry["version"] = specifiers[0].version
        if requirement.url:
            entry["source"] = requirement.url
        side["packages"][normalize(requirement.name)] = entry
    if not side["packages"] and problems and len(problems) == sum(1 for _ in _logical_lines(lines)):
        raise errors.InputError(_none_of(name, problems[0]))
    side["channels"] = sorted(set(indexes or ["pypi"]))
    return Source(name, "requirements.txt", side, problems)


def _none_of(name, first_problem):
    return (
        "%s is none of: notebook, nbrepro snapshot JSON, environment.yml, explicit lock, "
        "requirements.txt (%s)" % (name, first_problem)
    )


def _logical_lines(lines):
    """(line number, text) without comments, blank lines and continuations."""
    pending, start = "", 0
    for number, raw in enumerate(lines, 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()


def _egg_name(value):
    match = re.search(r"#egg=([A-Za-z0-9_.-]+)", value)
    return match.group(1) if match else None
