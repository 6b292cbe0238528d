"""The server extension, loaded into a real Jupyter Server."""

import json

import pytest
from tornado.httpclient import HTTPClientError

from nbrepro import __version__
from nbrepro.server.handlers import API_VERSION


async def test_version_endpoint_answers(jp_fetch):
    response = await jp_fetch("nbrepro", "version")
    assert response.code == 200
    payload = json.loads(response.body)
    assert payload["name"] == "nbrepro"
    assert payload["version"] == __version__
    assert payload["api_version"] == API_VERSION


async def test_version_endpoint_requires_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch("nbrepro", "version", headers={"Authorization": "token wrong"})
    assert failure.value.code == 403


async def test_environment_endpoint_names_the_servers_prefix_and_what_it_needs(jp_fetch):
    import sys

    response = await jp_fetch("nbrepro", "environment")
    payload = json.loads(response.body)
    assert sys.prefix in payload["prefixes"]
    needed = set(payload["needed"])
    # The server, the kernel machinery, nbrepro, and what they require in turn.
    assert {"jupyter-server", "ipykernel", "tornado", "pyzmq", "traitlets", "nbrepro"} <= needed
    assert {"jinja2", "jupyter-client"} <= needed
    # Not what only notebooks use.
    assert "numpy" not in needed


async def test_environment_endpoint_requires_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch("nbrepro", "environment", headers={"Authorization": "token wrong"})
    assert failure.value.code == 403
