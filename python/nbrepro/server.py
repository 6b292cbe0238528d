"""The server extension: one authenticated handler per endpoint, one route table.

Handlers only translate HTTP to calls into the core; they hold no logic.
"""

import json
import platform

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import __version__

# The front end checks this number and says so when the two parts disagree
# (a JupyterLab reload after `pip install -U nbrepro` fixes it).
API_VERSION = 1


class VersionHandler(APIHandler):
    """Tells the front end that the server part is there, and which one."""

    @tornado.web.authenticated
    def get(self):
        self.finish(
            json.dumps(
                {
                    "name": "nbrepro",
                    "version": __version__,
                    "api_version": API_VERSION,
                    "python": platform.python_version(),
                }
            )
        )


class EngineHandler(APIHandler):
    """The kernel-side capture engine, built from python/nbrepro/capture/.

    The front end sends it to kernels where nbrepro is not installed; serving
    it from here keeps those files the only copy of the engine.
    """

    @tornado.web.authenticated
    def get(self):
        from .kernel_bridge import engine_payload

        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(engine_payload()))


def setup_handlers(web_app):
    base_url = web_app.settings["base_url"]
    routes = [
        ("version", VersionHandler),
        ("engine", EngineHandler),
    ]
    web_app.add_handlers(
        ".*$", [(url_path_join(base_url, "nbrepro", path), handler) for path, handler in routes]
    )
