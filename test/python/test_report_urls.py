"""`check`/`diff` reports never print a URL secret, even one a notebook already holds
(recorded by nbrepro 0.1.0, before redaction by allow-list, or edited by hand)."""

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
URL = "https://bob:p@ssSECRET@pkgs.example.com/simple/x-1.0.tar.gz?token=SECRET#frag=SECRET"


def side(source):
    entry = {"name": "x", "version": "1.0", "manager": "pip"}
    if source:
        entry["source"] = source
    keys = ("channels", "python", "platform", "gpu", "runtime")
    return dict({"packages": {"x": entry}}, **dict.fromkeys(keys))


def test_diff_reports_redact_urls(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(side(None)))
    (tmp_path / "b.json").write_text(json.dumps(side(URL)))
    for extra in ([], ["--json"]):
        done = subprocess.run(
            [str(BIN / "nbrepro"), "diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")]
            + extra
            + ["--fail-on", "never"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "SECRET" not in done.stdout + done.stderr and "p@ss" not in done.stdout
        shown = "https://pkgs.example.com/simple/x-1.0.tar.gz" if extra else "https://pkgs"
        assert shown in done.stdout
