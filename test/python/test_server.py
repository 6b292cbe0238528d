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
