"""Writes the ``read`` vectors of test/vectors/metadata (60-69) from the fuzz
seeds, with python/nbrepro/document.py's answer as the expected value;
src/record/document.ts must give the same (test/ts/record/document.spec.ts).

    .venv/bin/python test/python/make_read_vectors.py
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_document import CASES  # noqa: E402

from nbrepro.record import document  # noqa: E402

VECTORS = HERE.parent / "vectors" / "metadata"
CHOSEN = (
    ("60", "name-a-number", "a distribution whose name is a number: that one goes"),
    ("61", "distribution-a-string", "a distribution that is a string: that one goes"),
    ("62", "gpu-a-string", "gpu that is not an object: the gpu section goes"),
    ("63", "python-version-a-list", "python.version a list: the snapshot goes, current is cleared"),
    ("64", "conda-package-a-bare-name", "a conda package that is no package string: it goes"),
    ("65", "channel-urls-a-string", "channel_urls a string: the snapshot goes"),
    ("66", "newline-in-a-determinism-value", "a newline in a determinism value: read as unset"),
    ("67", "fonts-where-a-path", "fonts that name a path for where: the fonts section goes"),
)


def kept(problems):
    """The problems both readers word the same: the door's own, without the
    validator's message (jsonschema and ajv word those differently)."""
    out = []
    for problem in problems:
        if "does not match the schema" in problem:
            out.append(problem.split(" (", 1)[0])
        elif "determinism setting" in problem or "current named a snapshot" in problem:
            out.append(problem)
    return sorted(out)


def _inputs(value):
    """Every run record's ``inputs`` set to ``value`` (the project facts of issue 21)."""

    def apply(nb):
        for run in nb["metadata"]["nbrepro"]["runs"].values():
            run["inputs"] = json.loads(json.dumps(value))

    return apply


PROJECT_INPUTS = {
    "notebook_dir": "notebooks/topic",
    "files": [
        {"path": "data/x.csv", "mode": "r", "size": 4, "mtime": 1, "sha256": "0" * 64},
        {"path": ".env", "mode": "r", "private": True},
    ],
    "local_modules": {"mypackage": "mypackage"},
    "outside_modules": {"helper": "../../../lib/helper.py", "far": None},
    "outside": {
        "count": 2,
        "files": [{"path": "../../../shared/t.csv", "mode": "r", "size": 2, "sha256": "1" * 64}],
    },
}
# Shapes the front end must read as the kernel writes them, beside the seeds' cases.
EXTRA = {
    "inputs-of-a-project": (
        "PIP",
        _inputs(PROJECT_INPUTS),
        "the project facts of a run's inputs: kept as they are",
    ),
    "inputs-outside-file-written": (
        "PIP",
        _inputs(dict(PROJECT_INPUTS, outside={"count": 1, "files": [{"path": "x", "mode": "w"}]})),
        "a file outside the project recorded as written (only reads are): the inputs go",
    ),
}
EXTRA_NUMBERS = {"inputs-of-a-project": "67", "inputs-outside-file-written": "68"}


def main():
    from test_document import PIP

    cases = [(n, c, d, CASES[c]) for n, c, d in CHOSEN]
    cases += [(EXTRA_NUMBERS[c], c, d, (PIP, apply)) for c, (_, apply, d) in EXTRA.items()]
    for number, case, description, (seed, apply) in cases:
        nb = json.loads(json.dumps(seed))
        apply(nb)
        raw = nb["metadata"]["nbrepro"]
        meta, problems = document.read_meta(raw)
        vector = {
            "description": description,
            "read": raw,
            "expected": {"notebook": meta, "problems": kept(problems)},
        }
        path = VECTORS / ("%s-read-%s.json" % (number, case))
        path.write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n")
        print(path.name, kept(problems))


if __name__ == "__main__":
    main()
