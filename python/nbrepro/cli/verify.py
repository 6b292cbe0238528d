"""`nbrepro verify`: run a notebook or bundle again and compare each cell with its recording."""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .. import errors
from . import terminal

BAR_WIDTH = 24

DESCRIPTION = """\
Execute NOTEBOOK (or the notebook of an exported BUNDLE, a folder or .zip with a
manifest.json) again in the current environment and compare each code cell's
outputs with the recorded ones. What legitimately varies is normalised first:
memory addresses, timestamps, durations, progress bars, temporary paths,
execution counts, and the folders of the project and the interpreter (a
warning from a carried module names the author's folder in the recording and
this one in the re-run: both become <project>; such a cell is "same (project
paths normalised)"). Numbers match within |now - recorded| <= atol + rtol*|recorded|
(integers within atol only). PNG and JPEG images are compared by their decoded
pixels: "same image", "visually similar (max diff N, ...)" (a pixel's shift,
other anti-aliasing or fonts: passes, with a note) or "different" (another size,
or the difference hash differs in more than --image-hash-distance of 256 bits or
the 64x64 thumbnails in more than --image-tolerance grey levels). Without Pillow
(pip install 'nbrepro[images]') images are compared by the sha256 of their bytes.
For a cell that differs the likely causes are named: a drifted package (with
both versions), unseeded randomness, hidden state (cells edited or run out of
order in the recording); for a cell that raises now, what the records know (an
input file that is gone, or one outside the project the bundle does not carry).

For a bundle the files are first checked against the sha256 sums of its
manifest, before anything runs: a file that differs or is missing, or a Python
file the manifest does not list, stops verify (exit 2) unless --allow-modified.
The working directory is the notebook's folder in the bundle (which keeps the
project's layout), and its .env/bin/python runs the kernel when run.sh built it
there (its stamp says so, or .env leads to nbrepro's environment cache; an .env
that came with the bundle never runs) unless --python is given. Compiled files
(__pycache__) in the bundle are never read. The re-run stops at the first cell
that raises; the cells after it are "not run". A bundle is code: verify runs its
notebook.
"""

EPILOG = """\
exit status:
  0  every compared cell gives the same outputs
  1  some cell differs, raised an error or was not run
  2  bad input (unreadable notebook or bundle, unsafe archive, a bundle changed
     after export) or the kernel could not be started
  70 a bug in nbrepro (one line says so, with the version)

--json prints one object:
  {"notebook": path, "kernel": name, "python": path|null,
   "tolerance": {"rtol": R, "atol": A, "image_tolerance": T, "image_hash_distance": D},
   "cells": [{"cell": N, "status": "same"|"different"|"error"|"not recorded"|"not run",
              "difference": {"where", "recorded", "now", "line"?, "detail"?, "path"?}|null,
              "causes": [sentence, ...], "notes": [sentence, ...]}, ...],
   "summary": {status: count, ...}, "warnings": [...], "failure": text|null,
   "exit_status": 0|1}
N counts all cells from 1 (markdown too), as nbrepro run does.
"""


