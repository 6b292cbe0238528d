"""Twenty bundles verified by one ``nbrepro verify --report --jobs 2`` against the
sum of twenty separate ``./run.sh --verify`` (each building its own environment,
as run.sh did before the shared cache).

Usage: python bench/verify_many_bench.py [--bundles 20] [--locks 3] [--jobs 2]

Offline: the environments are built with pip from .cache/wheelhouse (``bash
scripts/setup.sh --browser`` fills it) and a folder of small wheels written
here. The bundles are real: notebooks recorded with ``nbrepro run`` in venvs of
``--locks`` different package sets (a lab's notebooks share a few
environments: bundle i uses lock i % locks), exported with ``nbrepro export``.
Both sides use a fresh environment cache; the separate runs use
``NBREPRO_CACHE=off --no-preflight``, run.sh as it was. Prints each side's
wall time, their ratio (target: at most 0.5) and the load average.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test" / "python"))
sys.path.insert(0, str(REPO / "test" / "python" / "capture"))

import bundle_maker as maker  # noqa: E402
from builders import wheel  # noqa: E402

BIN = Path(sys.executable).parent
EXTRA = [[], ["tinystats==1.0"], ["tinystats==1.0", "tinyextra==0.1"]]


def make_bundles(root, count, locks, env):
    wheels = root / "wheels"
    wheel(wheels, "tinystats", "1.0", modules={"tinystats/__init__.py": maker.TINYSTATS})
    wheel(wheels, "tinyextra", "0.1")
    names = ["growth", "words", "steady"]
    bundles = []
    for lock in range(locks):
        python = maker.make_venv(root / ("venv-%d" % lock), ["ipykernel"] + EXTRA[lock % 3], env)
        for index in range(lock, count, locks):
            name = names[index % 3] if lock else names[index % 2]
            folder = root / ("nb-%02d" % index)
            bundle = maker.record_and_export(folder, name, python, root / ("bundle-%02d" % index))
            bundles.append((index, bundle))
    return [bundle for _, bundle in sorted(bundles)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundles", type=int, default=20)
    parser.add_argument("--locks", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not (maker.WHEELHOUSE / ".nbrepro-stamp").is_file():
        sys.exit("no wheelhouse at %s: run bash scripts/setup.sh --browser" % maker.WHEELHOUSE)
    with tempfile.TemporaryDirectory(prefix="nbrepro-bench-") as name:
        root = Path(name)
        env = maker.offline_env(maker.WHEELHOUSE, root / "wheels")
        env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
        started = time.perf_counter()
        bundles = make_bundles(root, args.bundles, args.locks, env)
        print("made %d bundles in %.0f s" % (len(bundles), time.perf_counter() - started))

        separate_env = dict(env, NBREPRO_CACHE="off", NBREPRO_CACHE_DIR=str(root / "cache-a"))
        separate, failed = 0.0, 0
        for bundle in bundles:
            began = time.perf_counter()
            done = subprocess.run(
                ["bash", str(bundle / "run.sh"), "--verify", "--no-preflight"],
                env=separate_env,
                capture_output=True,
                text=True,
            )
            separate += time.perf_counter() - began
            failed += done.returncode != 0
            shutil.rmtree(str(bundle / ".env"), ignore_errors=True)
        print(
            "separate: %d x run.sh --verify: %.1f s (%d exited non-zero)"
            % (len(bundles), separate, failed)
        )

        batch_env = dict(env, NBREPRO_CACHE_DIR=str(root / "cache-b"))
        began = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "nbrepro"), "verify", *map(str, bundles), "--report", str(root / "r")]
            + ["--jobs", str(args.jobs)],
            env=batch_env,
            capture_output=True,
            text=True,
        )
        batch = time.perf_counter() - began
        print(
            "batch: nbrepro verify --jobs %d: %.1f s (exit status %d)"
            % (args.jobs, batch, done.returncode)
        )
        print(done.stdout.splitlines()[-1] if done.stdout else done.stderr[-2000:])
        print("ratio batch / separate: %.3f (target <= 0.5)" % (batch / separate))
        load = os.getloadavg()[0]
        print("machine: %d CPUs, load average %.2f at the end" % (os.cpu_count(), load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
