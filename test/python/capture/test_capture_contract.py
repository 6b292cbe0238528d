"""The capture's contract: stdlib-only, Python 3.8 grammar, schema-valid output, cheap re-runs."""

import ast
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from nbrepro.capture import capture, entry, environment_id
from nbrepro.capture.core import canonical_json
from nbrepro.capture.distinfo import normalize

ROOT = Path(__file__).resolve().parents[3]
CAPTURE = ROOT / "python" / "nbrepro" / "capture"
SCHEMA = json.loads((ROOT / "schema" / "snapshot.schema.json").read_text())


def validate(result):
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(result)


@pytest.mark.parametrize("path", sorted(CAPTURE.glob("*.py")), ids=lambda p: p.name)
def test_capture_module_is_python38_and_stdlib_only(path):
    tree = ast.parse(path.read_text(), filename=str(path), feature_version=(3, 8))
    stdlib = sys.stdlib_module_names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] in stdlib, (path.name, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module.split(".")[0] in stdlib, (path.name, node.module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "print", "%s prints" % path.name


def test_capture_of_this_interpreter_is_schema_valid():
    result = capture(options={"gpu": False})
    validate(result)
    assert result["schema_version"] == 1
    assert result["environment_id"] == environment_id(result["environment"])
    assert len(result["environment_id"]) == 16
    env = result["environment"]
    assert env["python"]["version"] == "%d.%d.%d" % sys.version_info[:3]
    assert "hostname" not in env["platform"]
    names = {normalize(d["name"]) for d in env["pip"]["distributions"]}
    assert {"pytest", "jsonschema"} <= names
    assert "environment_full" not in result
    assert isinstance(result["runtime"]["frameworks"], dict)
    assert "frameworks" not in env.get("gpu", {})


def test_full_option_adds_the_verbose_record_unhashed():
    result = capture(options={"gpu": False, "full": True})
    validate(result)
    full = result["environment_full"]
    assert result["environment_id"] == environment_id(result["environment"])
    assert full["python"] == result["environment"]["python"]
    verbose = {d["normalized_name"]: d for d in full["pip"]["distributions"]}
    stored = {normalize(d["name"]): d for d in result["environment"]["pip"]["distributions"]}
    assert set(verbose) == set(stored)
    assert all(verbose[name]["version"] == stored[name]["version"] for name in stored)


def test_failed_capture_has_no_environment_id():
    failed = entry.failed_result("boom")
    validate(failed)
    assert failed["environment_id"] is None


def test_environment_id_is_sha256_of_canonical_json():
    import hashlib

    env = {"b": [1, "é"], "a": None}
    expected = hashlib.sha256('{"a":null,"b":[1,"é"]}'.encode()).hexdigest()[:16]
    assert canonical_json(env) == '{"a":null,"b":[1,"é"]}'
    assert environment_id(env) == expected


def test_hostname_only_when_opted_in():
    assert (
        "hostname"
        in capture(options={"gpu": False, "record_hostname": True})["environment"]["platform"]
    )


def test_unchanged_capture_stores_distributions_for_modules_probe():
    cache = {}
    first = capture(options={"gpu": False}, cache=cache)
    assert isinstance(cache["distributions"], list) and cache["distributions"]
    assert all("path" in d for d in cache["distributions"])
    assert isinstance(cache["site_dirs"], list)
    second = capture(options={"gpu": False}, cache=cache)
    validate(second)
    assert second["unchanged"] is True
    assert second["environment_id"] == first["environment_id"]
    assert second["capture"]["fingerprint"] == "hit"


def test_sys_path_change_invalidates(tmp_path, monkeypatch):
    cache = {}
    capture(options={"gpu": False}, cache=cache)
    (tmp_path / "extra-3.0.dist-info").mkdir()
    (tmp_path / "extra-3.0.dist-info" / "METADATA").write_text("Name: Extra\nVersion: 3.0\n\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = capture(options={"gpu": False}, cache=cache)
    assert result["unchanged"] is False
    extra = [d for d in result["environment"]["pip"]["distributions"] if d["name"] == "Extra"]
    assert extra[0]["location"] == "outside" and extra[0]["version"] == "3.0"


def test_a_failing_probe_costs_one_section(monkeypatch):
    from nbrepro.capture import core

    def broken(ctx):
        raise RuntimeError("boom")

    probes = tuple(
        (name, broken if name == "platform" else fn) for name, fn in core.ENVIRONMENT_PROBES
    )
    monkeypatch.setattr(core, "ENVIRONMENT_PROBES", probes)
    result = capture(options={"gpu": False})
    assert "platform" not in result["environment"]
    assert "python" in result["environment"]
    assert {"probe": "platform", "message": "probe failed: RuntimeError: boom"} in result[
        "problems"
    ]


def test_no_environment_means_no_environment_id(monkeypatch):
    from nbrepro.capture import core

    def broken(ctx):
        raise RuntimeError("boom")

    probes = tuple((name, broken) for name, _ in core.ENVIRONMENT_PROBES)
    monkeypatch.setattr(core, "ENVIRONMENT_PROBES", probes)
    result = capture(options={"gpu": False}, cache={})
    validate(result)
    assert result["environment_id"] is None
    assert "environment" not in result


def test_real_prefix_snapshot_is_schema_valid(conda_prefix, pixi_prefix):
    for prefix in (conda_prefix, pixi_prefix):
        result = capture(options={"prefix": str(prefix), "gpu": False})
        validate(result)
        assert result["environment"]["python"]["source"] == "prefix"
