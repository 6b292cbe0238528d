"""Per-cell records kept by the kernel itself, collected later by the front end.

Run All queues every execute request in the kernel before the first reply
comes back, so a capture the front end sends after cell 1's reply would run
after the last cell. Instead, IPython's ``post_run_cell`` event captures right
after each cell, in the kernel, and appends a small pending record; the front
end (or ``nbrepro run``) asks for the records with one silent ``collect``.

Kernel-side code: standard library only, Python 3.8 grammar.

Everything here must leave the user's kernel as it was: no output (IPython
prints the traceback of a failing callback, so the callbacks catch
everything), no names in the user namespace, RNG states untouched, and a
bounded wait.
"""

import sys

from . import core, entry, inputs, seeds, streams

SCHEMA_VERSION = 1
# Attributes on the package module, which lives as long as the kernel (or
# until a newer engine replaces it).
STATE_ATTRIBUTE = "_session_state"
READY_ATTRIBUTE = "_session_ready"
MAX_PENDING = 2000
MAX_ENVIRONMENTS = 16
MAX_PROBLEMS = 50
MAX_WANTED = 64
MAX_CELL_ID = 200
DEFAULT_TIMEOUT = 10.0
ZERO_ID = "0" * 16
# Options that steer one collect and are not capture options.
COLLECT_ONLY_OPTIONS = ("want_environments", "include_environment", "cell_source", "late_cells")
MAX_LATE_CELLS = 200


class _State(object):
    """What the hooks recorded since the last collect, and the environments seen."""

    def __init__(self):
        self.options = {}
        self.hooks = False
        self.pending = []
        self.dropped = 0
        self.environments = {}  # id -> environment, oldest first
        self.unsent = []  # environment ids first seen since the last collect
        self.runs = {}  # run id -> runtime record, for pending records
        self.problems = []
        self.worker = None
        self.warm = False  # a capture has finished in this kernel: GPU facts are cached
        self.last_info = None
        self.audit = False  # the audit hook that records opened files is in place

    def problem(self, probe, message):
        item = {"probe": str(probe), "message": str(message)[:500]}
        if item not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(item)

    def remember_environment(self, env_id, environment, keep=()):
        if env_id in self.environments:
            return
        self.environments[env_id] = environment
        self.unsent.append(env_id)
        if len(self.environments) > MAX_ENVIRONMENTS:
            referenced = set(keep) | set(r.get("env") for r in self.pending)
            for old in list(self.environments):
                if len(self.environments) <= MAX_ENVIRONMENTS:
                    break
                if old not in referenced and old != env_id:
                    del self.environments[old]
                    if old in self.unsent:
                        self.unsent.remove(old)


def _package():
    return sys.modules.get(__name__.rpartition(".")[0])


def state():
    """The session state of this kernel (created on first use)."""
    package = _package()
    current = getattr(package, STATE_ATTRIBUTE, None) if package is not None else None
    if not isinstance(current, _State):
        current = _State()
        if package is not None:
            setattr(package, STATE_ATTRIBUTE, current)
    return current


def content_id(value):
    """First 16 hex characters of the sha256 of the canonical JSON of ``value``."""
    import hashlib
    import json

    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def source_id(source):
    """First 16 hex characters of the sha256 of the cell source as UTF-8."""
    import hashlib

    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _parse_options(options_json):
    import json

    if isinstance(options_json, dict):
        options = dict(options_json)
    elif options_json:
        options = json.loads(options_json)
    else:
        options = {}
    if not isinstance(options, dict):
        raise ValueError("options must be a JSON object")
    return options


def _shell():
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except Exception:
        return None


# -- installing the hooks -------------------------------------------------------------


def install_hooks(options_json=None):
    """Register the IPython callbacks once per kernel (``collect`` says whether it could).

    A newer engine replaces the package module, so callbacks of an older one
    are found by their module name and removed. Without IPython (another
    Python kernel) nothing is registered and ``collect`` reports ``hooks: false``.
    """
    current = state()
    try:
        current.options = _capture_options(_parse_options(options_json))
    except Exception as exc:
        current.problem("session", "bad options: %r" % (exc,))
    try:
        current.hooks = _register()
    except Exception as exc:
        current.hooks = False
        current.problem("session", "cannot register IPython callbacks: %r" % (exc,))
    try:
        current.audit = inputs.install(current.options)
    except Exception as exc:
        current.audit = False
        current.problem("inputs", "cannot add the audit hook: %r" % (exc,))
    try:
        streams.install(_shell())  # the user's threads keep printing into their cells
    except Exception as exc:
        current.problem("session", "cannot keep the streams' parent: %r" % (exc,))
    package = _package()
    if package is not None:
        setattr(package, READY_ATTRIBUTE, True)
    # Returns None: the statement's value must never be displayed in a cell.


