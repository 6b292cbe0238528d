"""`nbrepro snapshot`: capture this interpreter's (or a prefix's) environment and print it."""

import json
import os
import sys

CONDA_EXPORT = "conda-export:"
LOCKS = ("conda-lock", "pixi-lock", "pylock")
FORMATS = (
    ("json", "environment.yml", "explicit", "requirements")
    + LOCKS
    + tuple(
        CONDA_EXPORT + f
        for f in ("environment-yaml", "environment-json", "explicit", "requirements")
    )
)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "snapshot",
        help="print what an environment holds (conda export, lock, pip packages)",
        description=(
            "Capture the environment of this Python, or of the prefix given with "
            "--prefix, the way nbrepro records it in a notebook, and print it."
        ),
    )
    parser.add_argument(
        "--prefix",
        help="a conda prefix or virtual environment to read instead of this Python's own",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (the snapshot), environment.yml (as conda env export), "
        "explicit (as conda list --explicit --md5) or requirements "
        "(as pip freeze); conda-export:FORMAT writes what `conda export --format FORMAT` "
        "(conda >= 25.7) writes, for FORMAT environment-yaml, environment-json, explicit "
        "(CEP 23, no hashes) or requirements; conda-lock and pixi-lock write conda-lock.yml "
        "and pixi.lock as conda >= 26 with the conda-lockfiles plugin exports them "
        "(`conda export --file conda-lock.yml`), for the prefix's platform; pylock writes "
        "a PEP 751 pylock.toml of the pip packages; default json",
    )
    parser.add_argument(
        "--no-builds", action="store_true", help="environment.yml without build strings"
    )
    parser.add_argument(
        "--from-history",
        action="store_true",
        help="environment.yml with only the specs the user asked for",
    )
    parser.add_argument(
        "--sha256",
        action="store_true",
        help="explicit lock with sha256 instead of md5 (as conda list --explicit --sha256); "
        "reads the full record, since a stored snapshot keeps md5 only",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="json: add environment_full, the verbose record (every conda-meta field read, "
        "sha256, conda-owned Python distributions); it is not stored in notebooks",
    )
    parser.add_argument(
        "--conda-version",
        metavar="X.Y",
        help="write the conda files as this conda release would (24.11, 25.7, 26.7, ...); "
        "default: the conda installed, found as conda is found ($CONDA_EXE, the installation "
        "whose envs/ holds the prefix, ...), the history's conda only as a last guess",
    )
    parser.add_argument(
        "--show-variables",
        action="store_true",
        help="environment.yml: print the values of the prefix's conda-meta/state variables "
        "as conda env export does (they are <redacted> otherwise)",
    )
    parser.add_argument(
        "--index-url",
        metavar="URL",
        help="pylock: the package index whose files (and sha256 hashes) an index-installed "
        "package is locked to (PEP 691 JSON or PEP 503 HTML, https:// or file://); default "
        "https://pypi.org/simple",
    )
    parser.add_argument(
        "--record-paths", action="store_true", help="keep the home directory in recorded paths"
    )
    parser.set_defaults(func=run)
    return parser


def run(args):
    from ..capture import capture
    from ..record import envfiles

    full = bool(
        args.full or (args.format == "explicit" and args.sha256) or args.format in LOCKS[:2]
    )
    options = {"gpu": args.format == "json", "record_paths": args.record_paths, "full": full}
    if args.prefix:
        options["prefix"] = args.prefix
    if args.conda_version:
        from ..capture import conda as conda_probe

        if conda_probe.behaviour_of(args.conda_version) is None:
            sys.stderr.write(
                "nbrepro snapshot: --conda-version wants a conda release such as 24.11 or "
                "26.7, not %r\n" % args.conda_version
            )
            return 2
        options["conda_version"] = args.conda_version
    if args.show_variables:
        options["record_env_values"] = True
    result = capture(options=options)
    environment = result.get("environment") or {}
    try:
        if args.format == "json":
            text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        elif args.format == "environment.yml":
            text = envfiles.environment_yml(
                environment, no_builds=args.no_builds, from_history=args.from_history
            )
        elif args.format == "explicit":
            if args.sha256:
                text = envfiles.explicit(result.get("environment_full") or {}, "sha256")
            else:
                text = envfiles.explicit(environment)
        elif args.format.startswith(CONDA_EXPORT):
            text = envfiles.conda_export(
                environment,
                args.format[len(CONDA_EXPORT) :],
                _listing(args.prefix),
                no_builds=args.no_builds,
                from_history=args.from_history,
            )
        elif args.format in LOCKS:
            from ..record import lockfiles

            conda = (result.get("environment_full") or {}).get("conda")
            if args.format == "pylock":
                text = lockfiles.pylock(environment, index_url=args.index_url)
            elif not conda:
                raise ValueError(envfiles.NO_CONDA)
            elif args.format == "conda-lock":
                text = lockfiles.conda_lock(conda, _now())
            else:
                text = lockfiles.pixi_lock(conda)
        else:
            text = envfiles.requirements(environment)
    except ValueError as error:
        sys.stderr.write("nbrepro snapshot: %s\n" % error)
        return 2
    sys.stdout.write(text)
    for problem in result.get("problems", ()):
        if args.format != "json":
            where = " (%s)" % problem["path"] if problem.get("path") else ""
            sys.stderr.write(
                "nbrepro snapshot: %s: %s%s\n" % (problem["probe"], problem["message"], where)
            )
    return 0


def _now():
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _listing(prefix):
    """conda-meta's file names in the order os.scandir gives them (conda's order
    for `conda export --format explicit`); None when it cannot be read."""
    try:
        return [e.name for e in os.scandir(os.path.join(prefix or sys.prefix, "conda-meta"))]
    except OSError:
        return None
