"""Untrusted files read once, at the door.

Every file a command is given (a notebook someone sent, a snapshot, an
environment.yml, a lock, a requirements.txt) comes through here: bytes are
read up to a size limit, decoded, parsed with a depth limit, and a notebook's
``metadata.nbrepro`` is checked against ``schema/notebook.schema.json``. What
comes out is a ``Notebook`` whose metadata every later step may trust, and the
problems found on the way, each naming what was dropped and why. Input that
cannot be used at all raises ``errors.Unreadable`` with a sentence for the user
(exit status 2).

What the schema cannot say is checked here too (``_scrub_run``): a value that
will land in a shell script or a Dockerfile must hold no control character.

src/record/document.ts reads notebooks the same way; the vectors in
``test/vectors/metadata/`` whose name says ``read`` hold the two equal.
"""

import json
import re
from pathlib import Path

from .. import errors
from . import metadata as notebook
from .words import describe_type

MAX_BYTES = 64 * 1024 * 1024
# JSON and YAML nesting: a real notebook's output is rarely 20 deep; past
# Python's recursion limit (about 1,000) the parsers themselves fail.
MAX_DEPTH = 100
# An environment.yml of 20,000 packages is about 1 MB; PyYAML in pure Python
# reads about 0.4 MB a second.
MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_PROBLEMS = 200

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# ------------------------------------------------------------ bytes and text


def read_bytes(path, limit=MAX_BYTES):
    """The file's bytes, at most ``limit`` of them; errors.Unreadable otherwise."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise errors.Unreadable("cannot read %s: %s" % (path, error.strerror or error)) from None
    except ValueError as error:  # a NUL in the path
        raise errors.Unreadable("cannot read %r: %s" % (str(path), error)) from None
    if len(data) > limit:
        raise errors.Unreadable("%s is larger than %d MB; not read" % (path, limit // 2**20))
    return data


def decode(data, name):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise errors.Unreadable("%s is not UTF-8 text (byte %d)" % (name, error.start)) from None


def depth_exceeds(value, limit=MAX_DEPTH):
    """Whether a parsed JSON or YAML value nests deeper than ``limit`` (no
    recursion: one level of containers at a time, 10^5 packages in a few
    hundredths of a second)."""
    containers = (dict, list)
    level = [value] if isinstance(value, containers) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            below.extend([child for child in children if isinstance(child, containers)])
        level = below
    return False


def parse_json(text, name, problems=None, kind=None):
    """The JSON value of ``text``; errors.Unreadable when it does not parse or nests too deep.

    A ``\\ud800`` escape gives a
    string Python cannot print or write; such lone surrogates become U+FFFD and
    a problem says so.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise errors.Unreadable(
            "%s nests deeper than %d levels; not read" % (name, MAX_DEPTH)
        ) from None
    except ValueError as error:
        if kind:
            raise errors.Unreadable("%s is not a readable %s: %s" % (name, kind, error)) from None
        raise errors.Unreadable(
            "%s looks like JSON but does not parse: %s" % (name, error)
        ) from None
    if depth_exceeds(value):
        raise errors.Unreadable("%s nests deeper than %d levels; not read" % (name, MAX_DEPTH))
    if _SURROGATE_ESCAPE.search(text):
        value, count = _replace_surrogates(value)
        if count and problems is not None:
            problems.append(
                "%s holds %d string%s with an unpaired surrogate escape (like \\ud800); "
                "each was read with U+FFFD in its place" % (name, count, "" if count == 1 else "s")
            )
    return value


def _replace_surrogates(value):
    """(value with lone surrogates replaced, how many strings had one); no recursion."""
    count = 0

    def fix(text):
        nonlocal count
        if _LONE_SURROGATE.search(text):
            count += 1
            return _LONE_SURROGATE.sub("\ufffd", text)
        return text

    if isinstance(value, str):
        return fix(value), count
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in list(item):
                child = item[key]
                if isinstance(child, str):
                    child = fix(child)
                elif isinstance(child, (dict, list)):
                    stack.append(child)
                new_key = fix(key) if isinstance(key, str) else key
                if new_key != key:
                    del item[key]
                item[new_key] = child
        elif isinstance(item, list):
            for index, child in enumerate(item):
                if isinstance(child, str):
                    item[index] = fix(child)
                elif isinstance(child, (dict, list)):
                    stack.append(child)
    return value, count


