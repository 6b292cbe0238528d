"""`nbrepro export NOTEBOOK`: a folder or zip that rebuilds the environment and runs again."""

import json
import sys

from .. import errors
from .terminal import escape


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="export a notebook as a bundle that rebuilds its environment and runs again",
        description=(
            "Write a bundle for NOTEBOOK: the notebook, a script converted from it (magics "
            "translated, seeds and determinism settings applied, `parameters` cell as options), "
            "environment.yml, the exact conda lock, conda-lock.yml and pixi.lock (as conda "
            "writes them, when the recorded environment is still here), requirements.txt, "
            "pylock.toml (when every pip package has a file and hash), runtime.txt, run.sh, a "
            "Dockerfile, a CycloneDX bill of materials, a README of provenance and a manifest "
            "of sha256 sums. The notebook is checked first (cells out of order, edited after "
            "running, never run, outputs from several environments, drift, packages no index has "
            "that the bundle cannot carry); what is found is "
            "printed as warnings, or stops the export with --strict. Exit status: 0 written, "
            "1 stopped by --strict, 2 the notebook cannot be exported or the bundle not written, "
            "70 a bug in nbrepro."
        ),
    )
    parser.add_argument(
        "notebook",
        metavar="NOTEBOOK",
        nargs="+",
        help="the .ipynb file to export (several with --workflow)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR|NAME.zip",
        help="where to write (default: <name>-bundle beside the notebook; a path ending in "
        ".zip writes a zip)",
    )
    parser.add_argument(
        "--zip", action="store_true", help="write <name>-bundle.zip when -o is not given"
    )
    parser.add_argument(
        "--strict", action="store_true", help="make every check a failure (exit status 1)"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing bundle at the output path"
    )
    parser.add_argument(
        "--data-limit",
        metavar="SIZE",
        type=data_size,
        default=None,
        help="carry the input files the notebook read up to SIZE in all (bytes, or with K, M, "
        "G; default 50M, the `dataLimit` setting in JupyterLab); the rest are listed with "
        "their sha256. Local modules are always carried",
    )
    parser.add_argument(
        "--wheel-limit",
        metavar="SIZE",
        type=data_size,
        default=None,
        help="the largest local wheel or sdist the bundle carries in wheels/ (bytes, or with K, "
        "M, G; default 50M, the `exportWheelLimitMB` setting in JupyterLab); a larger one is "
        "reported for the reviewer to supply",
    )
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not build wheels of local and editable packages of the notebook's project "
        "(pip wheel --no-build-isolation, no index); report them instead",
    )
    parser.add_argument(
        "--pylock-index",
        metavar="URL",
        help="ask this package index (PEP 691 JSON or PEP 503 HTML, https:// or file://; "
        "https://pypi.org/simple for PyPI) for the files and sha256 hashes of what pip "
        "installed from an index, so that the bundle's pylock.toml can name them: pip keeps "
        "no hash of them; without it the export reaches no network and pylock.toml is written "
        "only when the recording has every hash",
    )
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="print the checks' findings and write nothing (works on a notebook nbrepro "
        "never recorded); exit status 1 with --strict when there are findings",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"output", "files", "carried", "findings", "packages", "conversion", '
        '"inputs", "lock_files"} as JSON on stdout',
    )
    parser.add_argument(
        "--workflow",
        choices=["snakemake"],
        help="write a workflow of the notebooks to -o DIR instead: a Snakefile with one rule "
        "per notebook, each notebook's bundle under steps/, its environment under envs/",
    )
    parser.add_argument(
        "--steps",
        choices=["script", "papermill"],
        default="script",
        help="with --workflow: each rule runs the exported script (default) or the notebook "
        "through papermill's nbrepro engine (needs nbrepro[papermill] where it runs)",
    )
    parser.set_defaults(func=run)
    return parser


def data_size(value):
    """``50M`` -> 52428800; argparse turns the ValueError into a usage error (exit 2)."""
    import argparse

    text = str(value).strip().upper().rstrip("B")
    factor = 1
    if text[-1:] in ("K", "M", "G"):
        factor = 1024 ** ("KMG".index(text[-1]) + 1)
        text = text[:-1]
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a size: %r (say 500K, 50M or 2G)" % value) from None
    if number < 0 or number != number or number * factor > 2**53:
        raise argparse.ArgumentTypeError("not a size: %r" % value)
    return int(number * factor)


