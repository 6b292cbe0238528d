"""The report the UI test opens: three real bundles verified by one
``nbrepro verify --report DIR --attest`` (notebooks recorded with this
environment's kernel, the kernel run with this interpreter: nothing is built),
one of them broken. Prints DIR.

Usage: .venv/bin/python test/ui/make_report.py DIR
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "test" / "python"))

import bundle_maker as maker  # noqa: E402


def main(folder):
    folder = Path(folder)
    work = folder / "work"
    python = sys.executable
    growth = maker.record_and_export(work, "growth", python)
    words = maker.record_and_export(work, "words", python)
    broken = maker.break_bundle(words, work / "broken-bundle")
    report = folder / "report"
    done = subprocess.run(
        [str(maker.BIN / "nbrepro"), "verify", str(growth), str(words), str(broken)]
        + ["--report", str(report), "--attest", "--python", python, "--jobs", "2"],
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1, 2) or not (report / "index.html").is_file():
        sys.exit("nbrepro verify failed (%d): %s" % (done.returncode, done.stderr[-3000:]))
    print(report)


if __name__ == "__main__":
    main(sys.argv[1])
