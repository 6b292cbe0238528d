"""A notebook as a Python script that runs the same cells in the same order.

`convert` writes the cells as jupytext "percent" cells, translates IPython
syntax through `magics`, turns cells tagged ``parameters`` into command-line
options, and starts with a preamble that applies the recorded seeds and
determinism settings. Pure: plain data in, text and a report out; nothing is
run or written.
"""

import ast
import functools
import io
import json
import re
import tokenize

from .. import __version__
from ..record import document
from ..record import parameters as params_table
from ..record.order import RAISES, errors_ran_past, raised
from . import magics, preamble

_SHOW = '''def _nbrepro_show(value):
    """Print a cell's last value as the notebook showed it (None shows nothing)."""
    if value is None:
        return
    try:
        from IPython.lib.pretty import pretty  # the text IPython's displayhook shows
    except ImportError:
        pretty = repr
    print(pretty(value))'''
# IPython's display hook and input history, as the cells read them (``_``, ``_3``,
# ``Out[3]``, ``_i``, ``In[3]``). Written only when a cell reads one of those names.
_HISTORY = '''In, Out = _nbrepro_in, _nbrepro_out = [""], {}
_ih, _oh = In, Out
_i = _ii = _iii = _ = __ = ___ = ""
_nbrepro_inputs = ["", "", "", ""]  # _iii, _ii, _i and the cell now running
_nbrepro_unders = ["", "", ""]  # _, __ and ___ as the display hook last set them


def _nbrepro_input(number, raw, parsed):
    """Store a cell's source before it runs, as IPython's history does."""
    _nbrepro_in.append(parsed)
    _nbrepro_inputs[:] = _nbrepro_inputs[1:] + [raw]
    names = globals()
    names["_iii"], names["_ii"], names["_i"] = _nbrepro_inputs[:3]
    names["_i%d" % number] = raw


def _nbrepro_show(value, number):
    """Print a cell's last value as the notebook showed it and keep it as IPython does:
    Out[number], _number, and _, __, ___ unless a cell bound one of those itself."""
    if value is None:
        return
    try:
        from IPython.lib.pretty import pretty  # the text IPython's displayhook shows
    except ImportError:
        pretty = repr
    print(pretty(value))
    if value is _nbrepro_out:
        return
    names = globals()
    unders = ("_", "__", "___")
    mine = all(
        names[name] is kept for name, kept in zip(unders, _nbrepro_unders) if name in names
    )
    _nbrepro_unders[:] = [value] + _nbrepro_unders[:2]
    if mine:
        names.update(zip(unders, _nbrepro_unders))
    names["_%d" % number] = value
    _nbrepro_out[number] = value'''
_HISTORY_NAME = re.compile(r"^(?:_{1,3}|_i{1,3}|_i?\d+|In|Out|_ih|_oh)$")
# The same names as strings (``globals()["_3"]``); not "_", which joins strings.
_HISTORY_KEY = re.compile(r"^(?:_{2,3}|_i{1,3}|_i?\d+)$")
_PARAMETER_TAGS = ("parameters", "injected-parameters")
MAX_SHOWN = 200  # characters of a parameter's value a comment or a help line shows
# A notebook that may draw with matplotlib (pandas and seaborn plot through it).
_FIGURES = re.compile(r"matplotlib|pyplot|pylab|seaborn|plotnine|\.plot\b|\.hist\(")
_CLOSE_FIGURES = '''
def _nbrepro_close_figures():
    """What Jupyter's inline backend does after each cell: the cell's figures are
    closed, so the next cell draws on new ones (and plt.gca() is not a stale 3D axes)."""
    pyplot = {sys}.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")'''


# A cell that raised in the recording, which ran on past it (``nbrepro run
# --allow-errors``, or a cell tagged raises-exception): the script runs on past the
# same exception too, and stops at any other.
_WENT_ON = '''
def _nbrepro_went_on(number, name, error):
    """Whether a cell's exception is the one the recording ran on past; it is
    shown as Jupyter showed it, with a line that says the script goes on."""
    if type(error).__name__ != name:
        return False
    {traceback}.print_exception(type(error), error, error.__traceback__)
    print(
        "cell %d raised %s, as it did in the recording, which ran on past it" % (number, name),
        file={sys}.stderr,
    )
    return True'''


def _went_on(nb):
    """{cell number: exception name} of the cells the recording ran on past."""
    out = dict(errors_ran_past(nb))
    for cell in document.code_cells(nb):
        tags = (cell.cell.get("metadata") or {}).get("tags")
        name = raised(cell.cell) if cell.count is not None else None
        if name and isinstance(tags, list) and RAISES in tags:
            out[cell.number] = name
    return out


