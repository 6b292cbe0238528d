"""A parameters cell written by a stranger: its values reach the script, papermill
and the Snakefile as values, and none of its text becomes code.

Hypothesis writes parameters cells from the pieces that break generated files:
strings with quotes, triple quotes, newlines, carriage returns, braces, ``$``,
backslashes, ``%``, control and unprintable characters, lone surrogates and a
line of code between two triple-quoted string literals (the spelling that once
became a live line of the script's header); numbers
(infinity too), booleans, None, lists, dicts and tuples; each value spelled as
Python allows (quotes of every kind, implicit concatenation across lines,
annotations, comments after it). For each cell:

- the exported script compiles and, run with no options, its cells see the
  values the notebook's kernel computes (run in this process, ``exec``), and
  the script's parameter table holds the same values;
- options given to the script (``--name=VALUE``, papermill's ``-p``, ``-r``,
  ``-y``) reach the cells as the same values papermill itself injects: real
  papermill (``--prepare-only``) writes its injected cell, which is run;
  nbrepro's own injection (``nbrepro run -p``) gives the same values;
- the Snakefile's rule passes every value a command line can carry: its
  ``params:`` are read as Snakemake reads them (its ``apply_wildcards`` on a
  string, a function's value as it is), its ``shell:`` line formatted by
  Snakemake's own formatter and split as a POSIX shell splits it, and the
  script (``--steps script``) or papermill (``--steps papermill``) given those
  words sees the notebook's values.

CI runs 200 cases (the same ones each run) and the three kept below; more on demand,
new ones each time::

    NBREPRO_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest test/python/test_parameters_as_values.py

Measured on the 2 shared cores of the development machine (load average about 18):
the 200 cases and the kept ones in 28 s; 3,000 new cases in 549 s (77 s of CPU),
none failing.
"""

import contextlib
import io
import math
import os
import shlex
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from nbrepro.export import script
from nbrepro.integrations import snakemake as workflow
from nbrepro.record import parameters as params

papermill_cli = pytest.importorskip("papermill.cli")
snakemake_io = pytest.importorskip("snakemake.io")
snakemake_containers = pytest.importorskip("snakemake.iocontainers")
snakemake_utils = pytest.importorskip("snakemake.utils")

EXAMPLES = int(os.environ.get("NBREPRO_FUZZ_EXAMPLES", "0") or 0)
CASES = EXAMPLES or 200
NAMES = ("alpha", "query", "n_rows", "größe", "out_path", "flag", "x")
PAYLOAD = "\nraise SystemExit(13)\n#"
FRAGMENTS = [
    '"""',
    "'''",
    '"',
    "'",
    "\n",
    "\r",
    "\r\n",
    "\\",
    "\\n",
    "{",
    "}",
    "{name}",
    "{{",
    "${HOME}",
    "$(id)",
    "`id`",
    "$",
    "%",
    "%(x)s",
    "#",
    "-",
    "--x",
    " ",
    "\t",
    "\x00",
    "\x1b[31m",
    "\x07",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ud800",
    "é",
    "\U0001f600",
    PAYLOAD,
    '"""\n' + PAYLOAD,
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=6).map(
    "".join
)
finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), finite, texts)
nested = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(texts, inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
    ),
    max_leaves=6,
)
values = st.one_of(
    texts,
    texts,
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False),
    st.booleans(),
    nested,
)


# -- spelling values as a notebook author might ---------------------------------------


def _escaped(text, quote, triple):
    """``text`` for the inside of a string literal with ``quote``; real newlines
    are kept in a triple-quoted one (a carriage return would become a newline)."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == quote:
            out.append("\\" + quote)
        elif char == "\n" and triple:
            out.append("\n")
        elif char in "\n\r\x00" or 0xD800 <= ord(char) <= 0xDFFF:
            out.append("\\u%04x" % ord(char))
        else:
            out.append(char)
    return "".join(out)


def _string_literal(draw, text):
    style = draw(st.sampled_from(["repr", "single", "double", "triple", "triple1"]))
    if style == "repr":
        return repr(text)
    quote = "'" if style in ("single", "triple1") else '"'
    triple = style.startswith("triple")
    delimiter = quote * 3 if triple else quote
    return delimiter + _escaped(text, quote, triple) + delimiter


def _spell_string(draw, text):
    """A string literal, or several implicitly concatenated, maybe across lines."""
    if len(text) < 2 or not draw(st.booleans()):
        return _string_literal(draw, text)
    cut = draw(st.integers(1, len(text) - 1))
    parts = [_string_literal(draw, text[:cut]), _string_literal(draw, text[cut:])]
    if draw(st.booleans()):
        return " ".join(parts)  # the header's old weakness: """a""" """b"""
    return "(\n    %s\n    %s\n)" % tuple(parts)


def _spell(draw, value):
    if isinstance(value, str):
        return _spell_string(draw, value)
    if isinstance(value, float) and math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if isinstance(value, list):
        return "[%s]" % ", ".join(_spell(draw, item) for item in value)
    if isinstance(value, tuple):
        items = [_spell(draw, item) for item in value]
        return "(%s)" % (items[0] + "," if len(items) == 1 else ", ".join(items))
    if isinstance(value, dict):
        return "{%s}" % ", ".join(
            "%s: %s" % (_spell(draw, k), _spell(draw, v)) for k, v in value.items()
        )
    return repr(value)


def _comment(draw):
    text = draw(st.lists(st.sampled_from(['"""', "'", "{x}", "$HOME", "\\", "ok"]), max_size=3))
    return "  # " + "".join(text) if text else ""


