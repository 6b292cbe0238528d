"""IPython syntax as plain Python: what a script runs in place of a magic.

IPython's input transformer turns every magic, shell escape and help request
into a call such as ``get_ipython().run_line_magic('cd', 'data')``; `translate`
takes such a call's name and string arguments and says what the script does
instead. A translation is code to run before and after the statement that held
the call, plus an expression for the call's value when the statement uses it
(``x = !ls``). Pure functions: the caller supplies a context that names the
standard-library modules the code may use and converts nested cell bodies.
"""

import ast
import builtins
import json
import re
import shlex

TRANSLATED = "translated"
MOVED = "moved"
DROPPED = "dropped"
UNTRANSLATED = "untranslated"

# Magics that only show information or tune IPython itself: nothing a later cell can see.
_NO_EFFECT = {
    "pinfo": "a help request only shows documentation",
    "pinfo2": "a help request only shows documentation",
    "pdoc": "it only shows documentation",
    "pdef": "it only shows a signature",
    "psource": "it only shows source code",
    "pfile": "it only shows a file",
    "who": "it only lists the notebook's variables",
    "whos": "it only lists the notebook's variables",
    "lsmagic": "it only lists magics",
    "magic": "it only shows help",
    "quickref": "it only shows help",
    "history": "it only shows the input history",
    "hist": "it only shows the input history",
    "config": "it changes IPython's settings, which a script does not have",
    "xmode": "it changes how tracebacks look, not what runs",
    "colors": "it changes how output looks, not what runs",
    "pdb": "it only starts the debugger after an error",
    "tb": "it only prints the last traceback",
    "autoreload": "a script imports each module once, so there is nothing to reload",
    "aimport": "a script imports each module once, so there is nothing to reload",
    "timeit": (
        "it times the statement in a namespace of its own, so the notebook's variables do not "
        "change (if the statement has side effects, such as drawing random numbers, they are "
        "not repeated)"
    ),
    "dhist": "it only shows the directory history",
    "dirs": "it only shows the directory stack",
    "bookmark": "it only names a folder for %cd -b",
}
# Cell magics that render their body as output; nothing else happens.
_DISPLAY_ONLY = ("html", "javascript", "js", "markdown", "latex", "svg")
# IPython's default shell aliases on POSIX that change or read files.
_ALIASES = ("cat", "cp", "ls", "mkdir", "mv", "rm", "rmdir")
_SHELLS = {"bash": "bash", "sh": "sh"}
_PIP_VALUE_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "-c",
    "--constraint",
    "--upgrade-strategy",
    "--progress-bar",
    "--root-user-action",
    "--python-version",
    "--platform",
)
_CONDA_VALUE_OPTIONS = ("--solver", "--repodata-fn", "--experimental")
_INSTALL_PREFIXES = (("python", "-m"), ("python3", "-m"), ("{sys.executable}", "-m"))
_SHELL_NULL = re.compile(r"\s*(?:&>|[12]?>>?)\s*/dev/null|\s*2>&1")
_WALL_TIME = 'print("Wall time: %.3g s" % ({time}.perf_counter() - _nbrepro_start))'


class Translation:
    """What the script does in place of one IPython call."""

    def __init__(self, action, note, before=(), value=None, after=(), installs=None):
        self.action = action
        self.note = note
        self.before = list(before)  # statements, at the indentation of the magic's line
        self.value = value  # expression for the call's value; None: the call has none
        self.after = list(after)
        self.installs = installs or {}

    @property
    def has_code(self):
        return bool(self.before or self.after or self.value is not None)


def _untranslated(note):
    return Translation(UNTRANSLATED, note)


def translate(method, args, ctx):
    """Translate ``get_ipython().<method>(*args)``; every argument is a str."""
    if method == "system" and len(args) == 1:
        return shell(args[0], ctx)
    if method == "getoutput" and len(args) == 1:
        return captured(args[0], ctx)
    if method == "run_line_magic" and len(args) == 2:
        return line_magic(args[0], args[1], ctx)
    if method == "run_cell_magic" and len(args) == 3:
        return cell_magic(args[0], args[1], args[2], ctx)
    return _untranslated("get_ipython().%s(...) has no plain-Python equivalent" % method)


# -- interpolation --------------------------------------------------------------


