import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"nbrepro": True},
            "allow_unauthenticated_access": False,
        }
    }


@pytest.fixture(autouse=True, scope="session")
def _private_environment_cache(tmp_path_factory):
    """Environments built from bundles (nbrepro verify, run.sh) go into a cache of
    the test session's own, never the user's ~/.cache/nbrepro."""
    import os

    folder = tmp_path_factory.mktemp("nbrepro-cache")
    old = os.environ.get("NBREPRO_CACHE_DIR")
    os.environ["NBREPRO_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("NBREPRO_CACHE_DIR", None)
    else:
        os.environ["NBREPRO_CACHE_DIR"] = old
