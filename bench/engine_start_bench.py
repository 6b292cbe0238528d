"""What nbrepro costs at a kernel's start, measured apart from the kernel's own start:
the first collect (the engine's install, the hooks, the environment snapshot)
and the last, in fresh kernels.

Usage: python bench/engine_start_bench.py [--kernels 9] [--python PATH]

Each round starts a kernel (PATH's, default this interpreter's), waits until it
answers, then times ``run.kernel.collect_in_kernel(fresh=True)``, one cell, and
a second collect; the kernel-side part of what ``--engine nbrepro`` adds to a
papermill run. Prints medians with the load average: on a busy machine the
spread says how far to trust them. Run it with PYTHONPATH naming another
checkout's python/ folder to measure that checkout.
"""

import argparse
import os
import statistics
import sys
import time


def one(python):
    from jupyter_client.manager import start_new_kernel

    from nbrepro.run import kernel as bridge

    extra = {}
    if python:
        extra = {"kernel_cmd": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]}
    manager, client = start_new_kernel(kernel_name="python3", **extra)
    try:
        client.execute_interactive("pass", timeout=60)
        started = time.perf_counter()
        try:
            bridge.collect_in_kernel(client, {}, timeout=60, fresh=True)
        except TypeError:  # a checkout before `fresh`
            bridge.collect_in_kernel(client, {}, timeout=60)
        first = time.perf_counter() - started
        client.execute_interactive("x = 1", timeout=60)
        started = time.perf_counter()
        bridge.collect_in_kernel(client, {}, timeout=60)
        last = time.perf_counter() - started
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return first, last


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kernels", type=int, default=9)
    parser.add_argument("--python", help="the kernel's interpreter (default: this one)")
    args = parser.parse_args()
    import nbrepro

    firsts, lasts = [], []
    for _ in range(args.kernels):
        first, last = one(args.python)
        firsts.append(first)
        lasts.append(last)
    print("nbrepro from %s" % os.path.dirname(nbrepro.__file__))
    print(
        "first collect (install, hooks, snapshot): median %.3f s (min %.3f, max %.3f)"
        % (statistics.median(firsts), min(firsts), max(firsts))
    )
    print("last collect: median %.3f s" % statistics.median(lasts))
    print("%d kernels; load average %.2f" % (args.kernels, os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