def interpolate(text, known=None):
    """Python source for the string IPython's ``var_expand`` makes of ``text``.

    ``{expr}`` and ``$name`` become f-string fields and ``$$`` a single ``$``,
    parsed by IPython's own DollarFormatter. IPython leaves the whole text
    unchanged when a field fails to evaluate, as ``$HOME`` does when no Python
    variable HOME exists: a field naming anything outside ``known`` (names the
    notebook binds) and the builtins keeps the text as it is, for the shell.
    """
    from IPython.utils.text import DollarFormatter

    try:
        pieces = list(DollarFormatter().parse(text))
    except ValueError:
        return _quote(text)  # unbalanced braces: IPython leaves such a string as it is
    parts = []  # str for literal text, (expression, conversion) for a field
    for literal, field, spec, conversion in pieces:
        if literal:
            parts.append(literal)
        if field is not None:
            expression = field + (":" + spec if spec else "")  # IPython evaluates "a:b" whole
            if not _is_expression(expression) or not _names_known(expression, known):
                return _quote(text)
            parts.append((expression, conversion))
    fields = [part for part in parts if isinstance(part, tuple)]
    if not fields:
        return _quote("".join(parts))
    if all(re.fullmatch(r"[\w.\s\[\]()+\-*/%,<>]*", e) for e, _ in fields):
        body = "".join(
            _quote(part)[1:-1].replace("{", "{{").replace("}", "}}")
            if isinstance(part, str)
            else "{%s%s}" % (part[0], "!" + part[1] if part[1] else "")
            for part in parts
        )
        return 'f"%s"' % body
    # Quotes or colons in a field: str.format works on every Python version.
    template = "".join(
        part.replace("{", "{{").replace("}", "}}") if isinstance(part, str) else "{}"
        for part in parts
    )
    arguments = [{"r": "repr(%s)", "a": "ascii(%s)"}.get(c, "(%s)") % e for e, c in fields]
    return "%s.format(%s)" % (_quote(template), ", ".join(arguments))


def _names_known(expression, known):
    if known is None:
        return True
    names = {
        n.id
        for n in ast.walk(ast.parse(expression.strip(), mode="eval"))
        if isinstance(n, ast.Name)
    }
    return all(name in known or hasattr(builtins, name) for name in names)


def _is_expression(text):
    if "#" in text or "\n" in text:
        return False
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    return True


def _quote(text):
    """A double-quoted Python literal; non-ASCII characters stay readable."""
    return json.dumps(text, ensure_ascii=False)


