"""The GPU probe and the GPU bundle against what a real NVIDIA H100 machine printed
(driver 580.159.04, CUDA 13.0, PyTorch 2.11.0+cu130), recorded on 2026-11-26 by
``test/fixtures/gpu/h100-580/record/`` through nbrepro's device tool; see that
folder's README for how."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nbrepro.capture import gpu

ROOT = Path(__file__).resolve().parents[3]
H100 = ROOT / "test" / "fixtures" / "gpu" / "h100-580"
UUID = "GPU-4a61971d-715e-9d74-48da-3826d0ad2401"
NAME = "NVIDIA H100 80GB HBM3"


def text(name):
    return (H100 / name).read_text()


def test_query_csv_banner_and_q_text_of_a_real_h100():
    fields = list(gpu.SMI_FIELDS)
    problems = []
    parsed = gpu.parse_query_csv(text("smi-query.csv"), fields, problems)
    assert problems == []
    assert parsed["driver_version"] == "580.159.04"
    (device,) = parsed["devices"]
    assert device == {
        "index": 0,
        "name": NAME,
        "uuid": UUID,
        "pci_bus_id": "00000000:00:06.0",
        "memory_total_mib": 81559,
        "compute_capability": "9.0",
    }
    # the same query with a header and units gives the same device
    assert gpu.parse_query_csv(text("smi-query-header.csv"), fields)["devices"] == [device]
    for name in ("smi-banner.txt", "smi-q-head.txt"):
        versions = gpu.parse_banner(text(name))
        assert versions == {"driver_version": "580.159.04", "cuda_driver_version": "13.0"}


def test_proc_tree_of_a_real_h100_agrees_with_nvidia_smi():
    # The open kernel module built by Nix: "(nixbld@)" and no build date after it.
    assert gpu.parse_proc_version(text("proc/version")) == "580.159.04"
    found = gpu.read_proc(str(H100 / "proc"))
    smi = gpu.parse_query_csv(text("smi-query.csv"), list(gpu.SMI_FIELDS))["devices"][0]
    assert found["source"] == "proc" and found["driver_version"] == "580.159.04"
    (device,) = found["devices"]
    for key in ("uuid", "pci_bus_id", "name"):
        assert device[key] == smi[key], key


def test_the_three_sources_agreed_on_the_machine():
    """probe.json is what record/probe.py printed there: NVML (what the capture
    uses first), nvidia-smi and /proc read one after the other on one machine.
    Checked here so that a change to the recorded file cannot go unnoticed, and
    so that the parsers' output on that machine's text stays what NVML said."""
    probe = json.loads(text("probe.json"))
    assert probe["problems"] == []
    nvml, smi, proc = probe["nvml"], probe["nvidia_smi"], probe["proc"]
    assert nvml["devices"] == smi["devices"]
    assert nvml["driver_version"] == smi["driver_version"] == proc["driver_version"]
    assert nvml["cuda_driver_version"] == smi["cuda_driver_version"] == "13.0"
    assert proc["devices"][0]["uuid"] == nvml["devices"][0]["uuid"]
    # torch imported: its CUDA build is read, CUDA is not initialised by the probe
    assert probe["torch_cuda_initialized_after_probe"] is False
    assert probe["frameworks_torch_imported"]["torch"]["cuda_initialized"] is False
    assert probe["frameworks_torch_cuda_used"]["torch"]["cudnn"] == 91900


def test_the_recorded_h100_notebook_is_read_as_a_gpu_run():
    from nbrepro.record import document

    model = document.read_notebook(H100 / "gpu-run.ipynb")
    assert model.problems == []
    snapshot = model.snapshots[model.current]
    hardware = snapshot["environment"]["gpu"]
    assert hardware["source"] == "nvml" and hardware["devices"][0]["name"] == NAME
    torch = [r["frameworks"]["torch"] for r in model.runs.values() if r.get("frameworks")]
    assert {t["version"] for t in torch} == {"2.11.0+cu130"}
    # importing torch read nothing the bundle must carry (the --target folder on
    # PYTHONPATH and the distributions' metadata are code, not inputs)
    assert not any("inputs" in r for r in model.runs.values())


@pytest.mark.parametrize(
    "value, shown",
    [(91900, "9.19.0 (91900)"), (90100, "9.1.0 (90100)"), (8907, "8.9.7 (8907)"), ("x", "x")],
)
def test_cudnn_versions_are_written_as_people_write_them(value, shown):
    from nbrepro.export import readme

    assert readme.cudnn_text(value) == shown


def stub_smi(folder):
    """nvidia-smi printing what the H100 printed, for run.sh's check."""
    folder.mkdir()
    path = folder / "nvidia-smi"
    path.write_text(
        '#!/bin/sh\nif [ "$1" = -L ]; then cat "%s"; else cat "%s"; fi\n'
        % (H100 / "smi-L.txt", H100 / "smi-banner.txt")
    )
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return folder


