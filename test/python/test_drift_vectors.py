"""The Python drift diff against the shared vectors (test/vectors/drift/), which
test/ts/drift.spec.ts runs against the TypeScript diff."""

import json
from pathlib import Path

import jsonschema
import pytest

from nbrepro.drift import KINDS, SEVERITIES, diff

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "drift"
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schema" / "drift.schema.json").read_text("utf-8")
)
FILES = sorted(VECTORS.glob("*.json"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_enough_vectors():
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path):
    vector = load(path)
    assert set(vector) == {"description", "before", "after", "context", "expected"}
    report = diff(vector["before"], vector["after"], vector["context"])
    assert report == vector["expected"]
    jsonschema.Draft202012Validator(SCHEMA).validate(report)


def test_vectors_cover_every_kind_and_severity():
    kinds, severities = set(), set()
    for path in FILES:
        for item in load(path)["expected"]["differences"]:
            kinds.add(item["kind"])
            severities.add(item["severity"])
    assert kinds == set(KINDS)
    assert severities == set(SEVERITIES)


def test_vocabulary_is_the_schemas():
    assert tuple(SCHEMA["$defs"]["kind"]["enum"]) == KINDS
    assert tuple(SCHEMA["$defs"]["severity"]["enum"]) == SEVERITIES


def test_real_world_vectors_hold_the_readers_views():
    # The ZTF vectors store what the Python reader makes of the exports, so that
    # TypeScript compares the same views; they must not go stale.
    from nbrepro.record import envreaders as readers

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "real-world"
    vector = load(VECTORS / "16-ztf-windows-vs-ubuntu.json")
    exports = fixtures / "conda-env-export"
    assert vector["before"] == readers.read_file(exports / "ztf-windows.yml").side
    assert vector["after"] == readers.read_file(exports / "ztf-ubuntu.yml").side
