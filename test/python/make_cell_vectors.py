"""Writes test/vectors/cells/*.json: cells with the cell records a stranger's
notebook may carry, and python/nbrepro/record/document.py's reading of them
(records and problems); src/record/document.ts's readCellRecords must give the
same (test/ts/record/door.spec.ts, test/python/test_document.py).

    .venv/bin/python test/python/make_cell_vectors.py && npx prettier --write test/vectors/cells
"""

import json
from pathlib import Path

from nbrepro.record import document

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "cells"
A, B, C = "0123456789abcdef", "fedcba9876543210", "00112233445566aa"


def code(source, record=None):
    cell = {"cell_type": "code", "source": source, "metadata": {}}
    if record is not None:
        cell["metadata"]["nbrepro"] = record
    return cell


CASES = {
    "01-not-an-object": (
        "a record that is a string or a list is no record: ignored, and said",
        [code("a = 1", "x"), code("b = 2", [A, B])],
    ),
    "02-bad-ids": (
        "env and src must be 16 lowercase hex characters",
        [code("a = 1", {"env": "ZZ", "src": B}), code("b = 2", {"env": A})],
    ),
    "03-run-not-an-id": (
        "a run that is not an id is left out of the record, which is kept",
        [code("a = 1", {"env": A, "src": B, "run": 5})],
    ),
    "04-numbered-as-the-notebook": (
        "cells are numbered in notebook order, markdown and empty cells included; an "
        "empty cell's record is not read",
        [
            {"cell_type": "markdown", "source": "# t", "metadata": {}},
            code("", "not read"),
            code("a = 1", {"env": A, "src": B, "run": C}),
            code("b = 2", 7),
        ],
    ),
}


def main():
    VECTORS.mkdir(parents=True, exist_ok=True)
    for name, (description, cells) in CASES.items():
        problems = []
        records = [c.record for c in document.code_cells({"cells": cells}, problems)]
        vector = {
            "description": description,
            "cells": cells,
            "expected": {"records": records, "problems": problems},
        }
        text = json.dumps(vector, indent=2, ensure_ascii=False) + "\n"
        (VECTORS / (name + ".json")).write_text(text, encoding="utf-8")
    print("wrote %d vectors to %s" % (len(CASES), VECTORS))


if __name__ == "__main__":
    main()
