"""nbrepro preflight on real bundles: the H100 recording (test/fixtures/gpu/h100-580),
exported here, and a notebook recorded in a venv with ipykernel only
(test/fixtures/preflight/words.ipynb), against a simple index on loopback:
``python -m http.server`` over PEP 503 pages written from
test/fixtures/simple-index/files.json, the real file names PyPI has for each
pinned release (its make_index.py regenerates it). Offline and deterministic;
one check against the real PyPI runs on demand (NBREPRO_TEST_NETWORK=1).

GPUs are faked the way the capture's tests fake them: an ``nvidia-smi`` on PATH
that prints what the real one printed on the H100 machine.
"""

import ctypes.util
import html
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nbrepro.verify import preflight as preflight_module

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures"
BIN = Path(sys.executable).parent
H100 = FIXTURES / "gpu" / "h100-580"


def has_real_gpu():
    return Path("/proc/driver/nvidia").exists() or ctypes.util.find_library("nvidia-ml")


def write_index(folder):
    """PEP 503 pages (``simple/<project>/index.html``) of files.json under ``folder``."""
    listed = json.loads((FIXTURES / "simple-index" / "files.json").read_text())
    for project, names in listed.items():
        page = folder / "simple" / project
        page.mkdir(parents=True)
        links = "".join(
            '    <a href="../../files/%s">%s</a><br>\n' % (html.escape(n), html.escape(n))
            for n in names
        )
        (page / "index.html").write_text(
            "<!DOCTYPE html>\n<html><body>\n<h1>Links for %s</h1>\n%s</body></html>\n"
            % (html.escape(project), links)
        )


@pytest.fixture(scope="module")
def index_url(tmp_path_factory):
    served = tmp_path_factory.mktemp("simple-index")
    write_index(served)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=str(served),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield "http://127.0.0.1:%d/simple" % port
    finally:
        server.terminate()
        server.wait(timeout=10)