@pytest.mark.venv
@pytest.mark.skipif(sys.platform == "win32", reason="run.sh is bash")
def test_the_h100_recording_exports_a_bundle_that_checks_the_gpu(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "gpu-run.ipynb").write_bytes((H100 / "gpu-run.ipynb").read_bytes())
    exe = Path(sys.executable).parent / "nbrepro"
    done = subprocess.run(
        [str(exe), "export", "gpu-run.ipynb", "-o", "bundle"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    bundle = work / "bundle"
    readme = (bundle / "README.md").read_text()
    assert "The notebook ran on an NVIDIA GPU with CUDA 13.0." in readme
    assert "devices: NVIDIA H100 80GB HBM3" in readme
    assert "cuDNN 9.19.0 (91900)" in readme  # not a bare 91900
    assert "docker run --rm --gpus all" in (bundle / "Dockerfile").read_text()
    path = "/usr/bin:/bin"
    env = dict(os.environ, PATH=path, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path))
    # This machine: no nvidia-smi. Exit 4, the check's own words, nothing built.
    none = subprocess.run(
        ["bash", "run.sh"], cwd=bundle, env=env, capture_output=True, text=True, timeout=120
    )
    assert none.returncode == 4, none.stderr
    assert (
        "the notebook ran on an NVIDIA GPU with CUDA 13.0, and this machine has no nvidia-smi"
        in none.stderr
    )
    assert not (bundle / ".env").exists()
    # With what the H100 printed, the check passes with the words it printed there
    # (record/device.sh ran this run.sh on the machine itself: run-sh-gpu-check.txt).
    env["PATH"] = str(stub_smi(tmp_path / "smi")) + os.pathsep + path
    there = subprocess.run(
        ["bash", "run.sh"], cwd=bundle, env=env, capture_output=True, text=True, timeout=300
    )
    first = text("run-sh-gpu-check.txt").splitlines()[0]
    assert first == "run.sh: GPU check: 1 GPU(s), driver for CUDA 13.0 (the notebook used 13.0)"
    assert first in there.stderr.splitlines()


def test_checking_the_h100_recording_here_reports_the_missing_gpu(tmp_path):
    (tmp_path / "gpu-run.ipynb").write_bytes((H100 / "gpu-run.ipynb").read_bytes())
    exe = Path(sys.executable).parent / "nbrepro"
    done = subprocess.run(
        [str(exe), "check", "--json", "gpu-run.ipynb"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    gpu_findings = [f for f in report["differences"] if f["kind"] == "gpu-changed"]
    assert gpu_findings and gpu_findings[0]["severity"] == "high"
    assert NAME in json.dumps(gpu_findings)
    assert (tmp_path / "gpu-run.ipynb").read_bytes() == (H100 / "gpu-run.ipynb").read_bytes()


def test_diff_with_a_snapshot_file_compares_no_runtime(tmp_path):
    """`nbrepro snapshot` ran none of the notebook's cells: its seeds and torch flags
    are not the recording's, and were reported as ten determinism and one seeding
    difference (`true -> unset`)."""
    (tmp_path / "gpu-run.ipynb").write_bytes((H100 / "gpu-run.ipynb").read_bytes())
    exe = str(Path(sys.executable).parent / "nbrepro")
    snap = subprocess.run(
        [exe, "snapshot"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert snap.returncode == 0, snap.stderr
    (tmp_path / "here.json").write_text(snap.stdout)
    done = subprocess.run(
        [exe, "diff", "--json", "gpu-run.ipynb", "here.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    kinds = {d["kind"] for d in json.loads(done.stdout)["differences"]}
    assert "gpu-changed" in kinds
    assert not kinds & {"determinism-changed", "seeding-changed"}