def _register():
    shell = _shell()
    events = getattr(shell, "events", None)
    callbacks = getattr(events, "callbacks", None)
    if not isinstance(callbacks, dict):
        return False
    prefix = __name__.rpartition(".")[0] + "."
    for event, function in (("pre_run_cell", pre_run_cell), ("post_run_cell", post_run_cell)):
        if event not in callbacks:
            return False
        for registered in list(callbacks[event]):
            module = getattr(registered, "__module__", None) or ""
            if module.startswith(prefix) and registered is not function:
                events.unregister(event, registered)
        if function not in callbacks[event]:
            events.register(event, function)
    return True


def uninstall_hooks():
    """Remove this engine's callbacks (tests, and a user who turns capture off)."""
    shell = _shell()
    events = getattr(shell, "events", None)
    for event, function in (("pre_run_cell", pre_run_cell), ("post_run_cell", post_run_cell)):
        try:
            if function in events.callbacks.get(event, ()):
                events.unregister(event, function)
        except Exception:
            pass
    try:
        streams.uninstall(shell)
    except Exception:
        pass
    state().hooks = False
    package = _package()
    if package is not None and hasattr(package, READY_ATTRIBUTE):
        delattr(package, READY_ATTRIBUTE)


# -- the callbacks ------------------------------------------------------------------------


def pre_run_cell(info=None):
    """Keep the execution info for IPython versions whose result lacks it."""
    try:
        state().last_info = info
        inputs.begin()
    except BaseException:  # noqa: B036 - a callback must never reach the user
        pass


def post_run_cell(result=None):
    """Record the cell that just ran: its ids, its environment, its runtime record."""
    try:
        _record(result)
    except BaseException:  # noqa: B036 - IPython would print the traceback into the cell
        pass


def _record(result):
    opened = inputs.end()  # first: the capture's own reads are not the cell's
    current = state()
    info = getattr(result, "info", None) or current.last_info
    current.last_info = None
    if info is not None and (
        getattr(info, "silent", False) or getattr(info, "store_history", True) is False
    ):
        return  # our own requests and other tools' queries are not cells
    source = getattr(info, "raw_cell", None)
    if not isinstance(source, str):
        source = None
    cell_id = getattr(info, "cell_id", None)
    if not isinstance(cell_id, str) or len(cell_id) > MAX_CELL_ID:
        cell_id = None
    count = getattr(result, "execution_count", None)
    if not isinstance(count, int) or isinstance(count, bool):
        count = None
    record = {
        "cell_id": cell_id,
        "execution_count": count,
        "success": bool(getattr(result, "success", False)),
        "env": None,
        "run": None,
        "src": source_id(source) if source is not None else None,
    }
    if len(current.pending) >= MAX_PENDING:
        del current.pending[0]
        current.dropped += 1
    current.pending.append(record)

    def absorb(result_):
        _absorb(current, record, result_)

    if opened is not None:
        entry.kernel_cache()[inputs.RECORDER_KEY] = opened
    _capture(current, source, absorb, include_environment=False)


def _absorb(current, record, result):
    env_id = result.get("environment_id")
    if isinstance(env_id, str) and env_id != ZERO_ID:
        environment = result.get("environment")
        if isinstance(environment, dict):
            current.remember_environment(env_id, environment)
        record["env"] = env_id
    runtime = result.get("runtime")
    if isinstance(runtime, dict):
        run_id = content_id(runtime)
        current.runs[run_id] = runtime
        record["run"] = run_id
    for problem in result.get("problems") or ():
        if isinstance(problem, dict):
            current.problem(problem.get("probe", "capture"), problem.get("message", ""))


def _capture(current, source, absorb, include_environment, late=False):
    """One capture, bounded in time.

    The first capture in a kernel runs in a worker thread, waited for at most
    the timeout: it reads the GPU (nvidia-smi can hang) and scans everything.
    A capture that overruns goes on in the background and fills its record
    when it ends; the next one is skipped meanwhile, since two captures must
    not read the user's state at once. Later captures run in the calling
    thread: the GPU facts are cached per kernel and an unchanged environment
    costs a stat per folder, while a thread hand-off costs up to the
    interpreter's switch interval (5 ms) when ipykernel's threads hold the GIL.
    """
    previous = current.worker
    if previous is not None and previous.is_alive():
        current.problem("session", "a capture was still running; a cell went unrecorded")
        return False
    options = dict(current.options)
    if include_environment:
        options["include_environment"] = True
    if late:
        options["late"] = True
    cache = entry.kernel_cache()
    user_ns = entry.user_namespace()

    def work():
        # Only this thread's warnings are kept from the user's cell; the
        # process-wide streams are never swapped (the user's threads print).
        try:
            with entry.quiet_warnings():
                result = core.capture(
                    options=options, cache=cache, user_ns=user_ns, cell_source=source
                )
            absorb(result)
            current.warm = True
        except Exception as exc:
            current.problem("session", "capture failed: %r" % (exc,))

    if current.warm:
        work()
        return True
    return _in_worker(current, work, _timeout(options))


