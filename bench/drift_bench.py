"""Drift diff benchmark: 2,000 against 2,000 packages, 10% of them changed.

Usage: .venv/bin/python bench/drift_bench.py [--runs N]

Changed: 150 version changes (major, minor, patch, build), 25 removed, 25 added
(pip names, so the typosquat check runs on each). Reports the median of N runs
of ``diff`` on package views (what the UI compares), on stored environments
(views made inside the diff), and of ``compare`` on sides the door made already
(what the CLI and the export gate compare). Target (docs/PRODUCT.md): under 20 ms.
bench/drift-bench.js measures the TypeScript diff on the same data.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))

from nbrepro.drift import compare, diff  # noqa: E402
from nbrepro.record.sides import package_view, side_from_environment  # noqa: E402

COUNT = 2000


def environments():
    """(before, after) stored environments, 1,500 conda packages and 500 pip ones."""
    before_conda, after_conda, before_pip, after_pip = [], [], [], []
    for i in range(COUNT):
        version = "%d.%d.%d" % (1 + i % 7, i % 13, i % 5)
        changed = i % 10 == 0 and i < 1500  # 150 changed versions or builds
        new_version = (
            ["%d.0.0" % (9 + i % 7), "%d.%d.0" % (1 + i % 7, 20 + i % 13), version + ".1", version][
                (i // 10) % 4
            ]
            if changed
            else version
        )
        build = "py311h%07x_0" % i
        new_build = build[:-1] + "1" if changed and new_version == version else build
        name = "package-%04d" % i
        if i < 1500:
            before_conda.append("conda-forge/linux-64/%s-%s-%s.conda" % (name, version, build))
            after_conda.append(
                "conda-forge/linux-64/%s-%s-%s.conda" % (name, new_version, new_build)
            )
        else:
            before_pip.append({"name": name, "version": version})
            if i % 20 != 1:  # 25 removed
                after_pip.append({"name": name, "version": version})
    for i in range(25):
        after_pip.append({"name": "added-library-%02d" % i, "version": "1.0"})
    channel_urls = {"conda-forge": "https://conda.anaconda.org/conda-forge"}

    def env(conda, pip):
        return {
            "python": {"version": "3.11.7"},
            "conda": {"channels": ["conda-forge"], "channel_urls": channel_urls, "packages": conda},
            "pip": {"distributions": pip},
        }

    return env(before_conda, before_pip), env(after_conda, after_pip)


def median_ms(function, runs):
    function()  # warm: the popular-names list loads once per process
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    before, after = environments()
    old = {"packages": package_view(before), "python": "3.11.7"}
    new = {"packages": package_view(after), "python": "3.11.7"}
    report = diff(old, new)
    views = median_ms(lambda: diff(old, new), args.runs)
    stored = median_ms(lambda: diff({"environment": before}, {"environment": after}), args.runs)
    # Sides the door made already (what `nbrepro diff` and the export gate hold):
    # compared as given, without reading them again.
    sides = (side_from_environment(before), side_from_environment(after))
    made = median_ms(lambda: compare(*sides), args.runs)
    result = {
        "packages": [len(old["packages"]), len(new["packages"])],
        "differences": len(report["differences"]),
        "counts": report["counts"],
        "runs": args.runs,
        "median_ms_views": round(views, 3),
        "median_ms_environments": round(stored, 3),
        "median_ms_door_sides": round(made, 3),
        "target_ms": 20,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
