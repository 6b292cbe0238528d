"""Run the capture engine inside a kernel that does not have nbrepro installed.

The engine is the ``capture`` package's source files. ``kernel_source()``
turns them into one piece of Python that installs them in a kernel under the
private name ``_nbrepro_capture``; the JupyterLab front end sends the same
text, so these files are the only copy of the engine.

A capture is one silent execute request whose ``user_expressions`` call
``_nbrepro_capture.entry.run``; the reply carries base64 of the JSON result.
"""

import base64
import hashlib
import json
import re
import time
from pathlib import Path

from .. import errors

PACKAGE = "_nbrepro_capture"
CAPTURE_DIR = Path(__file__).resolve().parents[1] / "capture"
EXPRESSION_KEY = "nbrepro"
# What the probe expression evaluates to when the engine is missing or outdated.
NOT_INSTALLED = "NBREPRO_NOT_INSTALLED"

_INSTALLER = """
import sys, types
def install(sources, order, version, package, codes=None, magic=None):
    current = sys.modules.get(package)
    if current is not None and getattr(current, "__engine_version__", None) == version:
        return
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    compiled = {}
    if codes is not None:
        # the sender's bytecode, when this interpreter reads the same (its magic)
        import importlib.util, marshal, binascii
        if importlib.util.MAGIC_NUMBER.hex() == magic:
            compiled = dict((k, marshal.loads(binascii.a2b_base64(v))) for k, v in codes.items())
    if sources is None and not compiled:
        raise RuntimeError("NBREPRO_NEEDS_SOURCES")
    sources = compiled if sources is None else sources
    def code_of(name):
        if name in compiled:
            return compiled[name]
        return compile(sources[name], "<%s/%s.py>" % (package, name), "exec")
    root = types.ModuleType(package, "nbrepro capture engine (installed by nbrepro)")
    root.__path__ = []
    root.__package__ = package
    sys.modules[package] = root
    try:
        for name in order:
            full = package + "." + name
            module = types.ModuleType(full)
            module.__package__ = package
            sys.modules[full] = module
            setattr(root, name, module)
            exec(code_of(name), module.__dict__)
        if "__init__" in sources:
            exec(code_of("__init__"), root.__dict__)
    except BaseException:
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
        raise
    root.__engine_version__ = version
install(SOURCES, ORDER, VERSION, PACKAGE, globals().get("CODES"), globals().get("MAGIC"))
"""


# directory -> (stat key, sources, version or None). Every capture builds the probe
# expression, and re-reading and hashing the engine's files each time costs
# about a millisecond for nothing.
_ENGINE_CACHE = {}


def _stat_key(directory):
    key = []
    for path in sorted(Path(directory).glob("*.py")):
        stat = path.stat()
        key.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def engine_sources(directory=CAPTURE_DIR):
    """{module name: source} for every module of the capture package.

    Cached by the files' (mtime_ns, size): an edited, added or removed file is
    read again. The dict is shared between calls; do not change it.
    """
    key = _stat_key(directory)
    cached = _ENGINE_CACHE.get(str(directory))
    if cached is not None and cached[0] == key:
        return cached[1]
    sources = {
        path.stem: path.read_text(encoding="utf-8") for path in sorted(Path(directory).glob("*.py"))
    }
    _ENGINE_CACHE[str(directory)] = (key, sources, None)
    return sources


_RELATIVE_IMPORT = re.compile(r"^[ \t]*from \.(\w*)(?:\.\w+)* import (\([^)]*\)|[^\n#]*)", re.M)


def _relative_imports(source):
    """Sibling modules a module imports with ``from . import x`` or ``from .x import y``.

    A scan of the text, not ``ast``: parsing the whole capture package took a
    fifth of a second of every ``nbrepro run`` and papermill run (the engine's
    own sources, which keep to these two forms; a test holds it to ``ast``).
    """
    found = set()
    for module, names in _RELATIVE_IMPORT.findall(source):
        if module:
            found.add(module)
        else:
            for name in names.strip("()").split(","):
                name = name.split("#")[0].split(" as ")[0].strip()
                if name:
                    found.add(name)
    return found


def load_order(sources):
    """Module names so that each comes after the siblings it imports at module level.

    Imports inside functions run later, when every module exists, but they are
    ordered too where that is possible; a cycle keeps the alphabetical order.
    """
    names = sorted(n for n in sources if n != "__init__")
    deps = {n: _relative_imports(sources[n]) & set(names) - {n} for n in names}
    order, placed, visiting = [], set(), set()

    def visit(name):
        if name in placed or name in visiting:
            return
        visiting.add(name)
        for dep in sorted(deps[name]):
            visit(dep)
        visiting.discard(name)
        placed.add(name)
        order.append(name)

    for name in names:
        visit(name)
    return order