def _in_worker(current, work, timeout):
    import threading

    worker = threading.Thread(target=work, name="nbrepro-session")
    worker.daemon = True
    current.worker = worker
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        current.problem(
            "session", "capture took longer than %.1f s; it goes on in the background" % timeout
        )
        return False
    return True


# -- collecting -----------------------------------------------------------------------------


def _capture_options(options):
    return {k: v for k, v in options.items() if k not in COLLECT_ONLY_OPTIONS}


def collect(options_json=None):
    """Base64 of the JSON of what was recorded since the last collect; clears it."""
    import base64
    import json

    try:
        result = _collect(options_json)
    except Exception as exc:
        result = _empty_result()
        result["problems"].append({"probe": "session", "message": "collect failed: %r" % (exc,)})
    try:
        text = json.dumps(result, sort_keys=True, separators=(",", ":"), default=str)
    except Exception as exc:
        result = _empty_result()
        result["problems"].append({"probe": "session", "message": "not JSON: %r" % (exc,)})
        text = json.dumps(result)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _empty_result():
    return {
        "schema_version": SCHEMA_VERSION,
        "hooks": False,
        "engine_version": str(core.ENGINE_VERSION),
        "environment_id": None,
        "environments": {},
        "runs": {},
        "cells": [],
        "dropped": 0,
        "problems": [],
    }


def _collect(options_json):
    current = state()
    options = _parse_options(options_json)
    wanted = options.get("want_environments") or []
    if not isinstance(wanted, list):
        wanted = []
    wanted = [w for w in wanted[:MAX_WANTED] if isinstance(w, str)]
    include = bool(options.get("include_environment", False))
    current.options = _capture_options(options)

    previous = current.worker
    if previous is not None and previous.is_alive():
        previous.join(_timeout(current.options))
    # The current environment, also when no cell ran (a kernel that just started).
    box = {}
    _capture(current, None, box.update, include_environment=True)
    env_id = box.get("environment_id")
    if not isinstance(env_id, str) or env_id == ZERO_ID:
        env_id = None
    elif isinstance(box.get("environment"), dict):
        current.remember_environment(env_id, box["environment"])
    for problem in box.get("problems") or ():
        if isinstance(problem, dict):
            current.problem(problem.get("probe", "capture"), problem.get("message", ""))

    _record_late_cells(current, options.get("late_cells"))

    send = list(current.unsent) + wanted
    if include and env_id:
        send.append(env_id)
    environments = {}
    for key in send:
        if key in current.environments:
            environments[key] = current.environments[key]
        elif key in wanted:
            current.problem("session", "environment %s is no longer kept by the kernel" % key)
    cells = current.pending
    runs = {}
    for record in cells:
        run_id = record.get("run")
        if run_id in current.runs:
            runs[run_id] = current.runs[run_id]
    result = {
        "schema_version": SCHEMA_VERSION,
        "hooks": bool(current.hooks),
        "engine_version": str(core.ENGINE_VERSION),
        "environment_id": env_id,
        "environments": environments,
        "runs": runs,
        "cells": cells,
        "dropped": current.dropped,
        "problems": list(current.problems),
    }
    current.pending = []
    current.runs = {}
    current.unsent = []
    current.dropped = 0
    current.problems = []
    return result


def _record_late_cells(current, late):
    """Records for cells that ran before the hooks were registered.

    A cell the user runs while the kernel is starting can reach the kernel
    before the engine does; the front end then names it here, with its source,
    and it is recorded against the state now (its environment is the current
    one unless it changed since; its RNG fingerprints are those after it and
    any later cell). Its seeding is read from its own source and the late cells
    before it only: the generators' state now comes after the cells that ran
    since, so it tells nothing about this one (``seeds.probe``, option ``late``).
    """
    if not isinstance(late, list):
        return
    entry.kernel_cache().pop(seeds.LATE_SESSION_KEY, None)
    for item in late[:MAX_LATE_CELLS]:
        if not isinstance(item, dict):
            continue
        source = item.get("source")
        cell_id = item.get("cell_id")
        if not isinstance(source, str) or not isinstance(cell_id, str):
            continue
        if len(cell_id) > MAX_CELL_ID:
            continue
        count = item.get("execution_count")
        record = {
            "cell_id": cell_id,
            "execution_count": count
            if isinstance(count, int) and not isinstance(count, bool)
            else None,
            "success": bool(item.get("success", True)),
            "env": None,
            "run": None,
            "src": source_id(source),
        }
        current.pending.append(record)

        def absorb(result_, record=record):
            _absorb(current, record, result_)

        _capture(current, source, absorb, include_environment=False, late=True)


def _timeout(options):
    try:
        return max(0.5, float(options.get("timeout", DEFAULT_TIMEOUT)))
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT
