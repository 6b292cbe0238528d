"""What the server answers when a handler fails, in a real Jupyter Server.

A folder the bundle cannot be written in is the user's situation, not a bug:
400 with a message (and exit 2 from ``nbrepro export``). An exception nbrepro
did not expect is its bug: a JSON body that says so with the version, in the
CLI's words (exit 70), the traceback in the server's log and not in the reply.
"""

import contextlib
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from nbrepro import __version__

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz" / "pip.ipynb"
BIN = Path(sys.executable).parent


@contextlib.contextmanager
def unwritable(folder):
    """``folder`` made immutable (``chattr +i``): not even root may create a
    file in it. Skips where chattr or the file system cannot do that."""
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run([chattr, "+i", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("chattr +i fails here: %s" % done.stderr.strip())
    try:
        probe = folder / "probe"
        try:
            probe.write_text("x")
        except OSError:
            pass
        else:
            pytest.skip("the immutable flag does not stop writes here")
        yield folder
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


async def answer(jp_fetch, *parts, **kwargs):
    try:
        response = await jp_fetch(*parts, **kwargs)
    except HTTPClientError as error:
        return error.code, error.response.body.decode("utf-8")
    return response.code, response.body.decode("utf-8")


@pytest.mark.parametrize("fmt", ["folder", "zip"])
async def test_a_folder_the_bundle_cannot_be_written_in_is_400(jp_fetch, jp_root_dir, fmt):
    folder = jp_root_dir / "shared"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.ipynb")
    with unwritable(folder):
        body = json.dumps({"path": "shared/a.ipynb", "format": fmt})
        code, text = await answer(jp_fetch, "nbrepro", "export", method="POST", body=body)
    reply = json.loads(text)
    assert code == 400, (code, reply)
    assert "cannot write" in reply["message"] and "a-bundle" in reply["message"], reply
    assert sorted(p.name for p in folder.iterdir()) == ["a.ipynb"]


def test_the_cli_says_the_same_with_exit_2(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.ipynb")
    with unwritable(folder):
        done = subprocess.run(
            [str(BIN / "nbrepro"), "export", str(folder / "a.ipynb"), "--zip"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert "cannot write" in done.stderr and "Traceback" not in done.stderr


def boom(*args, **kwargs):
    raise KeyError("a key nbrepro forgot")


@pytest.mark.parametrize(
    "where, request_",
    [
        (
            ("nbrepro.export.bundle", "check"),
            (
                "export",
                {"method": "POST", "body": json.dumps({"path": "a.ipynb", "check_only": True})},
            ),
        ),
        (
            ("nbrepro.export.bundle", "export"),
            ("export", {"method": "POST", "body": json.dumps({"path": "a.ipynb"})}),
        ),
        (("nbrepro.run.kernel", "engine_payload"), ("engine", {})),
    ],
)
async def test_a_bug_in_a_handler_says_so_without_a_traceback(
    jp_fetch, jp_root_dir, monkeypatch, caplog, where, request_
):
    """A fault put into the core (the one stand-in here): what a bug in it looks like."""
    import importlib

    shutil.copy(SEED, jp_root_dir / "a.ipynb")
    monkeypatch.setattr(importlib.import_module(where[0]), where[1], boom)
    endpoint, options = request_
    with caplog.at_level(logging.ERROR):
        code, text = await answer(jp_fetch, "nbrepro", endpoint, **options)
    reply = json.loads(text)
    assert code == 500, (code, reply)
    assert reply["message"].startswith(
        "this is a bug in nbrepro %s: KeyError: 'a key nbrepro forgot'" % __version__
    ), reply
    assert "Traceback" not in text and 'File "' not in text and "boom" not in text, text
    logged = "\n".join(
        record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        for record in caplog.records
    )
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records), logged
