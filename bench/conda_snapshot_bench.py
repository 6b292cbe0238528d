"""`nbrepro snapshot --format environment.yml` against real `conda env export`.

On the largest conda fixture prefix (by record count) of
test/fixtures/conda-golden/prefixes.tar.gz, laid beside a conda 26.7
installation (test/fixtures/conda-golden/layouts.tar.gz) so that neither is
told which conda to behave like: each command runs as its own process, as a
user runs it, several times; the median wall time is printed. Real conda
runs from source (the oracle of scripts/make_conda_goldens.py), offline.

    .venv/bin/python bench/conda_snapshot_bench.py --oracle /path/to/oracle
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "test" / "python"))
import golden_prefixes  # noqa: E402


def timed(argv, env, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle", required=True, help="folder with venv/ and src-26.7.1/")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    prefixes = golden_prefixes.root()
    name = max(
        (p.name for p in prefixes.iterdir()),
        key=lambda n: len(list((prefixes / n / "conda-meta").glob("*.json"))),
    )
    scratch = Path(tempfile.mkdtemp(prefix="nbrepro-conda-bench-"))
    spec = {"env": name, "where": "envs", "installed": "26.7"}
    prefix, _environ, root = golden_prefixes.lay_out(
        spec, prefixes, golden_prefixes.layouts_root() / "roots", scratch / "l"
    )
    home = scratch / "home"
    home.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CONDARC": str(scratch / "condarc"),
        "CONDA_PKGS_DIRS": str(scratch / "pkgs"),
        "CONDA_OFFLINE": "1",
        "CONDA_ROOT_PREFIX": str(root),
        "CONDA_ROOT": str(root),
    }
    (scratch / "condarc").write_text("")
    conda_env = dict(env, PYTHONPATH=str(Path(args.oracle) / "src-26.7.1"))
    conda = [str(Path(args.oracle) / "venv" / "bin" / "python"), "-m", "conda"]
    ours = [sys.executable, "-m", "nbrepro", "snapshot", "--prefix", str(prefix)]
    records = len(list((prefix / "conda-meta").glob("*.json")))
    print("prefix %s (%d records), median of %d runs" % (name, records, args.runs))
    for label, command, environ in (
        ("conda 26.7.1 env export", conda + ["env", "export", "-p", str(prefix)], conda_env),
        ("nbrepro snapshot --format environment.yml", ours + ["--format", "environment.yml"], env),
        ("nbrepro snapshot --format conda-lock", ours + ["--format", "conda-lock"], env),
        (
            "conda 26.7.1 export --file conda-lock.yml",
            conda + ["export", "--file", str(scratch / "conda-lock.yml"), "-p", str(prefix)],
            dict(
                conda_env,
                PYTHONPATH=os.pathsep.join(
                    [conda_env["PYTHONPATH"], str(Path(args.oracle) / "lockfiles")]
                ),
            ),
        ),
    ):
        print("%-45s %6.3f s" % (label, timed(command, environ, args.runs)))
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
