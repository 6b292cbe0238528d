"""`nbrepro cache list|prune`: the environments kept for verifying bundles."""

import argparse
import json
import sys

from .. import errors

DESCRIPTION = """\
nbrepro verify (several bundles, or --report) and run.sh keep the environments
they build from bundles in a cache, keyed by what each is built from (the lock's
or requirements' lines, the carried wheels, the Python, the platform), so a
bundle with a lock seen before starts verifying in seconds. The cache is
NBREPRO_CACHE_DIR, else $XDG_CACHE_HOME/nbrepro, else ~/.cache/nbrepro. After
each build the least recently used environments are removed until the cache
fits NBREPRO_CACHE_MAX (default 20G); one in use is never removed.

  nbrepro cache list [--json]        what is kept: key, Python, platform, size, last use
  nbrepro cache prune [--max-size SIZE] [--older-than DAYS] [--all]
                                     remove the least recently used until the rest fits
                                     SIZE (default NBREPRO_CACHE_MAX), those unused for
                                     DAYS, or everything not in use
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "cache",
        help="list or trim the environments kept for verifying bundles",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="the kept environments")
    listing.add_argument("--json", action="store_true", help="as JSON")
    prune = actions.add_parser("prune", help="remove kept environments")
    prune.add_argument("--max-size", metavar="SIZE", help="keep at most this much (20G, 500M)")
    prune.add_argument("--older-than", metavar="DAYS", type=float, help="unused for DAYS")
    prune.add_argument("--all", action="store_true", help="every environment not in use")
    parser.set_defaults(func=run, parser=parser)
    return parser


def run(args, stdout=None, stderr=None):
    from ..verify import envcache

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    root = envcache.cache_root()
    if args.action is None:
        args.parser.print_help(stdout)
        return errors.UNUSABLE
    if args.action == "list":
        rows = [envcache.describe(entry) for entry in envcache.entries(root)]
        if args.json:
            stdout.write(json.dumps({"cache": str(root), "environments": rows}, indent=2) + "\n")
            return errors.OK
        total = sum(row["size"] or 0 for row in rows)
        stdout.write(
            "%s: %d environment(s), %s (limit %s)\n"
            % (
                root,
                len(rows),
                envcache.human_size(total),
                envcache.human_size(envcache.max_size()),
            )
        )
        for row in rows:
            if not row["complete"]:
                stdout.write("  %s  incomplete (a build that stopped)\n" % row["key"])
                continue
            stdout.write(
                "  %s  %-16s Python %-5s %-10s %9s  last used %s\n"
                % (
                    row["key"],
                    row["method"],
                    row["python"],
                    row["platform"],
                    envcache.human_size(row["size"]),
                    row["last_used"],
                )
            )
        return errors.OK
    try:
        limit = envcache.parse_size(args.max_size) if args.max_size else envcache.max_size()
    except ValueError as error:
        stderr.write("nbrepro cache: --max-size: %s\n" % error)
        return errors.UNUSABLE
    if args.all:
        limit = 0
    older = args.older_than * 86400 if args.older_than is not None else None
    removed = envcache.evict(
        root, limit, older_than=older, log=lambda text: stdout.write(text + "\n")
    )
    stdout.write("removed %d environment(s)\n" % len(removed))
    return errors.OK
