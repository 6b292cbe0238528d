"""nbrepro's JSON Schemas, read from the installed package or from the checkout.

The wheel carries ``schema/*.json`` as ``nbrepro/schema/``; an editable
install (and the test suite) reads the repository's ``schema/`` folder.
"""

import functools
import json
from pathlib import Path

# the package folder: nbrepro/schema/ in a wheel, schema/ at the top of a checkout
PACKAGE = Path(__file__).resolve().parents[1]
SNAPSHOT = "snapshot.schema.json"
NOTEBOOK = "notebook.schema.json"
NOTEBOOK_ID = "https://nbrepro.dev/schema/notebook/1.json"


def schema_dir():
    for candidate in (PACKAGE / "schema", PACKAGE.parents[1] / "schema"):
        if (candidate / NOTEBOOK).is_file():
            return candidate
    raise FileNotFoundError(
        "nbrepro's schema files are missing (looked in %s and %s); reinstall nbrepro"
        % (PACKAGE / "schema", PACKAGE.parents[1] / "schema")
    )


@functools.lru_cache(maxsize=None)
def load(name):
    return json.loads((schema_dir() / name).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def registry():
    """The schema documents for jsonschema, array items' local references inlined
    (``_items_inlined``: the same schema; resolving a ``$ref`` per package was
    most of the time a snapshot's check took, 40 of 45 ms for 250 packages)."""
    from referencing import Registry, Resource

    resources = [
        Resource.from_contents(_items_inlined(load(name))) for name in (SNAPSHOT, NOTEBOOK)
    ]
    return Registry().with_resources((r.id(), r) for r in resources)


@functools.lru_cache(maxsize=None)
def validator(definition):
    """A Draft 2020-12 validator for ``#/$defs/<definition>`` of the notebook schema."""
    import jsonschema

    schema = {"$ref": "%s#/$defs/%s" % (NOTEBOOK_ID, definition)}
    return jsonschema.Draft202012Validator(schema, registry=registry())


@functools.lru_cache(maxsize=None)
def fast_validator(definition):
    """``value -> bool``: the same check compiled to Python by fastjsonschema,
    some ten times faster than ``validator`` on a snapshot of 10^5 packages,
    and without importing jsonschema (whose format checkers cost a second at
    start-up). It names only the first error, so a record it refuses goes
    through ``validator`` for the paths of every error.

    fastjsonschema knows draft 7, not 2020-12; the schemas use no keyword
    whose meaning differs between the two (no ``$ref`` beside assertions, no
    ``items`` arrays, no ``$dynamicRef``).
    """
    return compiled(definition, _items_inlined)


def compiled(definition, prepare=lambda document: document):
    """fast_validator's check, with each schema document passed through ``prepare`` first."""
    import fastjsonschema

    documents = {load(name)["$id"]: prepare(load(name)) for name in (SNAPSHOT, NOTEBOOK)}
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$ref": "%s#/$defs/%s" % (NOTEBOOK_ID, definition),
    }
    check = fastjsonschema.compile(
        schema, handlers={"https": lambda uri: documents[uri.split("#")[0]]}
    )

    def is_valid(value):
        try:
            check(value)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


# Keywords whose values are data, not schemas.
_VALUES = ("const", "enum", "default", "examples")


def _items_inlined(document):
    """A copy of a schema document whose array ``items`` that are a bare
    ``{"$ref": "#/$defs/X"}`` hold X's definition itself: the same schema
    (the reference points into the same document), but fastjsonschema then
    checks each item inline, where for a reference it calls a function per
    item and formats the item's name for it, most of the time a snapshot of
    10^5 conda packages takes (0.3 s, 0.05 s inline)."""
    definitions = document.get("$defs") or {}

    def inline(value):
        if isinstance(value, list):
            return [inline(item) for item in value]
        if not isinstance(value, dict):
            return value
        out = {key: item if key in _VALUES else inline(item) for key, item in value.items()}
        ref = value.get("items")
        if (
            isinstance(ref, dict)
            and list(ref) == ["$ref"]
            and str(ref["$ref"]).startswith("#/$defs/")
        ):
            target = definitions.get(ref["$ref"][len("#/$defs/") :])
            if isinstance(target, dict) and "$id" not in target:
                out["items"] = json.loads(json.dumps(target))
        return out

    return inline(document)
