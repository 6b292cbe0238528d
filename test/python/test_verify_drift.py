"""A package drifts between the recording and the re-run: ``verify`` names it.

Two real virtual environments, each with a real pip install of a tiny wheel
``tinystats`` (1.0 rounds to 2 places, 1.1 to 3). They reach ipykernel and its
dependencies through a .pth line to this project's environment; nbrepro is not
importable there (a .pth line adds a folder, it does not run that folder's own
.pth files), as in a bundle's environment.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import zipfile

import nbformat
import pytest

from nbrepro import cli
from nbrepro.verify import bundle as bundles

SOURCE = "def mean(values):\n    return round(sum(values) / len(values), %d)\n"
SITE = "lib/python%d.%d/site-packages" % sys.version_info[:2]


def wheel(folder, version, places):
    """A pure-Python wheel as a build backend writes it (PEP 427)."""
    dist_info = "tinystats-%s.dist-info" % version
    files = {
        "tinystats/__init__.py": SOURCE % places,
        dist_info + "/METADATA": "Metadata-Version: 2.1\nName: tinystats\nVersion: %s\n" % version,
        dist_info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: nbrepro-test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, encoded, len(text.encode())))
    files[dist_info + "/RECORD"] = "\n".join(record + [dist_info + "/RECORD,,"]) + "\n"
    path = folder / ("tinystats-%s-py3-none-any.whl" % version)
    with zipfile.ZipFile(str(path), "w") as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)


def make_venv(path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path / "bin" / "python"


def reach_ipykernel(venv):
    (venv / SITE / "_nbrepro_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")


def pip_install(python, wheels, requirement):
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-index", "--find-links", str(wheels), requirement],
        check=True,
    )


@pytest.fixture
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


@pytest.mark.kernel
@pytest.mark.venv
def test_a_drifted_package_is_named_with_both_versions(tmp_path, capsys, private_ipython):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel(wheels, "1.0", 2)
    wheel(wheels, "1.1", 3)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import tinystats"),
        nbformat.v4.new_code_cell("print(tinystats.mean([1, 2, 2]))"),
        nbformat.v4.new_code_cell("print('unchanged')"),
    ]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    path = bundle / "stats.ipynb"
    nbformat.write(nb, str(path))

    python_a = make_venv(tmp_path / "a")
    # Without ipykernel the interpreter cannot run a kernel: a clear exit 2.
    assert cli.main(["run", str(path), "--python", str(python_a)]) == 2
    err = capsys.readouterr().err
    assert "cannot import ipykernel" in err and "-m pip install ipykernel" in err

    reach_ipykernel(tmp_path / "a")
    pip_install(python_a, wheels, "tinystats==1.0")
    assert cli.main(["run", str(path), "--python", str(python_a)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    recorded = nbformat.read(str(path), as_version=4)
    assert "".join(recorded.cells[1].outputs[0]["text"]) == "1.67\n"
    meta = recorded.metadata["nbrepro"]
    assert meta["kernel"]["name"] == "nbrepro-python"
    environment = meta["snapshots"][meta["current"]]["environment"]
    assert {"name": "tinystats", "version": "1.0"}.items() <= next(
        d for d in environment["pip"]["distributions"] if d["name"] == "tinystats"
    ).items()
    # The kernel ran without nbrepro: the engine travels as source.
    assert subprocess.run(
        [str(python_a), "-c", "import nbrepro.capture"], capture_output=True
    ).returncode

    # The bundle: what run.sh builds is .env with the other version.
    raw = path.read_bytes()
    listed = {"stats.ipynb": {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}}
    (bundle / "manifest.json").write_text(
        json.dumps({"nbrepro_bundle": 1, "notebook": "stats.ipynb", "files": listed})
    )
    python_b = make_venv(bundle / ".env")
    reach_ipykernel(bundle / ".env")
    pip_install(python_b, wheels, "tinystats==1.1")
    # run.sh's stamp: the folder it built, by inode and real path (see test_export_recipes).
    env = bundle / ".env"
    (env / ".nbrepro-stamp").write_text(
        "method pip\n%s\n" % bundles.stamp_line(os.stat(env).st_ino, os.path.realpath(env))
    )

    status = cli.main(["verify", str(bundle)])
    captured = capsys.readouterr()
    assert "running the kernel with the bundle's .env/bin/python (built by run.sh)" in captured.err
    lines = captured.out.splitlines()
    assert lines[0] == "cell 1  same"
    assert lines[1] == (
        "cell 2  different  stdout: recorded '1.67', now '1.667' (1.67 vs 1.667)  "
        "likely: a drifted package the notebook imported by this cell: tinystats 1.0 → 1.1"
    )
    assert lines[2:] == ["cell 3  same", "2 same, 1 different, 0 not recorded"]
    assert status == 1

    # --python overrides the bundle's interpreter: the recording's environment, all the same.
    status = cli.main(["verify", str(bundle), "--python", str(python_a), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["python"] == os.path.abspath(str(python_a))
    assert [c["status"] for c in report["cells"]] == ["same", "same", "same"]