def _may_draw(cells, runs):
    """Whether cells may leave matplotlib figures open: their source names a
    plotting library, or the recording saw matplotlib loaded while a cell ran (a
    notebook that plots through its own helper module). The script then closes
    figures after each cell, if pyplot is loaded by then, as the inline backend does."""
    if any(c["cell_type"] == "code" and _FIGURES.search(c["source"]) for _i, c in cells):
        return True
    for run in (runs or {}).values():
        loaded = set(run.get("needed") or ()) | set(run.get("modules") or ())
        if any(name.split(".")[0] == "matplotlib" for name in loaded if isinstance(name, str)):
            return True
    return False


class Conversion:
    """The script and what a reader of the bundle needs to know about it."""

    def __init__(self, text, report, installs, parameters, preamble, env):
        self.text = text
        self.report = report  # [{cell, line, source, action, note}]
        self.installs = installs  # {"pip": [...], "conda": [...], "conda_channels": [...]}
        self.parameters = parameters  # [{name, default, type}]
        self.preamble = preamble  # sentences on what the top of the script applies
        self.env = env  # variables run.sh should export (PYTHONHASHSEED, thread counts, ...)
        self.ran = []  # [(cell, path as written)]: script files `%run` and `!python` run


def convert(nb, runs=None, name="notebook"):
    """Convert a notebook (nbformat v4 node or plain dict) into a `Conversion`."""
    name = re.sub(r"[\x00-\x1f\x7f]", "?", str(name))  # it goes into comments and strings
    state = _State()
    state.went_on = _went_on(nb)
    cells = _cells(nb, state)
    _find_taken_names(cells, state)
    if _may_draw(cells, runs):
        state.figures = state.module("sys")
    body = []
    for index, cell in cells:
        body.extend(_cell(index, cell, state))
    top = preamble.build(_records(cells, runs), state.module, state.matplotlib)
    text = _assemble(name, state, top, body)
    state.report.sort(key=lambda entry: (entry["cell"], entry["line"]))  # a magic before its body
    conversion = Conversion(
        text, state.report, state.installs, state.parameters, top.sentences, top.env
    )
    conversion.ran = list(state.ran)
    return conversion


class _State:
    def __init__(self):
        self.report = []
        self.installs = {"pip": [], "conda": [], "conda_channels": []}
        self.parameters = []
        self.taken = set()  # names the cells bind to something other than that module
        self.known = set()  # every name the cells bind
        self.used = set()
        self.futures = []
        self.shows = False
        self.history = False  # a cell reads IPython's output or input history
        self.number = 0  # the execution count a run from the top gives the cell
        self.matplotlib = False
        self.figures = None  # the name of sys when cells may draw figures: closed after each
        self.went_on = {}  # {cell number: exception name} the recording ran on past
        self.guards = False  # a cell is guarded: _nbrepro_went_on is written
        # Set around each translated call: where it is and how its value is used.
        self.cell = 0
        self.line = 0
        self.value_used = False
        self.show = False
        self.body_offset = 0
        self.ran = []  # [(cell, path)]: script files `%run` and `!python` run

    def ran_file(self, path):
        """A magic runs the script file ``path`` (as written, relative to the notebook)."""
        if (self.cell, path) not in self.ran:
            self.ran.append((self.cell, path))

    def module(self, name):
        """The name generated code uses for a standard-library module."""
        self.used.add(name)
        return "_nbrepro_" + name if name in self.taken else name

    def history_argument(self):
        """The cell's number for ``_nbrepro_show`` when the script keeps the history."""
        return ", %d" % self.number if self.history else ""

    def use_matplotlib(self):
        self.matplotlib = True

    def note(self, line, source, action, note):
        self.report.append(
            {
                "cell": self.cell,
                "line": line,
                "source": source[:200],
                "action": action,
                "note": note,
            }
        )

    def body(self, source, show=None):
        """Convert IPython source nested in a magic (``%time stmt``, a ``%%time`` body).

        ``show``: whether its last value is displayed (default: as the magic's is).
        """
        saved = (self.line, self.value_used, self.show, self.body_offset)
        try:
            return _code(source, self, self.body_offset, self.show if show is None else show)
        finally:
            self.line, self.value_used, self.show, self.body_offset = saved


# -- input ------------------------------------------------------------------------


