"""Small real bundles for the batch verification tests (and the UI test's report).

A notebook is recorded with ``nbrepro run`` in a real kernel (``--python``
names the interpreter) and exported with ``nbrepro export``: nothing here is
written by hand but the notebooks' cells. ``tiny_png`` draws an image in the
kernel with the standard library only, so a bundle shows an image without
matplotlib in its environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheelhouse"
BIN = Path(sys.executable).parent

TINY_PNG = r"""
import struct, zlib
from IPython.display import Image, display
def png(width, height, shade):
    raw = b"".join(b"\0" + bytes((x * 16 + shade) % 256 for x in range(width) for _ in range(3))
                   for _y in range(height))
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
display(Image(data=png(16, 8, 40)))
"""

NOTEBOOKS = {
    "growth": [
        "rate = 0.05",
        "values = [round(100 * (1 + rate) ** year, 2) for year in range(5)]\nprint(values)",
        TINY_PNG,
        "sum(values)",
    ],
    "words": [
        "text = 'the quick brown fox jumps over the lazy dog'",
        "counts = {w: text.count(w) for w in sorted(set(text.split()))}\ncounts",
        "print(len(counts), max(counts, key=len))",
    ],
    "sampling": [
        "import random\nimport tinystats",
        "draws = [random.random() for _ in range(4)]",
        "round(tinystats.mean(draws), 6)",
    ],
    "steady": [
        "import tinystats",
        "tinystats.mean([1.0, 2.0, 4.0])",
        "print('done')",
    ],
}

TINYSTATS = "def mean(values):\n    return round(sum(values) / len(values), 4)\n"


def run(command, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 900)
    return subprocess.run([str(c) for c in command], **kwargs)


def offline_env(*folders):
    env = dict(os.environ)
    env.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=" ".join(str(f) for f in folders),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    env.pop("VIRTUAL_ENV", None)
    env.pop("PIP_CONSTRAINT", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def make_venv(path, packages, env):
    done = run([sys.executable, "-m", "venv", path])
    assert done.returncode == 0, done.stderr
    done = run([Path(path) / "bin" / "python", "-m", "pip", "install", "-q", *packages], env=env)
    assert done.returncode == 0, done.stderr
    return Path(path) / "bin" / "python"


def notebook(path, sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# %s" % Path(path).stem)]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, str(path))
    return path


def record_and_export(folder, name, python, output=None):
    """Record notebook ``name`` of NOTEBOOKS with ``python``'s kernel; export it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = notebook(folder / ("%s.ipynb" % name), NOTEBOOKS[name])
    done = run([BIN / "nbrepro", "run", path, "--python", python])
    assert done.returncode == 0, done.stderr
    bundle = Path(output) if output else folder / ("%s-bundle" % name)
    done = run([BIN / "nbrepro", "export", path, "-o", bundle])
    assert done.returncode == 0, done.stderr
    return bundle


def break_bundle(source, target):
    """A copy of bundle ``source`` whose manifest is not a manifest: unusable."""
    import shutil

    shutil.copytree(str(source), str(target))
    (Path(target) / "manifest.json").write_text(json.dumps({"not": "a manifest"}))
    return Path(target)
