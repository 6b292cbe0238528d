"""Notebook parameters the papermill way, without papermill.

``nbrepro run -p NAME VALUE -f params.yaml`` and the papermill engine give a
notebook the same cell papermill would: the values typed as papermill's CLI
types them (``_resolve_type``: True/False/None, int, float, else a string; YAML
files read without date conversion), written by papermill's Python translator,
in a new code cell tagged ``injected-parameters`` placed after the first cell
tagged ``parameters`` (replacing an earlier injected cell; at the top when there
is no parameters cell), and the values kept in ``metadata.papermill.parameters``.

papermill is an optional extra, so this module reproduces its output instead
of importing it; ``test_parameters.py`` compares the two byte for byte.
"""

import ast
import functools
import keyword
import math
import re
import unicodedata

from .. import errors

INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"
COMMENT = "Parameters"


# papermill's parameter options, spelled as its CLI spells them, in the order it
# applies them (a later one wins): (short, long, dest, nargs, metavar, help).
# ``nbrepro run`` and the exported script build their options from this table.
OPTIONS = (
    (
        "-f",
        "--parameters_file",
        "parameters_file",
        None,
        "FILE",
        "a YAML file of parameters (a mapping of names to values)",
    ),
    ("-y", "--parameters_yaml", "parameters_yaml", None, "YAML", "parameters as YAML text"),
    (
        "-p",
        "--parameters",
        "parameters",
        2,
        ("NAME", "VALUE"),
        "a parameter; VALUE typed as papermill does (True/False/None, int, float, string)",
    ),
    (
        "-r",
        "--parameters_raw",
        "parameters_raw",
        2,
        ("NAME", "VALUE"),
        "a parameter whose VALUE stays a string",
    ),
)


def add_options(group):
    """Add papermill's -f, -y, -p and -r to argparse ``group`` (each may repeat), under
    papermill's long names and their dashed spellings."""
    for short, long_name, dest, nargs, metavar, help_text in OPTIONS:
        flags = [short] + list(dict.fromkeys([long_name.replace("_", "-"), long_name]))
        group.add_argument(
            *flags, dest=dest, nargs=nargs, action="append", metavar=metavar, help=help_text
        )


