"""Jupyter Server settings for the UI tests (Galata).

NBREPRO_UI_PORT picks the port; NBREPRO_UI_SERVER_PART=off starts the server
without nbrepro's server extension, to test what a user sees then.
"""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

root = os.environ.setdefault(
    "JUPYTERLAB_GALATA_ROOT_DIR", tempfile.mkdtemp(prefix="nbrepro-ui-root-")
)

configure_jupyter_server(c)  # noqa: F821 (c is the traitlets config object)

c.ServerApp.port = int(os.environ.get("NBREPRO_UI_PORT", "8888"))  # noqa: F821
c.ServerApp.root_dir = root  # noqa: F821
c.LabApp.news_url = None  # noqa: F821 (no network here)
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821

if os.environ.get("NBREPRO_UI_SERVER_PART") == "off":
    c.ServerApp.jpserver_extensions = {"nbrepro": False}  # noqa: F821

# CI machines run the tests as root; the server is bound to localhost only.
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.ip = "localhost"  # noqa: F821
