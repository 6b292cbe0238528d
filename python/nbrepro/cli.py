"""The ``nbrepro`` command line: a thin layer over the core.

Each subcommand lives in ``nbrepro.commands.<name>`` and exposes
``add_parser(subparsers)``; the parser's ``func`` default runs it and returns
the exit status. Every command means the same by it:

- 0: done, nothing found;
- 1: the finding the command exists for (drift past ``--fail-on``, a
  ``--strict`` export stopped, outputs that differ, a cell that failed);
- 2: input or usage it cannot work with (the message says which);
- 70 (``EX_SOFTWARE`` of sysexits.h): a bug in nbrepro. One line says so,
  with the version; ``NBREPRO_TRACEBACK=1`` shows the traceback instead.
"""

import argparse
import importlib
import os
import sys

from . import __version__

# Subcommands in the order ``--help`` lists them. A module that is not there
# yet is skipped, so the CLI works while later issues add commands.
SUBCOMMANDS = ("snapshot", "run", "check", "diff", "export", "verify")


def build_parser(only=None):
    """The parser; with ``only``, just those subcommands' modules are imported (the
    others import the drift, export and verify machinery: 50 ms of every start)."""
    parser = argparse.ArgumentParser(
        prog="nbrepro",
        description=(
            "Record what a Jupyter notebook ran on, warn when the environment "
            "drifts, and export a bundle that runs again."
        ),
    )
    parser.add_argument("--version", action="version", version="nbrepro " + __version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS if only is None else only:
        try:
            module = importlib.import_module("nbrepro.commands." + name)
        except ModuleNotFoundError as error:
            if error.name != "nbrepro.commands." + name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


OK, FOUND, UNUSABLE, INTERNAL_ERROR = 0, 1, 2, 70


def main(argv=None):
    from .terminal import safe_streams

    # Untrusted names and values reach the terminal escaped (terminal.py).
    with safe_streams():
        try:
            words = sys.argv[1:] if argv is None else list(argv)
            first = next((w for w in words if not w.startswith("-")), None)
            # the subcommand named, alone; none for --version; --help and mistakes see all
            only = None
            if first is None and "--version" in words:
                only = ()
            elif first in SUBCOMMANDS:
                only = (first,)
            parser = build_parser(only)
            args = parser.parse_args(argv)
            if not getattr(args, "func", None):
                parser.print_help()
                return OK
            return args.func(args)
        except KeyboardInterrupt:
            sys.stderr.write("nbrepro: interrupted\n")
            return 130
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if os.environ.get("NBREPRO_TRACEBACK"):
                raise
            sys.stderr.write("nbrepro: %s\n" % bug_message(error))
            return INTERNAL_ERROR


def bug_message(
    error, hint="please report it with the command; NBREPRO_TRACEBACK=1 shows where it happened"
):
    """One line for an exception nbrepro did not expect: it is nbrepro's fault.
    The server says the same, with its own ``hint``."""
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return "this is a bug in nbrepro %s: %s%s (%s)" % (
        __version__,
        type(error).__name__,
        ": " + text if text else "",
        hint,
    )


if __name__ == "__main__":
    sys.exit(main())
