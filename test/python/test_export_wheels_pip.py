"""Classification of what real pip records: a venv gets one package from each
kind of source through pip itself (a local wheel, a local folder, an editable
folder, a local git checkout, a git repository and a wheel over HTTP from a
server on this machine, and an index-like find-links folder), the capture
reads the venv, and export.wheels.classify names each source."""

import functools
import http.server
import os
import subprocess
import sys
import threading

import pytest
from capture.builders import project, wheel
from harness import uses

from nbrepro.capture import capture, compact
from nbrepro.export import wheels


def run(*command, cwd=None, env=None):
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
@uses("venv")
def served(tmp_path_factory):
    """A folder served over HTTP on a free port of this machine."""
    root = tmp_path_factory.mktemp("served")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()


def git_repo(folder, name, version):
    project(folder, name, version)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    run("git", "init", "-q", folder, env=env)
    run("git", "-C", folder, "add", ".", env=env)
    run("git", "-C", folder, "commit", "-qm", "one", env=env)
    return run("git", "-C", folder, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
@uses("venv")
def installed(tmp_path_factory, served):
    root = tmp_path_factory.mktemp("pip-sources")
    web, base = served
    local_wheel = wheel(root / "dist", "localwheel", "0.1.0")
    wheel(root / "links", "fromlinks", "1.0")
    wheel(web, "webwheel", "2.0")
    project(root / "folder", "folderpkg", "0.2")
    project(root / "editable", "editpkg", "0.3")
    local_commit = git_repo(root / "checkout", "checkoutpkg", "0.4")
    remote_commit = git_repo(root / "remote-src", "remotepkg", "0.5")
    bare = web / "remotepkg.git"
    run("git", "clone", "-q", "--bare", root / "remote-src", bare)
    run("git", "-C", bare, "update-server-info")  # git's dumb HTTP protocol: static files

    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull)
    env.pop("PIP_FIND_LINKS", None)
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q"]
    run(*pip, local_wheel, root / "folder", env=env)
    run(*pip, "-e", root / "editable", env=env)
    run(*pip, "git+%s" % (root / "checkout").as_uri(), env=env)
    run(*pip, "git+%s/remotepkg.git" % base, env=env)
    run(*pip, "%s/webwheel-2.0-py3-none-any.whl" % base, env=env)
    run(*pip, "--find-links", root / "links", "fromlinks", env=env)
    environment = capture(options={"prefix": str(venv), "gpu": False})["environment"]
    dists = dict((d["name"], d) for d in compact.distributions(environment["pip"]))
    return {
        "dists": dists,
        "root": root,
        "base": base,
        "commits": (local_commit, remote_commit),
        "wheel": local_wheel,
    }


def test_what_pip_records_is_classified_by_where_a_rebuild_gets_it(installed):
    dists, root, base = installed["dists"], installed["root"], installed["base"]
    local_commit, remote_commit = installed["commits"]
    classes = dict((name, wheels.classify(d)) for name, d in dists.items())
    assert classes["localwheel"] == ("local-file", str(installed["wheel"]))
    assert classes["folderpkg"] == ("local-folder", str(root / "folder"))
    assert classes["editpkg"] == ("editable", str(root / "editable"))
    assert classes["checkoutpkg"] == ("local-folder", str(root / "checkout"))
    assert classes["remotepkg"] == ("vcs", "git+%s/remotepkg.git@%s" % (base, remote_commit))
    assert classes["webwheel"] == ("url", "%s/webwheel-2.0-py3-none-any.whl" % base)
    # pip records nothing for a find-links install: it reads as the index's
    assert classes["fromlinks"] == ("index", None)
    assert local_commit != remote_commit


@pytest.mark.venv
def test_the_plan_carries_the_local_wheel_and_builds_inside_the_project(installed):
    dists, root = installed["dists"], installed["root"]
    plan = wheels.plan(list(dists.values()), project=root / "editable", python=sys.executable)
    carried = dict((c["name"], c["how"]) for c in plan.carried)
    assert carried == {"localwheel": "copied", "editpkg": "built"}
    flagged = dict((f["name"], f["source"]) for f in plan.flagged)
    assert flagged == {"folderpkg": "local-folder", "checkoutpkg": "local-folder"}
    actions = dict((row["name"], row["action"]) for row in plan.sources)
    assert actions["remotepkg"] == "fetched" and actions["webwheel"] == "fetched"
