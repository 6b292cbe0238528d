"""Benchmark of the font record (capture/fonts.py): what it adds to a cell's capture.

In a child process (an audit hook cannot be removed), with this Python's
environment and Matplotlib when installed, it reports medians of:

- the whole per-cell capture (``core.capture`` with a warm cache, the
  environment unchanged, as a cell's ``post_run_cell`` runs it), before pyplot
  is imported, and after (pyplot loaded and a figure drawn: the font probe
  resolves Matplotlib's families on every cell);
- the font probe alone in those two states, for a cell that opened two font
  files (their facts cached per kernel), and for the first cell that opened
  them (name tables read, sha256 of the files: once per font per kernel);
- one ``open`` of a font file with the hook recording (the hook hands it to the
  font record instead of the data inputs).

    .venv/bin/python bench/fonts_bench.py [--repeat 200] [--json]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

FONTS = Path(__file__).resolve().parents[1] / "test" / "fixtures" / "fonts"


def median_ms(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times)


def measure(repeat):
    from nbrepro.capture import core, fonts, inputs
    from nbrepro.capture.context import Context

    root = tempfile.mkdtemp(prefix="nbrepro-fonts-bench-")
    inputs.install({"notebook_dir": root})
    options = {"gpu": False}
    cache = {}
    core.capture(options=options, cache=cache)  # the cold capture of the kernel's start

    def cell():
        inputs.begin()
        cache[inputs.RECORDER_KEY] = inputs.end()
        return core.capture(options=options, cache=cache)

    def probe_ms(runs):
        values = []
        for _ in range(runs):
            values.append(cell()["capture"]["probe_ms"].get("fonts", 0.0))
        return statistics.median(values)

    out = {"python": sys.version.split()[0], "repeat": repeat}
    out["cell_capture_ms_no_pyplot"] = median_ms(cell, repeat)
    out["fonts_probe_ms_no_pyplot"] = probe_ms(repeat)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        out["matplotlib"] = None
    else:
        out["matplotlib"] = matplotlib.__version__
        fig = plt.figure()
        fig.text(0.5, 0.5, "drawn")
        fig.canvas.draw()
        plt.style.use("seaborn-v0_8-white")
        cell()  # the first record after pyplot: the font list indexed once
        out["cell_capture_ms_pyplot"] = median_ms(cell, repeat)
        out["fonts_probe_ms_pyplot"] = probe_ms(repeat)
        out["resolved"] = cell()["runtime"]["fonts"]["matplotlib"]
    paths = [str(FONTS / "LiberationSans-Regular.ttf"), str(FONTS / "Inconsolata.otf")]

    class Opened(object):
        fonts = dict.fromkeys(paths, True)
        font_overflow = 0

    def record(facts_cache):
        facts_cache[inputs.RECORDER_KEY] = Opened()
        return fonts.probe(Context({}, facts_cache))

    warm = {}
    record(warm)
    out["fonts_probe_ms_two_fonts_opened_warm"] = median_ms(lambda: record(warm), repeat)
    out["fonts_probe_ms_two_fonts_opened_cold"] = median_ms(
        lambda: record({}), max(10, repeat // 10)
    )
    opens = 2000

    def open_fonts():
        for _ in range(opens // len(paths)):
            for path in paths:
                open(path, "rb").close()

    inputs.begin()
    recording = median_ms(open_fonts, max(5, repeat // 20)) * 1000.0 / opens
    inputs.end()
    idle = median_ms(open_fonts, max(5, repeat // 20)) * 1000.0 / opens
    out["font_open_us_hook_recording"] = recording
    out["font_open_us_hook_idle"] = idle
    for key, value in list(out.items()):
        if isinstance(value, float):
            out[key] = round(value, 4)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.repeat)))
        return 0
    env = dict(os.environ, MPLCONFIGDIR=tempfile.mkdtemp(prefix="nbrepro-fonts-mpl-"))
    result = subprocess.run(
        [sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    out = json.loads(result.stdout)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(
        "Python %s, Matplotlib %s, medians of %d"
        % (out["python"], out["matplotlib"], out["repeat"])
    )
    print(
        "per-cell capture, environment unchanged: %.3f ms before pyplot, %.3f ms with pyplot"
        % (out["cell_capture_ms_no_pyplot"], out.get("cell_capture_ms_pyplot", float("nan")))
    )
    print(
        "font probe: %.4f ms before pyplot, %.4f ms with pyplot; a cell that opened two fonts: "
        "%.4f ms (facts cached), %.3f ms (first time: tables and sha256)"
        % (
            out["fonts_probe_ms_no_pyplot"],
            out.get("fonts_probe_ms_pyplot", float("nan")),
            out["fonts_probe_ms_two_fonts_opened_warm"],
            out["fonts_probe_ms_two_fonts_opened_cold"],
        )
    )
    print(
        "one open of a font file: %.2f us with the hook recording, %.2f us idle"
        % (out["font_open_us_hook_recording"], out["font_open_us_hook_idle"])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
