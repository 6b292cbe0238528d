"""The console script, run as a user runs it."""

import subprocess
import sys

from nbrepro import __version__


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "nbrepro", *args], capture_output=True, text=True, timeout=60
    )


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "nbrepro " + __version__


def test_help_lists_what_nbrepro_is():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "usage: nbrepro" in result.stdout
    assert "drifts" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_a_command_imports_only_its_own_module():
    """`nbrepro --version` and `nbrepro check` do not import the export and verify
    machinery (PRODUCT.md: the CLI starts within 30 ms of a bare interpreter)."""
    code = (
        "import sys\nfrom nbrepro import cli\n"
        "try:\n    cli.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('nbrepro.cli.')\n"
        "             and m.rsplit('.', 1)[1] in cli.SUBCOMMANDS))"
    )
    import subprocess
    import sys

    def loaded(*argv):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60
        )
        return done.stdout.strip().splitlines()[-1]

    assert loaded("--version") == "[]"
    check = loaded("check", "--help")
    assert "nbrepro.cli.check" in check
    assert not any(name in check for name in ("export", "verify", "snapshot", ".run"))
    every = loaded("--help")
    assert all(name in every for name in ("snapshot", "run", "check", "diff", "export", "verify"))
