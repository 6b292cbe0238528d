"""Benchmark of the kernel-side capture on synthetic prefixes.

Builds conda prefixes of N packages in a temporary folder (conda-meta records
with realistic `files`/`paths_data`, 90% conda packages of which two thirds are
Python packages with a dist-info, 10% pip-installed dist-infos) and reports
medians of: cold capture, unchanged capture (fingerprint hit), the stored
snapshot's size (compact JSON, as nbformat writes it into a notebook with
indent=1, and per package; the verbose `environment_full` for comparison),
and the same listing by `pip freeze --path` (subprocess) and by
`importlib.metadata` (in process), with ratios.

It also measures the audit hook that records the files a cell opens
(``capture/inputs.py``), in a child process since an audit hook cannot be
removed: the median cost of one ``open`` with no hook, with the hook while no
cell runs, and while a cell records; and the per-cell record (``inputs.probe``
for a cell that opened 10 small files, warm hash cache, and cold).

    .venv/bin/python bench/capture_bench.py [--sizes 300 2000] [--json] [--audit-only]
"""

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from nbrepro.capture import capture  # noqa: E402

PY_MM = "%d.%d" % sys.version_info[:2]
SP = "lib/python%s/site-packages" % PY_MM
FILES_PER_PACKAGE = 40


def _record(name, version, build, depends, files):
    url = "https://conda.anaconda.org/conda-forge/linux-64/%s-%s-%s.conda" % (name, version, build)
    return {
        "build": build,
        "build_number": 0,
        "channel": "https://conda.anaconda.org/conda-forge/linux-64",
        "constrains": [],
        "depends": depends,
        "extracted_package_dir": "/opt/conda/pkgs/%s-%s-%s" % (name, version, build),
        "files": files,
        "fn": "%s-%s-%s.conda" % (name, version, build),
        "license": "MIT",
        "link": {"source": "/opt/conda/pkgs/%s-%s-%s" % (name, version, build), "type": 1},
        "md5": hashlib.md5(url.encode()).hexdigest(),
        "name": name,
        "package_tarball_full_path": "/opt/conda/pkgs/%s-%s-%s.conda" % (name, version, build),
        "paths_data": {
            "paths": [
                {
                    "_path": f,
                    "path_type": "hardlink",
                    "sha256": hashlib.sha256(f.encode()).hexdigest(),
                    "size_in_bytes": 1234,
                }
                for f in files
            ],
            "paths_version": 1,
        },
        "requested_spec": "None",
        "sha256": hashlib.sha256(url.encode()).hexdigest(),
        "size": 123456,
        "subdir": "linux-64",
        "timestamp": 1700000000000,
        "url": url,
        "version": version,
    }


def _dist_info(site, name, version, installer):
    dist = site / ("%s-%s.dist-info" % (name, version))
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: synthetic\n\n%s\n"
        % (name, version, "Long description. " * 200)
    )
    (dist / "INSTALLER").write_text(installer + "\n")
    (dist / "RECORD").write_text("%s/__init__.py,,\n" % name)
    return dist


