"""The fonts a figure was drawn with (issue 25): read from the font files' own tables
(capture/fonts.py), resolved as Matplotlib resolves them, compared between two
recordings (record/fonts.py), carried in a bundle where the licence allows and
Matplotlib pointed at them (export/fonts.py, templates/fontlist.py).

Fonts: test/fixtures/fonts/ (two OFL fonts, see SOURCE.md) and Matplotlib's own.
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kernel_helpers import start_kernel, stop_kernel

from nbrepro.capture import fonts, inputs
from nbrepro.capture.context import Context
from nbrepro.export import fonts as bundle_fonts
from nbrepro.export import preamble, recipes
from nbrepro.record import fonts as recorded
from nbrepro.record import schemas
from nbrepro.run import kernel as kernel_bridge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fonts"
LIBERATION = FIXTURES / "LiberationSans-Regular.ttf"
INCONSOLATA = FIXTURES / "Inconsolata.otf"


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def mpl_data():
    matplotlib = pytest.importorskip("matplotlib")
    return Path(matplotlib.get_data_path())


# -- the font's own tables ---------------------------------------------------------------


def test_truetype_and_opentype_name_tables():
    assert fonts.read_facts(str(LIBERATION)) == {
        "name": "Liberation Sans",
        "style": "Regular",
        "version": "2.1.5",
        "sha256": sha(LIBERATION),
    }
    facts = fonts.read_facts(str(INCONSOLATA), licence=True)
    assert (facts["name"], facts["style"], facts["version"]) == ("Inconsolata", "Medium", "001.010")
    assert "SIL Open Font License" in facts["licence"]
    dejavu = fonts.read_facts(str(mpl_data() / "fonts" / "ttf" / "DejaVuSans.ttf"))
    assert (dejavu["name"], dejavu["style"]) == ("DejaVu Sans", "Book")


def collection(font_bytes):
    """A TrueType collection of one font: its table offsets moved by the header."""
    header = b"ttcf" + struct.pack(">III", 0x00010000, 1, 16)
    count = struct.unpack(">H", font_bytes[4:6])[0]
    out = bytearray(font_bytes)
    for i in range(count):
        at = 12 + 16 * i + 8
        (offset,) = struct.unpack(">I", font_bytes[at : at + 4])
        out[at : at + 4] = struct.pack(">I", offset + 16)
    return header + bytes(out)


def test_collections_afm_and_type1(tmp_path):
    ttc = tmp_path / "one.ttc"
    ttc.write_bytes(collection(LIBERATION.read_bytes()))
    assert fonts.read_facts(str(ttc))["name"] == "Liberation Sans"
    afm = fonts.read_facts(str(mpl_data() / "fonts" / "pdfcorefonts" / "Helvetica.afm"))
    assert (afm["name"], afm["style"]) == ("Helvetica", "Medium")
    text = (
        "%!PS-AdobeFont-1.0: TestFont 001.002\n/FamilyName (Test Family) readonly def\n"
        "/Weight (Bold) readonly def\n/version (001.002) readonly def\n"
    ).encode("latin-1")
    pfb = tmp_path / "t.pfb"
    pfb.write_bytes(b"\x80\x01" + struct.pack("<I", len(text)) + text)
    assert fonts.read_facts(str(pfb)) == {
        "name": "Test Family",
        "style": "Bold",
        "version": "001.002",
        "sha256": sha(pfb),
    }


def test_hostile_font_files_give_nothing_and_never_block(tmp_path):
    good = LIBERATION.read_bytes()
    cases = {
        "empty.ttf": b"",
        "short.ttf": good[:20],
        "text.ttf": b"not a font at all, just text\n" * 10,
        "tables.ttf": b"\x00\x01\x00\x00" + struct.pack(">H", 0xFFFF) + b"\x00" * 6,
        "name-past-end.ttf": b"\x00\x01\x00\x00\x00\x01"
        + b"\x00" * 6
        + b"name"
        + b"\x00" * 4
        + struct.pack(">II", 10**9, 500),
        "records-past-end.ttf": good[:12] + good[12:200],
        "loop.ttc": b"ttcf\x00\x01\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff",
        "odd.afm": b"StartFontMetrics 4.1\nNothing else\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert fonts.read_facts(str(tmp_path / name)) is None, name
    # A name record pointing outside its table: that name is left out, the rest read.
    ctx = Context({}, {})
    os.mkfifo(str(tmp_path / "fifo.ttf"))
    (tmp_path / "folder.ttf").mkdir()
    started = time.perf_counter()
    assert fonts.describe(ctx, str(tmp_path / "fifo.ttf")) is None
    assert fonts.describe(ctx, str(tmp_path / "folder.ttf")) is None
    assert fonts.describe(ctx, str(tmp_path / "missing.ttf")) is None
    assert time.perf_counter() - started < 1


def test_where_a_font_lies_never_gives_a_path_outside(tmp_path, monkeypatch):
    data = str(mpl_data() / "fonts" / "ttf" / "DejaVuSans.ttf")
    assert fonts.where(data) == {"file": "DejaVuSans.ttf", "where": "matplotlib"}
    inside = os.path.join(os.path.realpath(sys.prefix), "share", "fonts", "X.ttf")
    assert fonts.where(inside) == {
        "file": "X.ttf",
        "where": "environment",
        "path": "share/fonts/X.ttf",
    }
    root = str(tmp_path / "project")
    assert fonts.where(root + "/fonts/Y.otf", root) == {
        "file": "Y.otf",
        "where": "notebook",
        "path": "fonts/Y.otf",
    }
    assert fonts.where("/usr/share/fonts/truetype/z/Z.ttf") == {"file": "Z.ttf", "where": "system"}
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert fonts.where(str(tmp_path / "home" / ".fonts" / "H.ttf")) == {
        "file": "H.ttf",
        "where": "user",
    }
    assert fonts.where("/srv/somewhere/O.ttf") == {"file": "O.ttf", "where": "other"}


class Recorder(object):
    def __init__(self, paths):
        self.fonts = dict.fromkeys(paths, True)
        self.font_overflow = 0


def test_the_record_of_a_cell_that_opened_fonts(tmp_path):
    cache = {}
    ctx = Context({}, cache)
    cache[inputs.RECORDER_KEY] = Recorder([str(LIBERATION), str(INCONSOLATA), str(LIBERATION)])
    out = fonts.probe(ctx)
    opened = out["opened"]
    assert [(f["name"], f["file"]) for f in opened] == [
        ("Inconsolata", "Inconsolata.otf"),
        ("Liberation Sans", "LiberationSans-Regular.ttf"),
    ]
    assert opened[1]["sha256"] == sha(LIBERATION)
    if opened[1]["where"] in ("user", "other"):  # outside the environment: no path
        assert str(FIXTURES) not in json.dumps(out) and "path" not in opened[1]
    # A font list being built (Matplotlib's first import): counted, not listed.
    many = []
    for i in range(fonts.MAX_DETAILED + 1):
        copy = tmp_path / ("f%d.ttf" % i)
        shutil.copy(str(LIBERATION), str(copy))
        many.append(str(copy))
    cache[inputs.RECORDER_KEY] = Recorder(many)
    out = fonts.probe(Context({}, cache))
    assert out["scanned"] == len(many)
    assert "opened" not in out or all(f["file"] != "f0.ttf" for f in out["opened"])
    # Valid against the schema's run record.
    run = {"fonts": {"opened": opened, "scanned": 3}}
    assert list(schemas.validator("run").iter_errors(run)) == []


RESOLVE = r"""
import json, os, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.font_manager import FontProperties, findfont
from nbrepro.capture import fonts
from nbrepro.capture.context import Context

