"""No URL secret reaches a file a user shares: end to end, with pip's own direct_url.json.

Venv A gets ipykernel from .cache/wheelhouse and four tiny wheels the way
people install private packages: over HTTP from a presigned S3-style URL and a
GitLab package URL (pip keeps the query string in PEP 610's direct_url.json,
token and all), from a `file:` URL with a query string, and one whose
direct_url.json a non-pip installer wrote with user info holding an `@`
(`https://bob:p@ssSECRET@host/...`), plus a VCS record with an OAuth token.
Then the real commands run: `nbrepro run` records the notebook, `snapshot`,
`check --json`, `diff --json` and `export` write what a user would share, and
no file or output may hold a secret, while hosts and paths stay.
"""

import functools
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from capture.builders import wheel
from harness import uses

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
BIN = Path(sys.executable).parent
SECRETS = ("SECRET", "ssSECRET", "p@ss", "AKIAEXAMPLE")


def run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in command], **kwargs)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
@uses("kernel", "venv")
def shared(tmp_path_factory):
    if not (WHEELHOUSE / ".nbrepro-stamp").is_file():
        message = "no wheelhouse at %s: run bash scripts/setup.sh --browser" % WHEELHOUSE
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("secrets")
    served = root / "served"
    for name in ("s3pkg", "gitlabpkg", "filepkg", "handpkg", "vcspkg"):
        wheel(served, name, "1.0")
    handler = functools.partial(_Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    s3 = (
        base + "/s3pkg-1.0-py3-none-any.whl?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=SECRETs3signature"
    )
    gitlab = base + "/gitlabpkg-1.0-py3-none-any.whl?private_token=SECRETgitlab"
    digest = hashlib.sha256((served / "filepkg-1.0-py3-none-any.whl").read_bytes()).hexdigest()
    local = "file://%s/filepkg-1.0-py3-none-any.whl?token=SECRETfile#sha256=%s" % (
        served,
        digest,
    )

    venv = root / "venv-a"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    python = venv / "bin" / "python"
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("VIRTUAL_ENV", None)
    result = run(
        [python, "-m", "pip", "install", "-q", "--find-links", WHEELHOUSE, "ipykernel"]
        + ["s3pkg @ " + s3, "gitlabpkg @ " + gitlab, "filepkg @ " + local]
        + [served / "handpkg-1.0-py3-none-any.whl", served / "vcspkg-1.0-py3-none-any.whl"],
        env=env,
    )
    server.shutdown()
    assert result.returncode == 0, result.stderr
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                .stdout.strip())  # fmt: skip
    # pip keeps the query strings: the defect is real, not staged.
    recorded = json.loads(next(site.glob("s3pkg-*.dist-info/direct_url.json")).read_text())
    assert "X-Amz-Signature=SECRETs3signature" in recorded["url"]
    # What other installers write: user info with an `@` in the password, a VCS token.
    (next(site.glob("handpkg-*.dist-info")) / "direct_url.json").write_text(
        json.dumps(
            {
                "url": "https://bob:p@ssSECRET@pkgs.example.com/simple/handpkg-1.0.tar.gz"
                "?token=SECRET#sha256=" + "ab" * 32,
                "archive_info": {"hashes": {"sha256": "ab" * 32}},
            }
        )
    )
    (next(site.glob("vcspkg-*.dist-info")) / "direct_url.json").write_text(
        json.dumps(
            {
                "url": "https://oauth2:SECRETvcs@gitlab.example.com/org/vcspkg.git",
                "vcs_info": {"vcs": "git", "commit_id": "c" * 40},
            }
        )
    )

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("import s3pkg, gitlabpkg, filepkg, handpkg, vcspkg")]
    notebook = root / "analysis.ipynb"
    nbformat.write(nb, str(notebook))
    outputs = {}
    result = run([BIN / "nbrepro", "run", notebook, "--python", python])
    assert result.returncode == 0, result.stderr
    outputs["run"] = result.stdout + result.stderr
    result = run([BIN / "nbrepro", "snapshot", "--prefix", venv])
    assert result.returncode == 0, result.stderr
    (root / "snapshot.json").write_text(result.stdout)
    for fmt in ("requirements",):
        result = run([BIN / "nbrepro", "snapshot", "--prefix", venv, "--format", fmt])
        assert result.returncode == 0, result.stderr
        outputs["snapshot " + fmt] = result.stdout + result.stderr
    result = run([BIN / "nbrepro", "check", notebook, "--json", "--fail-on", "never"])
    assert result.returncode == 0, result.stderr
    outputs["check --json"] = result.stdout + result.stderr
    result = run([BIN / "nbrepro", "check", notebook, "--fail-on", "never"])
    outputs["check"] = result.stdout + result.stderr
    result = run([BIN / "nbrepro", "diff", notebook, root / "snapshot.json"])
    outputs["diff"] = result.stdout + result.stderr
    bundle = root / "bundle"
    result = run([BIN / "nbrepro", "export", notebook, "-o", bundle])
    assert result.returncode == 0, result.stderr
    outputs["export"] = result.stdout + result.stderr
    return {"root": root, "notebook": notebook, "bundle": bundle, "outputs": outputs}


def _leaks(text):
    return [secret for secret in SECRETS if secret in text]


def test_no_shared_file_or_output_holds_a_url_secret(shared):
    files = [shared["notebook"], shared["root"] / "snapshot.json"]
    files += sorted(p for p in shared["bundle"].rglob("*") if p.is_file())
    names = {p.name for p in files}
    for wanted in ("requirements.txt", "sbom.cdx.json", "README.md", "manifest.json"):
        assert wanted in names
    assert "analysis.ipynb" in {p.name for p in shared["bundle"].iterdir()}
    leaks = {str(p): _leaks(p.read_text("utf-8", "replace")) for p in files}
    leaks.update((name, _leaks(text)) for name, text in shared["outputs"].items())
    assert {k: v for k, v in leaks.items() if v} == {}


def test_hosts_paths_and_pip_fragments_are_kept(shared):
    meta = json.loads(shared["notebook"].read_text())["metadata"]["nbrepro"]
    text = json.dumps(meta)
    assert "/s3pkg-1.0-py3-none-any.whl" in text and "127.0.0.1:" in text
    assert "https://pkgs.example.com/simple/handpkg-1.0.tar.gz#sha256=" + "ab" * 32 in text
    assert "https://gitlab.example.com/org/vcspkg.git" in text
    requirements = (shared["bundle"] / "requirements.txt").read_text()
    assert "/gitlabpkg-1.0-py3-none-any.whl" in requirements
    assert "vcspkg @ git+https://gitlab.example.com/org/vcspkg.git@" + "c" * 40 in requirements
