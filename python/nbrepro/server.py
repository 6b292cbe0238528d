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


def setup_handlers(web_app):
    base_url = web_app.settings["base_url"]
    routes = [
        ("version", VersionHandler),
    ]
    web_app.add_handlers(
        ".*$", [(url_path_join(base_url, "nbrepro", path), handler) for path, handler in routes]
    )
