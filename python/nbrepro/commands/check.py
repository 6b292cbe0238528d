"""`nbrepro check NOTEBOOK`: has the environment drifted from what the notebook ran on?"""

from .diff import add_report_options, print_report, usage_error


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
            "usage error or unreadable input."
        ),
    )
    parser.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--against", metavar="FILE", help="compare with this file instead")
    where.add_argument(
        "--prefix", metavar="PATH", help="compare with this conda prefix or virtual environment"
    )
    add_report_options(parser)
    parser.set_defaults(func=run)
    return parser


def run(args):
    from ..drift import diff, readers

    try:
        recorded = readers.read_file(args.notebook)
    except readers.InputError as error:
        return usage_error("check", error)
    if recorded.form != "notebook":
        return usage_error(
            "check", "%s is %s, not a notebook" % (args.notebook, _article(recorded.form))
        )
    problems = list(recorded.problems)
    if args.against:
        try:
            current = readers.read_file(args.against)
        except readers.InputError as error:
            return usage_error("check", error)
        side = current.side
        problems.extend(current.problems)
    else:
        side, capture_problems, error = _capture(args.prefix)
        if error:
            return usage_error("check", error)
        problems.extend(capture_problems)
    context = dict(recorded.context)
    context["ignore"] = list(args.ignore)
    report = diff(recorded.side, side, context)
    report["problems"] = problems + report["problems"]
    return print_report(report, args)


def _capture(prefix):
    """(side, problems, error) of this Python's environment or a prefix."""
    import os

    from ..capture import capture
    from ..drift import side_from_environment

    options = {"gpu": True}
    if prefix:
        if not os.path.isdir(prefix):
            return None, [], "--prefix %s is not a folder" % prefix
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
        )
    return side_from_environment(environment, None, problems, "current"), problems, None


def _article(form):
    return ("an " if form[0] in "aeiou" else "a ") + form