def _split(text):
    """Shell words of a magic's arguments, or None when they are not plain words."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return None
    if any(set(word) <= set("();<>|&") for word in words):
        return None  # shell operators: a pipeline, redirection or command list
    return words


# -- shell ----------------------------------------------------------------------


def shell(command, ctx):
    """``!cmd``: the same command through /bin/sh, failing when it fails."""
    install = _shell_install(command)
    if install is not None:
        return install
    _runs_a_script(command, ctx)
    run = "%s.run(%s, shell=True, check=True)" % (
        ctx.module("subprocess"),
        interpolate(command, ctx.known),
    )
    return Translation(
        TRANSLATED,
        "runs through /bin/sh like IPython; the script stops if the command fails, "
        "where the notebook would go on",
        before=[run],
    )


# Interpreters whose first word that is no option names a script file: `!python
# scripts/x.py` runs a file of the project in another process, where no audit
# hook sees it opened; the export carries it like a module.
_SCRIPT_RUNNERS = re.compile(r"^(?:python[0-9.]*|\{sys\.executable\}|bash|sh)$")
# Options of those interpreters that take the next word, or end the search
# (`-m module`, `-c code`: no script file).
_RUNNER_VALUE_OPTIONS = ("-W", "-X", "-o", "-O")
_RUNNER_STOPS = ("-m", "-c", "-")


def _runs_a_script(command, ctx):
    """Tell ``ctx`` (``ran_file``) the script file a shell command runs, if any."""
    ran = getattr(ctx, "ran_file", None)
    words = _split(command)
    if ran is None or not words or not _SCRIPT_RUNNERS.match(words[0]):
        return
    rest = words[1:]
    while rest:
        word = rest.pop(0)
        if word in _RUNNER_STOPS:
            return
        if word in _RUNNER_VALUE_OPTIONS:
            rest = rest[1:]
            continue
        if word.startswith("-"):
            continue
        if _plain_path(word):
            ran(word)
        return


def _plain_path(word):
    """A file name as written, with nothing IPython or a shell would expand in it."""
    return bool(word) and not any(c in word for c in "${}*?[]~`\\")


def captured(command, ctx):
    """``x = !cmd``: its output (stdout and stderr together) as a list of lines."""
    subprocess = ctx.module("subprocess")
    value = (
        "%s.run(%s, shell=True, stdout=%s.PIPE, stderr=%s.STDOUT, text=True).stdout.splitlines()"
        % (subprocess, interpolate(command, ctx.known), subprocess, subprocess)
    )
    return Translation(
        TRANSLATED,
        "output captured as a plain list of lines (IPython's SList extras such as .s and "
        ".grep do not exist)",
        value=value,
    )


def _shell_install(command):
    """``!pip install ...`` and friends, or None for any other command."""
    words = _split(_SHELL_NULL.sub("", command))
    if not words:
        return None
    for prefix in _INSTALL_PREFIXES:
        if tuple(words[: len(prefix)]) == prefix:
            words = words[len(prefix) :]
            break
    tool = {"pip": "pip", "pip3": "pip", "conda": "conda", "mamba": "conda"}.get(words[0])
    if tool is None or words[1:2] != ["install"]:
        return None
    return install(tool, words[1:])


# -- line magics ------------------------------------------------------------------


def line_magic(name, line, ctx):
    handler = _LINE_MAGICS.get(name)
    if handler is not None:
        return handler(line, ctx)
    if name in _ALIASES:
        return shell(name + (" " + line if line.strip() else ""), ctx)
    if name in _NO_EFFECT:
        return Translation(DROPPED, "%%%s is left out: %s" % (name, _NO_EFFECT[name]))
    return _untranslated("%%%s has no plain-Python equivalent; the line is commented out" % name)


def _time(line, ctx):
    """``%time stmt``: run the statement, then print the wall time as IPython does."""
    time = ctx.module("time")
    start = "_nbrepro_start = %s.perf_counter()" % time
    note = "timed with time.perf_counter (wall time only, no CPU times)"
    if ctx.value_used:
        if not _is_expression(line):
            return _untranslated("%time in an assignment needs an expression")
        return Translation(
            TRANSLATED, note, [start], "(%s)" % line.strip(), [_WALL_TIME.format(time=time)]
        )
    body = ctx.body(line)
    if body is None:
        return _untranslated("the statement after %time is not valid Python")
    return Translation(TRANSLATED, note, [start] + body + [_WALL_TIME.format(time=time)])


def _prun(line, ctx):
    if line.lstrip().startswith("-"):
        return _untranslated("%prun with options has no plain-Python equivalent")
    body = ctx.body(line, show=False)  # %prun runs a statement: it shows no value
    if body is None:
        return _untranslated("the statement after %prun is not valid Python")
    return Translation(TRANSLATED, "the statement runs; no profile is printed", body)


def _cd(line, ctx):
    text = line.strip()
    quiet = text == "-q" or text.startswith("-q ")
    if quiet:
        text = text[2:].strip()
    if text.startswith("-") or "\n" in text:
        return _untranslated("%cd with options, - or bookmarks has no plain-Python equivalent")
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    os = ctx.module("os")
    target = interpolate(text, ctx.known) if text else '"~"'
    code = ["%s.chdir(%s.path.expanduser(%s))" % (os, os, target)]
    if not quiet:
        code.append("print(%s.getcwd())" % os)
    return Translation(TRANSLATED, "os.chdir, with ~ expanded; prints the new folder", code)


def _env(line, ctx):
    os = ctx.module("os")
    text = line.strip()
    if not text:
        value = (
            "{k: ('<hidden>' if any(s in k.lower() for s in ('key', 'token', 'secret')) else v) "
            "for k, v in %s.environ.items()}" % os
        )
        return Translation(TRANSLATED, "os.environ, secrets hidden as IPython does", value=value)
    separator = "=" if "=" in text else " "
    if len(text.split(separator)) == 1:
        return Translation(
            TRANSLATED, "reads os.environ", value="%s.environ[%s]" % (os, _quote(text))
        )
    return _set_env(line, ctx)


def _set_env(line, ctx):
    os = ctx.module("os")
    separator = "=" if "=" in line else " "
    bits = line.split(separator, 1)
    if len(bits) < 2 or re.search(r"\s", bits[0].strip()) or not bits[0].strip():
        return _untranslated("%env needs NAME=value or NAME value")
    name, value = _quote(bits[0].strip()), interpolate(bits[1].strip(), ctx.known)
    code = [
        "%s.environ[%s] = %s" % (os, name, value),
        'print("env: %%s=%%s" %% (%s, %s.environ[%s]))' % (name, os, name),
    ]
    return Translation(TRANSLATED, "sets os.environ and prints it like IPython", code)


def _pwd(line, ctx):
    return Translation(TRANSLATED, "os.getcwd()", value="%s.getcwd()" % ctx.module("os"))


def _run(line, ctx):
    words = _split(line)
    if not words or words[0].startswith("-"):
        return _untranslated(
            "%run with options (-i, -m, -t, -d, ...) has no plain-Python equivalent"
        )
    if words[0].endswith((".ipynb", ".ipy")):
        return _untranslated("%run of a notebook or an .ipy file is not translated")
    ran = getattr(ctx, "ran_file", None)
    if ran is not None and _plain_path(words[0]):
        ran(words[0] if words[0].endswith(".py") else words[0] + ".py")
    sys, runpy, os = ctx.module("sys"), ctx.module("runpy"), ctx.module("os")
    argv = "[%s]" % ", ".join(
        ["%s.path.expanduser(%s)" % (os, interpolate(words[0], ctx.known))]
        + [interpolate(word, ctx.known) for word in words[1:]]
    )
    code = ["_nbrepro_argv, %s.argv = %s.argv, %s" % (sys, sys, argv)]
    if not words[0].endswith(".py"):
        code += [
            "if not %s.path.isfile(%s.argv[0]):" % (os, sys),
            '    %s.argv[0] += ".py"  # %%run adds .py when the name is not a file' % sys,
        ]
    code += [
        "try:",
        '    _nbrepro_globals = %s.run_path(%s.argv[0], run_name="__main__")' % (runpy, sys),
        "finally:",
        "    %s.argv = _nbrepro_argv" % sys,
        'globals().update((k, v) for k, v in _nbrepro_globals.items() if not k.startswith("__"))',
    ]
    return Translation(
        TRANSLATED,
        "runpy.run_path with sys.argv set; its variables are copied into the script's namespace "
        "as %run does",
        code,
    )


def _matplotlib(line, ctx):
    ctx.use_matplotlib()
    return Translation(
        TRANSLATED,
        "a script has no inline display: figures render off-screen with the Agg backend "
        "(MPLBACKEND, set at the top)",
    )


def _load_ext(line, ctx):
    if line.split() == ["autoreload"]:
        return Translation(DROPPED, "autoreload is left out: a script imports each module once")
    return _untranslated("an IPython extension's magics and hooks do not exist in a script")


def _sx(line, ctx):
    return captured(line, ctx)


def _pip(line, ctx):
    return _install_magic("pip", line)


def _conda(line, ctx):
    return _install_magic("conda", line)


def _install_magic(tool, line):
    words = _split(_SHELL_NULL.sub("", line))
    if not words:
        return _untranslated("%%%s arguments with shell operators are not translated" % tool)
    if words[0] == "install":
        return install(tool, words)
    if words[0] in ("list", "freeze", "show", "info", "config", "--version", "search"):
        return Translation(DROPPED, "%%%s %s only prints information" % (tool, words[0]))
    return _untranslated(
        "%%%s %s changes the environment outside the recorded one" % (tool, words[0])
    )


_LINE_MAGICS = {
    "time": _time,
    "prun": _prun,
    "cd": _cd,
    "env": _env,
    "set_env": _set_env,
    "pwd": _pwd,
    "run": _run,
    "matplotlib": _matplotlib,
    "load_ext": _load_ext,
    "sx": _sx,
    "system": _sx,
    "pip": _pip,
    "conda": _conda,
    "mamba": _conda,
    "micromamba": _conda,
}


# -- installs ---------------------------------------------------------------------


def install(tool, words):
    """``pip install ...`` or ``conda install ...`` (words start at "install")."""
    specs, channels, ignored = [], [], []
    value_options = _PIP_VALUE_OPTIONS if tool == "pip" else _CONDA_VALUE_OPTIONS
    index = 1
    while index < len(words):
        word = words[index]
        if "{" in word or "$" in word:
            return _untranslated("a requirement built from Python variables is not translated")
        if tool == "pip" and word in ("-r", "--requirement", "-e", "--editable"):
            return _untranslated(
                "pip %s refers to local files that the bundle does not hold" % word
            )
        if tool == "conda" and word in ("-n", "--name", "-p", "--prefix", "--file"):
            return _untranslated("conda install %s is not about the kernel's environment" % word)
        if tool == "conda" and word in ("-c", "--channel"):
            channels.extend(words[index + 1 : index + 2])
            index += 2
            continue
        if word.startswith("-"):
            takes_value = word in value_options and "=" not in word
            ignored.append(" ".join(words[index : index + 1 + takes_value]))
            index += 1 + takes_value
            continue
        if words[index + 1 : index + 2] == ["@"]:  # pip's "name @ url", unquoted
            word = " ".join(words[index : index + 3])
            index += 2
        if tool == "pip" and re.match(r"^(\.|/|~)", word):
            return _untranslated("pip install of a local path is not reproducible elsewhere")
        specs.append(word)
        index += 1
    if not specs:
        return _untranslated("no packages found in this install command")
    note = "moved to the environment files"
    if ignored:
        note += " (options left out: %s)" % ", ".join(ignored)
    installs = {tool: specs}
    if channels:
        installs["conda_channels"] = channels
    return Translation(MOVED, note, installs=installs)


# -- cell magics ------------------------------------------------------------------


def cell_magic(name, line, body, ctx):
    if name == "time":
        if line.strip():
            return _untranslated("%%time with a statement on its first line is not translated")
        code = ctx.body(body)
        if code is None:
            return _untranslated("the body of %%time is not valid Python")
        time = ctx.module("time")
        start = "_nbrepro_start = %s.perf_counter()" % time
        return Translation(
            TRANSLATED,
            "timed with time.perf_counter (wall time only, no CPU times)",
            [start] + code + [_WALL_TIME.format(time=time)],
        )
    if name in ("writefile", "file"):
        return _writefile(line, body, ctx)
    if name in _SHELLS or (name == "script" and line.strip() in _SHELLS):
        program = _SHELLS[name if name in _SHELLS else line.strip()]
        if name != "script" and line.strip():
            return _untranslated("%%%%%s with options is not translated" % name)
        run = '%s.run([%s, "-c", %s], check=True)' % (
            ctx.module("subprocess"),
            _quote(program),
            _quote(body),
        )
        return Translation(
            TRANSLATED, "the body runs with %s -c; the script stops if it fails" % program, [run]
        )
    if name == "capture":
        return _capture(line, body, ctx)
    if name == "prun":
        return _prun(body, ctx) if not line.strip() else _untranslated("%%prun with options")
    if name == "timeit":
        return Translation(DROPPED, "%%%%timeit is left out: %s" % _NO_EFFECT["timeit"])
    if name in _DISPLAY_ONLY:
        return Translation(DROPPED, "%%%%%s only renders its body as output" % name)
    return _untranslated("%%%%%s has no plain-Python equivalent; the cell is commented out" % name)


def _writefile(line, body, ctx):
    words = _split(line)
    append = bool(words) and words[0] in ("-a", "--append")
    words = words[1:] if append else words
    if not words or len(words) != 1 or words[0].startswith("-"):
        return _untranslated("%%writefile needs one file name (and optionally -a)")
    os = ctx.module("os")
    verb = '"Appending to %s"' if append else '"Overwriting %s"'
    code = [
        "_nbrepro_path = %s.path.expanduser(%s)" % (os, interpolate(words[0], ctx.known)),
        'print((%s if %s.path.exists(_nbrepro_path) else "Writing %%s") %% _nbrepro_path)'
        % (verb, os),
        'with open(_nbrepro_path, "%s", encoding="utf-8") as _nbrepro_file:'
        % ("a" if append else "w"),
        "    _nbrepro_file.write(%s)" % _quote(body),
    ]
    return Translation(TRANSLATED, "the body is written with open(), as %%writefile does", code)


def _capture(line, body, ctx):
    code = ctx.body(body)
    if code is None:
        return _untranslated("the body of %%capture is not valid Python")
    names = [word for word in (_split(line) or []) if not word.startswith("-")]
    if names:
        comment = "# nbrepro: %s is not defined: the script does not capture output" % names[0]
        return Translation(
            UNTRANSLATED,
            "the body runs and its output is shown; the variable %s holding the captured "
            "output does not exist in the script" % names[0],
            [comment] + code,
        )
    return Translation(
        DROPPED, "%%capture is left out: the body runs and its output is shown", code
    )
