"""The ``nbrepro`` command line: a thin layer over the core.

Each subcommand lives in ``nbrepro.cli.<name>`` and exposes
``add_parser(subparsers)``; the parser's ``func`` default runs it and returns
the exit status. Every command means the same by it (``nbrepro.errors``):
0 done, nothing found; 1 the finding the command exists for; 2 input or usage
it cannot work with; 70 a bug in nbrepro (one line says so, with the version;
``NBREPRO_TRACEBACK=1`` shows the traceback instead).
"""

import argparse
import importlib
import os
import sys

from .. import __version__, errors

# Subcommands in the order ``--help`` lists them. A module that is not there
# yet is skipped, so the CLI works while later issues add commands.
SUBCOMMANDS = (
    "snapshot",
    "run",
    "check",
    "diff",
    "export",
    "verify",
    "preflight",
    "cache",
    "attest",
)


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
            module = importlib.import_module("nbrepro.cli." + name)
        except ModuleNotFoundError as error:
            if error.name != "nbrepro.cli." + name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


def entry():
    """The ``nbrepro`` command (and ``python -m nbrepro``): ``main`` in a process of its own.

    jsonschema, which nbformat and nbclient import, builds a parser of the RFC 3987
    grammar when it is imported and rfc3987-syntax is installed (JupyterLab brings it):
    a second of CPU at every ``nbrepro run`` and ``verify``, for the "iri" string formats
    that nothing in this process checks (nbrepro's schemas use none; nbformat checks no
    formats). Without the module, jsonschema leaves those two format checks out."""
    sys.modules.setdefault("rfc3987_syntax", None)
    return main()


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
                return errors.OK
            return args.func(args)
        except KeyboardInterrupt:
            sys.stderr.write("nbrepro: interrupted\n")
            return errors.INTERRUPTED
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if os.environ.get("NBREPRO_TRACEBACK"):
                raise
            sys.stderr.write("nbrepro: %s\n" % errors.bug_message(error))
            return errors.INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
