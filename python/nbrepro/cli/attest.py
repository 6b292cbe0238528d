"""`nbrepro attest`: check a verification record, or make a signing key."""

import argparse
import sys
import tempfile

from .. import errors

DESCRIPTION = """\
A verification record (`nbrepro verify ... --report DIR --attest [--key PRIVATE]`)
is an in-toto Statement v1 whose subjects are the bundle's files by sha256 and
whose predicate says what was verified; with --key it is signed, in a DSSE
envelope, with an ed25519 key.

  nbrepro attest check RECORD [--key PUBLIC] [--bundle DIR]
      checks the record's shape, its signature with the public key, and that the
      bundle's files (a folder or .zip) still have the recorded sha256
  nbrepro attest keygen PRIVATE PUBLIC
      writes a new ed25519 key pair (PEM); the private file is readable by you only
"""

EPILOG = """\
exit status (check):
  0  the record holds (and the signature and the bundle, when given)
  1  it does not: a bad signature, a wrong key, a changed or missing file
  2  unreadable record or key, not a bundle
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "attest",
        help="check a signed verification record, or make a signing key",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    check = actions.add_parser("check", help="check a verification record")
    check.add_argument("record", metavar="RECORD", help="attestation.json")
    check.add_argument("--key", metavar="PUBLIC", help="the signer's ed25519 public key (PEM)")
    check.add_argument("--bundle", metavar="DIR", help="the bundle (folder or .zip) it is about")
    keygen = actions.add_parser("keygen", help="write a new ed25519 key pair")
    keygen.add_argument("private", metavar="PRIVATE", help="where the private key goes")
    keygen.add_argument("public", metavar="PUBLIC", help="where the public key goes")
    parser.set_defaults(func=run, parser=parser)
    return parser


def run(args, stdout=None, stderr=None):
    from ..verify import attest
    from ..verify import bundle as bundles

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.action is None:
        args.parser.print_help(stdout)
        return errors.UNUSABLE
    try:
        if args.action == "keygen":
            key_id = attest.keygen(args.private, args.public)
            stdout.write("wrote %s and %s (key %s)\n" % (args.private, args.public, key_id[:16]))
            return errors.OK
        with tempfile.TemporaryDirectory(prefix="nbrepro-attest-") as scratch:
            folder = _bundle_folder(args.bundle, scratch, bundles) if args.bundle else None
            ok, lines = attest.check(args.record, args.key, folder)
    except errors.NbreproError as error:
        stderr.write("nbrepro attest: %s\n" % error)
        return errors.UNUSABLE
    for line in lines:
        stdout.write(line + "\n")
    stdout.write(("the record holds\n") if ok else "the record does NOT hold\n")
    return errors.OK if ok else errors.FOUND


def _bundle_folder(path, scratch, bundles):
    """The bundle's files as they are: a folder itself, a zip extracted (safely)."""
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        return path
    if not path.is_file():
        raise errors.BundleError("%s: no such bundle" % path)
    folder = Path(scratch) / "bundle"
    bundles.extract(path, folder)
    entries = list(folder.iterdir())
    if not (folder / bundles.MANIFEST).exists() and len(entries) == 1 and entries[0].is_dir():
        folder = entries[0]
    return folder