def _check_only(args):
    from ..export import bundle as bundles
    from ..record.project import human

    try:
        report = bundles.check_report(
            bundles.read(args.notebook), args.notebook, args.wheel_limit, args.data_limit
        )
    except errors.ExportError as error:
        sys.stderr.write("nbrepro export: %s\n" % error)
        return 2
    findings = report["findings"]
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for finding in findings:
            sys.stdout.write("%s: %s\n" % (finding["kind"], finding["message"]))
        for item in report["carried"]:
            sys.stdout.write("would carry: %s (%s)\n" % (item["path"], human(item["size"])))
        sys.stdout.write("%d finding%s\n" % (len(findings), "" if len(findings) == 1 else "s"))
    return 1 if args.strict and findings else 0


def run(args):
    from ..export import bundle as bundles

    if args.workflow:
        return run_workflow(args)
    if len(args.notebook) > 1:
        sys.stderr.write("nbrepro export: several notebooks make a workflow: add --workflow\n")
        return 2
    args.notebook = args.notebook[0]

    def progress(message):
        if not args.json:
            sys.stderr.write("nbrepro export: %s\n" % message)
            sys.stderr.flush()

    if args.check_only:
        return _check_only(args)
    output = args.output or bundles.default_output(args.notebook, as_zip=args.zip)
    try:
        bundle, target = bundles.export(
            args.notebook,
            output,
            strict=args.strict,
            force=args.force,
            progress=progress,
            data_limit=args.data_limit,
            wheel_limit=args.wheel_limit,
            build_wheels=not args.no_build,
            pylock_index=args.pylock_index,
        )
    except errors.GateFailed as failed:
        for finding in failed.findings:
            sys.stderr.write("nbrepro export: %s: %s\n" % (finding["kind"], finding["message"]))
        sys.stderr.write(
            "nbrepro export: not written (--strict): fix the above, or export without --strict\n"
        )
        return 1
    except errors.ExportError as error:
        sys.stderr.write("nbrepro export: %s\n" % error)
        return 2
    untranslated = [i for i in bundle.conversion.report if i.get("action") == "untranslated"]
    if args.json:
        json.dump(
            {
                "output": str(target),
                "files": bundle.manifest["files"],
                "carried": [{"path": name, "size": size} for name, size in bundle.carried],
                "findings": bundle.findings,
                "packages": bundle.manifest["packages"],
                "conversion": bundle.conversion.report,
                "inputs": bundle.inputs,
                "lock_files": bundle.manifest["environment"]["lock_files"],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return 0
    for finding in bundle.findings:
        sys.stderr.write(
            "nbrepro export: warning: %s: %s\n" % (finding["kind"], finding["message"])
        )
    for item in bundle.locks.missing:
        detail = " (%s)" % item["detail"] if item.get("detail") else ""
        sys.stderr.write(
            "nbrepro export: no %s: %s%s\n" % (item["file"], item["reason"], escape(detail))
        )
    for item in untranslated:
        sys.stderr.write(
            "nbrepro export: not translated: cell %s line %s: %s (%s)\n"
            % (item.get("cell"), item.get("line"), item.get("source"), item.get("note"))
        )
    sys.stdout.write(
        "wrote %s (%d files%s)\n"
        % (
            target,
            len(bundle.files),
            ", %d warnings" % len(bundle.findings) if bundle.findings else "",
        )
    )
    return 0


def run_workflow(args):
    from ..integrations import snakemake

    if not args.output or args.output.lower().endswith(".zip"):
        sys.stderr.write("nbrepro export: --workflow writes a folder: give it with -o DIR\n")
        return 2
    try:
        steps = snakemake.export(args.notebook, args.output, mode=args.steps, force=args.force)
    except errors.ExportError as error:
        sys.stderr.write("nbrepro export: %s\n" % error)
        return 2
    for step in steps:
        for finding in step.bundle.findings:
            sys.stderr.write(
                "nbrepro export: warning: %s: %s: %s\n"
                % (step.path.name, finding["kind"], finding["message"])
            )
    if args.json:
        json.dump(
            {
                "output": args.output,
                "steps": [
                    {
                        "notebook": str(step.path),
                        "rule": step.stem,
                        "inputs": {n: p for n, p in step.inputs if n},
                        "outputs": {n: p for n, p in step.outputs if n},
                        "input_files": [p for _n, p in step.inputs],
                        "output_files": [p for _n, p in step.outputs],
                    }
                    for step in steps
                ],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return 0
    sys.stdout.write("wrote %s (Snakefile, %d steps)\n" % (args.output, len(steps)))
    return 0
