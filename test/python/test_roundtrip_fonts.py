"""The round trip where the reviewer's machine has other fonts (issue 25).

A notebook of three figures, recorded in venv A and rebuilt from its bundle
alone by ``run.sh --verify`` in venv B, with real Matplotlib in real kernels.
Each side has a font the other lacks (test/fixtures/fonts/, two OFL fonts), in
its home folder, where Matplotlib looks for a user's fonts, and a Matplotlib
font cache of its own (MPLCONFIGDIR) that knows nothing of the other side's
font, also when the machine has it installed system-wide (a cache built
before the font came, as in the issue):

- A has Inconsolata, not Liberation Sans. The ``seaborn-v0_8-white`` style
  asks for ``['Arial', 'Liberation Sans', 'DejaVu Sans', ...]``: A draws the
  histogram and the line with Matplotlib's own DejaVu Sans; the bar chart asks
  for ``['Inconsolata', 'DejaVu Sans Mono']`` and gets A's Inconsolata.
- B has Liberation Sans, not Inconsolata.

With the bundle's fonts (it carries Inconsolata, and its font list keeps only
Matplotlib's own fonts and the carried one) every figure verifies as the same
or visually similar. With them turned off (``NBREPRO_FONTS=system``) B draws
with Liberation Sans and DejaVu Sans Mono, and every figure that is not the
same image names "fonts differ" with both fonts.
"""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from test_export_e2e import BIN, WHEELHOUSE, offline_pip, run

pytestmark = [pytest.mark.kernel, pytest.mark.venv]

FONTS = Path(__file__).resolve().parents[1] / "fixtures" / "fonts"
CELLS = [
    "import numpy as np\nimport matplotlib.pyplot as plt\nplt.style.use('seaborn-v0_8-white')",
    "plt.hist(np.random.default_rng(0).normal(size=1000));",
    "plt.plot(np.linspace(0, 1, 50) ** 2)\nplt.title('Squares');",
    "plt.rcParams['font.family'] = 'monospace'\n"
    "plt.rcParams['font.monospace'] = ['Inconsolata', 'DejaVu Sans Mono']\n"
    "plt.bar(['a', 'b', 'c'], [3, 1, 2])\nplt.title('Bars');",
]
FIGURES = (2, 3, 4)
LINE = re.compile(r"^cell (\d+)\s+(same|different|error|not run|not recorded)\b(.*)$")
# Builds a side's font cache: this machine's fonts as Matplotlib finds them, less one family.
CACHE_WITHOUT = """
import glob, sys
import matplotlib
from matplotlib import font_manager
manager = font_manager.fontManager
manager.ttflist = [e for e in manager.ttflist if e.name != sys.argv[1]]
font_manager.json_dump(manager, glob.glob(matplotlib.get_cachedir() + "/fontlist-v*.json")[0])
"""


def side(root, name, font, without, python, env):
    """A home folder holding ``font`` and a font cache that lacks family ``without``."""
    home = root / ("home-" + name)
    (home / ".local" / "share" / "fonts").mkdir(parents=True)
    shutil.copy(str(FONTS / font), str(home / ".local" / "share" / "fonts" / font))
    config = root / ("mplconfig-" + name)
    env = dict(env, HOME=str(home), MPLCONFIGDIR=str(config), IPYTHONDIR=str(root / "ipython"))
    result = run([python, "-c", CACHE_WITHOUT, without], env=env)
    assert result.returncode == 0, result.stderr
    return env


def verify_lines(text):
    cells = {}
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            cells[int(match.group(1))] = (match.group(2), match.group(3))
    return cells