@st.composite
def parameters_cells(draw):
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    chosen = {name: draw(values) for name in names}
    lines = []
    for name, value in chosen.items():
        note = ": object" if draw(st.booleans()) else ""
        lines.append("%s%s = %s%s" % (name, note, _spell(draw, value), _comment(draw)))
    overrides = {name: _same_kind(draw, value) for name, value in chosen.items()}
    return "\n".join(lines) + "\n", overrides


def _same_kind(draw, value):
    """Another value the script's option for this parameter takes (its type)."""
    if isinstance(value, bool):
        return draw(st.booleans())
    if isinstance(value, int):
        return draw(st.integers(-(10**30), 10**30))
    if isinstance(value, float):
        return draw(finite)
    if isinstance(value, str):
        return draw(texts)
    return draw(nested)


# -- running what was generated -------------------------------------------------------


def notebook(cell, names):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nb.cells = [
        nbformat.v4.new_code_cell(cell, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "SINK.append({%s})" % ", ".join("%r: %s" % (name, name) for name in names)
        ),
    ]
    return nb


def kernel_values(nb, names):
    """What the cells up to the last parameters cell bind, run as the kernel runs them."""
    namespace = {}
    for cell in nb.cells:
        if "SINK" in cell.source:
            break
        exec(compile(cell.source, "<cell>", "exec"), namespace)  # noqa: S102
    return {name: namespace[name] for name in names}


def run_script(text, argv):
    """The script run in this process with ``argv``; what its cells saw."""
    sink = []
    saved = sys.argv
    sys.argv = ["script.py"] + list(argv)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(text, "script.py", "exec"), {"__name__": "__main__", "SINK": sink})  # noqa: S102
    except SystemExit as stop:
        raise AssertionError("the script exited %s: %s" % (stop.code, err.getvalue())) from None
    finally:
        sys.argv = saved
    assert len(sink) == 1, out.getvalue()
    return sink[0]


def same(a, b):
    """Equal as values: -0.0 and 0.0 differ, and a tuple is no list."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def assert_same(got, wanted, where):
    for name in wanted:
        assert same(got[name], wanted[name]), "%s: %s is %r, not %r" % (
            where,
            name,
            got[name],
            wanted[name],
        )


def option_text(value, kind):
    """How a value is written after ``--name=`` (the script's option types it by
    the parameter's kind; a "literal" one reads Python's own spelling)."""
    if kind == "str":
        return value
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    return repr(value)


def _yaml_able(value):
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, str):
        return "\x00" not in value and workflow._encodable(value)
    if isinstance(value, list):
        return all(_yaml_able(item) for item in value)
    if isinstance(value, dict):
        return all(_yaml_able(k) and _yaml_able(v) for k, v in value.items())
    return False


def papermill_injects(tmp, nb, argv):
    """Real papermill's CLI on ``argv`` (its parameter options), --prepare-only:
    the values its injected cell binds."""
    source, target = tmp / "in.ipynb", tmp / "out.ipynb"
    nbformat.write(nb, str(source))
    with contextlib.redirect_stderr(io.StringIO()):
        papermill_cli.papermill.main(
            [str(source), str(target), "--prepare-only", "--cwd", str(tmp)] + list(argv),
            standalone_mode=False,
        )
    return kernel_values(nbformat.read(str(target), as_version=4), _names_of(argv))


def _names_of(argv):
    names = []
    for index, word in enumerate(argv):
        if word in ("-p", "-r"):
            names.append(argv[index + 1])
        elif word == "-y":
            names.extend(yaml.safe_load(argv[index + 1]))
    return names


# -- the Snakefile, read as Snakemake reads it -----------------------------------------


class _Bundle:
    snapshot_id = "sha256:0"


def snakefile_words(parameters, mode):
    """The rule's command words after formatting, and the parameters it passes."""
    step = workflow.Step(Path("nb.ipynb"), "nb", _Bundle(), parameters)
    step.params = list(parameters)
    step.recorded = True
    lines = workflow._rule(step, mode)
    start, end = (
        lines.index("    params:") if "    params:" in lines else None,
        lines.index("    log:"),
    )
    values = {}
    for line in lines[start + 1 : end] if start is not None else ():
        name, _, expression = line.strip().rstrip(",").partition("=")
        value = eval(expression, {"os": os})  # noqa: S307 (our own Snakefile's expression)
        wildcards = snakemake_containers.Wildcards(fromdict={})
        if callable(value):
            value = value(wildcards)
        elif isinstance(value, str):
            value = snakemake_io.apply_wildcards(value, wildcards)  # as Snakemake's params
        values[name] = value
    command = eval(lines[lines.index("    shell:") + 1].strip())  # noqa: S307
    formatted = snakemake_utils.format(
        command,
        params=snakemake_containers.Params(fromdict=values),
        log="logs/nb.log",
        output=types.SimpleNamespace(executed="executed/nb.ipynb"),
    )
    words = shlex.split(formatted)
    assert words[-2:] == ["logs/nb.log", "2>&1"] and words[-3] == ">", words
    return words[:-3], [p["name"] for p in workflow._passed(step, mode)]


