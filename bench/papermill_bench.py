"""What ``--engine nbrepro`` adds to papermill: the same notebook, plain papermill
(its default nbclient engine) against papermill with nbrepro's engine.

Usage: .venv/bin/python bench/papermill_bench.py [--runs 7] [--cells 20]

Each round runs both commands as a user types them (``papermill in out -p
alpha 0.3`` and the same with ``--engine nbrepro``), in alternating order so
that a warm disk or a busy neighbour favours neither; reported are the
medians of the wall times and of the differences per round.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

BIN = Path(sys.executable).parent


def make_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(nbformat.v4.new_code_cell("alpha = 0.5", metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell("import json, math\ntotal = 0.0"))
    for index in range(cells):
        nb.cells.append(
            nbformat.v4.new_code_cell("total += math.sin(alpha * %d)\nprint(total)" % index)
        )
    nbformat.write(nb, str(path))


def timed(argv, cwd, env):
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cells", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        make_notebook(Path(folder) / "in.ipynb", args.cells)
        env = dict(os.environ, IPYTHONDIR=str(Path(folder) / "ipython"))
        plain = [str(BIN / "papermill"), "in.ipynb", "plain.ipynb", "-p", "alpha", "0.3"]
        engine = [str(BIN / "papermill"), "--engine", "nbrepro", "in.ipynb", "nbrepro.ipynb"]
        engine += ["-p", "alpha", "0.3"]
        timed(plain, folder, env)  # warm-up: the first kernel start pays for the disk cache
        timed(engine, folder, env)
        times = {"plain": [], "nbrepro": []}
        for round_ in range(args.runs):
            order = [("plain", plain), ("nbrepro", engine)]
            for name, argv in order if round_ % 2 == 0 else order[::-1]:
                times[name].append(timed(argv, folder, env))
    added = [b - a for a, b in zip(times["plain"], times["nbrepro"])]
    print("notebook: %d code cells, %d rounds, alternating order" % (args.cells + 2, args.runs))
    for name, values in times.items():
        print(
            "papermill %-17s median %.2f s (min %.2f, max %.2f)"
            % ("(plain)" if name == "plain" else "--engine nbrepro", statistics.median(values),
               min(values), max(values))
        )  # fmt: skip
    print("added by nbrepro: median %.2f s per run" % statistics.median(added))


if __name__ == "__main__":
    sys.exit(main())
