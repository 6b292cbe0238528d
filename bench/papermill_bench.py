"""What ``--engine nbrepro`` adds to papermill: the same notebook, plain papermill
(its default nbclient engine) against papermill with nbrepro's engine.

Usage: python bench/papermill_bench.py [--runs 7] [--cells 20] [--python PATH]

Self-contained: the script needs only the standard library. It writes its own
notebook into a temporary folder and times ``PYTHON -m papermill in out -p
alpha 0.3`` and the same with ``--engine nbrepro``, where PYTHON (``--python``,
default: the interpreter running this script) is one with papermill and
nbrepro installed, e.g. a venv made with
``pip install nbrepro-*.whl papermill``. The kernel is PYTHON's own: Jupyter's
data and config folders point into the temporary folder, so no kernelspec of
the user's is found. Each round runs both commands, in alternating order so
that a warm disk or a busy neighbour favours neither; reported are the medians
of the wall times, their ratio, and the median of the per-round differences
and ratios. A warm-up run of each comes first and is not counted.

Beside the wall time, each run's CPU time (user and system, of papermill and
of the kernel it started and waited for: ``getrusage(RUSAGE_CHILDREN)``) is
reported. On a machine other processes keep busy the wall time of a run
mostly measures the neighbours (a 3.5 s run took 9 to 25 s at a load average
of 17 on two cores); the CPU time the engine adds is what it adds to the wall
time of an idle machine, less its waits (kernel round trips, a few ms each).
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = """
import importlib.metadata as m, platform
found, missing = [platform.python_version()], []
for name in ("papermill", "nbrepro", "ipykernel"):
    try:
        found.append(m.version(name))
    except m.PackageNotFoundError:
        missing.append(name)
print(" ".join(missing and ["missing:"] + missing or found))
"""


def make_notebook(path, count):
    def code(index, source, tags=()):
        return {
            "cell_type": "code",
            "id": "cell-%d" % index,
            "metadata": {"tags": list(tags)} if tags else {},
            "execution_count": None,
            "outputs": [],
            "source": source,
        }

    sources = ["alpha = 0.5", "import json, math\ntotal = 0.0"]
    sources += ["total += math.sin(alpha * %d)\nprint(total)" % index for index in range(count)]
    cells = [code(0, sources[0], tags=["parameters"])]
    cells += [code(index, source) for index, source in enumerate(sources[1:], 1)]
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }
    path.write_text(json.dumps(nb, indent=1) + "\n")
    return len(cells)


CPU = {}


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, cwd, env):
    started, cpu = time.perf_counter(), _children_cpu()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    CPU[id(argv)] = CPU.get(id(argv), []) + [_children_cpu() - cpu]
    if result.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (result.returncode, " ".join(argv), result.stderr[-3000:]))
    return elapsed


def hermetic_env(folder):
    """This environment, with Jupyter's and IPython's folders in `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    for name, sub in (
        ("JUPYTER_PATH", "jupyter-path"),
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        (folder / sub).mkdir()
        env[name] = str(folder / sub)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="alternating rounds (default 7)")
    parser.add_argument("--cells", type=int, default=20, help="cells after the first two")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter with papermill and nbrepro (default: this one)",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.cells < 0:
        parser.error("--runs must be at least 1 and --cells at least 0")
    python = args.python
    try:
        probe = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=60)
    except OSError as error:
        sys.exit("cannot run %s: %s" % (python, error.strerror))
    versions = probe.stdout.split()
    if probe.returncode != 0 or not versions or versions[0] == "missing:":
        sys.exit(
            "%s cannot run the benchmark (pip install nbrepro papermill there): %s"
            % (python, " ".join(versions) or probe.stderr.strip()[-500:])
        )

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = hermetic_env(folder)
        code_cells = make_notebook(folder / "in.ipynb", args.cells)
        plain = [python, "-m", "papermill", "in.ipynb", "plain.ipynb", "-p", "alpha", "0.3"]
        engine = [python, "-m", "papermill", "--engine", "nbrepro", "in.ipynb", "nbrepro.ipynb"]
        engine += ["-p", "alpha", "0.3"]
        timed(plain, folder, env)  # warm-up: the first kernel start pays for the disk cache
        timed(engine, folder, env)
        # the engine really ran: its output carries nbrepro's record, plain papermill's does not
        recorded = json.loads((folder / "nbrepro.ipynb").read_text())["metadata"]
        if "nbrepro" not in recorded:
            sys.exit("papermill --engine nbrepro wrote no nbrepro metadata")
        if "nbrepro" in json.loads((folder / "plain.ipynb").read_text())["metadata"]:
            sys.exit("plain papermill wrote nbrepro metadata")
        times = {"plain": [], "nbrepro": []}
        CPU.clear()
        for round_ in range(args.runs):
            order = [("plain", plain), ("nbrepro", engine)]
            for key, argv in order if round_ % 2 == 0 else order[::-1]:
                times[key].append(timed(argv, folder, env))

    added = [b - a for a, b in zip(times["plain"], times["nbrepro"])]
    ratios = [b / a for a, b in zip(times["plain"], times["nbrepro"])]
    plain_median = statistics.median(times["plain"])
    engine_median = statistics.median(times["nbrepro"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        "python %s (%s), papermill %s, nbrepro %s, ipykernel %s"
        % (versions[0], python, versions[1], versions[2], versions[3])
    )
    print(
        "machine: %s, %s CPUs, load average %.2f at the end"
        % (platform.platform(), os.cpu_count(), load)
    )
    print("notebook: %d code cells; %d rounds, alternating order" % (code_cells, args.runs))
    for key, label in (("plain", "papermill (plain)"), ("nbrepro", "papermill --engine nbrepro")):
        values = times[key]
        print(
            "%-27s median %.3f s (min %.3f, max %.3f)"
            % (label, statistics.median(values), min(values), max(values))
        )
    print("ratio of the medians (nbrepro / plain): %.3f" % (engine_median / plain_median))
    cpu_plain, cpu_engine = CPU[id(plain)], CPU[id(engine)]
    cpu_added = [b - a for a, b in zip(cpu_plain, cpu_engine)]
    print(
        "CPU time (papermill and its kernel): plain median %.3f s, nbrepro median %.3f s; "
        "added per round: median %+.3f s (min %+.3f, max %+.3f)"
        % (
            statistics.median(cpu_plain),
            statistics.median(cpu_engine),
            statistics.median(cpu_added),
            min(cpu_added),
            max(cpu_added),
        )
    )
    print(
        "per round: added median %+.3f s (min %+.3f, max %+.3f), ratio median %.3f"
        % (statistics.median(added), min(added), max(added), statistics.median(ratios))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
