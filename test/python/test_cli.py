"""The console script, run as a user runs it."""

import subprocess
import sys
from pathlib import Path

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


def test_the_command_keeps_jsonschema_from_building_the_iri_grammar(tmp_path):
    """`nbrepro run` and `verify` import nbformat and with it jsonschema, which builds a
    parser of RFC 3987 when rfc3987-syntax is installed (a second of CPU at every start)
    for two string formats nothing in the command checks: the command, as the console
    script and as ``python -m nbrepro``, does without it, and so does the server's verify
    job. No kernel starts: the notebook names one that is not installed."""
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(
        '{"cells": [], "metadata": {"kernelspec": {"name": "nbrepro-no-such-kernel",'
        ' "display_name": "x", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}'
    )
    script = str(Path(sys.executable).parent / "nbrepro")
    (tmp_path / "work").mkdir()
    for command in (
        ["-m", "nbrepro", "run", str(notebook)],
        [script, "run", str(notebook)],
        # the server's verify job, a process of its own too
        ["-m", "nbrepro.verify.job", str(notebook), str(tmp_path / "work"), ""],
    ):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *command],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=str(tmp_path),
        )
        told = done.stdout + done.stderr  # the job tells its events on stdout
        assert "no kernel named 'nbrepro-no-such-kernel'" in told, (command, told[-2000:])
        imported = {
            line.rsplit("|", 1)[-1].strip()
            for line in done.stderr.splitlines()
            if line.startswith("import time:")
        }
        assert "jsonschema" in imported, command
        assert "rfc3987_syntax.syntax_helpers" not in imported, command