def _cells(nb, state):
    """(1-based index, cell) for each usable cell; the others are reported."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        state.note(0, "", magics.DROPPED, "the notebook has no list of cells; the script is empty")
        return []
    out = []
    for index, cell in enumerate(cells, 1):
        state.cell = index
        source = cell.get("source") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        if not isinstance(source, str) or kind not in ("code", "markdown", "raw"):
            state.note(0, "", magics.DROPPED, "not a notebook cell with a text source; left out")
            continue
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        source = source.replace("\r\n", "\n").replace("\r", "\n")
        out.append((index, {"cell_type": kind, "source": source, "metadata": metadata}))
    return out


def _records(cells, runs):
    """Run records of the code cells in notebook order, each once."""
    out, seen = [], set()
    runs = runs if isinstance(runs, dict) else {}
    for _, cell in cells:
        meta = cell["metadata"].get("nbrepro")
        run_id = meta.get("run") if isinstance(meta, dict) else None
        record = runs.get(run_id) if isinstance(run_id, str) else None
        if isinstance(record, dict) and run_id not in seen:
            seen.add(run_id)
            out.append(record)
    return out


def _find_taken_names(cells, state):
    """Names the cells bind to anything but the module of that name."""
    for _, cell in cells:
        if cell["cell_type"] != "code":
            continue
        _, tree = _transform(cell["source"])
        cell["tree"] = tree
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                state.taken.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                state.taken.add(node.name)
            elif isinstance(node, ast.arg):
                state.taken.add(node.arg)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    state.known.add(bound)
                    if not (isinstance(node, ast.Import) and bound == alias.name):
                        state.taken.add(bound)
    state.known |= state.taken
    for index, cell in cells:
        if cell["cell_type"] == "code":
            state.cell = index
            _note_history(cell["source"], cell.get("tree"), state)


def _history_reads(tree, depth=0):
    """The 1-based lines of the transformed cell that read IPython's history names;
    magic bodies (``%%time``, ``%time stmt``) are read too."""
    lines = []
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if _HISTORY_NAME.match(node.id):
                lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _HISTORY_KEY.match(node.value):
                lines.append(node.lineno)
        call = _ipython_call(node) if depth < 3 else None
        if call is not None and call[1] and call[0] in ("run_line_magic", "run_cell_magic"):
            if _history_reads(_transform(call[1][-1])[1], depth + 1):
                lines.append(node.lineno)
    return sorted(set(lines))


def _note_history(source, tree, state):
    reads = _history_reads(tree)
    if not reads:
        return
    state.history = True
    text, _ = _transform(source)
    original = source.split("\n")
    spans = _line_spans(original, text.split("\n"))
    line = spans[min(reads[0], len(spans)) - 1][0] + 1
    state.note(
        line,
        original[line - 1],
        magics.TRANSLATED,
        "IPython's output and input history (_, __, ___, _N, Out[N], _i, _iN, In[N]) is kept "
        "by the script as the cells run; N counts the code cells from the top, as the "
        "execution counts of a run from the top do",
    )


# -- cells ------------------------------------------------------------------------


def _cell(index, cell, state):
    state.cell = index
    source = cell["source"]
    if cell["cell_type"] != "code":
        marker = "# %% [markdown]" if cell["cell_type"] == "markdown" else "# %% [raw]"
        return [marker] + _comment(source.split("\n") if source else [], prefix="# ") + [""]
    tags = cell["metadata"].get("tags")
    tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    marker = "# %%" + (" tags=" + json.dumps(tags) if tags else "")
    history = []
    if source.strip():  # IPython counts (and stores) every cell that is not blank
        state.number += 1
        if state.history:
            parsed = _transform(source)[0]
            history = [
                "_nbrepro_input(%d, %s, %s)"
                % (
                    state.number,
                    preamble.quote_py(source.rstrip("\n")),
                    preamble.quote_py((source if parsed is None else parsed).rstrip("\n")),
                )
            ]
    lines = _code(source, state, 0, True)
    if lines is None:
        lines = _commented_cell(source, state)
    else:
        if any(tag in _PARAMETER_TAGS for tag in tags):
            lines += _parameter_overrides(cell.get("tree"), source, state)
        if index in state.went_on and lines:
            lines = _guarded(lines, index, state.went_on[index], state)
        if state.figures and source.strip():
            lines.append("_nbrepro_close_figures()")
    return [marker] + history + lines + [""]


def _guarded(lines, number, name, state):
    """The cell's code run so that the exception the recording ran on past does
    not stop the script: compiled from a string (a value: the cell's own
    indentation and strings stay as they are) in the script's globals."""
    state.guards = True
    state.module("traceback"), state.module("sys")  # the helper's imports
    return [
        "try:",
        '    exec(compile(%s, %s, "exec"), globals())'
        % (preamble.quote_py("\n".join(lines) + "\n"), preamble.quote_py("<cell %d>" % number)),
        "except Exception as _nbrepro_error:",
        "    if not _nbrepro_went_on(%d, %s, _nbrepro_error):" % (number, preamble.quote_py(name)),
        "        raise",
    ]


