"""The script converter on generated notebooks, against a real IPython.

Hypothesis writes notebooks from the pieces that trip converters: bare and
starred tuples, walrus expressions, trailing semicolons and comments,
decorators, IPython's output and input history (``_``, ``__``, ``_i``,
``Out``, ``In``, ``_N`` through ``globals()``), names the cells bind over
the history's (``for _ in ...``); and, in a second test, magics, shell
escapes, ``from __future__`` imports, help requests and top-level ``await``.

Every script must compile. A plain-Python notebook's script must print
exactly what its cells print in an IPython ``InteractiveShell`` whose
display hook writes each shown value's ``text/plain`` (the view a notebook
keeps), with no prompt: the cells run there in order, as a fresh kernel
runs them, and the script runs in this process with ``exec``.
"""

import contextlib
import io
import os

import nbformat
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from nbrepro.export import script

SETUP = (
    "a, b, c = 1, 2.5, 's'\nlst = [1, 2]\n\ndef deco(f):\n    return f\n\ndef f():\n    return 0"
)
NAMES = ("d", "w", "x_")  # never a, b or c: the atoms compute with them

atoms = st.sampled_from(
    [
        "1",
        "-2",
        "'text'",
        "None",
        "a",
        "b",
        "c",
        "lst",
        "a + 1",
        "[a, b]",
        "{'k': a}",
        "(a, c)",
        "len(lst)",
        "(w := a + 2)",
        "f()",
        "print(a)",
        # History: each of these works in any cell, shown or not.
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_iii",
        "len(Out)",
        "sorted(Out)",
        "Out",
        "In",
        "_ih[-1]",
        "In[1]",
        "_oh.get(2)",
        "globals().get('_2')",
        "globals().get('_i3')",
    ]
)


@st.composite
def top_expressions(draw):
    """What may stand alone as a statement: an atom, or a tuple without parentheses."""
    first, second = draw(atoms), draw(atoms)
    return draw(
        st.sampled_from(
            [
                first,
                "%s, %s" % (first, second),
                "%s," % first,
                "*lst, %s" % first,
                "%s, *lst" % first,
                "(%s)" % first,
            ]
        )
    )


@st.composite
def statements(draw):
    expression = draw(top_expressions())
    return draw(
        st.sampled_from(
            [
                expression,
                "%s = %s" % (draw(st.sampled_from(NAMES)), expression),
                "print((%s))" % expression,
                "@deco\ndef g():\n    return (%s)" % expression,
                "for _ in range(2):\n    pass",
                "_ = %s" % draw(atoms),
                "if True:\n    %s" % expression,
            ]
        )
    )


@st.composite
def plain_cells(draw):
    lines = draw(st.lists(statements(), min_size=1, max_size=3))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += draw(st.sampled_from([";", "  # a comment", "; # quiet", "\n", "\n\n# end"]))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["\n", "# first\n", "\n\n"])) + text
    return text


IPYTHON_ONLY = [
    "%time a + 1",
    "%time d = a * 3",
    "%%time\nd = a\nd, a",
    "%%capture\nprint('captured')\na,",
    "%%capture\nfrom __future__ import annotations\ndef g(x: Missing) -> None: pass",
    "from __future__ import annotations\nx: Missing = 1\nx",
    "!echo shell",
    "files = !echo one two\nfiles",
    "%pwd",
    "%who",
    "%env NBREPRO_X=1",
    "%prun len(lst)",
    "%run nothere",
    "%load_ext autoreload\n%autoreload 2",
    "lst?",
    "import asyncio\nawait asyncio.sleep(0)",
    "async def g():\n    return 1",
    "%%bash\necho bash",
    "%matplotlib inline",
    "%pip install numpy",
    "%%writefile out.txt\ntext",
    "%time _",
    "%%time\n_i, Out",
]


def run_in_ipython(cells):
    """What the cells print in a fresh IPython shell, shown values as text/plain."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    hook = shell.displayhook
    hook.write_output_prompt = lambda: None
    hook.write_format_data = lambda data, metadata=None: print(data["text/plain"])
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            for cell in cells:
                result = shell.run_cell(cell, store_history=True)
                assert result.success, (cell, out.getvalue())
    finally:
        InteractiveShell.clear_instance()
    return out.getvalue()


def run_script(text):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(text, "nb.py", "exec", dont_inherit=True), {"__name__": "__main__"})
    return out.getvalue()


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


@pytest.fixture(autouse=True)
def private_ipython(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.chdir(tmp_path)


# A failure is reported as found, not shrunk: shrinking runs a shell per step and can
# take many minutes. NBREPRO_SHRINK=1 shrinks it; NBREPRO_EXAMPLES sets the number tried.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
SETTINGS = settings(
    max_examples=int(os.environ.get("NBREPRO_EXAMPLES", "200")),
    phases=PHASES + ([Phase.shrink] if os.environ.get("NBREPRO_SHRINK") == "1" else []),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(st.lists(plain_cells(), min_size=1, max_size=5))
def test_plain_cells_print_what_the_display_hook_shows(cells):
    cells = [SETUP] + cells
    conversion = script.convert(notebook(cells), name="nb")
    assert [r for r in conversion.report if r["action"] == "untranslated"] == []
    expected = run_in_ipython(cells)
    assert run_script(conversion.text) == expected


@SETTINGS
@given(
    st.lists(
        st.one_of(plain_cells(), st.sampled_from(IPYTHON_ONLY)),
        min_size=1,
        max_size=6,
    )
)
def test_every_script_compiles(cells):
    cells = [SETUP] + cells
    conversion = script.convert(notebook(cells), name="nb")
    compile(conversion.text, "nb.py", "exec", dont_inherit=True)
    for entry in conversion.report:
        assert entry["action"] in ("translated", "moved", "dropped", "untranslated")
        # Only top-level await keeps a whole cell from running as a script.
        if "is not valid Python in a script" in entry["note"]:
            assert "await" in cells[entry["cell"] - 1], entry
