"""The ``nbrepro`` command line: a thin layer over the core.

Each subcommand lives in ``nbrepro.commands.<name>`` and exposes
``add_parser(subparsers)``; the parser's ``func`` default runs it and returns
the exit status.
"""

import argparse
import importlib
import sys

from . import __version__

# Subcommands in the order ``--help`` lists them. A module that is not there
# yet is skipped, so the CLI works while later issues add commands.
SUBCOMMANDS = ("snapshot", "run", "check", "diff", "export", "verify")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="nbrepro",
        description=(
            "Record what a Jupyter notebook ran on, warn when the environment "
            "drifts, and export a bundle that runs again."
        ),
    )
    parser.add_argument("--version", action="version", version="nbrepro " + __version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module("nbrepro.commands." + name)
        except ModuleNotFoundError as error:
            if error.name != "nbrepro.commands." + name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    from .terminal import safe_streams

    # Untrusted names and values reach the terminal escaped (terminal.py).
    with safe_streams():
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