def _commented_cell(source, state):
    transformed, _ = _transform(source)
    try:
        compile(transformed or source, "<cell>", "exec", dont_inherit=True)
        line, reason = 1, "it cannot run outside IPython"
    except SyntaxError as exc:
        line, reason = exc.lineno or 1, "%s (line %s)" % (exc.msg, exc.lineno)
    except ValueError as exc:  # null bytes
        line, reason = 1, str(exc)
    original = source.split("\n")
    state.note(
        line,
        original[min(line, len(original)) - 1] if original else "",
        magics.UNTRANSLATED,
        "the cell is not valid Python in a script: %s; it is commented out" % reason,
    )
    return ["# nbrepro: untranslated: this cell is not valid Python in a script"] + _comment(
        original, prefix="# "
    )


@functools.lru_cache(maxsize=4096)
def _transform(source):
    """IPython's own translation of the cell into Python, and its syntax tree.

    Cached: each cell is read twice, and the trees are only read, never changed.
    """
    try:
        text = _transformer().transform_cell(source)
        return text, ast.parse(text)
    except Exception:
        return None, None


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _code(source, state, offset, show_last):
    """A code cell (or a magic's body) as script lines; None when it cannot compile."""
    text, tree = _transform(source)
    if tree is None:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    original = source.split("\n")
    spans = _line_spans(original, lines)
    last = tree.body[-1] if tree.body else None
    shown = last if show_last and isinstance(last, ast.Expr) and not _quiet(text) else None
    edits = []
    for stmt, calls in _statements_with_calls(tree):
        edits.append(_translate(stmt, calls, shown, lines, original, spans, offset, state))
    if shown is not None and not any(edit[0] == shown.lineno for edit in edits):
        text_lines = _statement_text(shown, [], lines, True, state)
        text_lines[0] = _indented(lines, shown)[0] + text_lines[0]
        edits.append((shown.lineno, shown.end_lineno, text_lines))
    edits.extend(_hoist_futures(tree, lines, original, spans, offset, state))
    for first, end, new in sorted(edits, key=lambda edit: edit[0], reverse=True):
        lines[first - 1 : end] = new
    try:
        compile("\n".join(state.futures + lines), "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return lines


def _indented(lines, stmt):
    """The text before a statement on its first line (its indentation), as a list to prepend."""
    return [lines[stmt.lineno - 1][: _char(lines[stmt.lineno - 1], stmt.col_offset)]]


def _line_spans(original, transformed):
    """For each transformed line, the 0-based (first, last) original lines it came from.

    IPython drops leading blank lines, joins a magic's backslash continuations
    into one line and turns a whole ``%%`` cell into one line; everything else
    stays one line for one line.
    """
    first = 0
    while first < len(original) - 1 and not original[first].strip():
        first += 1
    last_line = max(len(original) - 1, 0)
    if original[first].lstrip().startswith("%%"):
        return [(first, last_line)] * len(transformed)
    spans, j = [], first
    for line in transformed:
        start = min(j, last_line)
        if "get_ipython()" in line:
            while j < last_line and original[j].rstrip().endswith("\\"):
                j += 1
        spans.append((start, min(j, last_line)))
        j += 1
    return spans


def _ipython_call(node):
    """(method, [str args] or None) for ``get_ipython().method(...)``, else None."""
    func = node.func if isinstance(node, ast.Call) else None
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)):
        return None
    owner = func.value.func
    if not (isinstance(owner, ast.Name) and owner.id == "get_ipython" and not func.value.args):
        return None
    args = [
        a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
        for a in node.args
    ]
    return func.attr, (None if None in args or node.keywords else args)