def add_parser(subparsers):
    from ..verify.compare import DEFAULT_ATOL, DEFAULT_RTOL
    from ..verify.images import DEFAULT_HASH_DISTANCE, DEFAULT_TOLERANCE

    parser = subparsers.add_parser(
        "verify",
        help="execute again and compare each cell's outputs with the recorded ones",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "targets",
        metavar="NOTEBOOK|BUNDLE",
        nargs="+",
        help=".ipynb, bundle folder or .zip; several bundles with --report or --workflow",
    )
    parser.add_argument(
        "--timeout", metavar="S", type=float, help="seconds a cell may run (default: no limit)"
    )
    parser.add_argument(
        "--rtol",
        metavar="R",
        type=float,
        default=DEFAULT_RTOL,
        help="relative tolerance for numbers (default: %(default)g)",
    )
    parser.add_argument(
        "--atol",
        metavar="A",
        type=float,
        default=DEFAULT_ATOL,
        help="absolute tolerance for numbers (default: %(default)g)",
    )
    parser.add_argument(
        "--image-tolerance",
        metavar="T",
        type=int,
        default=DEFAULT_TOLERANCE,
        help="grey levels (0-255) two images may differ by, pixel by pixel or once shrunk "
        "to 64x64 (default: %(default)d)",
    )
    parser.add_argument(
        "--image-hash-distance",
        metavar="D",
        type=int,
        default=DEFAULT_HASH_DISTANCE,
        help="bits of the 256-bit difference hash two similar images may differ in "
        "(default: %(default)d)",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="run the kernel with this interpreter (it needs ipykernel, not nbrepro)",
    )
    parser.add_argument(
        "--kernel", metavar="NAME", help="kernel to run (default: the notebook's, or python3)"
    )
    parser.add_argument(
        "--allow-modified",
        action="store_true",
        help="run a bundle whose files differ from its manifest (each difference is a warning)",
    )
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="check a bundle's files against its manifest and stop: exit 0 when they match "
        "(run.sh --verify does this before it builds anything)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--save-rerun", metavar="FILE", help="write the re-run notebook, as it ran, to FILE"
    )
    many = parser.add_argument_group(
        "many bundles",
        "Verify each BUNDLE in its own environment, kept in the cache (nbrepro cache) and "
        "shared by every bundle with the same lock; write DIR/results.json "
        "(schema/results.schema.json) and DIR/index.html, a page that opens from disk.",
    )
    many.add_argument("--report", metavar="DIR", help="verify every BUNDLE and write the report")
    many.add_argument(
        "--jobs", metavar="N", type=int, default=1, help="bundles verified at once (default 1)"
    )
    many.add_argument(
        "--attest",
        action="store_true",
        help="write an in-toto verification record per bundle (bundles/<slug>/attestation.json)",
    )
    many.add_argument(
        "--key",
        metavar="PRIVATE",
        help="sign each record (a DSSE envelope) with this ed25519 private key (PEM); "
        "nbrepro attest keygen makes one",
    )
    many.add_argument(
        "--build-timeout", metavar="S", type=float, help="seconds one environment may take to build"
    )
    many.add_argument(
        "--workflow",
        choices=("snakemake",),
        help="write a workflow that verifies the bundles instead (with -o DIR)",
    )
    many.add_argument("-o", "--output", metavar="DIR", help="the workflow's folder")
    many.add_argument("--part", metavar="SLUG", help=argparse.SUPPRESS)
    many.add_argument("--gather", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
    return parser


def run(args, stdout=None, stderr=None):
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr

    def say(text):
        stderr.write("nbrepro verify: %s\n" % text)
        stderr.flush()

    for name in ("rtol", "atol", "timeout", "image_tolerance", "image_hash_distance"):
        value = getattr(args, name)
        if value is not None and not value >= 0:
            say("--%s must be a number >= 0, not %s" % (name.replace("_", "-"), value))
            return 2
    if args.workflow or args.report or args.gather or args.part or len(args.targets) > 1:
        if args.check_only:
            say("--check-only checks one bundle")
            return 2
        from . import verify_many

        return verify_many.run(args, stdout, say)
    args.target = args.targets[0]
    said = set()

    def warn(text):
        said.add(text)
        say("warning: %s" % text)

    with tempfile.TemporaryDirectory(prefix="nbrepro-verify-") as scratch:
        try:
            report = _verify(args, scratch, say, warn, stderr)
        except _Stop as stop:
            say(str(stop))
            return 2
    if report is None:  # --check-only
        say("%s matches its manifest" % args.target)
        return 0
    for warning in report["warnings"]:
        if warning not in said:
            say("warning: %s" % warning)
    if args.json:
        stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        stdout.write(format_report(report))
    stdout.flush()
    return report["exit_status"]


class _Stop(Exception):
    """Bad input or a kernel that cannot start: exit status 2."""


def _verify(args, scratch, say, warn, stderr):
    from ..record import project as projects
    from ..run import runner
    from ..verify import bundle as bundles
    from ..verify.runner import verify_notebook

    target = Path(args.target)
    warnings, python, env = [], args.python, None
    try:
        if bundles.is_bundle(target):
            # Checked before anything runs; what differs stops here (BundleModified).
            opened = bundles.open_bundle(target, scratch, allow_modified=args.allow_modified)
            for warning in opened.warnings:
                warn(warning)
            if args.check_only:
                return None
            warnings.extend(opened.warnings)
            # The bundle keeps the project's layout: the notebook runs in its own folder.
            path, workdir = opened.notebook, opened.notebook.parent
            where = projects.of_folder(opened.folder, opened.notebook_dir)
            # Compiled files the bundle holds are not what its sources say: the
            # kernel keeps its own, elsewhere.
            env = {"PYTHONPYCACHEPREFIX": str(Path(scratch) / "pycache")}
            if python is None and opened.python():
                python = opened.python()
                say(
                    "running the kernel with the bundle's %s (built by run.sh)"
                    % bundles.BUNDLE_PYTHON
                )
        elif args.check_only:
            raise _Stop("--check-only checks a bundle; %s is a notebook" % target)
        else:
            path, workdir = target, target.resolve().parent
            where = projects.of_notebook(target)
        doc = runner.read_notebook(path)  # its problems are the report's warnings
        if python is not None:
            python = runner.check_interpreter(python)
            kernel = args.kernel or runner.INTERPRETER_KERNEL
        else:
            kernel = runner.kernel_name_for(doc.nb, args.kernel)
    except (errors.BundleError, errors.RunError) as error:
        raise _Stop(str(error)) from error
    interactive = hasattr(stderr, "isatty") and stderr.isatty()
    log = None if interactive else (lambda text: (stderr.write(text + "\n"), stderr.flush()))
    progress = _bar(stderr) if interactive else None
    timeout = args.timeout if args.timeout else None
    try:
        report = verify_notebook(
            doc,
            workdir,
            kernel,
            timeout=timeout,
            python=python,
            rtol=args.rtol,
            atol=args.atol,
            log=log,
            progress=progress,
            env=env,
            image_options={
                "tolerance": args.image_tolerance,
                "hash_distance": args.image_hash_distance,
            },
            project=where,
        )
    except (RuntimeError, OSError, TimeoutError) as error:  # the kernel did not start
        raise _Stop("cannot run %s in kernel %r: %s" % (path, kernel, error)) from error
    finally:
        if interactive:
            stderr.write("\n")
    report["notebook"] = str(path)
    report["warnings"] = warnings + report["warnings"]
    rerun = report.pop("rerun", None)
    if args.save_rerun and rerun is not None:
        from ..run.runner import write_atomically

        try:
            write_atomically(rerun, args.save_rerun)
        except (OSError, ValueError) as error:
            report["warnings"].append("cannot write %s: %s" % (args.save_rerun, error))
    return report


def _bar(stream):
    def progress(number, total, index, ok):
        filled = BAR_WIDTH * number // max(total, 1)
        # The bar's own carriage return (terminal.py escapes any other).
        terminal.raw(stream).write("\r")
        stream.write(
            "[%s%s] %d/%d cell %d"
            % ("#" * filled, "-" * (BAR_WIDTH - filled), number, total, index + 1)
        )
        stream.flush()

    return progress


def format_report(report):
    """The text report: one line per code cell, then a summary line."""
    lines = []
    for entry in report["cells"]:
        parts = ["cell %d" % entry["cell"], entry["status"]]
        difference = entry["difference"]
        if difference:
            text = "%s: recorded %r, now %r" % (
                difference["where"],
                difference["recorded"],
                difference["now"],
            )
            if difference.get("detail"):
                text += " (%s)" % difference["detail"]
            parts.append(text)
        if entry["notes"]:
            parts.append("(%s)" % "; ".join(entry["notes"]))
        if entry["causes"]:
            parts.append("likely: " + "; ".join(entry["causes"]))
        lines.append("  ".join(parts))
    summary = report["summary"]
    counts = ["%d same" % summary["same"], "%d different" % summary["different"]]
    counts += ["%d %s" % (summary[s], s) for s in ("error", "not run") if summary[s]]
    counts.append("%d not recorded" % summary["not recorded"])
    lines.append(", ".join(counts))
    if report.get("failure"):
        lines.append("the re-run stopped: %s" % report["failure"])
    return "\n".join(lines) + "\n"