def engine_version(sources):
    for _key, cached_sources, version in list(_ENGINE_CACHE.values()):
        if cached_sources is sources and version is not None:
            return version
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode("utf-8") + b"\0")
    version = digest.hexdigest()[:16]
    for directory, (key, cached_sources, _) in list(_ENGINE_CACHE.items()):
        if cached_sources is sources:
            _ENGINE_CACHE[directory] = (key, cached_sources, version)
    return version


_SOURCE_CACHE = {}


def kernel_source(directory=CAPTURE_DIR):
    """Python source that installs (or refreshes) the engine in a kernel.

    Run it silently with ``store_history=False``; it is one ``exec`` call with
    its own namespace, so the user's namespace gains no names. Installing
    twice is a no-op; a changed engine replaces the old one.
    """
    sources = engine_sources(directory)
    version = engine_version(sources)
    cached = _SOURCE_CACHE.get(version)
    if cached is not None:
        return cached
    namespace = {
        "SOURCES": sources,
        "ORDER": load_order(sources),
        "VERSION": version,
        "PACKAGE": PACKAGE,
    }
    preamble = "".join("%s = %r\n" % (k, v) for k, v in namespace.items())
    program = preamble + _INSTALLER
    text = "exec(%r, {'__name__': '_nbrepro_installer'})\n" % program
    _SOURCE_CACHE.clear()
    _SOURCE_CACHE[version] = text
    return text


_CODE_CACHE = {}


def engine_codes(directory=CAPTURE_DIR):
    """``({module name: base64 of its marshalled code}, magic hex)`` of the engine as
    this interpreter compiles it, taken from its import system's bytecode cache
    (``__pycache__``, written by the first import or compiled here when stale),
    so an unchanged engine is compiled once per install, not in every kernel.
    The kernel takes it only when its magic number is the same (the same
    bytecode); else it compiles the sources (``_INSTALLER``)."""
    import binascii
    import importlib.util

    sources = engine_sources(directory)
    version = engine_version(sources)
    cached = _CODE_CACHE.get(version)
    if cached is None:
        codes = {}
        for name in sources:
            body = _bytecode(Path(directory) / ("%s.py" % name))
            if body is None:  # the file changed under us: the kernel compiles the source
                return None, None
            codes[name] = binascii.b2a_base64(body, newline=False).decode("ascii")
        cached = (codes, importlib.util.MAGIC_NUMBER.hex())
        _CODE_CACHE.clear()
        _CODE_CACHE[version] = cached
    return cached


def _bytecode(path):
    """The marshalled code of the module at ``path``: the body of its ``.pyc`` when
    that was made from the file as it is (PEP 552's header: magic, flags 0, the
    source's mtime and size), else compiled now (and the ``.pyc`` rewritten)."""
    import importlib.machinery
    import importlib.util
    import marshal

    try:
        stat = path.stat()
        with open(importlib.util.cache_from_source(str(path)), "rb") as handle:
            data = handle.read()
    except (OSError, ValueError, NotImplementedError):
        data = b""
    header = (
        importlib.util.MAGIC_NUMBER
        + (0).to_bytes(4, "little")
        + (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
        if data
        else None
    )
    if header is not None and data[:16] == header:
        return data[16:]
    loader = importlib.machinery.SourceFileLoader("nbrepro.capture." + path.stem, str(path))
    try:
        code = loader.get_code(loader.name)
    except (OSError, SyntaxError):
        return None
    return marshal.dumps(code) if code is not None else None


# What the installer raises when it was sent bytecode only, for another Python.
NEEDS_SOURCES = "NBREPRO_NEEDS_SOURCES"


def install_source_expression(directory=CAPTURE_DIR, with_sources=False):
    """The engine's install as one expression: ``exec(installer, namespace)``, the
    namespace a literal parsed once (the front end's ``kernel_source()`` nests
    the sources in the installer's text, a literal parsed twice). It carries
    the engine's bytecode (``engine_codes``), and the sources only
    ``with_sources``: a kernel whose Python reads other bytecode raises
    NEEDS_SOURCES, and is sent them."""
    sources = engine_sources(directory)
    codes, magic = engine_codes(directory)
    namespace = (
        "{'__name__': '_nbrepro_installer', 'SOURCES': %r, 'ORDER': %r, 'VERSION': %r, "
        "'PACKAGE': %r, 'CODES': %r, 'MAGIC': %r}"
        % (
            sources if with_sources or codes is None else None,
            load_order(sources),
            engine_version(sources),
            PACKAGE,
            codes,
            magic,
        )
    )
    return "exec(%r, %s)" % (_INSTALLER, namespace)


def probe_expression(options=None, directory=CAPTURE_DIR):
    """The ``user_expressions`` entry that runs one capture.

    It evaluates to the marker string NOT_INSTALLED when the kernel lacks this
    version of the engine (a new kernel, or nbrepro was upgraded), so the caller
    can send ``kernel_source()`` and ask again.
    """
    version = engine_version(engine_sources(directory))
    payload = json.dumps(options or {}, sort_keys=True)
    modules = "__import__('sys').modules"
    return (
        "{modules}['{pkg}.entry'].run({payload!r}) "
        "if getattr({modules}.get('{pkg}'), '__engine_version__', None) == {version!r} "
        "else {marker!r}"
    ).format(modules=modules, pkg=PACKAGE, payload=payload, version=version, marker=NOT_INSTALLED)


def decode_reply(value):
    """The capture dict from one ``user_expressions`` value; None when the engine is missing."""
    if not isinstance(value, dict):
        raise errors.KernelCaptureError("user expression value is not a mime bundle: %r" % (value,))
    if value.get("status") != "ok":
        raise errors.KernelCaptureError(
            "capture expression failed in the kernel: %s: %s"
            % (value.get("ename", "?"), value.get("evalue", ""))
        )
    text = (value.get("data") or {}).get("text/plain")
    if not isinstance(text, str):
        raise errors.KernelCaptureError("capture reply has no text/plain value")
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text == NOT_INSTALLED:
        return None
    try:
        return json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    except ValueError as exc:
        raise errors.KernelCaptureError("capture reply is not base64 JSON: %s" % exc) from exc


def _execute(client, code, expressions, timeout):
    msg_id = client.execute(
        code,
        silent=True,
        store_history=False,
        allow_stdin=False,
        user_expressions=expressions,
        stop_on_error=False,
    )
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.KernelCaptureError("no reply from the kernel within %.1f s" % timeout)
        try:
            reply = client.get_shell_msg(timeout=remaining)
        except Exception as exc:  # queue.Empty from jupyter_client
            raise errors.KernelCaptureError(
                "no reply from the kernel within %.1f s" % timeout
            ) from exc
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return reply["content"]


def capture_in_kernel(kernel_client, options=None, timeout=30.0):
    """Capture through a jupyter_client blocking client; install the engine when needed.

    Usually one round trip: the expression runs the installed engine. A kernel
    without it (or with an older one) gets ``kernel_source()`` in a second
    request.
    """
    expressions = {EXPRESSION_KEY: probe_expression(options)}
    deadline = time.monotonic() + timeout
    content = _execute(kernel_client, "", expressions, timeout)
    result = _reply_value(content)
    if result is None:
        content = _execute(kernel_client, kernel_source(), expressions, deadline - time.monotonic())
        result = _reply_value(content)
        if result is None:
            raise errors.KernelCaptureError("the kernel did not keep the installed capture engine")
    return result


def _reply_value(content):
    if content.get("status") != "ok":
        raise errors.KernelCaptureError(
            "installing the capture engine failed: %s: %s"
            % (content.get("ename", "?"), content.get("evalue", ""))
        )
    value = (content.get("user_expressions") or {}).get(EXPRESSION_KEY)
    return decode_reply(value)


# -- per-cell records: hooks in the kernel, one collect from the front end ----------------

# Where a Python string literal of the options JSON goes in the templates.
# The front end writes JSON.stringify(JSON.stringify(options)) there, and
# Python json.dumps(json.dumps(options)): a JSON string is a Python string.
OPTIONS_PLACEHOLDER = "__NBREPRO_OPTIONS__"


def _session_templates(version):
    modules = "__import__('sys').modules"
    package = "{modules}.get('{pkg}')".format(modules=modules, pkg=PACKAGE)
    install = "{modules}['{pkg}.session'].install_hooks({options})".format(
        modules=modules, pkg=PACKAGE, options=OPTIONS_PLACEHOLDER
    )
    # The marker also comes back when the engine is there but its hooks are not
    # (a kernel that only ever ran the one-off capture): the answer is the same,
    # send the source and the install statement.
    collect = (
        "{modules}['{pkg}.session'].collect({options}) "
        "if getattr({package}, '__engine_version__', None) == {version!r} "
        "and getattr({package}, '_session_ready', False) "
        "else {marker!r}"
    ).format(
        modules=modules,
        pkg=PACKAGE,
        package=package,
        options=OPTIONS_PLACEHOLDER,
        version=version,
        marker=NOT_INSTALLED,
    )
    return install, collect


def engine_payload(directory=CAPTURE_DIR):
    """What the front end needs to install the engine and collect, as plain JSON.

    ``install_hooks`` and ``collect_template`` hold OPTIONS_PLACEHOLDER; send
    ``source`` then ``install_hooks`` silently (one request: source + "\\n" +
    install statement), and ``collect_template`` as a ``user_expressions``
    entry. A collect that answers ``not_installed`` asks for that install.
    """
    version = engine_version(engine_sources(directory))
    install, collect = _session_templates(version)
    return {
        "version": version,
        "source": kernel_source(directory),
        "install_hooks": install,
        "collect_template": collect,
        "not_installed": NOT_INSTALLED,
        "placeholder": OPTIONS_PLACEHOLDER,
    }


def _fill(template, options):
    return template.replace(OPTIONS_PLACEHOLDER, json.dumps(json.dumps(options or {})))


def collect_expression(options=None, directory=CAPTURE_DIR):
    """The ``user_expressions`` entry that collects the pending per-cell records."""
    payload = engine_payload(directory)
    return _fill(payload["collect_template"], options)


def install_statement(options=None, directory=CAPTURE_DIR):
    """Engine source plus the statement that registers the hooks, as one piece of code."""
    payload = engine_payload(directory)
    return payload["source"] + _fill(payload["install_hooks"], options) + "\n"


INSTALL_KEY = "nbrepro_install"
HOOKS_KEY = "nbrepro_hooks"


def install_expressions(options=None, directory=CAPTURE_DIR, with_sources=False):
    """The engine's install, the hooks' and a collect as ``user_expressions`` of one
    silent request, evaluated in this order.

    An expression is evaluated with plain ``eval``: the 240 kB of the engine's
    source go past IPython's cell machinery (input transformers, the parse of
    the cell, ``run_cell``), which took a quarter of a second of every kernel
    start when the source was sent as the request's code (0.29 s against 0.03
    s for an empty request, measured). ``kernel_source()`` and the hooks'
    statement are both single calls, so each is an expression too; the
    installer runs in its own namespace, and a value of None is all the user
    namespace sees of either.
    """
    install, collect = _session_templates(engine_version(engine_sources(directory)))
    return {
        INSTALL_KEY: install_source_expression(directory, with_sources),
        HOOKS_KEY: _fill(install, options),
        EXPRESSION_KEY: _fill(collect, options),
    }


def collect_in_kernel(kernel_client, options=None, timeout=30.0, fresh=False):
    """Collect through a jupyter_client blocking client; install engine and hooks when needed.

    The first call in a kernel installs them (a second request) and returns
    what a collect right after that returns: no cells, the current environment.
    ``fresh``: the kernel has just started (nothing of nbrepro is there yet), so
    the install goes with the first request.
    """
    deadline = time.monotonic() + timeout
    result = None
    if not fresh:
        expressions = {EXPRESSION_KEY: collect_expression(options)}
        result = _reply_value(_execute_unless_aborted(kernel_client, "", expressions, deadline))
    if result is None:
        expressions = install_expressions(options)
        install = {INSTALL_KEY: expressions.pop(INSTALL_KEY)}
        content = _execute_unless_aborted(kernel_client, "", install, deadline)
        value = (content.get("user_expressions") or {}).get(INSTALL_KEY) or {}
        if value.get("status") == "error" and NEEDS_SOURCES in str(value.get("evalue")):
            install = {INSTALL_KEY: install_source_expression(with_sources=True)}
            content = _execute_unless_aborted(kernel_client, "", install, deadline)
            value = (content.get("user_expressions") or {}).get(INSTALL_KEY) or {}
        if content.get("status") == "ok" and value.get("status") != "ok":
            raise errors.KernelCaptureError(
                "installing the capture engine failed: %s: %s"
                % (value.get("ename", "?"), value.get("evalue", ""))
            )
        # The hooks go in as a (silent) cell, as the front end sends them: the
        # collect's first snapshot is then taken as every later one is.
        hooks = expressions.pop(HOOKS_KEY)
        content = _execute_unless_aborted(kernel_client, hooks, expressions, deadline)
        result = _reply_value(content)
        if result is None:
            raise errors.KernelCaptureError("the kernel did not keep the installed hooks")
    return result


def _execute_unless_aborted(kernel_client, code, expressions, deadline):
    """Execute; send again while the kernel answers "aborted".

    After a cell fails with stop_on_error, ipykernel aborts every request
    already queued, silent ones too; the records stay pending in the kernel.
    """
    while True:
        content = _execute(kernel_client, code, expressions, deadline - time.monotonic())
        if content.get("status") != "aborted":
            return content
        if time.monotonic() + 0.05 >= deadline:
            raise errors.KernelCaptureError("the kernel kept aborting the collect request")
        time.sleep(0.05)
