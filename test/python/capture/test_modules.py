"""Imported modules mapped to distributions, on this real virtual environment."""

import json
import sys
import time
from pathlib import Path

import jsonschema

from nbrepro.capture import modules
from nbrepro.capture.context import Context

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "schema" / "snapshot.schema.json").read_text())


def validate(section):
    schema = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/modules"}
    jsonschema.Draft202012Validator(schema).validate(section)


def test_known_distributions_and_a_local_module(tmp_path, monkeypatch):
    import jsonschema  # noqa: F401  (provided by 'jsonschema')
    import yaml  # noqa: F401  (provided by 'PyYAML')

    (tmp_path / "my_local_helpers.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_local_helpers  # noqa: F401

    ctx = Context(cell_source="import jsonschema, yaml, attr\nimport my_local_helpers, os, json")
    section = modules.probe(ctx)
    assert section["yaml"] == "PyYAML"
    assert section["jsonschema"] == "jsonschema"
    assert section["attr"] == "attrs"  # a distribution whose module has another name
    assert section["my_local_helpers"] is None
    assert "os" not in section and "json" not in section  # standard library
    assert not any(name.startswith("_nbrepro") for name in section)
    assert ctx.problems == []
    validate(section)
    sys.modules.pop("my_local_helpers", None)


def test_records_from_the_pip_probe_are_used(tmp_path):
    import yaml

    meta = next(Path(yaml.__file__).parent.parent.glob("[Pp]y[Yy][Aa][Mm][Ll]-*.dist-info"))
    cache = {"distributions": [{"name": "PyYAML", "version": "x", "path": str(meta)}]}
    section = modules.probe(Context(cache=cache, cell_source="import yaml, jsonschema"))
    assert section["yaml"] == "PyYAML"
    assert section["jsonschema"] is None  # only the recorded distributions count


def test_record_only_distributions(tmp_path):
    meta = tmp_path / "demo-1.0.dist-info"
    meta.mkdir()
    (meta / "RECORD").write_text(
        "demo_pkg/__init__.py,sha256=x,1\n"
        "demo_single.py,sha256=x,1\n"
        "_demo_ext.cpython-311-x86_64-linux-gnu.so,sha256=x,1\n"
        '"weird,name/__init__.py",,\n'
        "../../bin/demo,sha256=x,1\n"
        "demo-1.0.dist-info/METADATA,,\n"
        "__editable___demo_1_0_finder.py,,\n"
    )
    assert modules.top_level_names(str(meta)) == ["demo_pkg", "demo_single", "_demo_ext"]


def test_repeat_costs_microseconds(capsys):
    ctx = Context(cell_source="import jsonschema\nx = 1")
    started = time.perf_counter()
    first = modules.probe(ctx)
    cold = time.perf_counter() - started
    # the best of five batches: on a busy machine (tests run on every core) a batch can
    # lose the CPU for a while, which says nothing about what a repeat costs
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(200):
            again = modules.probe(ctx)
        batches.append((time.perf_counter() - started) / 200)
    warm = min(batches)
    assert again == first == {"jsonschema": "jsonschema"}
    with capsys.disabled():
        print("\nmodules: cold %.1f ms, repeat %.1f us" % (cold * 1e3, warm * 1e6))
    assert warm < 200e-6


def test_new_import_updates_the_answer(tmp_path, monkeypatch):
    ctx = Context()
    before = modules.probe(ctx)  # no cell: only the baseline
    assert before == {} and modules.needed_probe(ctx) == {}
    (tmp_path / "late_local_mod.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    import late_local_mod  # noqa: F401

    # A cell that loaded it without naming it: needed, not imported.
    ctx.cell_source = "x = 1"
    assert modules.probe(ctx) == {}
    assert modules.needed_probe(ctx) == {"late_local_mod": None}
    # Named by the next cell's import: imported.
    ctx.cell_source = "import late_local_mod"
    assert modules.probe(ctx) == {"late_local_mod": None}
    assert modules.needed_probe(ctx) == {}
    sys.modules.pop("late_local_mod", None)


def test_stdlib_fallback_covers_what_310_lists():
    listed = getattr(sys, "stdlib_module_names", None)
    if listed:
        public = {n for n in listed if not n.startswith("_")}
        assert public - modules._STDLIB_FALLBACK <= {"tomllib"}
    assert "os" in modules._STDLIB_FALLBACK
