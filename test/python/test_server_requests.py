"""Request parsing of POST /nbrepro/export in a real Jupyter Server: what the
contents API refuses, nbrepro refuses too, with a 400 or 404 and a message,
never a 500 (a NUL byte, an over-long path, a body that is not UTF-8 or not
JSON, a hidden file or folder while `allow_hidden` is off)."""

import json

import nbformat
import pytest
from tornado.httpclient import HTTPClientError


def put(root, relative):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), str(path))
    return path


async def refused(jp_fetch, body, **headers):
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch("nbrepro", "export", method="POST", body=body, headers=headers)
    text = failure.value.response.body.decode("utf-8")
    return failure.value.code, json.loads(text)["message"]


@pytest.mark.parametrize(
    "path, words",
    [
        ("work/a\x00b.ipynb", "NUL"),
        ("a\x00", "NUL"),
        ("x" * 300 + ".ipynb", "too long"),
        ("/".join(["d" * 200] * 30) + "/a.ipynb", "too long"),
        ("work/\ud800.ipynb", "not valid Unicode"),
        ("work/\x1b[31mred.ipynb", "control character"),
    ],
)
async def test_hostile_paths_are_400_with_a_message(jp_fetch, jp_root_dir, path, words):
    put(jp_root_dir, "work/a.ipynb")
    code, message = await refused(jp_fetch, json.dumps({"path": path, "check_only": True}))
    assert code == 400 and words in message, message
    assert "\x00" not in message and "\x1b" not in message


@pytest.mark.parametrize(
    "body, words",
    [
        (b'{"path": "a\xff.ipynb"}', "not UTF-8"),
        (b"\xfe\xff\x00{", "not UTF-8"),
        (b"path=a.ipynb", "not JSON"),
        (b'{"path": "a.ipynb"', "not JSON"),
        (b"[" * 10000 + b"]" * 10000, "not JSON"),
        (b'["a.ipynb"]', "JSON object"),
        (b'{"path": ' + b'"' + b"x" * (2 * 1024 * 1024) + b'"}', "too large"),
    ],
)
async def test_bodies_that_are_not_a_json_object_are_400(jp_fetch, jp_root_dir, body, words):
    code, message = await refused(jp_fetch, body)
    assert code == 400 and words in message, message


@pytest.mark.parametrize("relative", [".hidden/a.ipynb", "work/.a.ipynb", "w/.cache/x/a.ipynb"])
async def test_hidden_notebooks_are_refused_as_the_contents_api_does(
    jp_fetch, jp_root_dir, relative
):
    put(jp_root_dir, relative)
    # The contents API itself refuses them (allow_hidden is off by default) ...
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch("api", "contents", *relative.split("/"), method="GET")
    assert failure.value.code == 404
    # ... and so does the export, for the check and for a real export.
    for check_only in (True, False):
        body = json.dumps({"path": relative, "check_only": check_only})
        code, message = await refused(jp_fetch, body)
        assert code == 404 and "hidden" in message, message
    assert sorted(p.name for p in (jp_root_dir / relative).parent.iterdir()) == [
        relative.rpartition("/")[2]
    ]  # nothing written beside it


async def test_allow_hidden_lets_them_through(jp_fetch, jp_root_dir, jp_serverapp):
    put(jp_root_dir, ".hidden/a.ipynb")
    jp_serverapp.contents_manager.allow_hidden = True
    body = json.dumps({"path": ".hidden/a.ipynb", "check_only": True})
    try:
        response = await jp_fetch("nbrepro", "export", method="POST", body=body)
        code = response.code
    except HTTPClientError as error:
        code = error.code
    assert code in (200, 400)  # read, whatever it holds (a new notebook has no records)