def _statements_with_calls(tree):
    """Innermost statements holding IPython calls, in source order, with those calls.

    A compound statement with a call in its header is taken whole (it will be
    commented out), so the statements inside it are not listed again.
    """
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = {}
    for node in ast.walk(tree):
        if _ipython_call(node) is None:
            continue
        stmt = parents.get(node)
        while stmt is not None and not isinstance(stmt, ast.stmt):
            stmt = parents.get(stmt)
        if stmt is not None:
            found.setdefault(stmt, []).append(node)
    out, covered = [], 0
    for stmt, calls in sorted(found.items(), key=lambda item: (item[0].lineno, item[0].col_offset)):
        if stmt.lineno <= covered:
            continue
        if hasattr(stmt, "body"):
            covered = stmt.end_lineno
        out.append((stmt, sorted(calls, key=lambda call: (call.lineno, call.col_offset))))
    return out


def _translate(stmt, calls, shown, lines, original, spans, offset, state):
    """The edit (first line, last line, new lines) that replaces one statement."""
    first, end = spans[stmt.lineno - 1][0], spans[stmt.end_lineno - 1][1]
    state.line = first + 1 + offset
    translations = []
    for call in calls:
        method, args = _ipython_call(call)
        if args is None:
            translation = magics.Translation(
                magics.UNTRANSLATED, "get_ipython() with computed arguments is not translated"
            )
        else:
            state.value_used = not (isinstance(stmt, ast.Expr) and stmt.value is call)
            state.show = stmt is shown
            state.body_offset = state.line if method == "run_cell_magic" else state.line - 1
            translation = magics.translate(method, args, state)
            state.line = first + 1 + offset
        translations.append(translation)
        state.note(state.line, original[first], translation.action, translation.note)
        for tool, specs in translation.installs.items():
            state.installs[tool].extend(s for s in specs if s not in state.installs[tool])
    indent = _indented(lines, stmt)[0]
    unrunnable = any(t.action == magics.UNTRANSLATED and not t.has_code for t in translations)
    surrounding = any(t.before or t.after for t in translations)
    if not _alone(stmt, lines) or unrunnable or (hasattr(stmt, "body") and surrounding):
        new = [indent + "# nbrepro: untranslated: " + original[first].strip()]
        new += _comment(original[first + 1 : end + 1], prefix=indent + "# ")
    else:
        label = {magics.MOVED: "moved to the environment files: ", magics.DROPPED: "dropped: "}
        new = [
            indent + "# nbrepro: " + label.get(translations[0].action, "") + original[first].strip()
        ]
        new += [indent + line for t in translations for line in t.before]
        bare = isinstance(stmt, ast.Expr) and len(calls) == 1 and stmt.value is calls[0]
        if not (bare and translations[0].value is None):
            values = [t.value if t.value is not None else "None" for t in translations]
            statement = _statement_text(stmt, list(zip(calls, values)), lines, stmt is shown, state)
            new += [indent + statement[0]] + statement[1:]
        new += [indent + line for t in translations for line in t.after]
    if indent and all(not line.strip() or line.lstrip().startswith("#") for line in new):
        new.append(indent + "pass")  # a block must keep a statement
    return (stmt.lineno, stmt.end_lineno, new)


def _char(line, byte_offset):
    """The character index of an AST column (a UTF-8 byte offset)."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))


def _offset(lines, first, lineno, col):
    return sum(len(line) + 1 for line in lines[first : lineno - 1]) + _char(lines[lineno - 1], col)


def _alone(stmt, lines):
    """Whether the statement has its lines to itself (a comment or ``;`` may follow)."""
    head = lines[stmt.lineno - 1][: _char(lines[stmt.lineno - 1], stmt.col_offset)]
    tail = lines[stmt.end_lineno - 1][_char(lines[stmt.end_lineno - 1], stmt.end_col_offset) :]
    tail = tail.strip()
    return not head.strip() and (tail in ("", ";") or tail.startswith("#"))


def _statement_text(stmt, replacements, lines, show, state):
    """The statement's text from its first column, calls replaced; wrapped in
    ``_nbrepro_show`` when its value is what the notebook displayed."""
    first = stmt.lineno - 1
    chunk = "\n".join(lines[first : stmt.end_lineno])
    start = _char(lines[first], stmt.col_offset)
    stop = _offset(lines, first, stmt.end_lineno, stmt.end_col_offset)
    pieces, cursor = [], start
    for call, value in replacements:
        pieces.append(chunk[cursor : _offset(lines, first, call.lineno, call.col_offset)])
        pieces.append(value)
        cursor = _offset(lines, first, call.end_lineno, call.end_col_offset)
    pieces.append(chunk[cursor:stop])
    segment = "".join(pieces)
    if show and isinstance(stmt, ast.Expr) and not _is_print(stmt.value):
        state.shows = True
        if isinstance(stmt.value, ast.Tuple):
            segment = "(%s)" % segment  # ``a, b`` and ``x,`` show as one tuple
        segment = "_nbrepro_show(%s%s)" % (segment, state.history_argument())
    return (segment + chunk[stop:]).split("\n")


def _is_print(node):
    """print() returns None: showing its value would show nothing."""
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    )


def _quiet(text):
    """IPython shows no value when the cell's last token is a semicolon."""
    last = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                last = token.string
    except (tokenize.TokenError, SyntaxError):
        return False
    return last == ";"