def export(notebook, folder):
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / notebook.name
    copy.write_bytes(notebook.read_bytes())
    bundle = folder / (notebook.stem + "-bundle")
    done = subprocess.run(
        [str(BIN / "nbrepro"), "export", str(copy), "-o", str(bundle)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return bundle


@pytest.fixture(scope="module")
def gpu_bundle(tmp_path_factory):
    return export(H100 / "gpu-run.ipynb", tmp_path_factory.mktemp("gpu"))


@pytest.fixture(scope="module")
def words_bundle(tmp_path_factory):
    return export(FIXTURES / "preflight" / "words.ipynb", tmp_path_factory.mktemp("words"))


def fake_smi(folder, banner):
    """An nvidia-smi that answers --query-gpu with the H100's CSV and else a banner."""
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / "nvidia-smi"
    tool.write_text(
        "#!/bin/sh\n"
        'case "$1" in --query-gpu=*) cat "%s" ;; *) cat "%s" ;; esac\n'
        % (H100 / "smi-query.csv", banner)
    )
    tool.chmod(0o755)
    return folder


def preflight(bundle, index_url, *extra, path=None):
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join([str(path)] if path else []) + os.pathsep + "/usr/bin:/bin"
    env["PATH"] = os.pathsep.join(
        p for p in [str(path) if path else None, str(BIN), os.environ.get("PATH", "")] if p
    )
    argv = [str(BIN / "nbrepro"), "preflight", str(bundle), "--index-url", index_url, "--json"]
    started = time.perf_counter()
    done = subprocess.run(argv + list(extra), capture_output=True, text=True, env=env, timeout=120)
    done.seconds = time.perf_counter() - started
    done.report = json.loads(done.stdout) if done.stdout.strip() else None
    return done


def check(report, name):
    return next(c for c in report["checks"] if c["check"] == name)


@pytest.mark.skipif(has_real_gpu(), reason="this machine has an NVIDIA GPU")
def test_a_cuda_bundle_on_a_machine_without_a_gpu_is_a_no_with_the_reason(gpu_bundle, index_url):
    done = preflight(gpu_bundle, index_url, path=Path("/nonexistent"))
    assert done.returncode == 6, done.stdout + done.stderr
    report = done.report
    assert report["verdict"] == "no"
    gpu = check(report, "gpu")
    assert gpu["verdict"] == "no"
    assert "NVIDIA H100 80GB HBM3" in gpu["reason"] and "CUDA 13.0" in gpu["reason"]
    assert "this machine has no NVIDIA GPU" in gpu["reason"]
    assert done.report["seconds"] < 5, done.report["seconds"]  # beside Python's own start
    text = subprocess.run(
        [str(BIN / "nbrepro"), "preflight", str(gpu_bundle), "--index-url", index_url],
        capture_output=True,
        text=True,
        env=dict(os.environ, PIP_CONFIG_FILE=os.devnull),
    )
    assert text.returncode == 6
    assert "cannot be rebuilt here: " in text.stdout and "gpu" in text.stdout.splitlines()[-1]


@pytest.mark.skipif(has_real_gpu(), reason="this machine has an NVIDIA GPU")
def test_the_recorded_h100_driver_is_enough_and_an_older_one_is_not(
    gpu_bundle, index_url, tmp_path
):
    same = preflight(
        gpu_bundle, index_url, path=fake_smi(tmp_path / "h100", H100 / "smi-banner.txt")
    )
    gpu = check(same.report, "gpu")
    assert gpu["verdict"] == "yes", gpu
    assert "NVIDIA H100 80GB HBM3" in gpu["reason"] and "CUDA 13.0" in gpu["reason"]
    # the same GPU with the A10 machine's driver banner (550.127.05, CUDA 12.4)
    old = preflight(
        gpu_bundle,
        index_url,
        path=fake_smi(tmp_path / "a10", FIXTURES / "gpu" / "smi-banner-a10-550.txt"),
    )
    gpu = check(old.report, "gpu")
    assert gpu["verdict"] == "no"
    assert "supports CUDA 12.4 only" in gpu["reason"] and "CUDA 13.0 or newer" in gpu["reason"]
    assert old.returncode == 6


def test_a_pin_with_no_wheel_for_the_asked_platform_is_a_no(gpu_bundle, index_url):
    done = preflight(gpu_bundle, index_url, "--platform", "osx-arm64")
    assert done.returncode == 6
    packages = check(done.report, "packages")
    assert packages["verdict"] == "no"
    rows = {row["name"]: row for row in packages["packages"]}
    cublas = rows["nvidia-cublas"]
    assert cublas["verdict"] == "no"
    assert "no wheel for osx-arm64 (cp312) and no sdist" in cublas["reason"]
    assert "manylinux_2_27_x86_64" in cublas["reason"] and "win_amd64" in cublas["reason"]
    assert rows["absl-py"]["verdict"] == "yes"  # a pure-Python wheel fits every platform
    assert check(done.report, "gpu")["verdict"] == "no"  # CUDA on macOS
    assert "python" not in [c["check"] for c in done.report["checks"]]  # not known from here
    assert done.report["seconds"] < 5, done.report["seconds"]  # beside Python's own start
    # the same pins on the platform they were recorded on are all there
    linux = preflight(gpu_bundle, index_url, "--platform", "linux-64")
    assert check(linux.report, "packages")["verdict"] == "yes", check(linux.report, "packages")


def test_a_buildable_bundle_is_a_yes(words_bundle, index_url):
    done = preflight(words_bundle, index_url)
    python = check(done.report, "python")
    if python["verdict"] != "yes":
        pytest.skip("no Python 3.11 here, as the fixture was recorded with: %s" % python["reason"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.report["verdict"] == "yes"
    packages = check(done.report, "packages")
    assert packages["verdict"] == "yes" and "all 31 pinned packages" in packages["reason"]
    assert check(done.report, "gpu")["reason"] == "the notebook ran without an NVIDIA GPU"
    assert check(done.report, "carried")["verdict"] == "yes"
    assert check(done.report, "disk")["verdict"] == "yes"
    assert done.report["seconds"] < 5, done.report["seconds"]  # beside Python's own start


def test_an_index_that_does_not_answer_makes_packages_unknown_not_no(words_bundle):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here now
    done = preflight(words_bundle, "http://127.0.0.1:%d/simple" % port, "--platform", "linux-64")
    packages = check(done.report, "packages")
    assert packages["verdict"] == "unknown"
    assert "could not be asked about" in packages["reason"]
    assert done.returncode == 1 and done.report["verdict"] == "unknown"


def test_an_unknown_platform_and_a_folder_that_is_no_bundle_exit_2(words_bundle, tmp_path):
    done = subprocess.run(
        [str(BIN / "nbrepro"), "preflight", str(words_bundle), "--platform", "amiga"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "unknown platform 'amiga'" in done.stderr
    done = subprocess.run(
        [str(BIN / "nbrepro"), "preflight", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "not an nbrepro bundle" in done.stderr


@pytest.mark.network
@pytest.mark.skipif(not os.environ.get("NBREPRO_TEST_NETWORK"), reason="NBREPRO_TEST_NETWORK=1")
def test_the_real_pypi_says_the_same(gpu_bundle):
    done = preflight(gpu_bundle, "https://pypi.org/simple", "--platform", "osx-arm64")
    rows = {row["name"]: row for row in check(done.report, "packages")["packages"]}
    assert rows["nvidia-cublas"]["verdict"] == "no"
    assert rows["absl-py"]["verdict"] == "yes"
    assert done.report["seconds"] < 5, done.report["seconds"]  # beside Python's own start


def test_the_pins_a_new_venv_already_holds_need_no_index(words_bundle, tmp_path):
    # run.sh's `python -m venv` brings ensurepip's pip (and setuptools before 3.12):
    # pins of exactly those versions install from nowhere, so an index without them
    # is no reason for a no (a bundle recorded in a plain venv pins them)
    seeds = preflight_module.venv_seeds(sys.executable)
    assert seeds.get("pip"), seeds
    empty = tmp_path / "empty-index"
    (empty / "simple").mkdir(parents=True)
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"],
        cwd=str(empty),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N ..."
        port = int(line.split(" port ")[1].split()[0])
        bundle = tmp_path / "bundle"
        shutil.copytree(words_bundle, bundle)
        pins = ["%s==%s" % (name, version) for name, version in sorted(seeds.items())]
        (bundle / "requirements.txt").write_text("\n".join(pins + ["absl-py==2.3.1"]) + "\n")
        env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, NBREPRO_PYTHON=sys.executable)
        argv = [str(BIN / "nbrepro"), "preflight", str(bundle), "--json"]
        argv += ["--index-url", "http://127.0.0.1:%d/simple" % port]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=10)
    rows = {row["name"]: row for row in check(json.loads(done.stdout), "packages")["packages"]}
    for name in seeds:
        assert rows[name]["verdict"] == "yes", rows[name]
        assert rows[name]["reason"] == "a new venv holds it (Python's ensurepip)"
    # a pin the venv does not hold is still looked for, and missing
    assert rows["absl-py"]["verdict"] == "no", rows["absl-py"]


def test_a_font_the_notebook_drew_with_that_is_nowhere_here_is_unknown(words_bundle, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(words_bundle, bundle)
    (bundle / "nbrepro-fonts").mkdir()
    spec = {
        "nbrepro_fonts": 1,
        "carried": [],
        "system": [{"name": "No Such Font Anywhere", "file": "n.ttf", "why": "not shareable"}],
    }
    (bundle / "nbrepro-fonts" / "fonts.json").write_text(json.dumps(spec))
    argv = [str(BIN / "nbrepro"), "preflight", str(bundle), "--json", "--skip", "packages"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip(), done.stderr
    fonts = check(json.loads(done.stdout), "fonts")
    assert fonts["verdict"] == "unknown", fonts
    assert "font No Such Font Anywhere is not installed here" in fonts["reason"]
    # for another platform nothing is said of this machine's fonts
    done = subprocess.run(argv + ["--platform", "osx-arm64"], capture_output=True, text=True)
    assert "fonts" not in [c["check"] for c in json.loads(done.stdout)["checks"]]
