"""The Python words against the shared vectors (test/vectors/words/), which
test/ts/vocabulary/words.spec.ts runs against src/vocabulary/: the panel, the
toast, the status item and the export dialog say what the bundle README and
the export check say."""

import json
import re
from pathlib import Path

import pytest

from nbrepro.drift import words as drift_words
from nbrepro.record import envfiles, envreaders, seeding, words

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "words"
FILES = sorted(VECTORS.glob("*.json"))
FUNCTIONS = {
    "cell_range": words.cell_range,
    "cell_numbers": words.cell_numbers,
    "severity_counts": drift_words.severity_counts,
    "severity_title": drift_words.severity_title,
    "change": drift_words.change,
    "kind_word": drift_words.kind_word,
    "seeding_lines": seeding.seeding_lines,
    "determinism_lines": seeding.determinism_lines,
    "stale_lines": seeding.stale_lines,
    "environment_names": drift_words.environment_names,
    "written_for": envfiles.written_for,
    "conda_files": envreaders.conda_files,
}


def test_every_function_has_vectors():
    named = {json.loads(path.read_text("utf-8"))["function"] for path in FILES}
    assert named == set(FUNCTIONS)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path):
    vector = json.loads(path.read_text("utf-8"))
    assert set(vector) == {"description", "function", "cases"}
    function = FUNCTIONS[vector["function"]]
    for case in vector["cases"]:
        assert function(*case["args"]) == case["expected"], case


def test_no_word_shows_a_snapshot_id_or_a_raw_key():
    """What a person reads holds no 16-hex-digit id and no dotted record key."""
    for path in FILES:
        for case in json.loads(path.read_text("utf-8"))["cases"]:
            text = json.dumps(case["expected"], ensure_ascii=False)
            assert not re.search(r"[0-9a-f]{12}", text), path.name
            for key in ("numpy.generators", "legacy_seed", "hash_randomization", "env."):
                assert key not in text, (path.name, key)