def _hoist_futures(tree, lines, original, spans, offset, state):
    """``from __future__`` imports must open the file: move them to the top (from a
    cell, or from a magic's body such as ``%%capture``, which runs as the cell)."""
    edits = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__" and _alone(stmt, lines):
            text = "from __future__ import " + ", ".join(a.name for a in stmt.names)
            if text not in state.futures:
                state.futures.append(text)
            first = spans[stmt.lineno - 1][0]
            state.note(
                first + 1 + offset, original[first], magics.MOVED, "moved to the top of the script"
            )
            edits.append((stmt.lineno, stmt.end_lineno, ["# nbrepro: moved to the top: " + text]))
    return edits


def _comment(lines, prefix):
    return [(prefix + line.replace("\0", "\\0")).rstrip() for line in lines]


# -- parameters -------------------------------------------------------------------


def _parameter_overrides(tree, source, state):
    """Literal assignments of a parameters cell become options; the lines that apply them."""
    text, _ = _transform(source)
    if tree is None or text is None:
        return []
    spans = _line_spans(source.split("\n"), text.split("\n"))
    names = []
    for stmt in tree.body:
        target = (
            stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        )
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target = stmt.target
        if not isinstance(target, ast.Name):
            continue
        line = spans[stmt.lineno - 1][0] + 1
        try:
            default = ast.literal_eval(stmt.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            default = None
            kind = None
        else:
            kind = {bool: "bool", int: "int", float: "float", str: "str"}.get(
                type(default), "literal"
            )
        if kind is None or target.id == "help":
            reason = "its value is not a literal" if kind is None else "--help is taken"
            state.note(
                line,
                source.split("\n")[line - 1],
                magics.UNTRANSLATED,
                "kept as written; not a command-line option because %s" % reason,
            )
            continue
        # The value, never the cell's text: the text may span lines or hold a
        # quote that ends a comment's string, and it lands in comments and help.
        entry = {"name": target.id, "default": shown_value(default), "value": default, "type": kind}
        known = [p for p in state.parameters if p["name"] == target.id]
        if known:
            known[0].update(entry)  # papermill's injected-parameters cell comes later and wins
        else:
            state.parameters.append(entry)
        names.append(target.id)
    if not names:
        return []
    out = ["# nbrepro: values given on the command line replace the defaults above"]
    return out + ['%s = _nbrepro_args.get("%s", %s)' % (n, n, n) for n in names]


def shown_value(value, limit=MAX_SHOWN):
    """A parameter's value on one line, as Python writes it (``repr``: quotes,
    newlines and every unprintable character escaped), cut at ``limit``."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parameter_parser(name, state):
    if not state.parameters:
        return []
    argparse = state.module("argparse")
    out = [
        '# Parameters: the cells tagged "parameters" set the defaults; options replace them.',
        "_nbrepro_parser = %s.ArgumentParser(" % argparse,
        "    description=%s,"
        % preamble.quote_py("Runs %s.ipynb as a script (generated by nbrepro)." % name),
        "    argument_default=%s.SUPPRESS," % argparse,
        ")",
    ]
    types = {"int": "int", "float": "float", "str": "str", "bool": "_nbrepro_bool"}
    for parameter in state.parameters:
        flags = ["--" + parameter["name"]]
        if "_" in parameter["name"].strip("_"):
            flags.append("--" + parameter["name"].replace("_", "-"))
        kind = types.get(parameter["type"], "_nbrepro_literal")
        help_text = ("default: %s" % parameter["default"]).replace("%", "%%")
        out.append(
            "_nbrepro_parser.add_argument(%s, dest=%s, type=%s, metavar=%s, help=%s)"
            % (
                ", ".join(preamble.quote_py(f) for f in flags),
                preamble.quote_py(parameter["name"]),
                kind,
                preamble.quote_py(parameter["type"].upper()),
                preamble.quote_py(help_text),
            )
        )
    # papermill's own options, so a pipeline step can call the script as it calls
    # papermill: -f FILE and -y YAML read as papermill reads YAML, -p NAME VALUE typed
    # the way papermill's CLI types it, -r raw; from the table ``nbrepro run`` uses.
    taken = {f for p in state.parameters for f in (p["name"], p["name"].replace("_", "-"))}
    pair_flags = {}  # -p and -r, under each spelling: they take the next two words
    for short, long_name, _dest, nargs, metavar, help_text in params_table.OPTIONS:
        flags = [short] + [f for f in (long_name,) if f[2:] not in taken]
        if nargs == 2:
            pair_flags.update((flag, short[1]) for flag in flags)
        out.append(
            '_nbrepro_parser.add_argument(%s, dest=%s, %saction="append", metavar=%s, help=%s)'
            % (
                ", ".join(preamble.quote_py(f) for f in flags),
                preamble.quote_py("_nbrepro_" + short[1]),
                "nargs=%d, " % nargs if nargs else "",
                "(%s)" % ", ".join(map(preamble.quote_py, metavar))
                if isinstance(metavar, tuple)
                else preamble.quote_py(metavar),
                preamble.quote_py("papermill's form: " + help_text),
            )
        )
    out.append(
        "_nbrepro_args = _nbrepro_papermill(_nbrepro_parser, %s.argv[1:])" % state.module("sys")
    )
    names = sorted(p["name"] for p in state.parameters)
    helpers = [
        "def _nbrepro_pairs(argv):",
        '    """papermill\'s -p and -r NAME VALUE take the next two words, whatever they',
        '    are (a VALUE may start with "-"), as papermill\'s command line reads them;',
        '    and --NAME=-- gives a text parameter "--" (argparse would drop it)."""',
        "    flags = {%s}"
        % ", ".join(
            "%s: %s" % (preamble.quote_py(f), preamble.quote_py(k)) for f, k in pair_flags.items()
        ),
        "    text_flags = {%s}"
        % ", ".join(
            "%s: %s" % (preamble.quote_py(f), preamble.quote_py(p["name"]))
            for p in state.parameters
            if p["type"] == "str"
            for f in dict.fromkeys(["--" + p["name"], "--" + p["name"].replace("_", "-")])
        ),
        '    words, pairs, index = [], {"p": [], "r": []}, 0',
        "    while index < len(argv):",
        '        if argv[index] == "--":',
        "            words += argv[index:]",
        "            break",
        '        flag, equals, value = argv[index].partition("=")',
        '        if equals and value == "--" and flag in text_flags:',
        '            pairs["r"].append((text_flags[flag], value))',
        "            index += 1",
        "            continue",
        "        kind = flags.get(argv[index])",
        "        if kind and index + 2 < len(argv):",
        "            pairs[kind].append((argv[index + 1], argv[index + 2]))",
        "            index += 3",
        "        else:",
        "            words.append(argv[index])",
        "            index += 1",
        "    return words, pairs",
        "",
        "",
        "def _nbrepro_typed(text):",
        '    """A -p value typed as papermill types it: True, False, None, int, float, str."""',
        '    if text in ("True", "False", "None"):',
        '        return {"True": True, "False": False, "None": None}[text]',
        "    for kind in (int, float):",
        "        try:",
        "            return kind(text)",
        "        except ValueError:",
        "            pass",
        "    return text",
        "",
        "",
        "def _nbrepro_yaml(parser, text, where):",
        '    """-f/-y parameters read as papermill reads them: PyYAML\'s safe loader, dates',
        '    kept as text."""',
        "    try:",
        "        import yaml",
        "    except ImportError:",
        '        parser.error("%s: YAML parameters need PyYAML (the pyyaml package)" % where)',
        "",
        "    class Loader(yaml.SafeLoader):",
        "        yaml_implicit_resolvers = {",
        '            key: [r for r in found if r[0] != "tag:yaml.org,2002:timestamp"]',
        "            for key, found in yaml.SafeLoader.yaml_implicit_resolvers.items()",
        "        }",
        "",
        "    try:",
        "        value = yaml.load(text, Loader=Loader)",
        "    except (yaml.YAMLError, RecursionError) as error:  # or nested too deep",
        '        parser.error("%s is not valid YAML: %s" % (where, error))',
        "    if value is None:",
        "        return {}",
        "    if not isinstance(value, dict):",
        '        parser.error("%s must hold a mapping of parameter names to values" % where)',
        "    return value",
        "",
        "",
        "def _nbrepro_papermill(parser, argv):",
        '    """-f, -y, -p, then -r (papermill\'s order), over the --NAME options."""',
        "    words, pairs = _nbrepro_pairs(argv)",
        "    args = vars(parser.parse_args(words))",
        "    known = [%s]" % ", ".join(preamble.quote_py(n) for n in names),
        "    given = []",
        '    for path in args.pop("_nbrepro_f", None) or ():',
        "        try:",
        '            with open(path, encoding="utf-8") as handle:',
        "                text = handle.read()",
        "        except (OSError, UnicodeDecodeError) as error:",
        '            parser.error("-f %s: %s" % (path, error))',
        '        values = _nbrepro_yaml(parser, text, "-f " + path)',
        '        given += [("-f " + path, k, v) for k, v in values.items()]',
        '    for text in args.pop("_nbrepro_y", None) or ():',
        '        values = _nbrepro_yaml(parser, text, "-y %r" % text)',
        '        given += [("-y", k, v) for k, v in values.items()]',
        '    for k, v in (args.pop("_nbrepro_p", None) or []) + pairs["p"]:',
        '        given.append(("-p", k, _nbrepro_typed(v)))',
        '    given += [("-r", k, v) for k, v in (args.pop("_nbrepro_r", None) or []) + pairs["r"]]',
        "    for option, name, value in given:",
        "        if name not in known:",
        '            parser.error("%s %s: no such parameter (the parameters are: %s)"',
        '                         % (option, name, ", ".join(known)))',
        "        args[name] = value",
        "    return args",
        "",
    ]
    if any(p["type"] == "bool" for p in state.parameters):
        helpers += [
            "",
            "def _nbrepro_bool(text):",
            '    if text.strip().lower() in ("true", "1", "yes"):',
            "        return True",
            '    if text.strip().lower() in ("false", "0", "no"):',
            "        return False",
            '    raise %s.ArgumentTypeError("expected true/false, 1/0 or yes/no, got %%r" %% text)'
            % argparse,
        ]
    if any(p["type"] == "literal" for p in state.parameters):
        helpers += [
            "",
            "def _nbrepro_literal(text):",
            "    try:",
            "        return %s.literal_eval(text)" % state.module("ast"),
            "    except (ValueError, SyntaxError):",
            "        raise %s.ArgumentTypeError(" % argparse,
            '            "expected a Python literal (such as [1, 2] or None), got %r" % text',
            "        ) from None",
        ]
    return helpers + out


