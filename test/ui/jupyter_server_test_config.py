"""Jupyter Server settings for the UI tests (Galata).

NBREPRO_UI_PORT picks the port; NBREPRO_UI_SERVER_PART=off starts the server
without nbrepro's server extension, to test what a user sees then.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def fresh_venv_kernel(kernels):
    """A kernel in a fresh venv that holds only ipykernel: nbrepro is not
    installed there, as in a user's other environment. Built once and kept."""
    venv = HERE / ".jupyter-root" / "fresh-venv"
    python = venv / "bin" / "python"
    if not (venv / ".ready").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                # Python compiles what the kernel imports; compiling all of it is most of pip's time
                "--no-compile",
                "-c",
                str(REPO / "requirements" / "constraints.txt"),
                "ipykernel",
            ],
            check=True,
        )
        (venv / ".ready").write_text("ok\n")
    spec = kernels / "nbrepro-fresh-venv"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Fresh venv (ipykernel only)",
                "language": "python",
            }
        )
    )


def overlay_kernel(kernels):
    """A kernel in a venv of its own (no pip, made fresh at each start) that sees
    the test environment's packages through a .pth: a test's `%pip install`
    goes into this venv, never into the .venv the other tests (pytest beside
    the UI tests) record and compare."""
    venv = HERE / ".jupyter-root" / "overlay-venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "zz_test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    spec = kernels / "nbrepro-overlay"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (own venv over the test environment)",
                "language": "python",
            }
        )
    )


def bash_kernel(kernels):
    """A real kernel of another language (bash_kernel, a test dependency)."""
    spec = kernels / "nbrepro-bash"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "bash_kernel", "-f", "{connection_file}"],
                "display_name": "Bash",
                "language": "bash",
            }
        )
    )


data_dir = HERE / ".jupyter-root" / "data"
if os.environ.get("NBREPRO_UI_SERVER_PART", "on") == "on":
    # Only the main server builds them: the servers start at once.
    fresh_venv_kernel(data_dir / "kernels")
    overlay_kernel(data_dir / "kernels")
    bash_kernel(data_dir / "kernels")
# Read by the kernel spec manager when it starts, after this file.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    [str(data_dir)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
)

root = os.environ.setdefault(
    "JUPYTERLAB_GALATA_ROOT_DIR", tempfile.mkdtemp(prefix="nbrepro-ui-root-")
)

configure_jupyter_server(c)  # noqa: F821 (c is the traitlets config object)

c.ServerApp.port = int(os.environ.get("NBREPRO_UI_PORT", "8888"))  # noqa: F821
# a port in use is an error, never the next port: the tests would talk to another server
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.root_dir = root  # noqa: F821
c.LabApp.news_url = None  # noqa: F821 (no network here)
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821
# Notebook 7 on the same server (/notebooks/...) as JupyterLab (/lab): the tests
# that compare the two frontends reach the app in both.
c.JupyterNotebookApp.expose_app_in_browser = True  # noqa: F821
# User settings of this server's own, fresh each start: by default both JupyterLab and
# Notebook 7 read and write ~/.jupyter/lab/user-settings, shared by every server
# here, every earlier run and the person's own JupyterLab (the export dialog's
# format chosen last in one test became another server's default: a zip where a
# folder was expected).
_settings = HERE / ".jupyter-root" / ("user-settings-%d" % c.ServerApp.port)  # noqa: F821
shutil.rmtree(str(_settings), ignore_errors=True)
_settings.mkdir(parents=True)
c.LabApp.user_settings_dir = str(_settings)  # noqa: F821
c.JupyterNotebookApp.user_settings_dir = str(_settings)  # noqa: F821

# jupyter-collaboration is installed for the collaboration test, which starts its
# own server with NBREPRO_UI_COLLAB=1; every other server runs without real-time
# collaboration, as most users do. Its files go to the test's own folders.
c.YDocExtension.disable_rtc = os.environ.get("NBREPRO_UI_COLLAB") != "1"  # noqa: F821
# A fresh store each start: a document kept from an earlier run is not this one's.
_collaboration = HERE / ".jupyter-root" / ("collaboration-%d" % c.ServerApp.port)  # noqa: F821
shutil.rmtree(str(_collaboration), ignore_errors=True)
_collaboration.mkdir(parents=True)
c.YDocExtension.session_store_path = str(_collaboration / "sessions.json")  # noqa: F821
c.SQLiteYStore.db_path = str(_collaboration / "ystore.db")  # noqa: F821

if os.environ.get("NBREPRO_UI_SERVER_PART") == "off":
    c.ServerApp.jpserver_extensions = {"nbrepro": False}  # noqa: F821

# CI machines run the tests as root; the server is bound to localhost only.
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.ip = "localhost"  # noqa: F821
