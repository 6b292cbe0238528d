"""fast_validator's schema with array items inlined says what the schema says (issue 10).

fastjsonschema calls a function per item of an array whose items are a
``$ref`` and formats the item's name for the call: most of the time a
snapshot of 10^5 conda packages took to check. ``schemas._items_inlined``
puts the referenced definition in place; the compiled check must accept and
refuse exactly what the check of the schema as written does, on recorded
snapshots and their mutations.
"""

import copy
import json
import random

import fuzz_mutations
import many_packages
import pytest

from nbrepro.record import schemas


@pytest.fixture(scope="module")
def checks():
    return {
        definition: (schemas.fast_validator(definition), schemas.compiled(definition))
        for definition in ("snapshot",)
    }


def _snapshots():
    for name in fuzz_mutations.NOTEBOOKS:
        meta = json.loads((fuzz_mutations.SEEDS / name).read_text())["metadata"]["nbrepro"]
        yield from meta["snapshots"].values()
    for mix in ("mixed", "conda", "pip"):
        meta = many_packages.awkward(200, mix)["metadata"]["nbrepro"]
        yield from meta["snapshots"].values()


def test_the_inlined_schema_has_no_array_of_local_references_left_where_it_matters():
    snapshot = schemas._items_inlined(schemas.load(schemas.SNAPSHOT))["$defs"]
    assert snapshot["conda"]["properties"]["packages"]["items"]["type"] == "string"
    assert snapshot["pip"]["properties"]["distributions"]["items"]["type"] == "object"
    # and the loaded schema itself is left as it is
    assert schemas.load(schemas.SNAPSHOT)["$defs"]["conda"]["properties"]["packages"]["items"] == {
        "$ref": "#/$defs/conda_package"
    }


def test_both_checks_agree_on_mutated_snapshots(checks):
    fast, written = checks["snapshot"]
    seeds = list(_snapshots())
    rng = random.Random(10)
    verdicts = set()
    for round_ in range(400):
        value = copy.deepcopy(seeds[round_ % len(seeds)])
        for _ in range(rng.randint(0, 3)):
            fuzz_mutations.mutate_json(value, lambda xs: rng.choice(list(xs)), rng.randint)
        try:
            json.dumps(value)
        except (ValueError, RecursionError):
            continue
        verdict = fast(value)
        assert verdict == written(value), value
        verdicts.add(verdict)
    assert verdicts == {True, False}
