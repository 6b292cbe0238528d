"""GPU probe: parsers against outputs recorded on real machines, bounded tools, no CUDA init.

Fixtures and their sources: test/fixtures/gpu/README.md. Fake ``nvidia-smi``
scripts below only imitate process behaviour (hanging, exit codes) and print
recorded real text.
"""

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest

from nbrepro.capture import frameworks, gpu
from nbrepro.capture.context import Context

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "test" / "fixtures" / "gpu"
SCHEMA = json.loads((ROOT / "schema" / "snapshot.schema.json").read_text())


def fixture(name):
    return (FIXTURES / name).read_text()


def validate(section, name="gpu"):
    schema = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/" + name}
    jsonschema.Draft202012Validator(schema).validate(section)


# -- parsers ------------------------------------------------------------------


def test_query_csv_noheader_nounits_from_a_real_rtx_2080():
    fields = (
        "power.limit,power.min_limit,power.max_limit,memory.total,vbios_version,driver_version,"
        "name,gpu_uuid,power.draw,temperature.gpu,temperature.memory,clocks.current.graphics,"
        "clocks.sm,clocks.mem,utilization.gpu,utilization.memory,fan.speed,"
        "pcie.link.width.current,pstate"
    ).split(",")
    parsed = gpu.parse_query_csv(fixture("smi-query-rtx2080-440.csv"), fields)
    assert parsed["driver_version"] == "440.64"
    (device,) = parsed["devices"]
    assert device["name"] == "GeForce RTX 2080"
    assert device["uuid"] == "GPU-22b2c6ac-2d49-4863-197c-9c469071178a"
    assert device["memory_total_mib"] == 7979
    assert device["index"] == 0


def test_query_csv_with_header_skips_it_and_reads_compute_capability():
    fields = ["compute_cap", "compute_mode", "driver_version", "name", "index"]
    parsed = gpu.parse_query_csv(fixture("smi-query-header-titanv-rtx5880-570.csv"), fields)
    names = [(d["index"], d["name"], d["compute_capability"]) for d in parsed["devices"]]
    assert names == [(0, "NVIDIA TITAN V", "7.0"), (1, "NVIDIA RTX 5880 Ada Generation", "8.9")]
    assert parsed["driver_version"] == "570.86.15"


@pytest.mark.parametrize(
    "name",
    ["smi-compute-cap-invalid-470.txt", "smi-nvml-mismatch-580.txt", "smi-no-devices-470.txt"],
)
def test_error_texts_on_stdout_are_not_rows(name):
    assert gpu.parse_query_csv(fixture(name), list(gpu.SMI_FIELDS)) is None
    assert gpu.first_line(fixture(name)) == fixture(name).splitlines()[0]


@pytest.mark.parametrize(
    "name, driver, cuda",
    [
        ("smi-banner-a10-550.txt", "550.127.05", "12.4"),
        ("smi-banner-quadro-535.txt", "535.129.03", "12.2"),
        ("smi-q-a10-550.txt", "550.127.05", "12.4"),
        ("smi-banner-gtx680-331.txt", "331.62", None),
    ],
)
def test_banner_gives_driver_and_cuda_driver_version(name, driver, cuda):
    versions = gpu.parse_banner(fixture(name))
    assert versions.get("driver_version") == driver
    assert versions.get("cuda_driver_version") == cuda


@pytest.mark.parametrize(
    "name, driver",
    [
        ("proc-version-580-proprietary.txt", "580.173.02"),
        ("proc-version-565-open.txt", "565.57.01"),
        ("proc-version-jetson.txt", "35.3.1"),
        ("proc-k80/version", "470.256.02"),
    ],
)
def test_proc_version_formats(name, driver):
    assert gpu.parse_proc_version(fixture(name)) == driver


def test_proc_information_v100():
    device = gpu.parse_proc_information(fixture("proc-information-v100.txt"))
    assert device == {
        "name": "Tesla V100-SXM2-16GB",
        "uuid": "GPU-8eaaebb8-bb64-8489-fda2-62256e821983",
        "pci_bus_id": "00000000:00:1E.0",
        "minor": 0,
    }


