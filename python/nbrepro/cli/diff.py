"""`nbrepro diff A B`: what differs between two recorded or declared environments."""

import sys

from .. import errors
from ..drift import SEVERITIES

FAIL_ON = SEVERITIES + ("never",)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "diff",
        help="compare two environments: notebooks, snapshots, environment.yml, locks",
        description=(
            "Compare environment A with environment B. Each is a notebook (its recorded "
            "snapshot), `nbrepro snapshot` JSON, an environment.yml (full, --no-builds or "
            "--from-history), a `conda list --explicit` lock or a requirements.txt, told "
            "apart by content. Exit status: 0 when no difference reaches --fail-on, 1 when "
            "one does, 2 for a usage error or unreadable input, 70 for a bug in nbrepro."
        ),
    )
    parser.add_argument("before", metavar="A", help="the recorded (reference) environment")
    parser.add_argument("after", metavar="B", help="the environment to compare with it")
    add_report_options(parser)
    parser.set_defaults(func=run)
    return parser


def add_report_options(parser):
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="high",
        help="exit 1 when a difference is at least this severe (default high; never: exit 0)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave out packages whose name matches this glob (* and ?); repeatable",
    )


def run(args):
    from ..drift import compare, notebook_context
    from ..record import envreaders

    try:
        before = envreaders.read_file(args.before)
        after = envreaders.read_file(args.after)
    except errors.InputError as error:
        return usage_error("diff", error)
    if before.doc is not None:
        context = notebook_context(before.doc.meta, args.ignore)
    else:
        context = {"used": None, "gpu_framework_imported": False, "ignore": list(args.ignore)}
    report = compare(before.side, after.side, context, before.problems + after.problems)
    add_conda_files(report, before.conda_files, after.conda_files)
    return print_report(report, args)


def add_conda_files(report, before, after):
    """Which conda each side's conda files are written for and why, in words
    (``envreaders.conda_files``), where either side records a conda
    environment: said also when nothing changed."""
    if before is not None or after is not None:
        report["conda_files"] = {"before": before, "after": after}


def usage_error(command, error):
    sys.stderr.write("nbrepro %s: %s\n" % (command, error))
    return 2


def print_report(report, args):
    import json

    from ..capture.urls import redact_text
    from .drift_table import format_report

    # A notebook recorded before redaction by allow-list, or edited by hand, may
    # hold a URL token; a report is pasted into CI logs and issues.
    if args.json:
        sys.stdout.write(redact_text(json.dumps(report, indent=2, ensure_ascii=False)) + "\n")
    else:
        sys.stdout.write(redact_text(format_report(report)))
    return exit_status(report, args.fail_on)


def exit_status(report, fail_on):
    if fail_on == "never" or report["severity"] == "none":
        return 0
    return 1 if SEVERITIES.index(report["severity"]) <= SEVERITIES.index(fail_on) else 0
