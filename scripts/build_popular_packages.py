"""Rebuild src/data/popular-packages.json, the reference list of the supply-chain check.

Usage: python scripts/build_popular_packages.py PYPI_TSV [COUNT]

PYPI_TSV is a tab-separated listing of PyPI with a header line and the columns
name and rank_among_15000_most_downloaded; the COUNT (default 4000) best
ranked names are kept, PEP 503 normalised, sorted by rank.
"""

import csv
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "data" / "popular-packages.json"


def main(argv):
    source = Path(argv[1])
    count = int(argv[2]) if len(argv) > 2 else 4000
    ranked = []
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            rank = (row.get("rank_among_15000_most_downloaded") or "").strip()
            if rank.isdigit():
                ranked.append((int(rank), re.sub(r"[-_.]+", "-", row["name"]).lower()))
    names = []
    for _, name in sorted(ranked):
        if name not in names:
            names.append(name)
        if len(names) == count:
            break
    data = {
        "source": "PyPI download ranking (rank_among_15000_most_downloaded), top %d" % count,
        "names": names,
    }
    OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print("wrote %d names to %s" % (len(names), OUT))


if __name__ == "__main__":
    main(sys.argv)
