"""Reading `conda-meta/history` the way conda's `History` class does.

Blocks start with `==> date <==`; `#` lines carry the command, the conda
version and the specs (`# update specs: [...]`, a Python list literal since
conda 4.5, comma separated before); `+`/`-` lines are `channel/subdir::dist`.
pixi writes a one-line stub, rattler an empty file.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import ast
import re

from .safeio import open_regular

_SEP_RE = re.compile(r"==>\s*(.+?)\s*<==")
_CMD_RE = re.compile(r"#\s*cmd:\s*(.+)")
_CONDA_VERSION_RE = re.compile(r"#\s*conda version:\s*(.+)")
_SPECS_RE = re.compile(r"#\s*(\w+)\s*specs:\s*(.+)?")
_VERSION_QUALIFIER_RE = re.compile(r"^[><=!~]")
_NAME_RE = re.compile(r"^\s*([^\s=<>!~\[\(,;@]+)")


def parse(text):
    """Blocks as (date, set of +/- lines, list of comment lines); problems as strings."""
    blocks = []
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        match = _SEP_RE.match(line)
        if match:
            blocks.append((match.group(1), set(), []))
        elif line.startswith("#"):
            if not blocks:
                # conda itself fails here (IndexError in History.parse).
                problems.append("line %d: comment before any '==> date <==' header" % number)
                continue
            blocks[-1][2].append(line)
        elif blocks:
            blocks[-1][1].add(line)
    return blocks, problems


def _old_format_specs(specs_string):
    specs = []
    for spec in specs_string.split(","):
        if specs and _VERSION_QUALIFIER_RE.match(spec):
            specs[-1] = ",".join([specs[-1], spec])
        else:
            specs.append(spec)
    return specs


def parse_comment(line):
    item = {}
    match = _CMD_RE.match(line)
    if match:
        argv = match.group(1).split()
        item["cmd"] = argv
    match = _CONDA_VERSION_RE.match(line)
    if match:
        item["conda_version"] = match.group(1).strip()
    match = _SPECS_RE.match(line)
    if match:
        action, specs_string = match.groups()
        specs_string = (specs_string or "").strip()
        item["action"] = action
        specs = []
        if specs_string.startswith("["):
            value = ast.literal_eval(specs_string)
            specs = [str(s) for s in value] if isinstance(value, (list, tuple)) else []
        elif "[" not in specs_string:
            specs = _old_format_specs(specs_string)
        specs = [s for s in specs if s and not s.endswith("@")]
        if specs and action in ("update", "install", "create"):
            item["update_specs"] = specs
        elif specs and action in ("remove", "uninstall"):
            item["remove_specs"] = specs
        elif specs and action == "neutered":
            item["neutered_specs"] = specs
    return item


def user_requests(blocks, problems):
    """conda's `History.get_user_requests`: blocks that carry a `# cmd:` line."""
    requests = []
    for date, _content, comments in blocks:
        item = {"date": date}
        for line in comments:
            try:
                item.update(parse_comment(line))
            except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
                problems.append("unreadable comment %r: %s" % (line[:80], error))
        if "cmd" in item:
            requests.append(item)
    return requests


def spec_name(spec):
    """The package name of a MatchSpec string (`conda-forge::numpy>=1` -> numpy)."""
    spec = spec.strip()
    if "::" in spec:
        spec = spec.rsplit("::", 1)[1]
    match = _NAME_RE.match(spec)
    return match.group(1) if match else spec


def env_form(spec):
    """conda's `MatchSpec.conda_env_form` for the spec strings conda writes.

    History lines hold `str(MatchSpec)` already (conda >= 4.5), so this drops a
    channel prefix and turns the first `==` into `=`. Older free-form specs are
    brought to the same shape for the common cases.
    """
    spec = spec.strip()
    if "::" in spec:
        spec = spec.rsplit("::", 1)[1]
    name = spec_name(spec)
    rest = spec[len(name) :].strip()
    if not rest or rest.startswith("["):
        pass
    elif rest.startswith("=") and not rest.startswith("=="):
        parts = rest[1:].split("=", 1)
        if len(parts) == 1:
            rest = _version_clause(parts[0]).replace("==", "=", 1)
            if rest and not rest.startswith(("=", "[", "!", "~")):
                rest = "=" + rest
    else:
        version = rest.split()
        build = version[1] if len(version) == 2 and version[1][:1] not in "<>=!~," else None
        clause = _version_clause(version[0] if build else "".join(version))
        if build and clause.startswith("=="):
            clause += "=" + build
        rest = clause
    return (name + rest).replace("==", "=", 1)


def matchspec_form(spec):
    """How conda <= 25.5 writes a --from-history spec: the MatchSpec string the
    history holds (`conda-forge::openssl=3.4`)."""
    return spec.strip()


def _version_clause(version):
    version = version.replace(" ", "")
    if any(c in version for c in "><$^|,"):
        return "[version='%s']" % version
    if version[:2] in ("!=", "~="):
        return version
    if version.endswith(".*"):
        return "=" + version[:-2]
    if version == "*":
        return ""
    if version.endswith("*"):
        return "=" + version[:-1]
    if version.startswith("=="):
        return version
    return "==" + version


def requested_specs_map(requests, installed_names):
    """conda's `History.get_requested_specs_map`: name -> spec string, installed names only."""
    spec_map = {}
    for request in requests:
        for spec in request.get("remove_specs", ()):
            spec_map.pop(spec_name(spec), None)
        for spec in request.get("update_specs", ()):
            spec_map[spec_name(spec)] = spec
        for spec in request.get("neutered_specs", ()):
            spec_map[spec_name(spec)] = spec
    return dict((name, spec) for name, spec in spec_map.items() if name in installed_names)


def read(path):
    """Summarise a history file: requests, from-history specs, writer, problems."""
    summary = {"format": "missing", "requests": [], "conda_version": None, "tool": None}
    problems = []
    try:
        with open_regular(path) as handle:
            raw = handle.read()
    except FileNotFoundError:
        return summary, problems
    except OSError as error:
        problems.append("cannot read history: %s" % (error.strerror or error,))
        return summary, problems
    text = raw.decode("utf-8", "replace")
    if "\ufffd" in text:
        problems.append("history is not valid UTF-8; undecodable bytes replaced")
    if not text.strip():
        summary["format"] = "empty"
        return summary, problems
    if text.lstrip().startswith("//"):
        summary["format"] = "pixi-stub"
    blocks, parse_problems = parse(text)
    problems.extend(parse_problems)
    requests = user_requests(blocks, problems)
    if summary["format"] == "missing":
        summary["format"] = "conda" if blocks else "unrecognised"
        if not blocks:
            problems.append("history has no '==> date <==' blocks")
    summary["requests"] = requests
    versions = [r["conda_version"] for r in requests if r.get("conda_version")]
    if versions:
        summary["conda_version"] = versions[-1]
    if requests:
        tool = requests[-1]["cmd"][0].replace("\\", "/").rsplit("/", 1)[-1].lower()
        for known in ("micromamba", "mamba", "conda"):
            if known in tool:
                summary["tool"] = known
                break
    return summary, problems