def test_proc_tree_with_unreadable_uuids():
    found = gpu.read_proc(str(FIXTURES / "proc-k80"))
    assert found["source"] == "proc"
    assert found["driver_version"] == "470.256.02"
    assert [(d["name"], d["uuid"], d["pci_bus_id"]) for d in found["devices"]] == [
        ("Tesla K80", None, "00000000:03:00.0"),
        ("Tesla K80", None, "00000000:04:00.0"),
    ]
    assert gpu.read_proc(str(FIXTURES / "no-such-dir")) is None


def test_bus_ids_get_one_spelling():
    assert gpu.normalise_bus_id("0000:00:1e.0") == "00000000:00:1E.0"
    assert gpu.normalise_bus_id("00000000:4F:00.0") == "00000000:4F:00.0"
    assert gpu.normalise_bus_id("0000:C4:00.0") == "00000000:C4:00.0"
    assert gpu.normalise_bus_id(None) is None


def test_rocm_smi_json():
    mi250 = gpu.parse_rocm_smi(json.loads(fixture("rocm-smi-productname-mi250x.json")))
    assert mi250["devices"] == [
        {
            "index": 0,
            "name": "AMD INSTINCT MI200 (MCM) OAM LC MBA HPE C2",
            "model": "0x7408",
            "gfx_version": "gfx9010",
        }
    ]
    apu = gpu.parse_rocm_smi(json.loads(fixture("rocm-smi-allinfo-780m.json")))
    assert apu["devices"][0]["name"] == "Phoenix3"
    assert apu["devices"][0]["pci_bus_id"] == "00000000:C4:00.0"
    assert "uuid" not in apu["devices"][0]  # "N/A"


def test_cuda_version_from_nvml_integer():
    assert gpu.cuda_version_from_int(12040) == "12.4"
    assert gpu.cuda_version_from_int(11080) == "11.8"
    assert gpu.cuda_version_from_int(0) is None


# -- sources and process behaviour ----------------------------------------------


def fake_tool(directory, name, body):
    path = Path(directory) / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def no_nvml(monkeypatch):
    monkeypatch.setattr(gpu, "_NVML_NAMES", ("libnvidia-ml-absent-for-test.so.1",))
    monkeypatch.setattr(gpu, "_PROC_ROOT", "/nonexistent/nbrepro-test")


