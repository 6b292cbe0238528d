"""`pip install nbrepro` is all a user needs, and building it leaves a checkout as it was.

A fresh `git clone` of this repository's HEAD is built the way a user builds
it from source, `pip wheel . --no-deps` (build isolation; the build hook runs
`npm install` and `npm run build:prod`), with pip and npm both offline: pip
takes the build backend from .cache/wheelhouse (setup.sh --browser fills it
from requirements/e2e.txt) and npm takes its packages from its own cache
(setup.sh's `npm install` filled it). Then:

- the clone's `git status` is empty (the old build rewrote package-lock.json);
- the wheel carries the built labextension, the server extension's config and the
  bundle's templates;
- the wheel alone, installed with `pip install --no-index` into a fresh
  `python -m venv`, runs every headless command on a small notebook in a
  folder where no kernelspec of the developer's can be found (HOME and the
  Jupyter paths are empty temporary folders, PATH holds only /usr/bin:/bin);
- Jupyter Server finds the server extension, and once JupyterLab is installed
  beside it, `jupyter labextension list` finds the labextension and a real
  `jupyter lab` answers /nbrepro/version and serves the extension's bundle;
- the README's install section names the extras the wheel declares.

The wheel is built once per session (module-scoped fixture). The whole module
takes 80 s on the shared 2-core development machine, up to 2.5 min when it is
busy; the build is half of that.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from harness import need_wheelhouse, offline_pip, uses

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
VERSION = json.loads((REPO / "package.json").read_text())["version"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in command], **kwargs)


def offline_pip_env(base):
    """`base` with pip told to use the wheelhouse only: no index, no config file."""
    return offline_pip(base)


@pytest.fixture(scope="module")
@uses("venv")
def built(tmp_path_factory):
    """A clone of HEAD, built into a wheel as a user would, offline."""
    need_wheelhouse()
    root = tmp_path_factory.mktemp("pip-install")
    clone = root / "clone"
    result = run(["git", "clone", "--quiet", REPO, clone])
    assert result.returncode == 0, result.stderr
    env = offline_pip_env(os.environ)
    # npm (run by the build hook) from its cache only; never this checkout's .venv or node_modules
    env["npm_config_offline"] = "true"
    venv_bin = (REPO / ".venv" / "bin").resolve()
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != venv_bin
    )
    dist = root / "dist"
    result = run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", dist], cwd=clone, env=env
    )
    assert result.returncode == 0, (
        "building the wheel offline failed (pip takes hatchling & co. from %s, npm its "
        "packages from its cache: run bash scripts/setup.sh --browser)\n%s\n%s"
        % (WHEELHOUSE, result.stdout[-4000:], result.stderr[-4000:])
    )
    (wheel,) = dist.glob("nbrepro-*.whl")
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=clone)
    assert status.returncode == 0, status.stderr
    return {"root": root, "wheel": wheel, "status": status.stdout}


def test_building_from_a_clone_leaves_its_tracked_files_as_they_were(built):
    # untracked files would show as `??`; ignored ones (lib/, the labextension) do not show
    assert built["status"] == "", "the build changed the checkout:\n" + built["status"]


def test_the_wheel_carries_the_built_labextension_and_the_server_config(built):
    with zipfile.ZipFile(built["wheel"]) as archive:
        names = set(archive.namelist())
        data = "nbrepro-%s.data/data/" % VERSION
        labext = data + "share/jupyter/labextensions/nbrepro/"
        package = json.loads(archive.read(labext + "package.json"))
        server_config = json.loads(
            archive.read(data + "etc/jupyter/jupyter_server_config.d/nbrepro.json")
        )
    assert package["name"] == "nbrepro" and package["version"] == VERSION
    # JupyterLab loads the federated module named here; it and the style must be in the wheel
    load = package["jupyterlab"]["_build"]["load"]
    assert labext + load in names
    assert labext + "static/style.js" in names
    assert labext + "install.json" in names
    assert labext + "schemas/nbrepro/plugin.json" in names
    assert server_config == {"ServerApp": {"jpserver_extensions": {"nbrepro": True}}}
    for name in ("snapshot", "notebook", "drift"):
        assert "nbrepro/schema/%s.schema.json" % name in names
    assert "nbrepro/capture/__init__.py" in names
    # the bundle's templates (run.sh, Dockerfile, README ...) are package data
    templates = sorted((REPO / "python" / "nbrepro" / "export" / "templates").glob("*.in"))
    assert templates
    for template in templates:
        assert "nbrepro/export/templates/" + template.name in names


@pytest.fixture(scope="module")
@uses("venv")
def installed(built):
    """A fresh venv holding the wheel and what pip resolves for it, nothing else."""
    root = built["root"]
    venv = root / "venv"
    result = run([sys.executable, "-m", "venv", venv])
    assert result.returncode == 0, result.stderr
    home = root / "home"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "JUPYTER_PATH": str(root / "jupyter-path"),
        "JUPYTER_DATA_DIR": str(root / "jupyter-data"),
        "JUPYTER_CONFIG_DIR": str(root / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(root / "jupyter-runtime"),
        "IPYTHONDIR": str(root / "ipython"),
        "TMPDIR": str(root),
    }
    for folder in ("home", "jupyter-path", "jupyter-data", "jupyter-config"):
        (root / folder).mkdir()
    result = run(
        [venv / "bin" / "python", "-m", "pip", "install", "-q", built["wheel"]],
        env=offline_pip_env(env),
    )
    assert result.returncode == 0, (
        "pip install of the wheel alone failed offline; a dependency in pyproject.toml "
        "missing from requirements/e2e.txt?\n" + result.stdout + result.stderr
    )
    return {"venv": venv, "bin": venv / "bin", "env": env}


@pytest.mark.kernel
def test_every_headless_command_works_from_pip_install_alone(installed, tmp_path):
    bin_, env, venv = installed["bin"], installed["env"], installed["venv"]

    def nbrepro(*args):
        return run([bin_ / "nbrepro", *args], cwd=tmp_path, env=env)

    # the package is the wheel's, in the venv, and nothing of JupyterLab came with it
    result = run(
        [bin_ / "python", "-c", "import nbrepro, sys; print(nbrepro.__file__)"],
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(venv), result.stdout
    result = run([bin_ / "python", "-m", "pip", "show", "jupyterlab"], env=env)
    assert result.returncode == 1

    # the only kernel to be found is the venv's own Python (ipykernel is a dependency)
    result = run([bin_ / "jupyter", "kernelspec", "list", "--json"], env=env)
    assert result.returncode == 0, result.stderr
    specs = json.loads(result.stdout)["kernelspecs"]
    assert list(specs) == ["python3"], specs

    result = nbrepro("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nbrepro %s" % VERSION
    result = nbrepro("--help")
    assert result.returncode == 0, result.stderr
    for command in ("snapshot", "run", "check", "diff", "export", "verify"):
        assert re.search(r"^\s+%s\s" % command, result.stdout, re.M), result.stdout

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("alpha = 0.5", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import json\nprint(json.dumps({'alpha': alpha, 'x2': alpha * 2}))"
        ),
    ]
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))

    result = nbrepro("run", "nb.ipynb", "-p", "alpha", "0.7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wrote nb.ipynb (3 cells recorded)" in result.stderr
    ran = nbformat.read(str(tmp_path / "nb.ipynb"), as_version=4)
    assert ran.cells[1].metadata["tags"] == ["injected-parameters"]
    assert ran.cells[2].outputs[0]["text"] == '{"alpha": 0.7, "x2": 1.4}\n'
    meta = ran.metadata["nbrepro"]
    recorded = meta["snapshots"][meta["current"]]["environment"]
    assert recorded["python"]["prefix"] == str(venv)
    assert {"nbrepro", "ipykernel"} <= {d["name"] for d in recorded["pip"]["distributions"]}
    assert all(cell.metadata["nbrepro"]["env"] == meta["current"] for cell in ran.cells)

    result = nbrepro("snapshot")
    assert result.returncode == 0, result.stderr
    snapshot = json.loads(result.stdout)
    assert snapshot["environment"]["python"]["prefix"] == str(venv)
    (tmp_path / "snapshot.json").write_text(result.stdout)
    result = nbrepro("snapshot", "--format", "requirements")
    assert result.returncode == 0, result.stderr
    assert "\nipykernel==" in result.stdout
    requirements = result.stdout

    result = nbrepro("check", "nb.ipynb")
    assert (result.returncode, result.stdout.strip()) == (0, "no drift"), result.stderr

    result = nbrepro("diff", "nb.ipynb", "snapshot.json")
    assert result.returncode == 0, result.stdout + result.stderr
    # another version of a package: diff names it and fails at --fail-on low
    (tmp_path / "older.txt").write_text(
        re.sub(r"(?m)^ipykernel==.*$", "ipykernel==6.0.0", requirements)
    )
    result = nbrepro("diff", "nb.ipynb", "older.txt", "--fail-on", "low")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"ipykernel\s+7\.\S+ -> 6\.0\.0", result.stdout), result.stdout

    result = nbrepro("export", "nb.ipynb", "-o", "bundle")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("wrote bundle (")
    bundle = tmp_path / "bundle"
    for name in ("nb.ipynb", "nb.py", "requirements.txt", "environment.yml", "run.sh"):
        assert (bundle / name).is_file(), name
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "requirements.txt" in manifest["files"]

    result = nbrepro("verify", "bundle", "--python", bin_ / "python")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 same, 0 different, 0 not recorded" in result.stdout

    result = run([bin_ / "jupyter", "server", "extension", "list"], env=env)
    assert result.returncode == 0, result.stderr
    listing = ANSI.sub("", result.stdout + result.stderr)
    assert re.search(r"^\s*nbrepro enabled$", listing, re.M), listing
    assert re.search(r"^\s*nbrepro %s OK$" % re.escape(VERSION), listing, re.M), listing


def test_the_readme_says_what_pip_install_gives(built, installed, tmp_path):
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Install (users)") :]
    section = section[: section.index("\n## ", 1)]
    with zipfile.ZipFile(built["wheel"]) as archive:
        metadata = archive.read("nbrepro-%s.dist-info/METADATA" % VERSION).decode()
    # every extra the README offers is one the wheel declares ...
    offered = set(re.findall(r'^pip install "nbrepro\[(\w+)\]"', section, re.M))
    assert offered == {"papermill", "mlflow", "images", "attest"}, offered
    declared = set(re.findall(r"^Provides-Extra: (\S+)$", metadata, re.M))
    assert offered <= declared
    # ... and what it brings is not installed without it
    extra_packages = set()
    for extra in offered:
        wanted = re.findall(r"^Requires-Dist: ([\w.-]+).*; extra == '%s'$" % extra, metadata, re.M)
        assert wanted, extra
        extra_packages.update(name.lower() for name in wanted)
    bin_, env = installed["bin"], installed["env"]
    result = run(
        [
            bin_ / "python",
            "-c",
            "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'].lower() "
            "for d in m.distributions()))",
        ],
        env=env,
    )
    assert result.returncode == 0, result.stderr
    present = set(result.stdout.split())
    assert "nbrepro" in present and "ipykernel" in present
    assert not extra_packages & present, extra_packages & present
    assert "snakemake" not in present
    # papermill finds the engine through the entry point, which is installed without papermill
    result = run(
        [
            bin_ / "python",
            "-c",
            "import importlib.metadata as m; "
            "print([e.value for e in m.entry_points(group='papermill.engine')])",
        ],
        env=env,
    )
    assert result.stdout.strip() == "['nbrepro.integrations.papermill_engine:NbreproEngine']", (
        result.stderr
    )
    # the words the README quotes are the command's
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "nb.ipynb"))
    result = run([bin_ / "nbrepro", "run", "nb.ipynb", "--mlflow"], cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr.strip().split("nbrepro run: ", 1)[1]
    assert "`%s`" % message in " ".join(section.split())
    assert "`nbrepro %s OK`" % VERSION in section
    assert "`nbrepro v%s enabled OK (python, nbrepro)`" % VERSION in section


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": "token " + token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def test_jupyterlab_installed_beside_it_finds_and_serves_the_extension(installed, tmp_path):
    bin_, env = installed["bin"], installed["env"]
    result = run(
        [bin_ / "python", "-m", "pip", "install", "-q", "jupyterlab"], env=offline_pip_env(env)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = run([bin_ / "jupyter", "labextension", "list"], env=env)
    assert result.returncode == 0, result.stderr
    listing = ANSI.sub("", result.stdout + result.stderr)
    assert re.search(
        r"^\s*nbrepro v%s enabled OK \(python, nbrepro\)$" % re.escape(VERSION), listing, re.M
    ), listing

    # a real JupyterLab serves both halves: the server extension's API and the prebuilt bundle
    port, token = free_port(), "pip-install-test"
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(
        [
            str(bin_ / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--port=%d" % port,
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=" + token,
            "--ServerApp.root_dir=" + str(tmp_path),
            # no look-ups on PyPI for newer versions
            "--LabApp.extension_manager=readonly",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 90
        while True:
            assert lab.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                status, body = get(base + "/nbrepro/version", token)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "lab.log").read_text()[-3000:]
                time.sleep(0.5)
        assert status == 200 and json.loads(body)["version"] == VERSION, body
        status, page = get(base + "/lab", token)
        assert status == 200
        found = re.search(r'<script id="jupyter-config-data" [^>]*>(.*?)</script>', page, re.S)
        config = json.loads(found.group(1))
        (entry,) = [e for e in config["federated_extensions"] if e["name"] == "nbrepro"]
        status, script = get(base + "/lab/extensions/nbrepro/" + entry["load"], token)
        assert status == 200 and "nbrepro" in script
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait(timeout=20)
        log.close()
