"""What restoring must not touch: the closure of the server's requirements,
read from real installed metadata, and the prefixes a snapshot may name."""

import os
import sys

from nbrepro.drift import restore


class FakeDist:
    def __init__(self, requires):
        self.requires = requires


def test_needed_by_follows_requirements_and_skips_extras_and_foreign_markers():
    dists = {
        "jupyter-server": FakeDist(["tornado>=6", "Jinja2", "pytest; extra == 'test'"]),
        "tornado": FakeDist([]),
        "jinja2": FakeDist(["MarkupSafe>=2.0"]),
        "markupsafe": FakeDist(['pywin32; sys_platform == "win32"']),
        "pywin32": FakeDist([]),
        "pytest": FakeDist([]),
        "numpy": FakeDist([]),
    }
    assert restore.needed_by(["jupyter_server", "absent"], dists) == [
        "jinja2",
        "jupyter-server",
        "markupsafe",
        "tornado",
    ]


def test_the_real_server_environment_needs_the_kernel_machinery_and_not_numpy():
    env = restore.server_environment()
    assert sys.prefix in env["prefixes"]
    assert os.path.realpath(sys.prefix) in env["prefixes"]
    for name in ("jupyter-server", "ipykernel", "jupyter-client", "pyzmq", "traitlets", "nbrepro"):
        assert name in env["needed"]
    assert "numpy" not in env["needed"]
