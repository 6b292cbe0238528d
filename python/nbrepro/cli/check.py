"""`nbrepro check NOTEBOOK`: has the environment drifted from what the notebook ran on?"""

import sys

from .. import errors
from .diff import add_conda_files, add_report_options, print_report, usage_error


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "check",
        help="compare a notebook's recorded environment with this one (for CI and pre-commit)",
        description=(
            "Compare the environment NOTEBOOK last ran on (its recorded snapshot) with this "
            "Python's environment, the prefix given with --prefix, or the file given with "
            "--against (snapshot JSON, environment.yml, explicit lock, requirements.txt, "
            "another notebook). Severities count whether the notebook imports a package. "
            "Exit status: 0 when no difference reaches --fail-on, 1 when one does, 2 for a "
            "usage error or unreadable input, 70 for a bug in nbrepro."
        ),
    )
    # Several notebooks at once: pre-commit passes every staged notebook.
    parser.add_argument("notebooks", metavar="NOTEBOOK", nargs="+", help="the .ipynb file(s)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--against", metavar="FILE", help="compare with this file instead")
    where.add_argument(
        "--prefix", metavar="PATH", help="compare with this conda prefix or virtual environment"
    )
    add_report_options(parser)
    parser.set_defaults(func=run)
    return parser


def run(args):
    from ..record import envreaders

    # The environment to compare with is read once for all notebooks.
    if args.against:
        try:
            current = envreaders.read_file(args.against)
        except errors.InputError as error:
            return usage_error("check", error)
        side, side_problems = current.side, list(current.problems)
        words = current.conda_files
    else:
        side, side_problems, error, words = _capture(args.prefix)
        if error:
            return usage_error("check", error)
    status = 0
    for notebook in args.notebooks:
        if len(args.notebooks) > 1 and not args.json:
            sys.stdout.write("== %s\n" % notebook)
        result = _check_one(notebook, side, side_problems, args, words)
        status = max(status, result)
    return status


def _check_one(path, side, side_problems, args, words=None):
    from ..drift import compare, notebook_context
    from ..record import envreaders

    try:
        recorded = envreaders.read_file(path)
    except errors.InputError as error:
        return usage_error("check", error)
    if recorded.form != "notebook":
        return usage_error("check", "%s is %s, not a notebook" % (path, _article(recorded.form)))
    context = notebook_context(recorded.doc.meta, args.ignore)
    report = compare(recorded.side, side, context, list(recorded.problems) + side_problems)
    add_conda_files(report, recorded.conda_files, words)
    if not args.against:
        _add_inputs(report, path, recorded.doc)
    return print_report(report, args)


def _add_inputs(report, path, doc):
    """The input files the recording read (with their sha256) that changed or are
    gone beside the notebook: its outputs no longer follow from the same data.
    A changed input makes the report at least ``medium``."""
    from ..drift.vocabulary import SEVERITIES
    from ..record import project
    from ..record.inputs import changed_inputs

    try:
        changed, messages = changed_inputs(doc.nb, doc.meta, project.of_notebook(path))
    except OSError as error:
        report["problems"].append("input files not checked: %s" % error)
        return
    report["inputs"] = [
        {"path": name, "status": status, "message": message}
        for (name, status), message in zip(sorted(changed.items()), messages)
    ]
    if report["inputs"] and (
        report["severity"] == "none"
        or SEVERITIES.index(report["severity"]) > SEVERITIES.index("medium")
    ):
        report["severity"] = "medium"


def _capture(prefix):
    """(side, problems, error, conda files in words) of this Python's environment
    or a prefix."""
    import os

    from ..capture import capture
    from ..record.envreaders import conda_files
    from ..record.sides import side_from_environment

    options = {"gpu": True}
    if prefix:
        if not os.path.isdir(prefix):
            return None, [], "--prefix %s is not a folder" % prefix, None
        options["prefix"] = prefix
    result = capture(options=options)
    environment = result.get("environment")
    problems = [
        "capture: %s: %s" % (p.get("probe"), p.get("message")) for p in result.get("problems", ())
    ]
    if not isinstance(environment, dict):
        return (
            None,
            problems,
            "could not capture the environment%s: %s"
            % (
                " of " + prefix if prefix else "",
                "; ".join(problems) or "no environment returned",
            ),
            None,
        )
    side = side_from_environment(environment, None, problems, "current")
    return side, problems, None, conda_files(environment)


def _article(form):
    return ("an " if form[0] in "aeiou" else "a ") + form