def test_nvml_absent_falls_back_cleanly(no_nvml, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi either
    problems = []
    assert gpu.read_nvml(problems) is None
    hardware = gpu.read_hardware(2.0, problems)
    assert hardware == {
        "source": None,
        "driver_version": None,
        "cuda_driver_version": None,
        "devices": [],
    }
    assert problems == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell fake")
def test_hanging_nvidia_smi_is_killed_within_the_budget(no_nvml, monkeypatch, tmp_path):
    fake_tool(tmp_path, "nvidia-smi", "sleep 30\n")
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    ctx = Context()
    started = time.monotonic()
    section = gpu.probe(ctx)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5
    assert section["devices"] == []
    assert any("did not answer" in p["message"] for p in ctx.problems)
    validate(section)
    # The sleep was killed with its process group, not left behind.
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""
    # Cached: the second run costs nothing and reports nothing again.
    started = time.monotonic()
    gpu.probe(ctx)
    assert time.monotonic() - started < 0.05
    assert len(ctx.problems) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell fake")
def test_nvml_error_text_becomes_a_problem(no_nvml, monkeypatch, tmp_path):
    text = FIXTURES / "smi-nvml-mismatch-580.txt"
    fake_tool(tmp_path, "nvidia-smi", 'cat "%s"\nexit 18\n' % text)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    ctx = Context()
    section = gpu.probe(ctx)
    assert section["source"] is None
    (problem,) = ctx.problems
    assert "exited with 18" in problem["message"]
    assert "Driver/library version mismatch" in problem["message"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell fake")
def test_old_driver_without_compute_cap_is_asked_again_without_it(no_nvml, monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    fake_tool(
        tmp_path,
        "nvidia-smi",
        """\
        echo "$*" >> "{log}"
        case "$*" in
          *compute_cap*) cat "{invalid}"; exit 2 ;;
          *) cat "{nodev}"; exit 6 ;;
        esac
        """.format(
            log=log,
            invalid=FIXTURES / "smi-compute-cap-invalid-470.txt",
            nodev=FIXTURES / "smi-no-devices-470.txt",
        ),
    )
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    problems = []
    assert gpu.read_nvidia_smi(time.monotonic() + 2.0, problems) is None
    calls = log.read_text().splitlines()
    assert len(calls) == 2 and "compute_cap" in calls[0] and "compute_cap" not in calls[1]
    assert problems == ["nvidia-smi exited with 6: No devices were found"]


# -- frameworks and privacy -------------------------------------------------------


def test_visibility_env_is_set_or_unset_unless_opted_in(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-8eaaebb8-bb64-8489-fda2-62256e821983")
    monkeypatch.delenv("HIP_VISIBLE_DEVICES", raising=False)
    assert gpu.visibility_env(False)["CUDA_VISIBLE_DEVICES"] == "set"
    assert gpu.visibility_env(False)["HIP_VISIBLE_DEVICES"] == "unset"
    opted = Context({"record_env_values": True}, cache={gpu.CACHE_KEY: gpu._empty_hardware()})
    section = gpu.probe(opted)
    assert section["env"]["CUDA_VISIBLE_DEVICES"].startswith("GPU-8eaaebb8")
    # One name for the privacy option: record_env_values.
    for options in ({"record_env": True}, {"privacy": {"record_env": True}}):
        other = gpu.probe(Context(options, cache={gpu.CACHE_KEY: gpu._empty_hardware()}))
        assert other["env"]["CUDA_VISIBLE_DEVICES"] == "set"


def test_gpu_section_holds_hardware_only():
    section = gpu.probe(Context(cache={gpu.CACHE_KEY: gpu._empty_hardware()}))
    assert "frameworks" not in section
    validate(section)


def test_torch_facts_without_initialising_cuda():
    torch = pytest.importorskip("torch")
    facts = frameworks.facts()["torch"]
    assert facts["version"] == torch.__version__
    assert facts["cuda"] == torch.version.cuda
    assert facts["cuda_initialized"] is False
    assert "cudnn" not in facts and "devices" not in facts
    assert isinstance(facts["mps_built"], bool)
    assert torch.cuda.is_initialized() is False
    validate(frameworks.probe(Context()), "frameworks")


def test_frameworks_are_a_per_run_fact(monkeypatch):
    """Importing a framework after the environment was captured shows in the next run."""
    import types

    cache = {}
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    before = frameworks.probe(Context(cache=cache))
    assert "jax" not in before
    fake = types.ModuleType("jax")
    fake.__version__ = "0.4.30"
    monkeypatch.setitem(sys.modules, "jax", fake)
    after = frameworks.probe(Context(cache=cache))
    assert after["jax"] == {"version": "0.4.30", "backend_initialized": False}
    assert frameworks.probe(Context(cache=cache)) is after  # cached while nothing changes
    validate(after, "frameworks")


def test_frameworks_not_imported_are_not_imported():
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from nbrepro.capture import frameworks, gpu\n"
        "from nbrepro.capture.context import Context\n"
        "gpu.probe(Context())\n"
        "frameworks.probe(Context())\n"
        "print(sorted(m for m in ('torch', 'tensorflow', 'jax', 'numpy') if m in sys.modules))\n"
    ) % str(ROOT / "python")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


# -- bounded tools: output size, process tree, strict rows ----------------------

SMI_ROW = (
    "0, NVIDIA A10, GPU-6f1d3a2e-8c4b-4b7e-9a51-2f0c6d9e8b13, "
    "00000000:00:1E.0, 550.127.05, 23028, 8.6"
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell fake")
def test_flooding_nvidia_smi_is_cut_off_without_growing_memory(tmp_path):
    # 64 MiB of rows, then exit: the old reader kept all of it (and the text twice).
    fake_tool(
        tmp_path,
        "nvidia-smi",
        'yes "%s" | head -c 67108864\n' % SMI_ROW,
    )
    script = textwrap.dedent(
        """\
        import json, resource, sys, time
        from nbrepro.capture import gpu
        gpu._NVML_NAMES = ("libnvidia-ml-absent-for-test.so.1",)
        gpu._PROC_ROOT = "/nonexistent/nbrepro-test"
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        problems = []
        hardware = gpu.read_hardware(5.0, problems)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"kib": after - before, "problems": problems, "hw": hardware}))
        """
    )
    env = dict(os.environ, PATH=str(tmp_path) + os.pathsep + os.environ["PATH"])
    env["PYTHONPATH"] = str(ROOT / "python")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["kib"] < 8 * 1024, result["kib"]  # the kernel's RSS grows by a few MiB at most
    assert result["hw"]["devices"] == []
    assert any("printed more than" in p for p in result["problems"]), result["problems"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell fake")
@pytest.mark.parametrize(
    "row, why",
    [
        ("x, \x1b[31mGARBAGE\x1b]0;pwn\x07, zz, q, w, e, r", "no device index"),
        ("0, NVIDIA A10, not-a-uuid, 00000000:00:1E.0, 550.127.05, 23028, 8.6", "UUID"),
        ("0, [N/A], GPU-6f1d3a2e-8c4b-4b7e-9a51-2f0c6d9e8b13, a, b, c, d", "no device name"),
        ("0, rm -rf ~;$(id), GPU-6f1d3a2e-8c4b-4b7e-9a51-2f0c6d9e8b13, a, b, c, d", "name"),
    ],
)
def test_garbage_rows_are_problems_never_devices(no_nvml, monkeypatch, tmp_path, row, why):
    (tmp_path / "out.txt").write_text(row + "\n")
    fake_tool(tmp_path, "nvidia-smi", 'cat "%s"\n' % (tmp_path / "out.txt"))
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    problems = []
    hardware = gpu.read_hardware(2.0, problems)
    assert hardware["devices"] == []
    assert any("not a device" in p and why in p for p in problems), problems
    assert not any("\x1b" in p or "\x07" in p for p in problems)


def test_a_real_row_is_still_a_device(no_nvml, monkeypatch, tmp_path):
    (tmp_path / "out.txt").write_text(SMI_ROW + "\n")
    fake_tool(tmp_path, "nvidia-smi", 'cat "%s"\n' % (tmp_path / "out.txt"))
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    problems = []
    (device,) = gpu.read_hardware(2.0, problems)["devices"]
    assert device["uuid"].startswith("GPU-6f1d3a2e") and device["compute_capability"] == "8.6"
    assert device["pci_bus_id"] == "00000000:00:1E.0" and device["memory_total_mib"] == 23028


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="setsid(1), /proc")
@pytest.mark.parametrize("holds_pipe", [True, False])
def test_a_child_that_calls_setsid_is_killed_too(no_nvml, monkeypatch, tmp_path, holds_pipe):
    (tmp_path / "out.txt").write_text(SMI_ROW + "\n")
    child = fake_tool(tmp_path, "escapee", "while :; do sleep 1; done\n")
    redirect = "" if holds_pipe else " >/dev/null 2>&1"
    fake_tool(
        tmp_path,
        "nvidia-smi",
        'setsid "%s"%s &\ncat "%s"\n' % (child, redirect, tmp_path / "out.txt"),
    )
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    started = time.monotonic()
    problems = []
    hardware = gpu.read_hardware(3.0, problems)
    elapsed = time.monotonic() - started
    leftover = subprocess.run(["pgrep", "-f", str(child)], capture_output=True, text=True)
    try:
        assert leftover.stdout.strip() == "", "the setsid child outlived the tool"
    finally:
        for pid in leftover.stdout.split():
            os.kill(int(pid), 9)
    assert [d["uuid"] for d in hardware["devices"]] == [SMI_ROW.split(", ")[2]]
    assert elapsed < 2.0  # the tool's end is its answer, not the held pipe's


def test_rocm_and_amd_smi_garbage_is_a_problem_never_a_device():
    problems = []
    rocm = {
        "card0": {"Card Series": "\x1b]0;pwn\x07", "Unique ID": {"x": 1}, "PCI Bus": [1]},
        "card1": "not a card",
        "card2": {"Card Series": "AMD Radeon 780M", "VRAM Total Memory (B)": -5},
    }
    parsed = gpu.parse_rocm_smi(rocm, problems)
    assert [d["name"] for d in parsed["devices"]] == ["AMD Radeon 780M"]
    assert "memory_total_mib" not in parsed["devices"][0]
    assert problems == ["rocm-smi printed a record that is not a device (no device name): card0"]
    problems = []
    amd = [{"gpu": 0, "asic": "x", "bus": 3}, {"gpu": 1, "asic": {"market_name": ["x"]}}]
    assert gpu.parse_amd_smi(amd, problems) is None
    assert len(problems) == 2