def _assemble(name, state, top, body):
    usage = " ".join("[--%s %s]" % (p["name"], p["type"].upper()) for p in state.parameters)
    if state.parameters:
        usage += " (or papermill's -p NAME VALUE, -r NAME VALUE, -f FILE, -y YAML)"
    header = [
        "#!/usr/bin/env python3",
        "# Generated by nbrepro %s from %s.ipynb; export again rather than edit."
        % (__version__, name),
        "# Run: python %s.py %s" % (name, usage),
    ]
    header += [
        "# Parameter %s = %s (%s)" % (p["name"], p["default"], p["type"]) for p in state.parameters
    ]
    header += [
        '# Cells follow in notebook order as jupytext "percent" cells; "# nbrepro:" lines mark',
        "# IPython syntax that was translated, moved to the environment files or left out.",
    ]
    parser = _parameter_parser(name, state)  # before the imports: it may need argparse and ast
    settings = list(top.lines)
    if "subprocess" in state.used:
        sys = state.module("sys")
        settings.append(
            "%s.stdout.reconfigure(line_buffering=True)  # print() before shell output" % sys
        )
    if settings:
        settings.insert(0, "# What the notebook's kernel had set, applied before the first cell.")
    imports = [
        "import %s" % m if m not in state.taken else "import %s as _nbrepro_%s" % (m, m)
        for m in sorted(state.used)
    ]
    sections = [
        _comment([line.rstrip() for line in header], prefix=""),
        state.futures + imports,
        settings,
        parser,
        [_HISTORY] if state.history else [_SHOW] if state.shows else [],
        [_CLOSE_FIGURES.format(sys=state.figures).strip("\n")] if state.figures else [],
        [_WENT_ON.format(traceback=state.module("traceback"), sys=state.module("sys")).strip("\n")]
        if state.guards
        else [],
    ]
    out = []
    for section in sections:
        if section:
            out += section + [""]
    out += body
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
