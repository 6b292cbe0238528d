"""The notebook metadata core (``nbrepro.record.metadata``) and the shared vectors.

The TypeScript side runs the same files from ``test/vectors/metadata/``.
"""

import copy
import json
from pathlib import Path

import pytest

from nbrepro.record import metadata, schemas

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "metadata"
# The "read" vectors are the door's (test_document.py runs them).
FILES = sorted(p for p in VECTORS.glob("*.json") if "-read-" not in p.name)


def test_there_are_enough_vectors():
    kinds = [("apply" if "collected" in json.loads(p.read_text()) else "prune") for p in FILES]
    assert kinds.count("apply") >= 8 and kinds.count("prune") >= 3


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    frozen = copy.deepcopy(vector)
    if "collected" in vector:
        meta, cells = metadata.apply_collect(
            vector["before"],
            vector["collected"],
            vector["captured_at"],
            vector["kernel"],
            advance=vector.get("advance", True),
        )
        assert {"notebook": meta, "cells": cells} == vector["expected"]
    else:
        assert metadata.prune(vector["notebook"], vector["cells"]) == vector["expected"]
    assert vector == frozen  # inputs are never modified


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "x",
        3.5,
        True,
        {"schema_version": "1"},
        {"schema_version": 1, "snapshots": list(range(100000)), "runs": "x" * 100000},
        {"schema_version": 1, "snapshots": {("%016x" % i): {} for i in range(5000)}},
        {"schema_version": 1, "current": 7, "kernel": [1], "runs": {"a" * 16: None}},
        {"schema_version": 1, "snapshots": {"a" * 16: {"environment": {}, "captured_at": 1}}},
    ],
)
def test_read_metadata_never_crashes_and_gives_a_valid_shape(raw):
    meta, problems = metadata.read_metadata(raw)
    assert set(meta) >= {"schema_version", "current", "snapshots", "runs"}
    assert meta["schema_version"] == 1
    assert all(isinstance(p, str) and len(p) < 400 for p in problems)
    assert (raw is None) == (problems == [])
    assert metadata.validate(meta) == []


def test_read_metadata_bounds_what_it_keeps():
    raw = {
        "schema_version": 1,
        "runs": {("%016x" % i): {} for i in range(metadata.MAX_RUNS + 10)},
    }
    meta, problems = metadata.read_metadata(raw)
    assert len(meta["runs"]) == metadata.MAX_RUNS
    assert any("more than" in p for p in problems)


def test_validate_reports_schema_errors():
    meta = metadata.empty()
    meta["snapshots"]["a" * 16] = {"environment": {"python": 1}, "captured_at": "t"}
    meta["extra"] = 1
    errors = metadata.validate(meta)
    assert any("extra" in e for e in errors)
    assert any(e.startswith("snapshots/" + "a" * 16) for e in errors)
    assert metadata.validate_cell({"env": "a" * 16, "src": "b" * 16, "run": "c" * 16}) == []
    assert metadata.validate_cell({"env": "A" * 16, "src": "b" * 16})


def test_drop_invalid_removes_only_bad_snapshots():
    meta = metadata.empty()
    meta["snapshots"]["a" * 16] = {"environment": {"python": 1}, "captured_at": "t"}
    meta["runs"]["b" * 16] = {"seeds": "not an object"}
    meta["runs"]["c" * 16] = {}
    cleaned, problems = metadata.drop_invalid(meta)
    assert cleaned["snapshots"] == {} and list(cleaned["runs"]) == ["c" * 16]
    assert len(problems) == 2


def test_schemas_resolve_across_files():
    registry = schemas.registry()
    assert "https://nbrepro.dev/schema/snapshot/1.json" in registry
    assert schemas.schema_dir().joinpath(schemas.NOTEBOOK).is_file()


def test_wheel_carries_the_schemas():
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"schema/notebook.schema.json" = "nbrepro/schema/notebook.schema.json"' in text
    assert '"schema/snapshot.schema.json" = "nbrepro/schema/snapshot.schema.json"' in text


def test_author_order_is_kept_when_valid_and_dropped_when_not():
    good = {"cells": [2, 3], "counts": [4, None], "finding": "out-of-order"}
    base = {"schema_version": 1, "snapshots": {}, "runs": {}}
    meta, problems = metadata.read_metadata(dict(base, author_order=good))
    assert problems == [] and meta["author_order"] == good
    assert metadata.validate(dict(base, author_order=good)) == []
    for bad in (
        dict(good, counts=[4]),
        dict(good, cells=[0, 3]),
        dict(good, counts=[4, -1]),
        dict(good, counts=[4, True]),
        dict(good, finding="drift"),
        dict(good, extra=1),
        [good],
    ):
        meta, problems = metadata.read_metadata(dict(base, author_order=bad))
        assert "author_order" not in meta
        assert problems == ["metadata.nbrepro.author_order is not valid; dropped"]
        if isinstance(bad, dict) and len(bad["cells"]) == len(bad["counts"]):
            # the schema says the same, except that the two lists match in length
            assert metadata.validate(dict(base, author_order=bad)) != []