# -- the property ------------------------------------------------------------------------


@settings(
    max_examples=CASES,
    deadline=None,
    derandomize=not EXAMPLES,
    database=None,
    # Each case runs papermill's CLI and the script a few times: shrinking would take
    # minutes; Hypothesis prints the failing case as generated.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=parameters_cells())
# Cases the generated ones found once, kept: argparse drops a "--" even in
# --NAME=--; Snakemake's formatter drops an empty value; a brace is a wildcard.
@example(case=("out_path = '--'  # {x}\n", {"out_path": "-`id`"}))
@example(case=("alpha = ''\n", {"alpha": "--"}))
@example(case=("query = '{sample}'\nx = (1,)\n", {"query": "", "x": {"k": [1]}}))
def test_parameters_reach_script_papermill_and_snakefile_as_values(case, tmp_path_factory):
    cell, overrides = case
    names = list(overrides)
    nb = notebook(cell, names)
    wanted = kernel_values(nb, names)

    conversion = script.convert(nb, name="nb")
    text = conversion.text
    compile(text, "script.py", "exec", dont_inherit=True)
    table = {p["name"]: p for p in conversion.parameters}
    assert list(table) == names
    assert_same({n: table[n]["value"] for n in names}, wanted, "the parameter table")
    header = [line for line in text.split("\n") if line.startswith("# Parameter ")]
    assert len(header) == len(names), header
    assert_same(run_script(text, []), wanted, "the script without options")

    # The script's own options, then papermill's, each against papermill itself.
    given_values = run_script(
        text, ["--%s=%s" % (n, option_text(v, table[n]["type"])) for n, v in overrides.items()]
    )
    assert_same(given_values, overrides, "the script given --NAME=VALUE")
    typed = {n: v for n, v in overrides.items() if isinstance(v, str) and "\x00" not in v}
    typed = {n: v for n, v in typed.items() if workflow._encodable(v)}
    yaml_given = {n: v for n, v in overrides.items() if _yaml_able(v) and n not in typed}
    argv = [w for n, v in typed.items() for w in ("-p", n, v)]
    if yaml_given:
        argv += ["-y", yaml.safe_dump(yaml_given, allow_unicode=False, sort_keys=False)]
    if argv:
        tmp = tmp_path_factory.mktemp("papermill")
        injected = papermill_injects(tmp, nb, argv)
        scripted = run_script(text, argv)
        assert_same(scripted, injected, "the script given papermill's options")
        ours, _ = params.inject(
            nbformat.from_dict(nb),
            params.collect(
                pairs=[(n, v) for n, v in typed.items()],
                yamls=[argv[-1]] if yaml_given else (),
            ),
        )
        assert_same(kernel_values(ours, list(injected)), injected, "nbrepro run -p/-y")

    # The Snakefile: its words reach the script (or papermill) as the notebook's values.
    words, passed = snakefile_words(conversion.parameters, "script")
    assert words[:2] == ["python", "steps/nb/nb.py"]
    assert_same(run_script(text, words[2:]), {n: wanted[n] for n in passed}, "the Snakefile")
    for name in set(names) - set(passed):
        assert "\x00" in wanted[name] or not workflow._encodable(wanted[name])
    words, passed = snakefile_words(conversion.parameters, "papermill")
    if passed:
        tmp = tmp_path_factory.mktemp("snakefile")
        injected = papermill_injects(tmp, nb, words[7:])
        assert_same(injected, {n: wanted[n] for n in passed}, "papermill's step")


def test_a_string_that_closes_the_header_comment_stays_a_value(tmp_path):
    """Defects 2 and 3 of issue 20, as reported: a live line between two string
    literals, and a multi-line SQL string."""
    cell = (
        'name = """x\n""" """\nopen("MARKER", "w").write("ran")\n#"""\n'
        'query = """SELECT *\nFROM t\n"""\n'
    )
    nb = notebook(cell, ["name", "query"])
    text = script.convert(nb, name="nb").text
    compile(text, "script.py", "exec", dont_inherit=True)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        seen = run_script(text, [])
    finally:
        os.chdir(cwd)
    assert not (tmp_path / "MARKER").exists()
    assert seen == kernel_values(nb, ["name", "query"])
    assert "# Parameter query = 'SELECT *\\nFROM t\\n' (str)" in text.split("\n")
