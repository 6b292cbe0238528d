"""The export writes the same bytes as before it was made fast (issue 10).

The goldens in test/fixtures/export-golden/ are the sha256 of every file of
the bundle built from many_packages.awkward(2,000 packages): quoted and
escaped names, odd versions, token-bearing URLs, every pip source kind, and
plain environments (where the fast paths run). They were written by the
export before its fast paths existed; regenerate them with
``python test/python/many_packages.py`` only for a change meant to alter
the bundle, and say so in the commit.
"""

import json

import many_packages
import pytest


@pytest.mark.parametrize(
    "case", sorted(many_packages.CASES.items()), ids=lambda case: case[1][: -len(".json")]
)
def test_the_bundle_is_byte_identical_to_the_golden(case):
    (count, mix, odd), name = case
    golden = json.loads((many_packages.GOLDEN / name).read_text(encoding="utf-8"))
    assert many_packages.bundle_digests(count, mix, odd) == golden