@pytest.fixture(scope="module")
def venv_a(tmp_path_factory):
    if not (WHEELHOUSE / ".nbrepro-stamp").is_file():
        pytest.skip("no wheelhouse at %s: run bash scripts/setup.sh" % WHEELHOUSE)
    root = tmp_path_factory.mktemp("fonts")
    env = offline_pip(root)
    venv = root / "venv-a"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    result = run(
        [venv / "bin" / "python", "-m", "pip", "install", "-q", "numpy", "matplotlib", "ipykernel"],
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return root, env, venv / "bin" / "python"


def test_figures_verify_with_the_bundles_fonts_and_name_the_fonts_without(venv_a):
    import nbformat

    root, env, python = venv_a
    env_a = side(root, "a", "Inconsolata.otf", "Liberation Sans", python, env)
    folder = root / "notebook"
    folder.mkdir()
    notebook = folder / "figures.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(nb, str(notebook))

    result = run([BIN / "nbrepro", "run", notebook, "--python", python], env=env_a)
    assert result.returncode == 0, result.stderr[-3000:]
    recorded = json.loads(notebook.read_text(encoding="utf-8"))
    runs = recorded["metadata"]["nbrepro"]["runs"]
    resolved = [
        runs[c["metadata"]["nbrepro"]["run"]]["fonts"]["matplotlib"] for c in recorded["cells"]
    ]
    assert [r[0]["name"] for r in resolved] == [
        "DejaVu Sans",
        "DejaVu Sans",
        "DejaVu Sans",
        "Inconsolata",
    ]
    assert [r[0]["where"] for r in resolved] == ["matplotlib"] * 3 + ["user"]
    assert "home-a" not in notebook.read_text(encoding="utf-8")  # no path outside

    bundle = root / "bundle"
    result = run([BIN / "nbrepro", "export", notebook, "-o", bundle, "--json"], env=env_a)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (bundle / "nbrepro-fonts" / "Inconsolata.otf").read_bytes() == (
        FONTS / "Inconsolata.otf"
    ).read_bytes()
    spec = json.loads((bundle / "nbrepro-fonts" / "fonts.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["licence"]) for f in spec["carried"]] == [("Inconsolata", "OFL")]
    assert spec["system"] == []
    assert "font.family: sans-serif" in (bundle / "matplotlibrc").read_text(encoding="utf-8")

    # The reviewer: B has Liberation Sans and not Inconsolata; the bundle is all it gets.
    env_b = side(root, "b", "LiberationSans-Regular.ttf", "Inconsolata", python, env)
    venv_b = root / "venv-b"
    result = run(["bash", bundle / "run.sh", "--verify", "--env", venv_b], env=env_b, cwd=bundle)
    output = result.stdout + result.stderr
    cells = verify_lines(result.stdout)
    assert sorted(cells) == [1, 2, 3, 4], output[-3000:]
    for number in FIGURES:
        status, rest = cells[number]
        assert status == "same", (number, rest, output[-3000:])
        assert "fonts differ" not in rest
    assert result.returncode == 0, output[-3000:]
    assert "1 carried" in result.stderr

    # The bundle's fonts turned off: B's own fonts, and the cause named for each figure.
    off = dict(env_b, NBREPRO_FONTS="system")
    result = run(["bash", bundle / "run.sh", "--verify", "--env", venv_b], env=off, cwd=bundle)
    output = result.stdout + result.stderr
    cells = verify_lines(result.stdout)
    assert sorted(cells) == [1, 2, 3, 4], output[-3000:]
    sans = re.compile(
        r"fonts differ: recorded Matplotlib's own DejaVu Sans, "
        r"now the (system|user)'s Liberation Sans"
    )
    for number in (2, 3):
        status, rest = cells[number]
        assert "image/png: same image" not in rest, (number, rest)
        assert sans.search(rest), (number, rest)
    status, rest = cells[4]
    assert (
        "fonts differ: recorded the user's Inconsolata, now Matplotlib's own DejaVu Sans Mono"
        in (rest)
    ), rest
    for number in FIGURES:
        status, rest = cells[number]
        if status == "different":
            assert "likely: fonts differ" in rest, (number, rest)
        else:
            assert "image/png: visually similar" in rest, (number, rest)
    assert result.returncode == (1 if "different" in (s for s, _ in cells.values()) else 0)
