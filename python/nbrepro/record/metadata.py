"""nbrepro's notebook metadata: merge what the kernel collected, prune, check.

Plain functions over plain JSON values; the TypeScript side implements the
same rules and both run the vectors in ``test/vectors/metadata/``.

Notebook level, ``metadata.nbrepro``::

    {"schema_version": 1, "current": id | null,
     "snapshots": {id: {"environment", "captured_at", "engine_version", "problems"?}},
     "runs": {id: runtime record}, "kernel"?: {"name", "language"}}

Cell level, ``metadata.nbrepro`` of each executed code cell: ``{"env", "run"?, "src"}``.
Ids are 16 lowercase hex characters. Only the ``nbrepro`` key is ours: the
callers never touch other metadata.
"""

import copy
import json
import re

from .words import describe_type

SCHEMA_VERSION = 1
KEY = "nbrepro"
ID_RE = re.compile(r"^[0-9a-f]{16}$")
# What a notebook may carry before we stop reading (an untrusted file).
MAX_SNAPSHOTS = 256
MAX_RUNS = 20000
SNAPSHOT_FIELDS = ("environment", "captured_at", "engine_version", "problems")


def _copy(value):
    """A deep copy of a JSON value: a JSON round trip, several times faster
    than copy.deepcopy on a snapshot of 10^5 packages."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):  # not JSON (a caller's own objects)
        return copy.deepcopy(value)


def is_id(value):
    return isinstance(value, str) and ID_RE.match(value) is not None


def empty():
    return {"schema_version": SCHEMA_VERSION, "current": None, "snapshots": {}, "runs": {}}


def read_metadata(raw):
    """A safe notebook-level value from untrusted ``metadata.nbrepro``, and the problems found.

    Wrong types are replaced, entries with bad ids or shapes dropped, unknown
    keys dropped; the environments themselves are checked by ``validate``.
    Returns ``(nb_meta, problems)``, problems as human-readable strings.
    """
    problems = []
    meta = empty()
    if raw is None:
        return meta, problems
    if not isinstance(raw, dict):
        problems.append("metadata.nbrepro is %s, not an object; it was reset" % describe_type(raw))
        return meta, problems
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.append(
            "metadata.nbrepro has schema_version %s, this nbrepro reads %d"
            % (_short(version), SCHEMA_VERSION)
        )
        if isinstance(version, (int, float)) and not isinstance(version, bool) and version > 1:
            return meta, problems  # a newer nbrepro wrote it: keep nothing rather than misread
    for key in raw:
        if key not in ("schema_version", "current", "snapshots", "runs", "kernel", "author_order"):
            problems.append("metadata.nbrepro.%s is not an nbrepro key; dropped" % _short(key))

    snapshots = raw.get("snapshots")
    for key, value in _entries(snapshots, "snapshots", MAX_SNAPSHOTS, problems):
        snapshot = _snapshot(value)
        if snapshot is None:
            problems.append("snapshot %s is not a valid snapshot; dropped" % key)
        else:
            meta["snapshots"][key] = snapshot

    runs = raw.get("runs")
    for key, value in _entries(runs, "runs", MAX_RUNS, problems):
        if isinstance(value, dict):
            meta["runs"][key] = _copy(value)
        else:
            problems.append("run %s is not an object; dropped" % key)

    current = raw.get("current")
    if is_id(current) and current in meta["snapshots"]:
        meta["current"] = current
    elif current is not None:
        problems.append("metadata.nbrepro.current names no recorded snapshot; cleared")

    kernel = raw.get("kernel")
    if isinstance(kernel, dict):
        meta["kernel"] = {
            k: kernel[k] for k in ("name", "language") if isinstance(kernel.get(k), str)
        }
    elif kernel is not None:
        problems.append("metadata.nbrepro.kernel is not an object; dropped")

    if "author_order" in raw:
        order = read_author_order(raw["author_order"])
        if order is None:
            problems.append("metadata.nbrepro.author_order is not valid; dropped")
        else:
            meta["author_order"] = order
    return meta, problems


ORDER_KINDS = ("out-of-order", "not-one-pass")
MAX_ORDER_CELLS = 10000


def read_author_order(value):
    """A copy of a valid ``author_order`` (the execution counts the notebook
    carried before ``nbrepro run`` re-ran it), or None."""
    if not isinstance(value, dict) or set(value) != {"cells", "counts", "finding"}:
        return None
    cells, counts = value["cells"], value["counts"]
    if value["finding"] not in ORDER_KINDS or not isinstance(cells, list):
        return None
    if not isinstance(counts, list) or len(cells) != len(counts) or len(cells) > MAX_ORDER_CELLS:
        return None
    if not all(_is_int(n) and n >= 1 for n in cells):
        return None
    if not all(c is None or (_is_int(c) and c >= 0) for c in counts):
        return None
    return {"cells": list(cells), "counts": list(counts), "finding": value["finding"]}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _entries(value, name, limit, problems):
    """(key, value) pairs of an id-keyed object, bounded, with bad keys reported."""
    if value is None:
        return []
    if not isinstance(value, dict):
        problems.append(
            "metadata.nbrepro.%s is %s, not an object; reset" % (name, describe_type(value))
        )
        return []
    out = []
    for key, item in value.items():
        if not is_id(key):
            problems.append("metadata.nbrepro.%s has a bad id %s; dropped" % (name, _short(key)))
            continue
        if len(out) >= limit:
            problems.append(
                "metadata.nbrepro.%s has more than %d entries; the rest were dropped"
                % (name, limit)
            )
            break
        out.append((key, item))
    return out


def _snapshot(value):
    if not isinstance(value, dict):
        return None
    if not isinstance(value.get("environment"), dict) or not isinstance(
        value.get("captured_at"), str
    ):
        return None
    out = {"environment": _copy(value["environment"]), "captured_at": value["captured_at"]}
    if isinstance(value.get("engine_version"), str):
        out["engine_version"] = value["engine_version"]
    if isinstance(value.get("problems"), list):
        problems = [p for p in value["problems"] if _is_problem(p)]
        if problems:
            out["problems"] = _copy(problems)
    return out


def _is_problem(value):
    return (
        isinstance(value, dict)
        and isinstance(value.get("probe"), str)
        and isinstance(value.get("message"), str)
        and set(value) <= {"probe", "message", "path"}
        and isinstance(value.get("path", ""), str)
    )


def read_cell_metadata(raw):
    """A cell's ``metadata.nbrepro`` when it is well formed, else None."""
    if not isinstance(raw, dict) or not is_id(raw.get("env")) or not is_id(raw.get("src")):
        return None
    out = {"env": raw["env"], "src": raw["src"]}
    if is_id(raw.get("run")):
        out["run"] = raw["run"]
    return out


