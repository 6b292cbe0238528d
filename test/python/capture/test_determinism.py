"""Determinism probe: flags read back from real torch, env settings by value."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from nbrepro.capture import determinism
from nbrepro.capture.context import Context

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "schema" / "snapshot.schema.json").read_text())


def validate(section):
    schema = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/determinism"}
    jsonschema.Draft202012Validator(schema).validate(section)


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    saved = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
        torch.get_float32_matmul_precision(),
    )
    yield torch
    torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved[2:4]
    torch.set_float32_matmul_precision(saved[4])


def test_torch_flags_read_back(torch):
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.set_float32_matmul_precision("high")
    ctx = Context()
    section = determinism.probe(ctx)
    flags = section["torch"]
    assert flags["deterministic_algorithms"] is True
    assert flags["deterministic_algorithms_warn_only"] is True
    assert flags["cudnn"]["deterministic"] is True
    assert flags["cudnn"]["benchmark"] is False
    assert flags["float32_matmul_precision"] == "high"
    assert flags["num_threads"] == torch.get_num_threads()
    assert flags["num_interop_threads"] == torch.get_num_interop_threads()
    assert isinstance(flags["cuda_matmul_allow_tf32"], bool)
    assert torch.cuda.is_initialized() is False
    assert ctx.problems == []
    validate(section)

    torch.use_deterministic_algorithms(False)
    torch.backends.cudnn.benchmark = True
    flags = determinism.probe(Context())["torch"]
    assert flags["deterministic_algorithms"] is False
    assert flags["cudnn"]["benchmark"] is True


def test_env_settings_by_value(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    section = determinism.probe(Context())
    assert section["env"]["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert section["env"]["OMP_NUM_THREADS"] == "4"
    assert section["env"]["MKL_NUM_THREADS"] is None
    validate(section)


def test_pythonhashseed_at_start_comes_from_the_process_not_os_environ(tmp_path):
    code = (
        "import os, sys, json; sys.path.insert(0, %r)\n"
        "from nbrepro.capture import determinism\n"
        "from nbrepro.capture.context import Context\n"
        "os.environ['PYTHONHASHSEED'] = '123'\n"
        "print(json.dumps(determinism.probe(Context())))\n"
    ) % str(ROOT / "python")
    env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    section = json.loads(out.stdout)
    assert section["env"]["PYTHONHASHSEED"] == "123"  # what the cell set
    if Path("/proc/self/environ").exists():
        assert section["python"] == {"hash_randomization": False, "PYTHONHASHSEED_at_start": "0"}
    assert "torch" not in section  # not imported, not read
    env.pop("PYTHONHASHSEED")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    section = json.loads(out.stdout)
    assert section["python"]["hash_randomization"] is True
    assert section["python"]["PYTHONHASHSEED_at_start"] is None


def test_process_start_env_parser(tmp_path):
    environ = tmp_path / "environ"
    environ.write_bytes(b"HOME=/root\0PYTHONHASHSEED=42\0X=1=2\0")
    assert determinism.process_start_env("PYTHONHASHSEED", str(environ)) == "42"
    assert determinism.process_start_env("X", str(environ)) == "1=2"
    assert determinism.process_start_env("NOPE", str(environ)) is None
    assert determinism.process_start_env("HOME", str(tmp_path / "missing")) is None
