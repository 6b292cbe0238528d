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


# -- modules loaded before a %pip install changed them on disk --------------------------


def _install(site, version, own_version=None):
    """Put ``stalemod`` ``version`` into ``site`` as pip would, removing any other version."""
    import shutil

    for old in site.glob("stalemod-*.dist-info"):
        shutil.rmtree(old)
    # pip removes every file of the old version, its compiled __pycache__ too (a .pyc
    # of a source of the same size written in the same second would be taken as current)
    shutil.rmtree(site / "stalemod", ignore_errors=True)
    if version is None:
        return
    meta = site / ("stalemod-%s.dist-info" % version)
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: stalemod\nVersion: %s\n" % version)
    (meta / "top_level.txt").write_text("stalemod\n")
    (site / "stalemod").mkdir()
    line = "__version__ = %r\n" % own_version if own_version else "VALUE = %r\n" % version
    (site / "stalemod" / "__init__.py").write_text(line)


def _validate_stale(section):
    schema = {
        "$schema": SCHEMA["$schema"],
        "$defs": SCHEMA["$defs"],
        "$ref": "#/$defs/runtime",
    }
    jsonschema.Draft202012Validator(schema).validate({"stale": section})


def test_a_module_loaded_before_an_install_is_stale_until_unloaded(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    site.mkdir()
    _install(site, "1.0")
    monkeypatch.syspath_prepend(str(site))
    ctx = Context(cache={"site_dirs": [str(site)]})
    assert modules.probe(ctx) == {}  # no cell: the baseline
    assert modules.stale_probe(ctx) is None
    try:
        import stalemod  # noqa: F401

        ctx.cell_source = "import stalemod"
        assert modules.probe(ctx) == {"stalemod": "stalemod"}
        assert modules.stale_probe(ctx) is None  # loaded what is installed

        _install(site, "2.0")  # %pip install stalemod==2.0, no restart
        ctx.cell_source = "x = 1"
        modules.probe(ctx)
        stale = modules.stale_probe(ctx)
        assert stale == {
            "stalemod": {"distribution": "stalemod", "loaded": "1.0", "installed": "2.0"}
        }
        _validate_stale(stale)
        assert modules.stale_probe(ctx) == stale  # every later cell carries it

        _install(site, None)  # %pip uninstall -y stalemod
        stale = modules.stale_probe(ctx)
        assert stale == {
            "stalemod": {"distribution": "stalemod", "loaded": "1.0", "installed": None}
        }
        _validate_stale(stale)

        sys.modules.pop("stalemod")  # gone from the kernel (what a restart does)
        assert modules.stale_probe(ctx) is None
        assert ctx.problems == []
    finally:
        sys.modules.pop("stalemod", None)


def test_a_module_reloaded_after_the_install_is_not_stale(tmp_path, monkeypatch):
    import importlib

    site = tmp_path / "site-packages"
    site.mkdir()
    _install(site, "1.0", own_version="1.0")
    monkeypatch.syspath_prepend(str(site))
    ctx = Context(cache={"site_dirs": [str(site)]})
    modules.probe(ctx)
    try:
        import stalemod

        ctx.cell_source = "import stalemod"
        modules.probe(ctx)
        _install(site, "2.0", own_version="2.0")
        assert modules.stale_probe(ctx)["stalemod"]["loaded"] == "1.0"
        importlib.invalidate_caches()
        importlib.reload(stalemod)
        assert stalemod.__version__ == "2.0"
        assert modules.stale_probe(ctx) is None
    finally:
        sys.modules.pop("stalemod", None)


def test_the_stale_check_costs_microseconds_when_nothing_changed(tmp_path, monkeypatch, capsys):
    site = tmp_path / "site-packages"
    site.mkdir()
    _install(site, "1.0")
    monkeypatch.syspath_prepend(str(site))
    ctx = Context(cache={"site_dirs": [str(site)]})
    modules.probe(ctx)
    try:
        import stalemod  # noqa: F401

        ctx.cell_source = "import stalemod"
        modules.probe(ctx)
        modules.stale_probe(ctx)
        batches = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(200):
                modules.stale_probe(ctx)
            batches.append((time.perf_counter() - started) / 200)
        with capsys.disabled():
            print("\nstale: repeat %.1f us" % (min(batches) * 1e6))
        assert min(batches) < 100e-6
    finally:
        sys.modules.pop("stalemod", None)