def apply_collect(nb_meta, collected, captured_at, kernel=None, advance=True):
    """Merge one collect result into the notebook-level value.

    Returns ``(new_nb_meta, {cell_id: cell_meta})``: new snapshots get
    ``captured_at`` and the collect's engine version (a snapshot already in the
    notebook keeps its first record); runs are added; ``current`` becomes the
    collected environment when its snapshot is stored and ``advance`` is true
    (``nbrepro run``, which re-runs every cell), or when the notebook had none.
    JupyterLab passes ``advance=False``: there ``current`` is the environment
    the notebook vouches for, which only "Accept current environment" moves,
    and drift is measured against it. Records without a cell
    id, or that the kernel could not capture (no env), are skipped (``nbrepro
    run`` assigns ids first). A later record for the same cell wins.
    """
    meta, _ = read_metadata(nb_meta)
    if not isinstance(collected, dict):
        collected = {}
    engine_version = collected.get("engine_version")
    environments = collected.get("environments")
    if isinstance(environments, dict):
        for env_id, environment in environments.items():
            if is_id(env_id) and isinstance(environment, dict) and env_id not in meta["snapshots"]:
                snapshot = {"environment": _copy(environment), "captured_at": captured_at}
                if isinstance(engine_version, str):
                    snapshot["engine_version"] = engine_version
                meta["snapshots"][env_id] = snapshot
    runs = collected.get("runs")
    if isinstance(runs, dict):
        for run_id, runtime in runs.items():
            if is_id(run_id) and isinstance(runtime, dict):
                meta["runs"][run_id] = _copy(runtime)
    if (
        is_id(collected.get("environment_id"))
        and collected["environment_id"] in meta["snapshots"]
        and (advance or meta["current"] is None)
    ):
        meta["current"] = collected["environment_id"]
    if isinstance(kernel, dict):
        meta["kernel"] = {
            k: kernel[k] for k in ("name", "language") if isinstance(kernel.get(k), str)
        }

    cells = {}
    records = collected.get("cells")
    for record in records if isinstance(records, list) else ():
        if not isinstance(record, dict) or not isinstance(record.get("cell_id"), str):
            continue
        if not is_id(record.get("env")) or not is_id(record.get("src")):
            continue
        cell = {"env": record["env"], "src": record["src"]}
        if is_id(record.get("run")):
            cell["run"] = record["run"]
        cells[record["cell_id"]] = cell
    return meta, cells


def prune(nb_meta, cell_metas):
    """Drop snapshots no cell and not ``current`` refers to, and runs no cell refers to.

    ``cell_metas`` holds each cell's ``metadata.nbrepro`` (a list, or a dict by
    cell id); malformed entries refer to nothing.
    """
    meta, _ = read_metadata(nb_meta)
    values = cell_metas.values() if isinstance(cell_metas, dict) else (cell_metas or ())
    envs, runs = set(), set()
    for raw in values:
        cell = read_cell_metadata(raw)
        if cell is not None:
            envs.add(cell["env"])
            if "run" in cell:
                runs.add(cell["run"])
    if meta["current"]:
        envs.add(meta["current"])
    meta["snapshots"] = {k: v for k, v in meta["snapshots"].items() if k in envs}
    meta["runs"] = {k: v for k, v in meta["runs"].items() if k in runs}
    return meta


def validate(nb_meta):
    """Problems (strings) of the notebook-level value against schema/notebook.schema.json."""
    from . import schemas

    return _errors(schemas.validator("notebook"), nb_meta)


def validate_cell(cell_meta):
    from . import schemas

    return _errors(schemas.validator("cell"), cell_meta)


def _errors(validator, value):
    out = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        out.append("%s: %s" % (where, _short(error.message, 300)))
    return out


def drop_invalid(nb_meta):
    """Remove snapshots and runs that fail the schema (an old or foreign writer); report them."""
    from . import schemas

    meta, problems = read_metadata(nb_meta)
    snapshot_check = schemas.validator("snapshot")
    run_check = schemas.validator("run")
    for key in list(meta["snapshots"]):
        errors = _errors(snapshot_check, meta["snapshots"][key])
        if errors:
            problems.append(
                "snapshot %s does not match the schema (%s); dropped" % (key, errors[0])
            )
            del meta["snapshots"][key]
    for key in list(meta["runs"]):
        errors = _errors(run_check, meta["runs"][key])
        if errors:
            problems.append("run %s does not match the schema (%s); dropped" % (key, errors[0]))
            del meta["runs"][key]
    return meta, problems


def _short(value, limit=60):
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
