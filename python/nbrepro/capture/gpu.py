"""Probe: GPU facts, read once per kernel and without initialising CUDA.

Kernel-side: standard library only, Python 3.8 grammar.

Hardware comes from the first source that answers: NVML through ctypes (no
subprocess), ``nvidia-smi --query-gpu`` (bounded in time: it can hang for
seconds when the driver is unloaded or persistence mode is off), then
``/proc/driver/nvidia``. ROCm and Apple facts are added where their tools
exist. Framework facts (CUDA runtime, cuDNN) are per-run facts: see
``frameworks.py``.
"""

import os
import re
import sys
import time

CACHE_KEY = "gpu.hardware"
# Seconds all GPU tool subprocesses of one kernel may take together.
TOOL_BUDGET = 2.0

SMI_FIELDS = (
    "index",
    "name",
    "uuid",
    "pci.bus_id",
    "driver_version",
    "memory.total",
    "compute_cap",
)
# What nvidia-smi prints instead of a value.
_SMI_MISSING = ("[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "")
_NVML_NAMES = ("libnvidia-ml.so.1",)
_PROC_ROOT = "/proc/driver/nvidia"
_VISIBILITY_VARS = ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES")


def probe(ctx):
    """Return the ``gpu`` section: hardware facts, read once per kernel, and device visibility.

    Framework facts (torch, TensorFlow, JAX) change when the user imports one,
    which the environment fingerprint cannot see: they are a runtime probe
    (``frameworks.py``).
    """
    hardware = ctx.cache.get(CACHE_KEY)
    if hardware is None:
        problems = []
        try:
            hardware = read_hardware(ctx.option("gpu_timeout", TOOL_BUDGET), problems)
        except Exception as exc:  # a probe never raises
            hardware = _empty_hardware()
            problems.append("GPU probe failed: %r" % (exc,))
        hardware["problems"] = problems
        ctx.cache[CACHE_KEY] = hardware
    # Problems are reported on the run that found them only.
    for message in hardware.pop("problems", ()):
        ctx.problem("gpu", message)
    section = dict((k, v) for k, v in hardware.items())
    section["env"] = visibility_env(bool(ctx.option("record_env_values", False)))
    return section


def visibility_env(record_values):
    """Which devices the process may see: 'set'/'unset', or the value when opted in."""
    out = {}
    for name in _VISIBILITY_VARS:
        value = os.environ.get(name)
        if value is None:
            out[name] = "unset"
        else:
            out[name] = value if record_values else "set"
    return out


def _empty_hardware():
    return {"source": None, "driver_version": None, "cuda_driver_version": None, "devices": []}


def read_hardware(budget, problems):
    """Collect the static per-kernel facts; ``problems`` receives messages."""
    deadline = time.monotonic() + max(0.1, min(float(budget or TOOL_BUDGET), TOOL_BUDGET))
    hardware = _empty_hardware()
    found = read_nvml(problems)
    if found is None:
        found = read_nvidia_smi(deadline, problems)
    if found is None:
        found = read_proc(_PROC_ROOT)
    if found is not None:
        hardware.update(found)
    rocm = read_rocm(deadline, problems)
    if rocm is not None:
        hardware["rocm"] = rocm
    if sys.platform == "darwin":
        apple = read_apple(deadline, problems)
        if apple:
            hardware["apple"] = apple
    return hardware


# -- NVML through ctypes ----------------------------------------------------


def _nvml_library():
    import ctypes

    names = list(_NVML_NAMES)
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", "C:\\Windows")
        names = [
            os.path.join(windir, "System32", "nvml.dll"),
            os.path.join(
                os.environ.get("ProgramFiles", "C:\\Program Files"),
                "NVIDIA Corporation",
                "NVSMI",
                "nvml.dll",
            ),
        ]
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _nvml_function(lib, *names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            return fn
    return None


def read_nvml(problems):
    """Device facts from NVML, or None when the library is absent or fails."""
    lib = _nvml_library()
    if lib is None:
        return None
    import ctypes

    init = _nvml_function(lib, "nvmlInit_v2", "nvmlInit")
    if init is None:
        return None
    status = init()
    if status != 0:
        problems.append("NVML is present but nvmlInit failed with status %d" % status)
        return None
    try:
        return _nvml_query(lib, ctypes)
    finally:
        shutdown = _nvml_function(lib, "nvmlShutdown")
        if shutdown is not None:
            shutdown()


def _nvml_query(lib, ctypes):
    class Memory(ctypes.Structure):
        _fields_ = [
            ("total", ctypes.c_ulonglong),
            ("free", ctypes.c_ulonglong),
            ("used", ctypes.c_ulonglong),
        ]

    class PciInfo(ctypes.Structure):
        # nvmlPciInfo_t as of the v3 call: legacy id, numeric ids, full id.
        _fields_ = [
            ("busIdLegacy", ctypes.c_char * 16),
            ("domain", ctypes.c_uint),
            ("bus", ctypes.c_uint),
            ("device", ctypes.c_uint),
            ("pciDeviceId", ctypes.c_uint),
            ("pciSubSystemId", ctypes.c_uint),
            ("busId", ctypes.c_char * 32),
        ]

    buf = ctypes.create_string_buffer(96)
    out = {"source": "nvml", "driver_version": None, "cuda_driver_version": None, "devices": []}
    if lib.nvmlSystemGetDriverVersion(buf, 80) == 0:
        out["driver_version"] = _text(buf.value)
    version = ctypes.c_int()
    get_cuda = _nvml_function(
        lib, "nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"
    )
    if get_cuda is not None and get_cuda(ctypes.byref(version)) == 0:
        out["cuda_driver_version"] = cuda_version_from_int(version.value)
    count = ctypes.c_uint()
    get_count = _nvml_function(lib, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount")
    if get_count(ctypes.byref(count)) != 0:
        return out
    get_handle = _nvml_function(lib, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex")
    get_pci = _nvml_function(lib, "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2")
    for index in range(count.value):
        handle = ctypes.c_void_p()
        if get_handle(index, ctypes.byref(handle)) != 0:
            continue
        device = _device(index)
        if lib.nvmlDeviceGetName(handle, buf, 96) == 0:
            device["name"] = _text(buf.value)
        if lib.nvmlDeviceGetUUID(handle, buf, 96) == 0:
            device["uuid"] = _text(buf.value)
        memory = Memory()
        if lib.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) == 0:
            device["memory_total_mib"] = int(memory.total >> 20)
        major, minor = ctypes.c_int(), ctypes.c_int()
        if (
            lib.nvmlDeviceGetCudaComputeCapability(handle, ctypes.byref(major), ctypes.byref(minor))
            == 0
        ):
            device["compute_capability"] = "%d.%d" % (major.value, minor.value)
        pci = PciInfo()
        if get_pci is not None and get_pci(handle, ctypes.byref(pci)) == 0:
            device["pci_bus_id"] = normalise_bus_id(_text(pci.busId))
        out["devices"].append(device)
    return out


def cuda_version_from_int(value):
    """NVML and the CUDA driver API encode 12.4 as 12040."""
    if not value or value < 1000:
        return None
    return "%d.%d" % (value // 1000, (value % 1000) // 10)


# -- nvidia-smi -------------------------------------------------------------


def run_tool(argv, deadline):
    """Run a tool without a shell until ``deadline``; return (rc, stdout) or None on timeout.

    Bounded in time, output size and process tree (`tools.run`): it raises
    OSError (a `tools.ToolError`) when the tool floods its output.
    """
    from . import tools

    return tools.run(argv, deadline)


def read_nvidia_smi(deadline, problems):
    """Device facts from ``nvidia-smi --query-gpu``; None when it is absent or fails."""
    import shutil

    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    fields = list(SMI_FIELDS)
    result = _smi_query(exe, fields, deadline, problems)
    if result is None:
        return None
    rc, text = result
    if rc != 0 and "compute_cap" in text and "not a valid field" in text:
        # Drivers before 510 do not know compute_cap (exit code 2).
        fields.remove("compute_cap")
        result = _smi_query(exe, fields, deadline, problems)
        if result is None:
            return None
        rc, text = result
    if rc != 0:
        problems.append("nvidia-smi exited with %d: %s" % (rc, first_line(text)))
        return None
    parsed = parse_query_csv(text, fields, problems)
    if parsed is None:
        problems.append("nvidia-smi printed no device rows: %s" % first_line(text))
        return None
    parsed["source"] = "nvidia-smi"
    # The CUDA driver version is not a query field; the banner has it.
    try:
        banner = run_tool([exe], deadline) if time.monotonic() < deadline else None
    except OSError as exc:
        problems.append("nvidia-smi banner: %s" % exc)
        banner = None
    if banner is not None and banner[0] == 0:
        versions = parse_banner(banner[1])
        parsed["cuda_driver_version"] = versions.get("cuda_driver_version")
        if not parsed.get("driver_version"):
            parsed["driver_version"] = versions.get("driver_version")
    return parsed


def _smi_query(exe, fields, deadline, problems):
    argv = [exe, "--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"]
    try:
        result = run_tool(argv, deadline)
    except OSError as exc:
        problems.append("could not run nvidia-smi: %s" % exc)
        return None
    if result is None:
        problems.append("nvidia-smi did not answer within %.1f s; GPU facts skipped" % TOOL_BUDGET)
    return result


def first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            return printable(line.strip()[:200])
    return "(no output)"


def parse_query_csv(text, fields, problems=None):
    """Parse ``--query-gpu`` CSV rows (with or without header and units).

    Returns {"driver_version", "devices"} or None when no line is a device
    row (nvidia-smi prints its errors on stdout). Parsing is strict: a device
    needs a plausible index (when asked for), name and UUID (when asked for);
    a row that has the shape of one but not those is named in ``problems``
    and never becomes a device record. Values that do not look like what the
    field holds (a driver version, a compute capability, a bus id) are dropped.
    """
    devices = []
    driver = None
    rejected = 0
    for line in (text or "").splitlines():
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != len(fields) or not line.strip():
            continue
        if cells[0].split(" [")[0] == fields[0]:
            continue  # header line
        row = dict(zip(fields, cells))
        device = _device(len(devices))
        why = None
        for field, raw in row.items():
            value = None if raw in _SMI_MISSING else raw
            if field in ("index", "count"):
                if value is None or not _SMI_INDEX.match(value):
                    why = why or "no device index"
                else:
                    device["index"] = int(value)
            elif field in ("name", "gpu_name"):
                if value is None or not _SMI_NAME.match(value):
                    why = why or "no device name"
                device["name"] = value
            elif field in ("uuid", "gpu_uuid"):
                if value is None or not _SMI_UUID.match(value):
                    why = why or "no device UUID"
                device["uuid"] = value
            elif field in ("pci.bus_id", "gpu_bus_id"):
                bus = normalise_bus_id(value)
                device["pci_bus_id"] = bus if bus and _BUS_ID.match(bus) else None
            elif field == "memory.total" and value is not None:
                memory = _int(value.split()[0], None)
                device["memory_total_mib"] = memory if memory and 0 < memory < 1 << 24 else None
            elif field == "compute_cap":
                device["compute_capability"] = value if value and _CC.match(value) else None
            elif field == "driver_version" and value is not None and _VERSION.match(value):
                driver = driver or value
        if "name" not in row and "gpu_name" not in row:
            why = why or "no device name"
        if why:
            rejected += 1
            if problems is not None and rejected <= 3:
                problems.append(
                    "nvidia-smi printed a row that is not a device (%s): %s"
                    % (why, printable(line)[:200])
                )
            continue
        devices.append(device)
    if not devices:
        return None
    return {"driver_version": driver, "cuda_driver_version": None, "devices": devices}


# What a device row must look like; nvidia-smi's own values always do.
_SMI_INDEX = re.compile(r"^[0-9]{1,4}$")
_SMI_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()/+\-]{0,127}$")
_SMI_UUID = re.compile(r"^(GPU|MIG)-[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")
_BUS_ID = re.compile(r"^[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-9A-F]$")
_CC = re.compile(r"^[0-9]{1,2}\.[0-9]{1,2}$")
_VERSION = re.compile(r"^[0-9]{1,4}(\.[0-9A-Za-z]{1,8}){0,3}$")


def printable(text):
    """Text with control characters written as escapes (for a problem message)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_BANNER_DRIVER = re.compile(r"Driver Version\s*:?\s*([0-9][\w.\-]*)")
_BANNER_CUDA = re.compile(r"CUDA Version\s*:?\s*([0-9]+\.[0-9]+)")


def parse_banner(text):
    """Driver and CUDA driver version from the ``nvidia-smi`` banner or ``-q`` text."""
    out = {}
    match = _BANNER_DRIVER.search(text or "")
    if match:
        out["driver_version"] = match.group(1)
    match = _BANNER_CUDA.search(text or "")
    if match:
        out["cuda_driver_version"] = match.group(1)
    return out


def normalise_bus_id(value):
    """One spelling for PCI ids: NVML's ``00000000:4F:00.0`` (8-digit domain, upper hex).

    /proc writes ``0000:00:1e.0`` and nvidia-smi ``00000000:4F:00.0``.
    """
    if not value:
        return None
    match = re.match(
        r"^([0-9A-Fa-f]+):([0-9A-Fa-f]+):([0-9A-Fa-f]+)\.([0-9A-Fa-f]+)$", value.strip()
    )
    if not match:
        return value.strip()
    domain, bus, dev, fn = (int(part, 16) for part in match.groups())
    return "%08X:%02X:%02X.%X" % (domain, bus, dev, fn)


# -- /proc/driver/nvidia ----------------------------------------------------

_PROC_DRIVER = re.compile(r"Kernel Module(?:\s+for\s+\S+)?\s+([0-9][\w.\-]*)")


def parse_proc_version(text):
    """Driver version from ``/proc/driver/nvidia/version`` (proprietary and open modules)."""
    match = _PROC_DRIVER.search(text or "")
    return match.group(1) if match else None


def parse_proc_information(text):
    """One device from ``/proc/driver/nvidia/gpus/<bus id>/information``."""
    fields = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    device = {"name": fields.get("Model") or None}
    uuid = fields.get("GPU UUID")
    # Drivers print question marks when the UUID cannot be read.
    device["uuid"] = uuid if uuid and "?" not in uuid else None
    device["pci_bus_id"] = normalise_bus_id(fields.get("Bus Location"))
    if fields.get("Device Minor", "").isdigit():
        device["minor"] = int(fields["Device Minor"])
    return device


def read_proc(root):
    """Driver version and device names from /proc (Linux, not always mounted in containers)."""
    try:
        with open(os.path.join(root, "version")) as handle:
            driver = parse_proc_version(handle.read())
    except OSError:
        return None
    devices = []
    gpus = os.path.join(root, "gpus")
    try:
        entries = sorted(os.listdir(gpus))
    except OSError:
        entries = []
    for entry in entries:
        try:
            with open(os.path.join(gpus, entry, "information")) as handle:
                found = parse_proc_information(handle.read())
        except OSError:
            continue
        device = _device(len(devices))
        device.update(found)
        device.pop("minor", None)
        devices.append(device)
    return {
        "source": "proc",
        "driver_version": driver,
        "cuda_driver_version": None,
        "devices": devices,
    }


# -- ROCm and Apple -----------------------------------------------------------


def read_rocm(deadline, problems):
    """AMD devices from ``rocm-smi --json`` or ``amd-smi static --json`` when installed."""
    import json
    import shutil

    tools = (
        (
            "rocm-smi",
            [
                "--showproductname",
                "--showdriverversion",
                "--showbus",
                "--showmeminfo",
                "vram",
                "--json",
            ],
        ),
        ("amd-smi", ["static", "--json"]),
    )
    for tool, args in tools:
        exe = shutil.which(tool)
        if exe is None:
            continue
        try:
            result = run_tool([exe] + args, deadline)
        except OSError as exc:
            problems.append("could not run %s: %s" % (tool, exc))
            continue
        if result is None:
            problems.append("%s did not answer in time; ROCm facts skipped" % tool)
            return None
        rc, text = result
        try:
            data = json.loads(text[text.find("{") if tool == "rocm-smi" else 0 :])
        except ValueError:
            problems.append(
                "%s exited with %d and printed no JSON: %s" % (tool, rc, first_line(text))
            )
            continue
        parse = parse_rocm_smi if tool == "rocm-smi" else parse_amd_smi
        parsed = parse(data, problems)
        if parsed is not None:
            parsed["source"] = tool
            return parsed
    return None


def _get_ci(mapping, *keys):
    lowered = dict((str(k).lower().rstrip(":").strip(), v) for k, v in mapping.items())
    for key in keys:
        value = lowered.get(key.lower())
        if value not in (None, "", "N/A"):
            return value
    return None


def parse_rocm_smi(data, problems=None):
    """Devices from ``rocm-smi ... --json`` (an object keyed ``card0``, ``card1``, ``system``).

    Strict as ``parse_query_csv``: text values must be plain short text, and a
    card without a plausible name is a problem, not a device.
    """
    if not isinstance(data, dict):
        return None
    devices = []
    driver = None
    system = data.get("system")
    if isinstance(system, dict):
        driver = _get_ci(system, "Driver version")
    for key in sorted((k for k in data if str(k).startswith("card")), key=_card_number):
        card = data[key]
        if not isinstance(card, dict):
            continue
        device = _device(_card_number(key))
        device["name"] = _plain(_get_ci(card, "Card Series", "Device Name", "Card series"))
        device["model"] = _plain(_get_ci(card, "Card Model", "Device ID"))
        device["gfx_version"] = _plain(_get_ci(card, "GFX Version"))
        device["uuid"] = _plain(_get_ci(card, "Unique ID"))
        device["pci_bus_id"] = _bus(_get_ci(card, "PCI Bus"))
        total = _int(_plain(_get_ci(card, "VRAM Total Memory (B)")), None)
        device["memory_total_mib"] = total >> 20 if total and total > 0 else None
        driver = driver or _plain(_get_ci(card, "Driver version"))
        if _kept(device, "rocm-smi", key, problems):
            devices.append(dict((k, v) for k, v in device.items() if v is not None))
    if not devices and driver is None:
        return None
    return {"driver_version": driver, "devices": devices}


def parse_amd_smi(data, problems=None):
    """Devices from ``amd-smi static --json`` (a list of per-GPU objects; ROCm 6+)."""
    if isinstance(data, dict):
        data = data.get("gpu_data", [data])
    if not isinstance(data, list):
        return None
    devices = []
    driver = None
    for entry in data:
        if not isinstance(entry, dict):
            continue
        asic, bus, vram, drv = (
            entry.get(key) if isinstance(entry.get(key), dict) else {}
            for key in ("asic", "bus", "vram", "driver")
        )
        device = _device(_int(entry.get("gpu"), len(devices)))
        device["name"] = _plain(asic.get("market_name"))
        device["model"] = _plain(asic.get("device_id"))
        device["gfx_version"] = _plain(asic.get("target_graphics_version"))
        device["pci_bus_id"] = _bus(bus.get("bdf"))
        size = vram.get("size")
        if isinstance(size, dict):
            mib = _int(size.get("value"), None)
            if mib is not None and str(size.get("unit", "MB")).upper() in ("MB", "MIB"):
                device["memory_total_mib"] = mib
        elif _int(size, None) is not None:
            device["memory_total_mib"] = _int(size, None)
        driver = driver or _plain(drv.get("version"))
        if _kept(device, "amd-smi", "gpu %s" % device["index"], problems):
            devices.append(dict((k, v) for k, v in device.items() if v is not None))
    if not devices:
        return None
    return {"driver_version": driver, "devices": devices}


def _plain(value):
    """A tool's text value when it is plain short text; None for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or value in _SMI_MISSING or len(value) > 128 or not value.isprintable():
        return None
    return value


def _bus(value):
    bus = normalise_bus_id(_plain(value))
    return bus if bus and _BUS_ID.match(bus) else None


def _kept(device, tool, where, problems):
    """Whether a parsed device is one (a plausible name); else say why in ``problems``."""
    if device.get("name") and _SMI_NAME.match(device["name"]):
        return True
    if problems is not None:
        problems.append(
            "%s printed a record that is not a device (no device name): %s"
            % (tool, printable(str(where))[:80])
        )
    return False


def _card_number(key):
    return _int(str(key)[4:], 0)


def read_apple(deadline, problems):
    """Chip name on macOS (Apple silicon reports e.g. 'Apple M2 Pro')."""
    try:
        result = run_tool(["sysctl", "-n", "machdep.cpu.brand_string"], deadline)
    except OSError as exc:
        problems.append("could not run sysctl: %s" % exc)
        return None
    if result is None or result[0] != 0:
        return None
    return {"chip": result[1].strip() or None}


# -- helpers ------------------------------------------------------------------


def _device(index):
    return {
        "index": index,
        "name": None,
        "uuid": None,
        "pci_bus_id": None,
        "memory_total_mib": None,
        "compute_capability": None,
    }


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _int(value, default):
    try:
        return (
            int(str(value).strip(), 0)
            if str(value).strip().lower().startswith("0x")
            else int(str(value).strip())
        )
    except (TypeError, ValueError):
        return default