def build_prefix(root, size):
    prefix = Path(root) / ("env%d" % size)
    meta = prefix / "conda-meta"
    site = prefix / SP
    meta.mkdir(parents=True)
    site.mkdir(parents=True)
    conda_count = size * 9 // 10
    records = [_record("python", PY_MM + ".0", "h0_cpython", [], ["bin/python"])]
    for index in range(1, conda_count):
        name = "pkg%04d" % index
        depends = ["pkg%04d >=1" % (index // 2)] if index > 1 else []
        if index % 3:
            depends.append("python >=3.8")
            files = ["%s/%s/m%d.py" % (SP, name, i) for i in range(FILES_PER_PACKAGE)]
            files.append("%s/%s-1.%d.dist-info/RECORD" % (SP, name, index))
            _dist_info(site, name, "1.%d" % index, "conda")
        else:
            files = ["lib/lib%s.so.%d" % (name, i) for i in range(FILES_PER_PACKAGE)]
        records.append(_record(name, "1.%d" % index, "h%05d_0" % index, depends, files))
    for record in records:
        path = meta / ("%s-%s-%s.json" % (record["name"], record["version"], record["build"]))
        path.write_text(json.dumps(record, indent=2, sort_keys=True))
    (meta / "history").write_text(
        "==> 2024-01-01 00:00:00 <==\n# cmd: conda create -n bench python\n"
        "# conda version: 24.9.2\n# update specs: ['python']\n"
    )
    for index in range(size - conda_count):
        _dist_info(site, "pipdist%04d" % index, "2.%d" % index, "pip")
    return prefix, site


def notebook_text(metadata):
    """A notebook as nbformat writes it (`nbformat.writes`: sorted keys, indent=1)."""
    notebook = {"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def snapshot_sizes(environment):
    """Bytes of a stored environment: compact JSON, and what it adds to a notebook
    file where it sits at metadata.nbrepro.snapshots.<id>.environment."""
    compact = json.dumps(environment, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    empty = {"nbrepro": {"schema_version": 1, "snapshots": {}}}
    stored = {
        "nbrepro": {
            "schema_version": 1,
            "snapshots": {"0123456789abcdef": {"environment": environment, "captured_at": ""}},
        }
    }
    added = len(notebook_text(stored).encode()) - len(notebook_text(empty).encode())
    return {"compact_bytes": len(compact.encode()), "notebook_bytes": added}


def median_ms(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times)


def measure(root, size, repeat):
    prefix, site = build_prefix(root, size)
    options = {"prefix": str(prefix), "gpu": False, "config_channels": []}
    cold = median_ms(lambda: capture(options=options, cache={}), repeat)
    cache = {}
    result = capture(options=options, cache=cache)
    unchanged = median_ms(lambda: capture(options=options, cache=cache), max(repeat * 20, 100))
    sizes = snapshot_sizes(result["environment"])
    full = capture(options=dict(options, full=True), cache={})["environment_full"]
    sizes["full_bytes"] = len(json.dumps(full, separators=(",", ":")).encode())

    def pip_freeze():
        subprocess.run(
            [sys.executable, "-m", "pip", "freeze", "--path", str(site)],
            check=True,
            capture_output=True,
        )

    def importlib_listing():
        return [
            (d.metadata["Name"], d.version)
            for d in importlib.metadata.distributions(path=[str(site)])
        ]

    freeze = median_ms(pip_freeze, max(3, repeat // 2))
    listing = median_ms(importlib_listing, repeat)
    conda_export = None
    if shutil.which("conda"):
        conda_export = median_ms(
            lambda: subprocess.run(
                ["conda", "env", "export", "--prefix", str(prefix)], capture_output=True
            ),
            3,
        )
    return {
        "packages": size,
        "conda_records": len(result["environment"]["conda"]["packages"]),
        "distributions": len(result["environment"]["pip"]["distributions"]),
        "cold_ms": round(cold, 2),
        "unchanged_ms": round(unchanged, 4),
        "snapshot_bytes": sizes["compact_bytes"],
        "notebook_bytes": sizes["notebook_bytes"],
        "bytes_per_package": round(sizes["compact_bytes"] / size, 1),
        "full_bytes": sizes["full_bytes"],
        "pip_freeze_ms": round(freeze, 1),
        "importlib_metadata_ms": round(listing, 2),
        "conda_env_export_ms": round(conda_export, 1) if conda_export else None,
        "pip_freeze_over_cold": round(freeze / cold, 1),
        "importlib_over_cold": round(listing / cold, 2),
        "pip_freeze_over_unchanged": round(freeze / unchanged),
    }


def measure_audit(repeat):
    """Per-open and per-cell cost of the audit hook (call in a fresh process)."""
    from nbrepro.capture import inputs
    from nbrepro.capture.context import Context

    root = Path(tempfile.mkdtemp(prefix="nbrepro-audit-"))
    try:
        files = []
        for i in range(10):
            path = root / ("data-%d.csv" % i)
            path.write_bytes(b"x,y\n" * 2000)  # 8 KB each
            files.append(str(path))
        opens = 2000

        def open_many():
            for _ in range(opens // len(files)):
                for path in files:
                    open(path, "rb").close()

        def per_open(runs):
            return median_ms(open_many, runs) * 1000.0 / opens  # microseconds

        per_open(repeat)  # warm the page cache and the interpreter
        no_hook = per_open(repeat)
        calls = 20000
        event = (files[0], "r", 0)

        def call_hook():
            for _ in range(calls):
                inputs._hook("open", event)

        def call_nothing():
            for _ in range(calls):
                pass

        loop = median_ms(call_nothing, repeat)
        inputs.install({"notebook_dir": str(root)})
        idle = per_open(repeat)
        hook_idle = (median_ms(call_hook, repeat) - loop) * 1000.0 / calls
        inputs.begin()
        recording = per_open(repeat)
        hook_recording = (median_ms(call_hook, repeat) - loop) * 1000.0 / calls
        recorder = inputs.end()
        cell = "import pandas as pd\nframes = [pd.read_csv(p) for p in paths]\ntotal = sum(frames)"

        def record(cache):
            ctx = Context({}, cache, None, cell)
            cache[inputs.RECORDER_KEY] = recorder
            return inputs.probe(ctx)

        def begin_end():
            inputs.begin()
            inputs.end()

        import numpy.random  # noqa: F401 - a cell start reads the Python and NumPy generators

        around_cell = median_ms(begin_end, max(repeat * 10, 50))
        warm_cache = {}
        record(warm_cache)
        warm = median_ms(lambda: record(warm_cache), max(repeat * 10, 50))
        cold = median_ms(lambda: record({}), max(repeat * 10, 50))
        assert len(record({})["files"]) == len(files)
    finally:
        shutil.rmtree(str(root), ignore_errors=True)
    return {
        "open_no_hook_us": round(no_hook, 2),
        "open_hook_idle_us": round(idle, 2),
        "open_hook_recording_us": round(recording, 2),
        "hook_call_idle_us": round(hook_idle, 3),
        "hook_call_recording_us": round(hook_recording, 3),
        "hook_idle_overhead_us": round(idle - no_hook, 2),
        "hook_recording_overhead_us": round(recording - no_hook, 2),
        "cell_begin_end_ms": round(around_cell, 3),
        "cell_record_warm_ms": round(warm, 3),
        "cell_record_cold_ms": round(cold, 3),
        "files_per_cell": len(files),
    }


def audit_in_child(repeat):
    out = subprocess.run(
        [sys.executable, __file__, "--audit-only", "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads(out.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 2000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--audit-only", action="store_true", help="only the audit hook, as JSON, in this process"
    )
    args = parser.parse_args(argv)
    if args.audit_only:
        print(json.dumps(measure_audit(args.repeat)))
        return 0
    audit = audit_in_child(args.repeat)
    root = tempfile.mkdtemp(prefix="nbrepro-bench-")
    try:
        rows = [measure(root, size, args.repeat) for size in args.sizes]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(
            json.dumps(
                {"python": sys.version.split()[0], "results": rows, "audit_hook": audit}, indent=2
            )
        )
        return 0
    columns = [
        ("packages", "pkgs"),
        ("cold_ms", "cold ms"),
        ("unchanged_ms", "unchanged ms"),
        ("snapshot_bytes", "JSON B"),
        ("notebook_bytes", "indent=1 B"),
        ("bytes_per_package", "B/pkg"),
        ("full_bytes", "full JSON B"),
        ("pip_freeze_ms", "pip freeze ms"),
        ("importlib_metadata_ms", "importlib ms"),
        ("pip_freeze_over_cold", "freeze/cold"),
        ("importlib_over_cold", "importlib/cold"),
        ("pip_freeze_over_unchanged", "freeze/unchanged"),
    ]
    print("  ".join("%14s" % title for _, title in columns))
    for row in rows:
        print("  ".join("%14s" % row[key] for key, _ in columns))
    print()
    print(
        "audit hook (medians): one open %.2f us without the hook, %.2f us idle, %.2f us "
        "recording (+%.2f us); per cell with %d files opened: %.3f ms warm, %.3f ms cold"
        % (
            audit["open_no_hook_us"],
            audit["open_hook_idle_us"],
            audit["open_hook_recording_us"],
            audit["hook_recording_overhead_us"],
            audit["files_per_cell"],
            audit["cell_record_warm_ms"],
            audit["cell_record_cold_ms"],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
