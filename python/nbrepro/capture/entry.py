"""Kernel-side entry point: the function a silent ``user_expressions`` request calls.

Kernel-side: standard library only, Python 3.8 grammar.

``run(options_json)`` returns base64 of the capture's JSON: the repr of an
ASCII string is the string in quotes, so the front end never parses a Python
repr. Whatever happens, it returns a result: no output, no exception, no name
left in the user namespace, and a bounded wait.
"""

import sys

# The per-kernel cache lives on the package module, which the bridge installs
# under a private name; a fresh kernel starts with a fresh cache.
CACHE_ATTRIBUTE = "_kernel_cache"
DEFAULT_TIMEOUT = 10.0
SCHEMA_VERSION = 1
_WORKER_KEY = "entry.worker"


class _QuietWarnings(object):
    """Drops the warnings that the capturing threads would show; no other thread's.

    The capture reads attributes of the user's frameworks, and some of those
    warn. `warnings.catch_warnings` or a swapped `sys.stderr` would silence
    every thread of the kernel while the capture runs (a user's thread printing
    or warning in that window lost its output) and is not thread-safe either.
    Instead, while at least one capturing thread is registered, the process's
    `warnings.showwarning` is wrapped by a function that forwards each warning
    to the function it wrapped unless the calling thread is a capturing one.
    The streams are never touched, and the wrapper goes when the last
    capturing thread leaves (unless someone replaced it meanwhile: then it
    stays, forwarding everything, as transparent as an absent one).
    """

    def __init__(self):
        import threading

        self.lock = threading.Lock()
        self.threads = set()
        self.hook = None

    def __enter__(self):
        import threading
        import warnings

        ident = threading.get_ident()
        with self.lock:
            if not self.threads:
                self._install(warnings)
            self.threads.add(ident)
        return self

    def __exit__(self, *exc):
        import threading
        import warnings

        with self.lock:
            self.threads.discard(threading.get_ident())
            if not self.threads and self.hook is not None:
                if warnings.showwarning is self.hook:
                    warnings.showwarning = self.hook.wrapped
                self.hook = None
        return False

    def _install(self, warnings):
        import threading

        wrapped = warnings.showwarning
        threads = self.threads
        get_ident = threading.get_ident

        def showwarning(message, category, filename, lineno, file=None, line=None):
            if get_ident() in threads:
                return None
            return wrapped(message, category, filename, lineno, file, line)

        showwarning.wrapped = wrapped
        self.hook = showwarning
        warnings.showwarning = showwarning


_QUIET = []


def quiet_warnings():
    """The context that keeps the calling thread's warnings from the user's cells."""
    if not _QUIET:
        _QUIET.append(_QuietWarnings())
    return _QUIET[0]


def run(options_json=None):
    """Capture and return base64 of the JSON result."""
    import base64
    import json
    import time

    started = time.perf_counter()
    try:
        result = _run(options_json)
    except Exception as exc:
        result = failed_result("capture failed: %r" % (exc,))
    if isinstance(result, dict):
        info = result.get("capture")
        if not isinstance(info, dict):
            info = result["capture"] = {}
        info["kernel_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
        if not info.get("duration_ms"):
            info["duration_ms"] = info["kernel_ms"]
    try:
        text = json.dumps(result, sort_keys=True, separators=(",", ":"), default=str)
    except Exception as exc:
        text = json.dumps(failed_result("capture result is not JSON: %r" % (exc,)))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def failed_result(message):
    """A result that says the capture did not happen, valid against the schema.

    Its environment_id is null: there is no environment.
    """
    try:
        from .core import ENGINE_VERSION as engine_version
    except Exception:
        engine_version = "unknown"
    return {
        "schema_version": SCHEMA_VERSION,
        "environment_id": None,
        "unchanged": False,
        "runtime": {},
        "capture": {
            "engine_version": str(engine_version),
            "duration_ms": 0.0,
            "fingerprint": "miss",
        },
        "problems": [{"probe": "capture", "message": str(message)[:500]}],
    }


def kernel_cache():
    package = sys.modules.get(__name__.rpartition(".")[0])
    if package is None:
        return {}
    cache = getattr(package, CACHE_ATTRIBUTE, None)
    if not isinstance(cache, dict):
        cache = {}
        setattr(package, CACHE_ATTRIBUTE, cache)
    return cache


def user_namespace():
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:
        return None
    return getattr(shell, "user_ns", None)


def _run(options_json):
    import json
    import threading

    options = json.loads(options_json) if options_json else {}
    if not isinstance(options, dict):
        return failed_result("options must be a JSON object")
    cell_source = options.pop("cell_source", None)
    if cell_source is not None and not isinstance(cell_source, str):
        cell_source = None
    try:
        timeout = max(0.5, float(options.get("timeout", DEFAULT_TIMEOUT)))
    except (TypeError, ValueError):
        timeout = DEFAULT_TIMEOUT
    cache = kernel_cache()
    previous = cache.get(_WORKER_KEY)
    if previous is not None and previous.is_alive():
        return failed_result("the previous capture is still running; this run was skipped")
    user_ns = user_namespace()
    box = {}

    def work():
        try:
            # Quiet for the worker's whole life: it may outlive the wait.
            with quiet_warnings():
                box["result"] = _capture(options, cache, user_ns, cell_source)
        except Exception as exc:
            box["result"] = failed_result("capture failed: %r" % (exc,))

    # The capture runs in a thread so that the kernel waits at most `timeout`;
    # a capture that overruns finishes in the background and fills the cache.
    # The process-wide streams stay as they are: other threads print meanwhile.
    worker = threading.Thread(target=work, name="nbrepro-capture")
    worker.daemon = True
    cache[_WORKER_KEY] = worker
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return failed_result(
            "capture took longer than %.1f s; it goes on in the background" % timeout
        )
    return box.get("result") or failed_result("capture returned nothing")


def _capture(options, cache, user_ns, cell_source):
    try:
        from .core import capture
    except ImportError:
        capture = None
    if capture is not None:
        return capture(options=options, cache=cache, user_ns=user_ns, cell_source=cell_source)
    return _runtime_only(options, cache, user_ns, cell_source)


def _runtime_only(options, cache, user_ns, cell_source):
    """The per-run probes alone, for an engine built without the orchestrator."""
    from . import determinism, frameworks, modules, seeds
    from .context import Context

    ctx = Context(options, cache, user_ns, cell_source)
    runtime = {}
    probes = (
        ("seeds", seeds),
        ("determinism", determinism),
        ("modules", modules),
        ("frameworks", frameworks),
    )
    for name, module in probes:
        try:
            runtime[name] = module.probe(ctx)
        except Exception as exc:
            ctx.problem(name, "probe failed: %r" % (exc,))
    result = failed_result("the capture orchestrator (core.py) is missing; environment skipped")
    result["runtime"] = runtime
    result["problems"].extend(ctx.problems)
    return result