def parse_yaml(text, name):
    """The YAML value of ``text``, or None when it is not YAML; errors.Unreadable when
    it is too large or nests too deep to read safely.

    The nesting is counted on PyYAML's event stream (a flat loop) before the
    composer, which recurses, builds anything.
    """
    import yaml

    if len(text) > MAX_YAML_BYTES:
        raise errors.Unreadable(
            "%s is larger than %d MB; too large for an environment.yml, not read"
            % (name, MAX_YAML_BYTES // 2**20)
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        depth = 0
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise errors.Unreadable(
                        "%s nests deeper than %d levels; not read" % (name, MAX_DEPTH)
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def sniff(text):
    """The format a text looks like, by content: ``json``, ``explicit`` (a
    ``conda list --explicit`` lock), ``yaml`` (a top-level ``dependencies:``
    key, as every environment.yml has), ``requirements``, or ``empty``."""
    stripped = text.lstrip()
    if not stripped:
        return "empty"
    if stripped.startswith(("{", "[")):
        return "json"
    if re.search(r"^[ \t]*@EXPLICIT[ \t]*\r?$", text, re.M):
        return "explicit"
    if re.search(r"^dependencies[ \t]*:", text, re.M):
        return "yaml"
    return "requirements"


# ------------------------------------------------------------ the notebook


class CodeCell(object):
    """A code cell with source: its 1-based number, text, execution count and record."""

    __slots__ = ("number", "cell", "source", "count", "record")

    def __init__(self, number, cell, source, count, record):
        self.number = number
        self.cell = cell
        self.source = source
        self.count = count
        self.record = record


class Notebook(object):
    """A notebook read at the door.

    ``nb`` is the nbformat 4 document (a dict); ``meta`` its ``metadata.nbrepro``
    as ``notebook.read_metadata`` shapes it, every snapshot and run valid
    against the schema; ``problems`` what was dropped or replaced and why;
    ``raw`` the file's bytes when it was read from one in version 4.
    """

    def __init__(self, nb, meta, problems, name="<notebook>", raw=None, cells=None):
        self.nb = nb
        self.meta = meta
        self.problems = problems
        self.name = name
        self.raw = raw
        self.code_cells = code_cells(nb) if cells is None else cells

    @property
    def snapshots(self):
        return self.meta["snapshots"]

    @property
    def runs(self):
        return self.meta["runs"]

    @property
    def current(self):
        return self.meta["current"]


def read_notebook(path):
    """The Notebook at ``path``; errors.Unreadable when it is not one."""
    data = read_bytes(path)
    return notebook_from_text(decode(data, str(path)), str(path), raw=data)


def notebook_from_text(text, name, raw=None):
    problems = []
    value = parse_json(text, name, problems, kind="notebook")
    return notebook_from_value(value, name, raw=raw, problems=problems)


def notebook_from_value(value, name="<notebook>", raw=None, problems=None):
    """The Notebook of an already parsed JSON value (a dict or NotebookNode)."""
    problems = list(problems or ())
    if not isinstance(value, dict) or (
        "nbformat" not in value and not isinstance(value.get("cells"), list)
    ):
        raise errors.Unreadable("%s is not a readable notebook: no nbformat version in it" % name)
    if "nbformat" in value and (value["nbformat"] != 4 or not isinstance(value.get("cells"), list)):
        value, raw = _upgrade(value, name), None
    metadata = value.get("metadata")
    meta, found = read_meta(metadata.get(notebook.KEY) if isinstance(metadata, dict) else None)
    problems.extend(found)
    cells = code_cells(value, problems)
    return Notebook(value, meta, problems[:MAX_PROBLEMS], name=name, raw=raw, cells=cells)


def _upgrade(value, name):
    import nbformat

    try:
        return nbformat.reads(json.dumps(value), as_version=4)
    except Exception as error:  # nbformat raises several kinds for bad input
        raise errors.Unreadable("%s is not a readable notebook: %s" % (name, error)) from None


def code_cells(nb, problems=None):
    """The CodeCells of ``nb``: code cells with source, in notebook order. A
    cell's ``metadata.nbrepro`` that is not a record is read as none, and
    ``problems`` (when given) says so."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    out = []
    for index, cell in enumerate(cells if isinstance(cells, list) else ()):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str) or not source.strip():
            continue
        count = cell.get("execution_count")
        if not isinstance(count, int) or isinstance(count, bool):
            count = None
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        raw = metadata.get(notebook.KEY)
        record = notebook.read_cell_metadata(raw)
        if problems is not None and raw is not None:
            _cell_problem(index + 1, raw, record, problems)
        out.append(CodeCell(index + 1, cell, source, count, record))
    return out


def _cell_problem(number, raw, record, problems):
    """What ``read_cell_metadata`` left out of cell ``number``'s record, in words."""
    if not isinstance(raw, dict):
        problems.append(
            "cell %d: metadata.nbrepro is %s, not an object; ignored" % (number, describe_type(raw))
        )
    elif record is None:
        problems.append("cell %d: metadata.nbrepro has no valid env and src ids; ignored" % number)
    elif "run" in raw and "run" not in record:
        problems.append("cell %d: metadata.nbrepro.run is not an id; ignored" % number)


def execution_counts(nb):
    """``[(cell number, execution count), ...]`` of every code cell that ran, in
    notebook order, empty cells included: an empty cell the author ran took a
    count too, and leaving it out would make one pass look like a gap."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    out = []
    for index, cell in enumerate(cells if isinstance(cells, list) else ()):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        count = cell.get("execution_count")
        if isinstance(count, int) and not isinstance(count, bool):
            out.append((index + 1, count))
    return out


# ------------------------------------------------------------ metadata.nbrepro


def read_meta(raw):
    """``(meta, problems)``: untrusted ``metadata.nbrepro`` made safe to use.

    ``notebook.read_metadata`` gives the shape; then each snapshot and run is
    checked against the schema. A part that fails is dropped, as small as it
    can be: one distribution, conda package or GPU device, a run's section,
    else the whole snapshot or run. A ``current`` whose snapshot was dropped
    is cleared.
    """
    if depth_exceeds(raw):
        return notebook.empty(), [
            "metadata.nbrepro nests deeper than %d levels; it was not read" % MAX_DEPTH
        ]
    meta, problems = notebook.read_metadata(raw)
    for key in list(meta["snapshots"]):
        where = "snapshot %s" % key
        if not _prune_until_valid("snapshot", meta["snapshots"][key], where, problems):
            del meta["snapshots"][key]
    for key in list(meta["runs"]):
        run = meta["runs"][key]
        where = "run %s" % key
        if not _prune_until_valid("run", run, where, problems):
            del meta["runs"][key]
            continue
        _scrub_run(run, where, problems)
    if meta["current"] is not None and meta["current"] not in meta["snapshots"]:
        problems.append("metadata.nbrepro.current named a snapshot that was dropped; cleared")
        meta["current"] = None
    return meta, problems


# Paths (from a snapshot or run record) of what may go alone when it fails the
# schema; "*" is a list index.
_DROPPABLE = (
    ("environment", "pip", "distributions", "*"),
    ("environment", "conda", "packages", "*"),
    ("environment", "gpu", "devices", "*"),
    ("environment", "gpu"),
    ("environment", "conda", "overrides"),
    ("environment", "conda", "requested_specs"),
    ("problems", "*"),
    ("seeds",),
    ("determinism",),
    ("modules",),
    ("frameworks",),
    ("inputs",),
    ("fonts",),
)


def _drop_target(path):
    """The droppable prefix of an error's path, or None (the record must go)."""
    best = None
    for pattern in _DROPPABLE:
        if len(path) < len(pattern):
            continue
        if all(p == "*" and isinstance(x, int) or p == x for p, x in zip(pattern, path)):
            if best is None or len(pattern) > len(best):
                best = tuple(path[: len(pattern)])
    return best


def _prune_until_valid(definition, record, where, problems, rounds=4):
    """Drop the failing parts of ``record`` in place; False when it cannot be kept.

    The compiled check answers for a valid record (the common case, and fast
    for 10^5 packages); jsonschema, slower to import and to run, names every
    error of an invalid one.
    """
    from . import schemas

    if schemas.fast_validator(definition)(record):
        return True
    validator = schemas.validator(definition)
    for _ in range(rounds):
        errors = [leaf for error in validator.iter_errors(record) for leaf in _leaves(error)]
        if not errors:
            return True
        targets = {}
        for error in errors:
            path = tuple(error.absolute_path)
            target = _drop_target(path)
            if target is None:
                problems.append(
                    "%s does not match the schema (%s: %s); dropped"
                    % (where, "/".join(map(str, path)) or "(top)", _short(error.message))
                )
                return False
            targets.setdefault(target, error)
        # Later list items first, so that earlier indexes stay right.
        for target in sorted(targets, key=_sort_key, reverse=True):
            error = targets[target]
            problems.append(
                "%s: %s does not match the schema (%s); dropped"
                % (where, "/".join(map(str, target)), _short(error.message))
            )
            _remove(record, target)
    return not any(True for _ in validator.iter_errors(record))


def _leaves(error):
    """The errors under an anyOf/oneOf that point deeper than it does: for
    ``conda: anyOf [conda, null]`` the one bad package, not all of conda."""
    depth = len(error.absolute_path)
    deeper = [
        leaf
        for sub in error.context or ()
        for leaf in _leaves(sub)
        if len(leaf.absolute_path) > depth
    ]
    return deeper or [error]


def _sort_key(path):
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def _remove(record, path):
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if isinstance(last, int):
        del parent[last]
        if path[:-1] == ("environment", "conda", "packages"):
            _shift_overrides(record["environment"]["conda"], last)
    else:
        parent.pop(last, None)


def _shift_overrides(conda, removed):
    """Overrides are keyed by package index: drop the removed one's, renumber the rest."""
    overrides = conda.get("overrides")
    if not isinstance(overrides, dict):
        return
    shifted = {}
    for key, value in overrides.items():
        index = int(key) if key.isdigit() else -1
        if index == removed or index < 0:
            continue
        shifted[str(index - 1 if index > removed else index)] = value
    conda["overrides"] = shifted
    if not shifted:
        del conda["overrides"]


def _scrub_run(run, where, problems):
    """What the schema allows but the bundle cannot carry: a determinism
    setting is written into run.sh and the Dockerfile, one line each."""
    env = (run.get("determinism") or {}).get("env") or {}
    for name, value in env.items():
        if isinstance(value, str) and _CONTROL.search(value):
            problems.append(
                "%s: determinism setting %s holds a control character; read as unset"
                % (where, name)
            )
            env[name] = None


def _short(text, limit=160):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
