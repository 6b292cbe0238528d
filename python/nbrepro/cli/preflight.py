"""`nbrepro preflight`: can this bundle be rebuilt here (or on another platform)?"""

import argparse
import json
import sys
import tempfile

from .. import errors

DESCRIPTION = """\
Answer, before anything is built, whether BUNDLE (a folder or .zip that
`nbrepro export` wrote) can be rebuilt here: yes, no or unknown, with the reason
of each check. Checked: a Python of the recorded version (or conda, for a conda
bundle); every pinned pip package has a wheel for this platform or an sdist on
the index pip is configured with (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
PIP_FIND_LINKS, pip.conf; asked in parallel, at most --timeout seconds; an index
that does not answer makes a package "unknown", never "no"); the wheels the
bundle carries, with their sha256; the recording's NVIDIA GPU and CUDA against
this machine's GPU and driver; the fonts the notebook drew with; free disk space
for the environment.

--platform asks the same for another platform: a conda subdir (linux-64,
linux-aarch64, osx-64, osx-arm64, win-64) or a wheel platform tag
(macosx_11_0_arm64, manylinux_2_28_x86_64, win_amd64): the packages, the
carried files, and a CUDA notebook on macOS are checked; the rest is not known
from here.
"""

EPILOG = """\
exit status:
  0  yes: it can be rebuilt here
  1  unknown: a check could not tell (offline, an index did not answer)
  2  bad input (not a bundle, unknown platform)
  6  no: it cannot be rebuilt here (the reasons are printed)
"""


def add_parser(subparsers):
    from ..verify.preflight import DEFAULT_TIMEOUT

    parser = subparsers.add_parser(
        "preflight",
        help="can this bundle be rebuilt here? yes / no / unknown, with reasons",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("bundle", metavar="BUNDLE", help="bundle folder or .zip")
    parser.add_argument(
        "--platform", metavar="TAG", help="check for this platform instead of this machine"
    )
    parser.add_argument(
        "--index-url", metavar="URL", help="the package index to ask (default: pip's)"
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds the index may take, all packages together (default: %(default)g)",
    )
    parser.add_argument(
        "--skip",
        metavar="CHECK",
        action="append",
        choices=("python", "packages", "carried", "gpu", "fonts", "disk"),
        default=[],
        help="leave a check out (python, packages, carried, gpu, fonts, disk); may be repeated",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)
    return parser


def run(args, stdout=None, stderr=None):
    from ..verify import bundle as bundles
    from ..verify import preflight

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr

    def say(text):
        stderr.write("nbrepro preflight: %s\n" % text)

    if not args.timeout > 0:
        say("--timeout must be a number of seconds > 0")
        return errors.UNUSABLE
    try:
        preflight.target_for(args.platform, (3, 11))
    except ValueError as error:
        say(str(error))
        return errors.UNUSABLE
    with tempfile.TemporaryDirectory(prefix="nbrepro-preflight-") as scratch:
        try:
            opened = bundles.open_bundle(args.bundle, scratch)
        except errors.BundleError as error:
            say(str(error))
            return errors.UNUSABLE
        report = preflight.preflight(
            opened,
            platform=args.platform,
            timeout=args.timeout,
            index_url=args.index_url,
            packages="packages" not in args.skip,
        )
    if args.skip:
        report["checks"] = [c for c in report["checks"] if c["check"] not in args.skip]
        report["verdict"] = preflight.verdict_of(report["checks"])
    report["bundle"] = str(args.bundle)
    if args.json:
        stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        stdout.write(preflight.format_report(report, args.bundle))
    return {"yes": errors.OK, "unknown": errors.FOUND, "no": errors.NOT_HERE}[report["verdict"]]
