"""nbrepro: record what a notebook ran on, warn when it drifts, export a bundle that runs again."""

from ._version import __version__

__all__ = ["__version__"]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "nbrepro"}]


def _jupyter_server_extension_points():
    return [{"module": "nbrepro"}]


def _load_jupyter_server_extension(server_app):
    from .server.handlers import setup_handlers

    setup_handlers(server_app.web_app)
    server_app.log.info("nbrepro %s: server extension loaded", __version__)
