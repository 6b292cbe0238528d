"""The export of 10^5 packages stays fast (issue 10: under 2 s).

bench/export_bench.py --packages 100000 measures it (median of runs, each
mix); this test runs one export of the bench's mixed notebook and fails far
above the target (a shared CI machine's noise must not make it flaky), so
that a change putting a per-package pass back (PyYAML's representer,
packageurl-python or a dict a component for plain records) is caught.
"""

import json
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nbrepro.export import bundle
from nbrepro.record import document

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz" / "conda.ipynb"
PACKAGES = 100_000
BOUND_S = 4.0  # CPU seconds for read + build; the target is 2, today about 1.3


def bench_notebook(count):
    """bench/export_bench.py's notebook of ``count`` packages, half conda, half pip."""
    nb = json.loads(SEED.read_text(encoding="utf-8"))
    meta = nb["metadata"]["nbrepro"]
    environment = meta["snapshots"][meta["current"]]["environment"]
    environment["conda"]["platform"] = "linux-64"
    environment["conda"]["packages"] = [
        "conda-forge/linux-64/pkg%d-1.%d.0-h%d_0.conda#%032x" % (i, i % 7, i, i)
        for i in range(count // 2)
    ]
    environment["pip"]["distributions"] = [
        {"name": "dist%d" % i, "version": "2.%d" % (i % 9)} for i in range(count - count // 2)
    ]
    return json.dumps(nb).encode("utf-8")


def test_an_export_of_10_5_packages_stays_under_the_bound():
    data = bench_notebook(PACKAGES)
    wall, cpu = time.perf_counter(), time.process_time()
    doc = document.notebook_from_text(data.decode("utf-8"), "big.ipynb", raw=data)
    built = bundle.build(doc, "big.ipynb", now="2026-01-01T00:00:00Z")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert built.files["sbom.cdx.json"].count(b'"purl": "pkg:') == PACKAGES + 1
    assert cpu < BOUND_S, "read + build of %d packages took %.2f s CPU (%.2f s wall)" % (
        PACKAGES,
        cpu,
        wall,
    )


def _depth(value):
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


nested = st.recursive(
    st.integers(0, 3) | st.text(max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(nested, st.integers(0, 8))
def test_the_depth_check_counts_as_a_recursive_walk_would(value, limit):
    assert document.depth_exceeds(value, limit) == (_depth(value) > limit)