cases = [
    {},
    {"style": "seaborn-v0_8-white"},
    {"font.family": ["serif"]},
    {"font.family": ["monospace"], "font.monospace": ["Inconsolata", "DejaVu Sans Mono"]},
    {"font.family": ["Nothing Such", "Liberation Sans"]},
    {"font.family": ["sans-serif"], "font.weight": "bold"},
    {"font.family": ["sans-serif"], "font.style": "italic"},
    {"font.family": ["sans serif"], "font.stretch": "condensed"},
    {"font.family": ["cursive", "fantasy"]},
]
out = []
for case in cases:
    plt.style.use("default")
    if "style" in case:
        plt.style.use(case["style"])
    else:
        plt.rcParams.update(case)
    ctx = Context({}, {})
    resolved, _files = fonts._matplotlib(ctx)
    theirs = []
    for family in plt.rcParams["font.family"]:
        try:
            path = findfont(FontProperties(family=[family]), fallback_to_default=False)
        except ValueError:
            path = None
        theirs.append(os.path.basename(path) if path else None)
    out.append({"ours": [r.get("file") for r in resolved], "matplotlib": theirs})
print(json.dumps(out))
"""


def test_matplotlib_families_resolve_as_matplotlib_resolves_them(tmp_path):
    """Compared with Matplotlib's own findfont, in a process of its own (a font list
    with the fixture fonts in a home folder, and a fresh font cache)."""
    pytest.importorskip("matplotlib")
    home = tmp_path / "home"
    (home / ".local" / "share" / "fonts").mkdir(parents=True)
    for font in (LIBERATION, INCONSOLATA):
        shutil.copy(str(font), str(home / ".local" / "share" / "fonts" / font.name))
    env = dict(os.environ, HOME=str(home), MPLCONFIGDIR=str(tmp_path / "mpl"))
    env["PYTHONPATH"] = str(Path(fonts.__file__).parents[2])
    result = subprocess.run(
        [sys.executable, "-c", RESOLVE], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    cases = json.loads(result.stdout)
    for case in cases:
        assert case["ours"] == case["matplotlib"], cases
    assert cases[1]["ours"] == [LIBERATION.name]  # the style's second choice, found
    assert cases[3]["ours"] == [INCONSOLATA.name]


# -- a real kernel -----------------------------------------------------------------------


@pytest.mark.kernel
def test_in_a_kernel_fonts_are_font_facts_and_matplotlib_is_never_imported(tmp_path):
    pytest.importorskip("matplotlib")
    (tmp_path / "fonts").mkdir()
    shutil.copy(str(INCONSOLATA), str(tmp_path / "fonts" / INCONSOLATA.name))
    (tmp_path / "data.csv").write_text("a\n1\n")
    env = {"HOME": str(tmp_path / "home"), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    kernel = start_kernel(tmp_path, extra_env=env)
    try:
        options = {"gpu": False}
        kernel_bridge.collect_in_kernel(kernel.client, options, timeout=60)
        cells = [
            "head = open('fonts/Inconsolata.otf', 'rb').read(4)\nrows = open('data.csv').read()",
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
            "fig = plt.figure()\nfig.text(0.5, 0.5, 'text')\nfig.canvas.draw()",
            "x = 1",
        ]
        kernel.execute(cells[0], "cell-0")
        loaded = kernel.evaluate(mpl="'matplotlib' in __import__('sys').modules")
        for i, code in enumerate(cells[1:], 1):
            kernel.execute(code, "cell-%d" % i)
        result = kernel_bridge.collect_in_kernel(kernel.client, options, timeout=60)
    finally:
        stop_kernel(kernel)
    assert str(loaded["mpl"]) == "False"
    runs = [result["runs"][cell["run"]] for cell in result["cells"]]
    assert [f["path"] for f in runs[0]["inputs"]["files"]] == ["data.csv"]
    assert runs[0]["fonts"] == {
        "opened": [
            {
                "name": "Inconsolata",
                "style": "Medium",
                "version": "001.010",
                "file": "Inconsolata.otf",
                "where": "notebook",
                "path": "fonts/Inconsolata.otf",
                "sha256": sha(INCONSOLATA),
            }
        ]
    }
    built = runs[1]["fonts"]
    assert built["scanned"] > fonts.MAX_DETAILED
    dejavu = {"family": "sans-serif", "name": "DejaVu Sans", "file": "DejaVuSans.ttf"}
    assert dict(built["matplotlib"][0], where=None) == dict(dejavu, where=None)
    assert built["matplotlib"][0]["where"] == "matplotlib"
    assert [f["name"] for f in built["opened"]] == ["DejaVu Sans"]
    assert "DejaVu Sans" in [f["name"] for f in runs[2]["fonts"].get("opened", ())]
    assert runs[3]["fonts"] == {"matplotlib": built["matplotlib"]}
    for run in runs:
        assert list(schemas.validator("run").iter_errors(run)) == []


# -- two recordings compared ---------------------------------------------------------------


def resolved(name, where, file="x.ttf"):
    return {
        "fonts": {
            "matplotlib": [{"family": "sans-serif", "name": name, "where": where, "file": file}]
        }
    }


def test_fonts_differ_names_both_fonts():
    then = recorded.states([None, resolved("DejaVu Sans", "matplotlib", "DejaVuSans.ttf")])
    now = recorded.states(
        [None, resolved("Liberation Sans", "system", "LiberationSans-Regular.ttf")]
    )
    assert recorded.differ(then[0], now[0]) is None  # before pyplot: nothing to say
    assert recorded.differ(then[1], now[1]) == (
        "fonts differ: recorded Matplotlib's own DejaVu Sans, now the system's Liberation Sans"
    )
    same = recorded.states([resolved("DejaVu Sans", "matplotlib", "DejaVuSans.ttf")])
    assert recorded.differ(then[1], same[0]) is None


def test_the_same_font_in_another_version_is_named_with_both_versions():
    def opened(version, digest):
        run = resolved("Liberation Sans", "system", "LiberationSans-Regular.ttf")
        run["fonts"]["opened"] = [
            {
                "name": "Liberation Sans",
                "file": "LiberationSans-Regular.ttf",
                "where": "system",
                "version": version,
                "sha256": digest,
            }
        ]
        return run

    then = recorded.states([opened("2.1.5", "a" * 64)])
    now = recorded.states([opened("1.07.4", "b" * 64)])
    assert recorded.differ(then[0], now[0]) == (
        "fonts differ: recorded the system's Liberation Sans 2.1.5, "
        "now the system's Liberation Sans 1.07.4"
    )
    # Later cells keep what earlier ones opened (Matplotlib opens a font once).
    later = recorded.states(
        [
            opened("2.1.5", "a" * 64),
            resolved("Liberation Sans", "system", "LiberationSans-Regular.ttf"),
        ]
    )
    changed = recorded.states(
        [
            opened("2.1.5", "c" * 64),
            resolved("Liberation Sans", "system", "LiberationSans-Regular.ttf"),
        ]
    )
    assert "its sha256 differs" in recorded.differ(later[1], changed[1])


# -- the bundle ------------------------------------------------------------------------------


def test_licences_from_the_fonts_own_texts():
    def licence(path):
        return bundle_fonts.licence_of(fonts.read_facts(str(path), licence=True)["licence"])

    assert licence(LIBERATION) == "OFL"
    assert licence(INCONSOLATA) == "OFL"
    assert licence(mpl_data() / "fonts" / "ttf" / "DejaVuSans.ttf") == "Bitstream-Vera"
    assert licence(mpl_data() / "fonts" / "ttf" / "cmr10.ttf") is None  # says none
    liberation_1 = (
        "Licensed under the Liberation Fonts license, see "
        "https://fedoraproject.org/wiki/Licensing/LiberationFontLicense"
    )
    assert bundle_fonts.licence_of(liberation_1) == "GPL-2.0-with-font-exception"
    assert bundle_fonts.licence_of("Copyright (c) Monotype. All rights reserved.") is None


def font_run(**fields):
    font = dict({"where": "system"}, **fields)
    return {
        "fonts": {
            "opened": [font],
            "matplotlib": [
                {
                    "family": "sans-serif",
                    "name": font["name"],
                    "where": font["where"],
                    "file": font["file"],
                }
            ],
        }
    }


def test_the_plan_carries_shareable_fonts_and_names_the_others(tmp_path):
    system = tmp_path / "system"
    system.mkdir()
    shutil.copy(str(INCONSOLATA), str(system / INCONSOLATA.name))
    shutil.copy(str(mpl_data() / "fonts" / "ttf" / "cmr10.ttf"), str(system / "cmr10.ttf"))
    project = tmp_path / "project"
    (project / "fonts").mkdir(parents=True)
    shutil.copy(str(LIBERATION), str(project / "fonts" / LIBERATION.name))
    runs = [
        font_run(name="Inconsolata", file="Inconsolata.otf", sha256=sha(INCONSOLATA)),
        font_run(name="cmr10", file="cmr10.ttf"),
        font_run(name="Arial", file="Arial.ttf", sha256="0" * 64),
        font_run(
            name="Liberation Sans",
            file=LIBERATION.name,
            where="notebook",
            path="fonts/" + LIBERATION.name,
            sha256=sha(LIBERATION),
        ),
        font_run(name="Sneaky", file="x.ttf", where="notebook", path="../system/cmr10.ttf"),
        font_run(name="Script", file="run.sh", where="notebook", path="run.sh"),
        font_run(name="Key", file="id", where="environment", path="../../etc/passwd"),
        font_run(name="DejaVu Sans", file="DejaVuSans.ttf", where="matplotlib"),
    ]
    (project / "run.sh").write_text("echo hostile\n")
    result = bundle_fonts.plan(runs, project, search=[system], taken={"run.sh"})
    status = {e["font"]["name"]: (e["status"], e.get("file"), e.get("why")) for e in result.fonts}
    assert status["Inconsolata"] == ("carried", "nbrepro-fonts/Inconsolata.otf", None)
    assert status["cmr10"][:2] == ("not carried", None)
    assert "licence" in status["cmr10"][2]
    assert status["Arial"] == ("not carried", None, "this machine has no such file")
    assert status["Liberation Sans"] == ("notebook", "fonts/" + LIBERATION.name, None)
    assert status["Sneaky"][0] == "not carried"
    assert status["Script"] == ("not carried", None, "its path is another file of the bundle")
    assert status["Key"][0] == "not carried"
    assert "run.sh" not in result.files
    assert status["DejaVu Sans"] == ("matplotlib", None, None)
    assert result.files["nbrepro-fonts/Inconsolata.otf"] == INCONSOLATA.read_bytes()
    assert result.files["fonts/" + LIBERATION.name] == LIBERATION.read_bytes()
    assert result.inputs == ["fonts/" + LIBERATION.name]
    spec = json.loads(result.files[bundle_fonts.SPEC])
    assert [f["file"] for f in spec["carried"]] == [
        "nbrepro-fonts/Inconsolata.otf",
        "fonts/" + LIBERATION.name,
    ]
    assert [f["name"] for f in spec["system"]] == ["cmr10", "Arial", "Sneaky", "Script", "Key"]
    assert result.files[bundle_fonts.SCRIPT] == bundle_fonts.TEMPLATE.read_bytes()
    assert result.rc.splitlines()[-2:] == [
        "font.family: sans-serif",
        "font.sans-serif: Inconsolata, DejaVu Sans",
    ]
    # Without the notebook's folder nothing is read from this machine.
    assert all(e["status"] in ("matplotlib", "not carried") for e in bundle_fonts.plan(runs).fonts)


def test_matplotlibrc_holds_only_names_it_can_hold():
    hostile = [
        {"family": "sans-serif\nbackend: evil", "name": "X"},
        {"family": "serif", "name": "Evil # comment\nsavefig.directory: /"},
        {"family": "monospace", "name": "Inconsolata"},
    ]
    text = bundle_fonts.matplotlibrc(hostile)
    assert "evil" not in text.lower()
    assert text.splitlines()[-2:] == [
        "font.family: serif, monospace",
        "font.monospace: Inconsolata, DejaVu Sans Mono",
    ]
    assert bundle_fonts.matplotlibrc([{"family": "a\nb"}]) is None


def test_preflight_names_uncarried_fonts_this_machine_lacks(tmp_path, monkeypatch):
    folder = tmp_path / "bundle"
    (folder / "nbrepro-fonts").mkdir(parents=True)
    spec = {
        "nbrepro_fonts": 1,
        "carried": [],
        "system": [
            {"name": "Inconsolata", "file": "Inconsolata.otf", "why": "x"},
            {
                "name": "No Such Font",
                "file": "n.ttf",
                "why": "its licence is not one that lets anyone share it",
            },
        ],
    }
    (folder / "nbrepro-fonts" / "fonts.json").write_text(json.dumps(spec))
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    shutil.copy(str(INCONSOLATA), str(fonts_dir / INCONSOLATA.name))
    monkeypatch.setattr(bundle_fonts, "font_folders", lambda: [fonts_dir])
    assert bundle_fonts.preflight(folder) == [
        "font No Such Font is not installed here, and the bundle does not carry it (its licence "
        "is not one that lets anyone share it): figures drawn with it will differ"
    ]
    assert bundle_fonts.preflight(tmp_path / "no-bundle") == []
    check = bundle_fonts.fonts_check(folder)
    assert (check["check"], check["verdict"]) == ("fonts", "unknown")
    assert "No Such Font" in check["reason"]
    assert bundle_fonts.fonts_check(tmp_path / "no-bundle") is None


def test_run_sh_and_the_dockerfile_run_the_font_list_step(tmp_path):
    plan = {"kind": "pip", "script": "nb.py", "notebook": "nb.ipynb", "python": "3.11"}
    plain = recipes.run_sh(plan)
    with_fonts = recipes.run_sh(dict(plan, fonts=True))
    assert "fontlist.py" not in plain and "MPLCONFIGDIR" not in plain
    start = with_fonts.index("\n# Fonts:")
    step = with_fonts[start : with_fonts.index("\n# With --verify", start)]
    assert with_fonts.replace(step, "") == plain  # the step alone, before verify and the script
    assert "export MPLCONFIGDIR=$bundle_dir/.matplotlib\n" in step
    assert '  "$python" "$script_dir/nbrepro-fonts/fontlist.py" ||' in step
    (tmp_path / "run.sh").write_text(with_fonts)
    assert subprocess.run(["bash", "-n", str(tmp_path / "run.sh")]).returncode == 0
    docker = recipes.dockerfile(dict(plan, fonts=True, matplotlibrc=True))
    lines = docker.splitlines()
    at = lines.index("RUN python nbrepro-fonts/fontlist.py")
    assert 'COPY --chown=$MAMBA_USER:$MAMBA_USER ["matplotlibrc", "./"]' in lines[:at]
    assert "ENV MPLCONFIGDIR=%s/.matplotlib" % recipes.WORKDIR in lines[:at]
    assert at < lines.index('CMD ["python", "nb.py"]')
    # A notebook in its project's folder: the fonts sit beside its script (issue 21).
    nested = dict(plan, script="notebooks/nb.py", notebook="notebooks/nb.ipynb")
    lines = recipes.dockerfile(dict(nested, fonts=True, matplotlibrc=True)).splitlines()
    at = lines.index("RUN python notebooks/nbrepro-fonts/fontlist.py")
    assert (
        'COPY --chown=$MAMBA_USER:$MAMBA_USER ["notebooks/matplotlibrc", "./notebooks/"]'
        in lines[:at]
    )
    assert lines[-2:] == ["WORKDIR %s/notebooks" % recipes.WORKDIR, 'CMD ["python", "nb.py"]']


def test_the_script_runs_the_font_list_step_first():
    records = [resolved("DejaVu Sans", "matplotlib")]
    top = preamble.build(records, lambda name: name, True)
    text = "\n".join(top.lines)
    assert (
        "nbrepro-fonts" in text and 'run_path(_nbrepro_fonts, run_name="nbrepro_fontlist")' in text
    )
    assert "fontlist" not in "\n".join(preamble.build([{}], lambda name: name, True).lines)


FONT_CACHE = r"""
import json, sys
import matplotlib.font_manager as fm
print(json.dumps(sorted(set(e.name for e in fm.fontManager.ttflist))))
"""


def test_the_font_list_step_keeps_only_the_recorded_fonts(tmp_path):
    """templates/fontlist.py run for real: Matplotlib's own fonts, the carried ones and the
    uncarried ones the notebook named, none of the machine's others."""
    pytest.importorskip("matplotlib")
    bundle = tmp_path / "bundle"
    (bundle / "nbrepro-fonts").mkdir(parents=True)
    shutil.copy(str(bundle_fonts.TEMPLATE), str(bundle / "nbrepro-fonts" / "fontlist.py"))
    shutil.copy(str(INCONSOLATA), str(bundle / "nbrepro-fonts" / INCONSOLATA.name))
    home = tmp_path / "home"
    (home / ".local" / "share" / "fonts").mkdir(parents=True)
    shutil.copy(str(LIBERATION), str(home / ".local" / "share" / "fonts" / LIBERATION.name))
    spec = {
        "nbrepro_fonts": 1,
        "carried": [
            {
                "file": "nbrepro-fonts/Inconsolata.otf",
                "name": "Inconsolata",
                "sha256": sha(INCONSOLATA),
            }
        ],
        "system": [{"name": "No Such Font", "file": "n.ttf", "why": "not found"}],
    }
    (bundle / "nbrepro-fonts" / "fonts.json").write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "NBREPRO_FONTS")}
    env["HOME"] = str(home)
    step = [sys.executable, str(bundle / "nbrepro-fonts" / "fontlist.py")]
    first = subprocess.run(step, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "MISSING: No Such Font (not found)" in first.stderr
    assert "1 carried" in first.stderr
    cache_env = dict(env, MPLCONFIGDIR=str(bundle / ".matplotlib"))
    names = json.loads(
        subprocess.run(
            [sys.executable, "-c", FONT_CACHE], env=cache_env, capture_output=True, text=True
        ).stdout
    )
    assert "Inconsolata" in names and "DejaVu Sans" in names
    assert "Liberation Sans" not in names  # the machine's (here: the user's) other fonts
    again = subprocess.run(step, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and again.stderr == ""  # written once per machine
    off = subprocess.run(
        step, env=dict(env, NBREPRO_FONTS="system"), capture_output=True, text=True
    )
    assert "NBREPRO_FONTS=system" in off.stderr
    (bundle / "nbrepro-fonts" / INCONSOLATA.name).write_bytes(LIBERATION.read_bytes())
    (bundle / ".matplotlib" / "nbrepro-fonts.stamp").unlink()
    changed = subprocess.run(step, env=env, capture_output=True, text=True, timeout=300)
    assert "CHANGED: nbrepro-fonts/Inconsolata.otf" in changed.stderr
