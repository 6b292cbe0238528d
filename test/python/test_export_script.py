"""The notebook-to-script converter: every translation is run for real.

Each test converts a notebook, writes the script and runs it with this
interpreter in a temporary folder, then looks at what it did.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from nbrepro.export import script


def notebook(*cells):
    """Cells as code sources, or (kind, source) / (source, tags) pairs."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, tuple) and cell[0] in ("markdown", "raw"):
            maker = getattr(nbformat.v4, "new_%s_cell" % cell[0])
            nb.cells.append(maker(cell[1]))
        elif isinstance(cell, tuple):
            nb.cells.append(nbformat.v4.new_code_cell(cell[0], metadata={"tags": cell[1]}))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(cell))
    return nb


def run_script(conversion, folder, *args, env=None):
    path = folder / "nb.py"
    path.write_text(conversion.text, encoding="utf-8")
    compile(conversion.text, "nb.py", "exec")
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, str(path), *args],
        cwd=str(folder),
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def entries(conversion, action):
    return [(r["cell"], r["line"], r["source"]) for r in conversion.report if r["action"] == action]


@pytest.fixture(autouse=True)
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


def test_translated_magics_have_their_effects(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    nb = notebook(
        "%%writefile data.txt\nline one\n{not interpolated} $x\n",
        "%%writefile -a data.txt\nmore\n",
        '%%writefile helper.py\nimport sys\nprint("argv", sys.argv[1:])\nresult = 42\n',
        "%run helper.py a 'b c'\nprint('result', result)",
        'name = "world"\n!echo hi {name} $name $$HOME {len(name)}',
        "!echo shell sees $HOME",
        "lines = !printf 'a\\nb\\n'\nprint(lines)",
        "%%bash\necho from bash $((1 + 2))",
        "%time total = sum(range(5))\nprint('total', total)",
        "%env GREETING=hello\nimport os\nprint('environ', os.environ['GREETING'])",
        "value = %env GREETING\nprint('value', value)",
        "if True:\n    %env INDENTED there\n",
        "os.makedirs('sub', exist_ok=True)\n%cd sub\nprint('cwd', os.path.basename(os.getcwd()))",
        "%matplotlib inline\n{'shown': 1}",
        "'hidden';",
        "from time import time\nt = time()\n%time total = 3",
    )
    conversion = script.convert(nb, name="nb")
    result = run_script(conversion, tmp_path, env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()

    assert (tmp_path / "data.txt").read_text() == "line one\n{not interpolated} $x\nmore\n"
    assert "Writing data.txt" in out and "Appending to data.txt" in out
    assert "argv ['a', 'b c']" in out and "result 42" in out
    assert "hi world world %s 5" % home in out
    assert "shell sees %s" % home in out
    assert "['a', 'b']" in out
    assert "from bash 3" in out
    assert "total 10" in out and any(line.startswith("Wall time: ") for line in out)
    assert "env: GREETING=hello" in out and "environ hello" in out and "value hello" in out
    assert "env: INDENTED=there" in out
    assert (tmp_path / "sub").is_dir() and "cwd sub" in out
    assert str(tmp_path / "sub") in out  # %cd prints the new folder, as IPython does
    assert "{'shown': 1}" in out and "'hidden'" not in out
    # `from time import time` in the notebook: the script's own module gets another name.
    assert "import time as _nbrepro_time" in conversion.text
    assert conversion.env == {} and conversion.installs["pip"] == []
    assert entries(conversion, "untranslated") == []
    assert {r["action"] for r in conversion.report} == {"translated"}


def test_report_lists_what_is_not_translated(tmp_path):
    nb = notebook(
        ("markdown", "# Title"),
        "%load_ext sql\n%sql SELECT 1\nx = 1",
        "%%R\nplot(1:10)",
        "%who\n%config InlineBackend.figure_format = 'retina'\n%load_ext autoreload\n%autoreload 2",
        "%run -i other.py\n%run analysis.ipynb\nobj = 3\nobj?",
        "%timeit sum(range(10))\nprint('x', x)",
    )
    conversion = script.convert(nb, name="nb")
    assert entries(conversion, "untranslated") == [
        (2, 1, "%load_ext sql"),
        (2, 2, "%sql SELECT 1"),
        (3, 1, "%%R"),
        (5, 1, "%run -i other.py"),
        (5, 2, "%run analysis.ipynb"),
    ]
    assert [(c, line) for c, line, _ in entries(conversion, "dropped")] == [
        (4, 1),
        (4, 2),
        (4, 3),
        (4, 4),
        (5, 4),
        (6, 1),
    ]
    text = conversion.text
    assert "# nbrepro: untranslated: %sql SELECT 1" in text
    assert "# nbrepro: untranslated: %%R\n# plot(1:10)" in text
    assert all(
        r["note"] and r["note"].endswith(tuple("abcdefghijklmnopqrstuvwxyz)"))
        for r in conversion.report
    )
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "x 1\n"


def test_installs_move_to_the_environment_files(tmp_path):
    nb = notebook(
        "%pip install numpy==2.0 -q",
        "!pip install 'pandas>=2' requests --upgrade > /dev/null",
        "import sys\n!{sys.executable} -m pip install rich",
        "%conda install -c conda-forge -y scipy=1.11 'zlib>=1.2'",
        "!mamba install --channel bioconda samtools",
        "%pip install -r requirements.txt",
        "%pip install numpy>=2",
        "%pip list",
        "print('ran')",
    )
    conversion = script.convert(nb, name="nb")
    assert conversion.installs == {
        "pip": ["numpy==2.0", "pandas>=2", "requests", "rich"],
        "conda": ["scipy=1.11", "zlib>=1.2", "samtools"],
        "conda_channels": ["conda-forge", "bioconda"],
    }
    assert [c for c, _, _ in entries(conversion, "moved")] == [1, 2, 3, 4, 5]
    assert [c for c, _, _ in entries(conversion, "untranslated")] == [6, 7]
    assert [c for c, _, _ in entries(conversion, "dropped")] == [8]
    code = [line for line in conversion.text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if "install" in line]
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran\n"


NASTY = [
    "def broken(:\n    pass",
    "%who\n%config Completer.use_jedi = False",
    's = "héllo ☃ \U0001f600"\nprint(s)',
    ("markdown", "A \"\"\" quote\nand \\ a backslash ''' and\r\na carriage return\ra"),
    "x = 1\n# %% not a cell marker\nprint('x', x)",
    ("raw", 'raw text """\n%%bash'),
    "import asyncio\nawait asyncio.sleep(0)",
    "null = 1\0",
    "if True:\n    %who\nelse:\n    !true",
    "from __future__ import annotations\ndef f(a: Undefined) -> None: pass",
    "for name in get_ipython().getoutput('echo one'):\n    print('loop', name)",
    "get_ipython().run_line_magic(compute(), '')",
    "   indented = 1\n   print('indented', indented)",
    "%%time\n\n",
    "",
    "%%writefile\nno name",
    "x = 1; get_ipython().system('echo shared')",
]


def test_nasty_cells_compile_and_run(tmp_path):
    nb = notebook(*NASTY)
    nb.cells.append({"cell_type": "code", "source": None, "metadata": {}})
    nb.cells.append({"cell_type": "code", "source": ["print(", "'list source')"], "metadata": []})
    nb.cells.append("not a cell")
    conversion = script.convert(nb, name="nasty")
    compile(conversion.text, "nasty.py", "exec")
    text = conversion.text
    assert text.startswith("#!/usr/bin/env python3\n") and text.endswith("\n")
    assert text.index("from __future__ import annotations") < text.index("\nimport ")
    untranslated = entries(conversion, "untranslated")
    assert (1, 1, "def broken(:") in untranslated  # the syntax error, at its line
    assert (7, 2, "await asyncio.sleep(0)") in untranslated
    assert [
        r["cell"] for r in conversion.report if r["action"] == "dropped" and r["line"] == 0
    ] == [
        len(NASTY) + 1,
        len(NASTY) + 3,
    ]
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert "héllo ☃ \U0001f600" in out and "x 1" in out and "loop one" in out
    assert "indented 1" in out and "list source" in out
    assert "shared" not in result.stdout  # a magic sharing its line is commented out

    assert script.convert({"cells": "nope"}).text.startswith("#!")
    compile(script.convert([], name="x\ny").text, "x.py", "exec")


def test_parameters_become_command_line_options(tmp_path):
    nb = notebook(
        (
            'alpha = 0.5\nlabel = "run"\nverbose = False\nlayers = [1, 2]\nlearning_rate = 0.1\n'
            "steps: int = 3\nscale = alpha * 2",
            ["parameters"],
        ),
        "print(alpha, label, verbose, layers, learning_rate, steps, scale)",
    )
    conversion = script.convert(nb, name="nb")
    assert conversion.parameters == [
        {"name": "alpha", "default": "0.5", "value": 0.5, "type": "float"},
        {"name": "label", "default": "'run'", "value": "run", "type": "str"},
        {"name": "verbose", "default": "False", "value": False, "type": "bool"},
        {"name": "layers", "default": "[1, 2]", "value": [1, 2], "type": "literal"},
        {"name": "learning_rate", "default": "0.1", "value": 0.1, "type": "float"},
        {"name": "steps", "default": "3", "value": 3, "type": "int"},
    ]
    assert entries(conversion, "untranslated") == [(1, 7, "scale = alpha * 2")]
    assert '# %% tags=["parameters"]' in conversion.text

    plain = run_script(conversion, tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == "0.5 run False [1, 2] 0.1 3 1.0\n"

    args = ["--alpha", "0.25", "--label", "x y", "--verbose", "yes", "--layers", "[3]"]
    given = run_script(conversion, tmp_path, *args, "--learning-rate", "2", "--steps", "7")
    assert given.returncode == 0, given.stderr
    # As with papermill, the cell itself runs with the defaults (scale), then the options apply.
    assert given.stdout == "0.25 x y True [3] 2.0 7 1.0\n"

    helped = run_script(conversion, tmp_path, "--help")
    assert helped.returncode == 0
    for expected in ("--alpha FLOAT", "default: 0.5", "--learning-rate", "default: [1, 2]"):
        assert expected in helped.stdout

    for bad in (["--alpha", "abc"], ["--verbose", "maybe"], ["--layers", "[1,"], ["--nope", "1"]):
        failed = run_script(conversion, tmp_path, *bad)
        assert failed.returncode == 2, bad
        assert bad[0] in failed.stderr or "unrecognized" in failed.stderr


def test_conversion_is_deterministic_and_fast():
    cells = []
    for i in range(50):
        cells += [
            ("markdown", "## Step %d" % i),
            "x%d = %d\n!echo {x%d}\nfiles = !ls" % (i, i, i),
            "%%time\ny = x%d * 2\ny" % i,
            "import numpy as np\nnp.arange(%d).sum()" % i,
        ]
    nb = notebook(*cells)
    started = time.perf_counter()
    first = script.convert(nb, name="big")
    elapsed = time.perf_counter() - started
    print("converted 200 cells in %.0f ms" % (elapsed * 1000))
    assert elapsed < 10  # a loose bound; the printed time is the measurement
    assert script.convert(nb, name="big").text == first.text
    compile(first.text, "big.py", "exec")


# -- real runs: seeds and determinism ---------------------------------------------------


def recorded_in(record, tmp_path, cells):
    """The notebook of ``cells`` as ``nbrepro run`` recorded it (the record fixture)."""
    path = record(
        notebook(*cells).cells,
        metadata={"kernelspec": None},
        name="recorded.ipynb",
        args=("--timeout", "120"),
        into=tmp_path,
    )
    return nbformat.read(str(path), as_version=4)


def outputs(nb):
    return "".join(
        "".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )


@pytest.mark.kernel
def test_seeded_numpy_notebook_prints_the_same_numbers(record, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    recorded = recorded_in(
        record,
        tmp_path,
        [
            "import random\nimport numpy as np\nrandom.seed(1234)\nnp.random.seed(99)",
            "print(random.random(), np.random.rand(), hash('text'))",
        ],
    )
    conversion = script.convert(recorded, recorded.metadata.nbrepro.runs, name="recorded")
    assert conversion.env == {"OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    assert "The cells seed random themselves (random.seed)." in conversion.preamble
    assert "The cells seed numpy themselves (numpy.random.seed)." in conversion.preamble
    assert "torch" not in conversion.text and "tensorflow" not in conversion.text
    assert 'os.environ.setdefault("OMP_NUM_THREADS", "1")' in conversion.text
    monkeypatch.delenv("OMP_NUM_THREADS")
    result = run_script(conversion, tmp_path, env=conversion.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == outputs(recorded)


@pytest.mark.kernel
def test_torch_determinism_and_recovered_seed_are_applied(record, tmp_path):
    pytest.importorskip("torch")
    recorded = recorded_in(
        record,
        tmp_path,
        [
            "import torch\ntorch.use_deterministic_algorithms(True)",
            "print(torch.rand(3).tolist())",  # torch is never seeded by the cells
        ],
    )
    # Keep the records but drop the call: only the preamble can switch determinism on.
    recorded.cells[0].source = "import torch"
    recorded.cells[1].source += "\nprint(torch.are_deterministic_algorithms_enabled())"
    conversion = script.convert(recorded, recorded.metadata.nbrepro.runs, name="recorded")
    runs = recorded.metadata.nbrepro.runs
    seed = runs[recorded.cells[0].metadata.nbrepro.run]["seeds"]["recovered"]["torch.initial_seed"]
    assert "_nbrepro_torch.use_deterministic_algorithms(True)" in conversion.text
    assert "_nbrepro_torch.manual_seed(%s)" % seed in conversion.text
    assert any("torch is seeded with" in s for s in conversion.preamble)
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == outputs(recorded) + "True\n"


# -- issue 14: the display hook, futures, output history, %run, %prun -------------------


def test_bare_tuples_show_like_the_display_hook(tmp_path):
    nb = notebook("a = 1\na, a + 1", "a,", "*[a, 2], 3", "b = [4]\n(a), *b")
    conversion = script.convert(nb, name="nb")
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "(1, 2)\n(1,)\n(1, 2, 3)\n(1, 4)\n"


def test_future_import_in_a_cell_magic_body_compiles(tmp_path):
    nb = notebook(
        "%%capture\nfrom __future__ import annotations\ndef f(x: Undefined) -> None: pass\n"
        "print('body ran')",
        "%%time\nfrom __future__ import annotations\nprint('timed ran')",
    )
    conversion = script.convert(nb, name="nb")
    assert entries(conversion, "untranslated") == []
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "body ran" in result.stdout and "timed ran" in result.stdout
    assert conversion.text.count("from __future__ import annotations") == 1 + 2  # top + notes


def test_output_history_is_kept_by_the_script(tmp_path):
    nb = notebook(
        "10",
        "20",
        "print(_, __)",
        "30;",
        "print(_, _1, _2, Out[2], sorted(Out))",
        "_i, _ii, _i1, In[2]",
        "x = _ * 2\nx",
        "for _ in range(2): pass\n40",
        "print(_)",
    )
    conversion = script.convert(nb, name="nb")
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "10",
        "20",
        "20 10",
        "20 10 20 20 [1, 2]",
        "('print(_, _1, _2, Out[2], sorted(Out))', '30;', '10', '20')",
        # The cell that displayed the tuple set _ to it; x is that tuple twice.
        "('print(_, _1, _2, Out[2], sorted(Out))',",
        " '30;',",
        " '10',",
        " '20',",
        " 'print(_, _1, _2, Out[2], sorted(Out))',",
        " '30;',",
        " '10',",
        " '20')",
        "40",
        # The loop bound _ itself: IPython stops updating it, as the script does.
        "1",
    ]


def test_run_without_extension_and_prun_show_like_ipython(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 7\n", encoding="utf-8")
    nb = notebook(
        "%run helper\nprint('value', VALUE)",
        "def f(x):\n    return x * 2",
        "%prun f(3)",
        "%prun -q f(3)",
    )
    conversion = script.convert(nb, name="nb")
    assert [source for _, _, source in entries(conversion, "untranslated")] == ["%prun -q f(3)"]
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "value 7\n"


# -- parameters, papermill's way ----------------------------------------------------

# Texts whose typing differs between int, float, bool, None and str.
PAPERMILL_VALUES = ["2", "-3", "0.25", "1e3", "True", "False", "None", "abc", "nan", "inf",
                    "1_000", " 7", "0x10", "true", "2.0"]  # fmt: skip


def papermill_notebook():
    names = ["v%d" % i for i in range(len(PAPERMILL_VALUES))]
    shown = ", ".join("repr(%s)" % n for n in ["alpha", "steps", "label"] + names)
    return notebook(
        ("alpha = 1\nsteps = 3\nlabel = 'run'\n" + "".join("%s = 'x'\n" % n for n in names),
         ["parameters"]),
        "print(%s)" % shown,
    )  # fmt: skip


@pytest.mark.kernel
def test_the_script_takes_papermills_p_and_r_and_types_p_as_papermill_does(tmp_path):
    """The same -p/-r arguments given to real papermill and to the exported
    script set the same values (compared by repr, so the types too)."""
    pytest.importorskip("papermill")
    nb = papermill_notebook()
    nbformat.write(nb, str(tmp_path / "in.ipynb"))
    argv = ["-p", "steps", "5", "-r", "label", "42"]
    for i, text in enumerate(PAPERMILL_VALUES):
        argv += ["-p", "v%d" % i, text]
    papermill = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), "in.ipynb", "out.ipynb",
         "-k", "python3", "--language", "python", *argv],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=180,
        env=dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython")),
    )  # fmt: skip
    assert papermill.returncode == 0, papermill.stderr
    out = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    expected = "".join(out.cells[-1].outputs[0]["text"])
    assert expected.startswith("1 5 '42' 2 -3 0.25 1000.0 True False None 'abc' nan inf 1000 7 ")

    conversion = script.convert(nb, name="nb")
    ran = run_script(conversion, tmp_path, *argv)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == expected
    # the script carries its own copy of the typing: nbrepro's matches it too
    from nbrepro.record.parameters import resolve_type

    assert expected.split()[3:] == [
        "nan" if v != v else repr(v) for v in map(resolve_type, PAPERMILL_VALUES)
    ]  # fmt: skip


@pytest.mark.kernel
def test_the_script_reads_f_and_y_as_papermill_does(tmp_path):
    """-f FILE and -y YAML given to real papermill and to the exported script set the
    same values: dates stay text, lists and mappings come through, and the order is
    papermill's (-f, then -y, then -p, then -r, a later one winning)."""
    pytest.importorskip("papermill")
    nb = papermill_notebook()
    nbformat.write(nb, str(tmp_path / "in.ipynb"))
    (tmp_path / "a.yaml").write_text(
        "alpha: 2026-01-01\nsteps: [1, 2.5, null]\nlabel: {k: 'v', n: 3}\n"
        "v0: yes\nv1: 0o17\nv2: .inf\nv3: 'quoted'\nv4: x\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text("v4: second file\nv5: 12:30\n", encoding="utf-8")
    argv = ["-f", "a.yaml", "-f", "b.yml", "-y", "v5: from -y\nv6: [a, b]", "-y", "v7: 1e3",
            "-p", "v6", "7", "-r", "v7", "raw", "-p", "v8", "True"]  # fmt: skip
    papermill = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), "in.ipynb", "out.ipynb",
         "-k", "python3", "--language", "python", *argv],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=180,
        env=dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython")),
    )  # fmt: skip
    assert papermill.returncode == 0, papermill.stderr
    out = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    expected = "".join(out.cells[-1].outputs[0]["text"])
    assert expected == (
        "'2026-01-01' [1, 2.5, None] {'k': 'v', 'n': 3} True '0o17' inf 'quoted' "
        "'second file' 'from -y' 7 'raw' True 'x' 'x' 'x' 'x' 'x' 'x'\n"
    ), expected

    ran = run_script(script.convert(nb, name="nb"), tmp_path, *argv)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == expected


def test_f_and_y_mistakes_are_usage_errors(tmp_path):
    conversion = script.convert(papermill_notebook(), name="nb")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("alpha: [1\n", encoding="utf-8")
    (tmp_path / "nope.yaml").write_text("nope: 1\n", encoding="utf-8")
    for bad, message in (
        (["-f", "missing.yaml"], "-f missing.yaml: [Errno 2]"),
        (["-f", "list.yaml"], "-f list.yaml must hold a mapping of parameter names to values"),
        (["-f", "bad.yaml"], "-f bad.yaml is not valid YAML"),
        (["-f", "nope.yaml"], "-f nope.yaml nope: no such parameter"),
        (["-y", "[1"], "is not valid YAML"),
    ):
        ran = run_script(conversion, tmp_path, *bad)
        assert ran.returncode == 2, (bad, ran.stderr)
        assert message in ran.stderr and "Traceback" not in ran.stderr, (bad, ran.stderr)
    # where the script runs without PyYAML (-S: no site-packages), -y says so
    bare = subprocess.run([sys.executable, "-S", str(tmp_path / "nb.py"), "-y", "alpha: 2"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bare.returncode == 2 and "YAML parameters need PyYAML" in bare.stderr, bare.stderr
    helped = run_script(conversion, tmp_path, "--help")
    assert "-f FILE, --parameters_file FILE" in helped.stdout
    assert "-y YAML, --parameters_yaml YAML" in helped.stdout


def test_options_keep_the_defaults_type_and_papermill_forms_mix_with_them(tmp_path):
    conversion = script.convert(papermill_notebook(), name="nb")
    rest = " ".join(["'x'"] * len(PAPERMILL_VALUES))
    cases = [
        ([], "1 3 'run' " + rest),
        (["--alpha", "2", "--steps", "4"], "2 4 'run' " + rest),  # int default: stays int
        (["-p", "alpha", "2.5"], "2.5 3 'run' " + rest),  # -p: papermill's type, not the default's
        (["--parameters", "label", "None", "-r", "steps", "7"], "1 '7' None " + rest),
        # papermill's order: -r after -p, whatever the order on the line
        (["-r", "alpha", "8", "-p", "alpha", "9", "--label", "y"], "'8' 3 'y' " + rest),
    ]
    for args, printed in cases:
        ran = run_script(conversion, tmp_path, *args)
        assert ran.returncode == 0, (args, ran.stderr)
        assert ran.stdout == printed + "\n", args
    for bad, message in (
        (["-p", "nope", "1"], "-p nope: no such parameter (the parameters are: alpha, label"),
        (["-r", "Alpha", "1"], "-r Alpha: no such parameter"),
        (["-p", "alpha"], "expected 2 arguments"),
        (["--alpha", "2.5"], "invalid int value"),
    ):
        ran = run_script(conversion, tmp_path, *bad)
        assert ran.returncode == 2, bad
        assert message in ran.stderr, (bad, ran.stderr)
    helped = run_script(conversion, tmp_path, "--help")
    assert "-p NAME VALUE, --parameters NAME VALUE" in helped.stdout
    assert "papermill's -p NAME VALUE" in conversion.text.splitlines()[2]


def test_a_parameter_named_parameters_keeps_its_option():
    nb = notebook(("parameters = 1\nparameters_raw = 2", ["parameters"]), "print(parameters)")
    text = script.convert(nb, name="nb").text
    assert '_nbrepro_parser.add_argument("-p", dest="_nbrepro_p"' in text
    assert '_nbrepro_parser.add_argument("-r", dest="_nbrepro_r"' in text
    assert '"--parameters", dest="parameters"' in text


def test_figures_close_after_each_cell_when_a_helper_module_plots(tmp_path):
    """The inline backend closes a cell's figures whoever imported pyplot; the
    recording shows matplotlib loaded by a helper module (issue 21)."""
    (tmp_path / "plots.py").write_text(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n\n"
        "def line():\n    plt.plot([1, 2, 3])\n\n"
        "def open_figures():\n    return len(plt.get_fignums())\n",
        encoding="utf-8",
    )
    nb = notebook("import plots\nplots.line()", "print(plots.open_figures())")
    runs = {"0123456789abcdef": {"modules": {"plots": None}, "needed": ["matplotlib", "numpy"]}}
    done = run_script(script.convert(nb, runs), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0"  # what the notebook printed


def _ran(nb, counts, errors):
    """``nb`` as a recording left it: execution counts, and error outputs for ``errors``
    ({cell position: exception name})."""
    for position, (cell, count) in enumerate(zip(nb.cells, counts)):
        cell.execution_count = count
        if position in errors:
            cell.outputs = [
                nbformat.v4.new_output(
                    "error", ename=errors[position], evalue="x", traceback=["..."]
                )
            ]
    return nb


def test_the_script_runs_on_past_the_errors_the_recording_ran_on_past(tmp_path):
    """A recording made with --allow-errors (a teaching notebook): the script shows
    the same exception and goes on, as the recording did, so `./run.sh --verify`
    tells the truth about it; another exception, or one where the recording
    stopped, still stops the script."""
    nb = _ran(
        notebook(
            "a = 1",
            "def half(x):\n    return x / 0\nb = '''two\n  lines'''\nhalf(a)",
            ("raise KeyError('meant')", ["raises-exception"]),
            "print(a + 1, b.split())",
        ),
        [1, 2, 3, 4],
        {1: "ZeroDivisionError", 2: "KeyError"},
    )
    conversion = script.convert(nb)
    result = run_script(conversion, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 ['two', 'lines']\n"  # the string inside the cell kept its text
    assert "ZeroDivisionError: division by zero" in result.stderr  # shown as Jupyter shows it
    assert (
        "cell 2 raised ZeroDivisionError, as it did in the recording, which ran on past it"
        in result.stderr
    )
    assert "cell 3 raised KeyError, as it did" in result.stderr

    # Another exception than the recording's stops the script, as it would the notebook.
    nb.cells[1].source = "half = None\nhalf(a)"
    result = run_script(script.convert(nb), tmp_path)
    assert result.returncode == 1 and "TypeError" in result.stderr, result.stderr
    assert "as it did in the recording" not in result.stderr.split("TypeError")[-1]

    # Where the recording stopped at the error, so does the script: nothing is guarded.
    stopped = _ran(notebook("a = 1", "1 / 0", "print(a)"), [1, 2, None], {1: "ZeroDivisionError"})
    text = script.convert(stopped).text
    assert "_nbrepro_went_on" not in text
    assert run_script(script.convert(stopped), tmp_path).returncode == 1


def test_an_exception_name_from_the_outputs_stays_a_value(tmp_path):
    """The exception name comes from a stranger's outputs: it is written as a string
    literal, never as code or a comment line."""
    marker = tmp_path / "ran"
    name = "X\nopen(%r, 'w').write('ran')\n#" % str(marker)
    nb = _ran(notebook("1 / 0", "print('after')"), [1, 2], {0: name})
    conversion = script.convert(nb)
    result = run_script(conversion, tmp_path)
    assert not marker.exists()
    assert result.returncode == 1  # ZeroDivisionError is not the recorded "exception"
    assert "\nopen(" not in conversion.text
