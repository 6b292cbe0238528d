"""Run the capture engine inside a kernel that does not have nbrepro installed.

The engine is the ``capture`` package's source files. ``kernel_source()``
turns them into one piece of Python that installs them in a kernel under the
private name ``_nbrepro_capture``; the JupyterLab front end sends the same
text, so these files are the only copy of the engine.

A capture is one silent execute request whose ``user_expressions`` call
``_nbrepro_capture.entry.run``; the reply carries base64 of the JSON result.
"""

import ast
import base64
import hashlib
import json
import time
from pathlib import Path

PACKAGE = "_nbrepro_capture"
CAPTURE_DIR = Path(__file__).resolve().parent / "capture"
EXPRESSION_KEY = "nbrepro"
# What the probe expression evaluates to when the engine is missing or outdated.
NOT_INSTALLED = "NBREPRO_NOT_INSTALLED"

_INSTALLER = """
import sys, types
def install(sources, order, version, package):
    current = sys.modules.get(package)
    if current is not None and getattr(current, "__engine_version__", None) == version:
        return
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
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
            exec(compile(sources[name], "<%s/%s.py>" % (package, name), "exec"), module.__dict__)
        if "__init__" in sources:
            exec(compile(sources["__init__"], "<%s/__init__.py>" % package, "exec"), root.__dict__)
    except BaseException:
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
        raise
    root.__engine_version__ = version
install(SOURCES, ORDER, VERSION, PACKAGE)
"""


class KernelCaptureError(RuntimeError):
    """The kernel did not return a capture (an error in the expression, or no reply)."""


def engine_sources(directory=CAPTURE_DIR):
    """{module name: source} for every module of the capture package."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.py"))}


def _relative_imports(source):
    """Sibling modules a module imports with ``from . import x`` or ``from .x import y``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
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
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


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
        raise KernelCaptureError("user expression value is not a mime bundle: %r" % (value,))
    if value.get("status") != "ok":
        raise KernelCaptureError(
            "capture expression failed in the kernel: %s: %s"
            % (value.get("ename", "?"), value.get("evalue", ""))
        )
    text = (value.get("data") or {}).get("text/plain")
    if not isinstance(text, str):
        raise KernelCaptureError("capture reply has no text/plain value")
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text == NOT_INSTALLED:
        return None
    try:
        return json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    except ValueError as exc:
        raise KernelCaptureError("capture reply is not base64 JSON: %s" % exc) from exc


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
            raise KernelCaptureError("no reply from the kernel within %.1f s" % timeout)
        try:
            reply = client.get_shell_msg(timeout=remaining)
        except Exception as exc:  # queue.Empty from jupyter_client
            raise KernelCaptureError("no reply from the kernel within %.1f s" % timeout) from exc
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
            raise KernelCaptureError("the kernel did not keep the installed capture engine")
    return result


def _reply_value(content):
    if content.get("status") != "ok":
        raise KernelCaptureError(
            "installing the capture engine failed: %s: %s"
            % (content.get("ename", "?"), content.get("evalue", ""))
        )
    value = (content.get("user_expressions") or {}).get(EXPRESSION_KEY)
    return decode_reply(value)