@functools.lru_cache(maxsize=None)
def _loader():
    """PyYAML's safe loader without the timestamp resolver: papermill reads
    ``2026-01-01`` as a string, not a date. (PyYAML is imported when a -f or -y
    option is read, not by every command.)"""
    import yaml

    class NoDatesSafeLoader(yaml.SafeLoader):
        yaml_implicit_resolvers = {
            key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    return NoDatesSafeLoader


def resolve_type(text):
    """A ``-p`` value as papermill's CLI types it."""
    if text == "True":
        return True
    if text == "False":
        return False
    if text == "None":
        return None
    for kind in (int, float):
        try:
            kind(text)
        except ValueError:
            continue
        return kind(text)
    return text


def check_name(name):
    """A parameter name the injected cell can assign: a Python name, not a keyword,
    not one of Python's own ``__dunder__`` names (``__builtins__ = 1`` breaks every
    cell after it), and written as Python reads it: Python folds a name to its NFKC
    form, so ``ﬁle`` would assign ``file`` (two names, one variable)."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise errors.ParameterError(
            "parameter name %r is not a Python name (letters, digits and _, "
            "not starting with a digit, not a keyword)" % (name,)
        )
    if len(name) > 4 and name.startswith("__") and name.endswith("__"):
        raise errors.ParameterError(
            "parameter name %r is one of Python's own (__name__); pick another" % (name,)
        )
    folded = unicodedata.normalize("NFKC", name)
    if folded != name:
        raise errors.ParameterError(
            "parameter name %r is the name %r as Python reads it; write it so" % (name, folded)
        )
    return name


def _check_value(value, where):
    if value is None or isinstance(value, (str, bool, int, float)):
        return
    if isinstance(value, list):
        for item in value:
            _check_value(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise errors.ParameterError(
                    "%s: mapping key %r is not a string; papermill would turn it into one"
                    % (where, key)
                )
            _check_value(item, where)
        return
    raise errors.ParameterError(
        "%s: a %s is no parameter value (strings, numbers, true/false, null, "
        "lists and mappings are)" % (where, type(value).__name__)
    )


# What a parameters file may hold: YAML's aliases let a few lines stand for a
# billion values ("billion laughs"), which would then be walked and written out;
# nesting deeper than Python's recursion limit cannot be read at all.
MAX_YAML_DEPTH = 100
MAX_YAML_VALUES = 100000


def _bounded(text, where):
    """Refuse YAML that nests deeper than MAX_YAML_DEPTH or stands for more than
    MAX_YAML_VALUES values with its aliases expanded; counted on the parser's
    events and the composed graph, before anything is built."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise errors.ParameterError(
                    "%s nests deeper than %d levels; parameters do not" % (where, MAX_YAML_DEPTH)
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    node = yaml.compose(text, Loader=_loader())
    sizes = {}  # id(node) -> values it stands for; an alias is the node it names

    def size(node):
        known = sizes.get(id(node), 0)
        if known is None:
            raise errors.ParameterError(
                "%s holds a value that contains itself (an alias inside its own anchor); "
                "a parameter cannot" % where
            )
        if known:
            return known
        sizes[id(node)] = None  # being counted
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_YAML_VALUES:
            raise errors.ParameterError(
                "%s stands for more than %d values once its aliases (*name) are expanded; "
                "write the values out" % (where, MAX_YAML_VALUES)
            )
        sizes[id(node)] = total
        return total

    if node is not None:
        size(node)


def load_yaml(text, where):
    """A mapping of parameters from YAML text, read as papermill reads it, within
    the bounds of ``_bounded``."""
    import yaml

    try:
        _bounded(text, where)
        value = yaml.load(text, Loader=_loader())  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        raise errors.ParameterError("%s is not valid YAML: %s" % (where, error)) from error
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.ParameterError(
            "%s must hold a mapping of parameter names to values, not a %s"
            % (where, type(value).__name__)
        )
    return value


def collect(pairs=(), raw_pairs=(), files=(), yamls=()):
    """The parameters in papermill's order of precedence: files, then YAML
    strings, then ``-p`` (typed), then ``-r`` (raw strings); later wins."""
    out = {}
    for path in files or ():
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise errors.ParameterError(
                "cannot read parameters file %s: %s" % (path, error)
            ) from error
        out.update(load_yaml(text, "parameters file %s" % path))
    for text in yamls or ():
        out.update(load_yaml(text, "--parameters-yaml %r" % text))
    for name, text in pairs or ():
        out[name] = resolve_type(text)
    for name, text in raw_pairs or ():
        out[name] = text
    for name, value in out.items():
        check_name(name)
        _check_value(value, "parameter %s" % name)
    return out


# -- papermill's PythonTranslator ----------------------------------------------------


def _escaped_str(value):
    text = value.encode("unicode_escape").decode("utf-8").replace('"', r"\"")
    return '"%s"' % text


def translate(value):
    """A value as Python source, as papermill's Python translator writes it."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return _escaped_str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return str(value)
        if math.isnan(value):
            return "float('nan')"
        return "float('-inf')" if value < 0 else "float('inf')"
    if isinstance(value, dict):
        return "{%s}" % ", ".join(
            "%s: %s" % (_escaped_str(k), translate(v)) for k, v in value.items()
        )
    if isinstance(value, list):
        return "[%s]" % ", ".join(translate(v) for v in value)
    raise errors.ParameterError("cannot write a %s as a parameter" % type(value).__name__)


def codify(parameters, comment=COMMENT):
    """The injected cell's source. papermill formats it with black when black
    is importable; so does this, to stay equal."""
    content = ("# %s" % comment).strip() + "\n"
    for name, value in parameters.items():
        content += "%s = %s\n" % (name, translate(value))
    try:
        import black
    except ImportError:
        return content
    try:
        return black.format_str(content, mode=black.FileMode(string_normalization=False))
    except AttributeError:
        return content


# -- the notebook ---------------------------------------------------------------------


def _first_tagged(nb, tag):
    for index, cell in enumerate(nb.cells):
        if tag in (cell.get("metadata", {}).get("tags") or ()):
            return index
    return -1


_ASSIGNED = re.compile(r"^(\w+)\s*(?::[^=]*)?=")


def declared(nb):
    """Names the first ``parameters`` cell assigns (as papermill's inspection
    finds them), or None when there is no such cell."""
    index = _first_tagged(nb, PARAMETERS_TAG)
    if index < 0:
        return None
    source = nb.cells[index].get("source") or ""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {m.group(1) for m in map(_ASSIGNED.match, source.splitlines()) if m}
    names = set()
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def inject(nb, parameters, comment=COMMENT):
    """Insert (or replace) the injected-parameters cell in ``nb`` (nbformat 4
    NotebookNode) as papermill's ``parameterize_notebook`` does; returns
    ``(nb, warnings)``."""
    import nbformat

    warnings = []
    names = declared(nb)
    if names is None:
        warnings.append("the notebook has no cell tagged 'parameters'; injected at the top")
    else:
        unknown = [name for name in parameters if name not in names]
        if unknown:
            warnings.append("not in the parameters cell (still injected): %s" % ", ".join(unknown))
    source = codify(parameters, comment)
    nb = nbformat.v4.upgrade(nb)
    cell = nbformat.v4.new_code_cell(source=source)
    cell.metadata["tags"] = [INJECTED_TAG]
    injected = _first_tagged(nb, INJECTED_TAG)
    declared_at = _first_tagged(nb, PARAMETERS_TAG)
    if injected >= 0:
        before, after = nb.cells[:injected], nb.cells[injected + 1 :]
    elif declared_at >= 0:
        before, after = nb.cells[: declared_at + 1], nb.cells[declared_at + 1 :]
    else:
        before, after = [], nb.cells
    nb.cells = before + [cell] + after
    papermill = nb.metadata.setdefault("papermill", {})
    papermill["parameters"] = parameters
    return nb, warnings
