"""``nbrepro run``: execute a notebook with nbclient and record what JupyterLab would.

The same engine and hooks as in JupyterLab: right after the kernel starts the
engine and its IPython hooks are installed (``kernel_bridge.collect_in_kernel``,
which also records the environment at kernel start), the cells run, and one
collect at the end brings every cell's record back; ``metadata.apply_collect``
and ``prune`` write them exactly as the front end does.

nbclient sends no cell id with its execute requests (IPython sees
``cell_id=None``), so records are matched to cells by execution count and
checked against the hash of the cell's source.
"""

import asyncio
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from .. import errors
from ..capture import tools
from ..capture.session import source_id
from ..record import atomic, metadata
from . import kernel as kernel_bridge


class Outcome(object):
    """What happened: the executed notebook, the failure if any, warnings."""

    def __init__(self, nb):
        self.nb = nb
        self.failure = None  # "cell 3 raised ..." when a cell stopped the run
        self.warnings = []
        self.recorded = 0


def read_notebook(path):
    """The notebook at ``path`` read at the door (``document.read_notebook``):
    its model (``metadata.nbrepro`` checked against the schema, the code cells'
    records, the problems: what was dropped and why), whose ``nb`` is the
    NotebookNode nbclient executes, valid nbformat 4, holding the model's
    ``metadata.nbrepro``. errors.RunError when the file is not such a notebook.
    """
    import nbformat

    from ..record import document

    try:
        doc = document.read_notebook(path)
    except errors.Unreadable as error:
        raise errors.RunError(str(error)) from None
    nb = nbformat.from_dict(doc.nb)
    minor = nb.get("nbformat_minor")
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        # nbformat's validator asserts this; it would be an AssertionError.
        raise errors.RunError(
            "%s is not a valid nbformat 4 notebook (nbformat_minor: %s)"
            % (path, _short(json.dumps(minor), 60))
        )
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise errors.RunError(
            "%s is not a valid nbformat 4 notebook (%s: %s); open and save it in "
            "JupyterLab, or fix it by hand" % (path, where, _short(error.message))
        ) from None
    except Exception as error:  # noqa: BLE001 - nbformat's messages fail on some shapes
        raise errors.RunError(
            "%s is not a valid nbformat 4 notebook (nbformat's check stopped on it: %s)"
            % (path, _short("%s: %s" % (type(error).__name__, error)))
        ) from None
    # As nbformat.reads gives it: multi-line strings joined, transient fields dropped.
    nb = nbformat.v4.to_notebook_json(nb)
    if metadata.KEY in nb.metadata:
        nb.metadata[metadata.KEY] = doc.meta
    return document.Notebook(nb, doc.meta, doc.problems, doc.name, doc.raw)


def _short(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kernel_name_for(nb, requested=None):
    """The kernel to start: the one asked for, the notebook's, or python3; checked to exist."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    name = requested or (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel as error:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise errors.RunError(
            "no kernel named %r (installed kernels: %s); pass --kernel NAME" % (name, known)
        ) from error
    return name


# ``PATH -c "import ipykernel"`` takes well under a second; a slow network
# file system or a cold disk gets this long before we call it broken.
INTERPRETER_CHECK_TIMEOUT = 30
INTERPRETER_KERNEL = "nbrepro-python"


def check_interpreter(python):
    """The absolute path of ``python`` once it is known to run and import ipykernel.

    Only ipykernel is needed there: the engine is sent to the kernel as source.
    """
    path = Path(python).expanduser()
    if not path.is_file() or not os.access(str(path), os.X_OK):
        raise errors.RunError("--python %s: no such executable file" % python)
    # Bounded like every tool nbrepro starts: time, output size, process tree.
    try:
        done = tools.run(
            [str(path), "-c", "import ipykernel"],
            time.monotonic() + INTERPRETER_CHECK_TIMEOUT,
            max_output=64 * 1024,
        )
    except OSError as error:
        raise errors.RunError("--python %s cannot be run: %s" % (python, error)) from error
    if done is None:
        raise errors.RunError(
            "--python %s cannot be run: no answer within %d s" % (python, INTERPRETER_CHECK_TIMEOUT)
        )
    returncode, output = done
    if returncode != 0:
        last = (output.strip().splitlines() or ["exit status %d" % returncode])[-1]
        raise errors.RunError(
            "--python %s cannot import ipykernel (%s); install it there with "
            "'%s -m pip install ipykernel'" % (python, last, python)
        )
    return os.path.abspath(str(path))


def _interpreter_kernel(python, spec_root):
    """A kernel manager that starts ``python -m ipykernel_launcher`` through a private spec."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = Path(spec_root) / INTERPRETER_KERNEL
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (%s)" % python,
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return AsyncKernelManager(
        kernel_name=INTERPRETER_KERNEL,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_root)]),
    )


def _interpreter_environment(python):
    # Our own virtual environment must not leak into the other interpreter's
    # kernel: `!pip` or a subprocess there would find our tools first.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = os.path.dirname(python) + os.pathsep + env.get("PATH", "")
    return env


def run_notebook(
    nb,
    workdir,
    kernel_name,
    timeout=None,
    options=None,
    log=None,
    python=None,
    progress=None,
    starting=None,
    env=None,
    allow_errors=False,
):
    """Execute ``nb`` in place; return an Outcome. Stops at the first failing cell
    (unless ``allow_errors``, as nbconvert's; a cell tagged ``raises-exception`` never
    stops it). The code cells below a stop lose their outputs and counts: they did not run.

    ``python``: an interpreter checked by ``check_interpreter`` to run the
    kernel with instead of the kernelspec ``kernel_name`` (which then only
    names the kernel in the records). ``starting(cell_index)`` is called
    before each cell, ``progress(number, total, cell_index, ok)`` after it.
    ``env``: variables added to the kernel's environment.
    """
    log = log or (lambda text: None)
    progress = progress or (lambda number, total, index, ok: None)
    starting = starting or (lambda index: None)
    options = dict(options or {})
    hooks = (progress, starting)
    options["allow_errors"] = allow_errors
    if python is None:
        kernel = (None, {"env": dict(os.environ, **env)}) if env else None
        return asyncio.run(_run(nb, workdir, kernel_name, timeout, options, log, kernel, hooks))
    with tempfile.TemporaryDirectory(prefix="nbrepro-kernel-") as spec_root:
        kernel = (
            _interpreter_kernel(python, spec_root),
            {"cleanup_kc": True, "env": dict(_interpreter_environment(python), **(env or {}))},
        )
        return asyncio.run(_run(nb, workdir, kernel_name, timeout, options, log, kernel, hooks))


async def _run(nb, workdir, kernel_name, timeout, options, log, kernel, hooks):
    from jupyter_client import BlockingKernelClient
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    outcome = Outcome(nb)
    progress, starting = hooks
    manager, setup = kernel or (None, {})
    allow_errors = bool(options.pop("allow_errors", False))
    # A cell that runs past the timeout is interrupted (it stops with
    # KeyboardInterrupt) so that the collect behind it can still run.
    client = NotebookClient(
        nb,
        km=manager,
        timeout=int(math.ceil(timeout)) if timeout else None,
        interrupt_on_timeout=True,
        allow_errors=allow_errors,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(workdir)}},
    )
    counts = {}

    def executed(cell, cell_index, execute_reply):
        counts[cell_index] = (execute_reply or {}).get("content", {}).get("execution_count")

    client.on_cell_executed = executed
    code_cells = [
        (index, cell)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and cell.source.strip()
        and client.skip_cells_with_tag not in cell.metadata.get("tags", [])
    ]
    collects = []
    ran = []
    collecting = True
    async with client.async_setup_kernel(**setup):
        reply = await client.async_wait_for_reply(await _ensure(client.kc.kernel_info()))
        if reply and "language_info" in reply["content"]:
            nb.metadata["language_info"] = reply["content"]["language_info"]
        # A second client on the same kernel for our silent requests: the
        # bridge's blocking calls, and no interference with nbclient's replies.
        bridge = BlockingKernelClient()
        bridge.load_connection_info(client.km.get_connection_info())
        bridge.start_channels(iopub=False, stdin=False, hb=False)
        try:
            language = nb.metadata.get("language_info", {}).get("name")
            if language != "python":
                outcome.warnings.append(
                    "kernel %r runs %s: nbrepro records Python kernels only; "
                    "the notebook runs without records" % (kernel_name, language or "?")
                )
                collecting = False
            else:
                try:
                    collects.append(
                        kernel_bridge.collect_in_kernel(bridge, options, timeout=60, fresh=True)
                    )
                except errors.KernelCaptureError as error:
                    outcome.warnings.append("cannot record in kernel %r: %s" % (kernel_name, error))
                    collecting = False
            for number, (index, cell) in enumerate(code_cells, 1):
                started = time.perf_counter()
                prefix = "[%d/%d] cell %d" % (number, len(code_cells), index + 1)
                starting(index)
                try:
                    await client.async_execute_cell(
                        cell, index, execution_count=client.code_cells_executed + 1
                    )
                except CellExecutionError as error:
                    ran.append((index, cell))
                    elapsed = time.perf_counter() - started
                    log("%s failed (%.1f s)" % (prefix, elapsed))
                    progress(number, len(code_cells), index, False)
                    if timeout and error.ename == "KeyboardInterrupt" and elapsed >= timeout:
                        outcome.failure = "cell %d did not finish within %g s; interrupted" % (
                            index + 1,
                            timeout,
                        )
                    else:
                        outcome.failure = "cell %d raised %s: %s" % (
                            index + 1,
                            error.ename,
                            error.evalue,
                        )
                    break
                except (CellTimeoutError, DeadKernelError) as error:
                    log("%s failed (%.1f s)" % (prefix, time.perf_counter() - started))
                    progress(number, len(code_cells), index, False)
                    outcome.failure = "cell %d: %s" % (index + 1, str(error).strip() or repr(error))
                    outcome.warnings.append("the kernel stopped answering; nothing was collected")
                    collecting = False
                    break
                ran.append((index, cell))
                raised = [o for o in cell.outputs if o.get("output_type") == "error"]
                if raised and "raises-exception" not in cell.metadata.get("tags", []):
                    # --allow-errors went on past it; the run still failed.
                    log(
                        "%s raised %s (%.1f s)"
                        % (prefix, raised[0].get("ename"), time.perf_counter() - started)
                    )
                    progress(number, len(code_cells), index, False)
                    if outcome.failure is None:
                        outcome.failure = "cell %d raised %s: %s" % (
                            index + 1,
                            raised[0].get("ename"),
                            raised[0].get("evalue"),
                        )
                    continue
                log("%s ok (%.1f s)" % (prefix, time.perf_counter() - started))
                progress(number, len(code_cells), index, True)
            _clear_not_run(code_cells, ran)
            if collecting:
                try:
                    collects.append(kernel_bridge.collect_in_kernel(bridge, options, timeout=60))
                except errors.KernelCaptureError as error:
                    outcome.warnings.append(
                        "the per-cell records could not be collected: %s" % error
                    )
        finally:
            bridge.stop_channels()
    if collects:  # nothing at all when the kernel cannot record (another language)
        _record(outcome, collects, ran, counts, kernel_name)
    return outcome


def _clear_not_run(code_cells, ran):
    """Cells below a stop keep nothing of an earlier run: no outputs, count or record."""
    done = {index for index, _cell in ran}
    for index, cell in code_cells:
        if index not in done:
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop(metadata.KEY, None)


async def _ensure(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def _record(outcome, collects, ran, counts, kernel_name):
    """Write the collected records into the notebook's and the cells' metadata."""
    nb = outcome.nb
    by_count = {}
    for collected in collects:
        for record in collected.get("cells") or ():
            if isinstance(record, dict) and isinstance(record.get("execution_count"), int):
                by_count[record["execution_count"]] = record
    matched, keyed = [], {}
    for index, cell in ran:
        key = "cell-%d" % index
        keyed[key] = cell
        record = by_count.get(counts.get(index))
        if record is None:
            outcome.warnings.append("cell %d ran but the kernel kept no record of it" % (index + 1))
            record = {}
        elif record.get("src") != source_id(cell.source):
            outcome.warnings.append("cell %d: the kernel recorded other source" % (index + 1))
            record = {}
        matched.append(dict(record, cell_id=key))

    captured_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    language = (nb.metadata.get("language_info") or {}).get("name")
    kernel = {"name": kernel_name, "language": language} if language else {"name": kernel_name}
    meta, problems = metadata.read_metadata(nb.metadata.get(metadata.KEY))
    outcome.warnings.extend(problems)
    for collected in collects:
        meta, _ = metadata.apply_collect(meta, dict(collected, cells=[]), captured_at, kernel)
        for problem in collected.get("problems") or ():
            outcome.warnings.append("%s: %s" % (problem.get("probe"), problem.get("message")))
    meta, cells = metadata.apply_collect(meta, {"cells": matched}, captured_at)
    for key, cell in keyed.items():
        # A cell that ran without a usable record loses its old one: it no
        # longer describes the cell's outputs.
        if key in cells:
            cell.metadata[metadata.KEY] = cells[key]
            outcome.recorded += 1
        else:
            cell.metadata.pop(metadata.KEY, None)
    meta = metadata.prune(meta, [c.metadata.get(metadata.KEY) for c in nb.cells])
    meta, problems = metadata.drop_invalid(meta)
    outcome.warnings.extend(problems)
    nb.metadata[metadata.KEY] = meta


def keep_author_order(nb):
    """Before re-executing: keep the notebook's execution counts, when they show
    an order problem, as ``metadata.nbrepro.author_order`` (the author's
    evidence, which the re-run's counts replace). A notebook whose counts are
    one pass keeps any earlier evidence."""
    from ..record.order import author_order

    found = author_order(nb)
    if found is None:
        return
    raw = nb.metadata.get(metadata.KEY)
    if raw is None:
        nb.metadata[metadata.KEY] = {"schema_version": metadata.SCHEMA_VERSION}
        raw = nb.metadata[metadata.KEY]
    if isinstance(raw, dict):
        raw["author_order"] = found


def write_atomically(nb, path):
    """Validate, then write through a temporary file in the same folder and
    os.replace (``atomic.write_bytes``: the mode of the file replaced, else the
    umask's; leftovers of an interrupted write removed)."""
    import nbformat

    nbformat.validate(nb)
    problems = metadata.validate(nb.metadata.get(metadata.KEY))
    if problems:
        raise ValueError("nbrepro metadata does not match the schema: " + "; ".join(problems[:3]))
    text = nbformat.writes(nb)
    atomic.write_bytes(path, text.encode("utf-8"))


def inject_parameters(nb, parameters):
    """papermill's injected-parameters cell (see ``nbrepro.record.parameters``); errors.RunError
    for a notebook in a language papermill's Python translator does not write."""
    from ..record import parameters as params

    spec = nb.metadata.get("kernelspec") or {}
    language = spec.get("language") or (nb.metadata.get("language_info") or {}).get("name")
    if language and language != "python":
        raise errors.RunError(
            "parameters can be injected into Python notebooks only; this one is %s" % language
        )
    try:
        return params.inject(nb, parameters)
    except errors.ParameterError as error:
        raise errors.RunError(str(error)) from error


def main(
    path,
    output=None,
    kernel=None,
    timeout=None,
    options=None,
    stderr=None,
    python=None,
    parameters=None,
    observers=(),
    allow_errors=False,
):
    """``nbrepro run``: 0 all cells ran, 1 a cell failed (output still written), 2 bad input.

    ``parameters``: a dict (from ``nbrepro.record.parameters.collect``) injected as
    papermill does before the run. ``observers``: ``run.observers.RunObserver``s
    (MLflow's run tracking, ``integrations/mlflow_runs.py``) told of the run."""
    stderr = stderr or sys.stderr

    def log(text):
        stderr.write(text + "\n")
        stderr.flush()

    try:
        doc = read_notebook(path)
        nb = doc.nb
        for problem in doc.problems:
            log("nbrepro run: warning: %s" % problem)
        keep_author_order(nb)
        if parameters:
            nb, notes = inject_parameters(nb, parameters)
            for note in notes:
                log("nbrepro run: warning: %s" % note)
        if python is not None:
            python = check_interpreter(python)
            name = kernel or INTERPRETER_KERNEL
        else:
            name = kernel_name_for(nb, kernel)
    except errors.RunError as error:
        log("nbrepro run: %s" % error)
        return 2
    target = Path(output) if output else Path(path)
    workdir = Path(path).resolve().parent
    started = []
    for observer in observers:
        try:
            line = observer.start(path)
        except errors.NbreproError as error:
            log("nbrepro run: %s" % error)
            for done in started:
                done.finish(None)
            return 2
        started.append(observer)
        if line:
            log("nbrepro run: %s" % line)
    env = {}
    for observer in started:
        env.update(observer.kernel_env())
    try:
        outcome = run_notebook(
            nb,
            workdir,
            name,
            timeout=timeout,
            options=options,
            log=log,
            python=python,
            env=env or None,
            allow_errors=allow_errors,
        )
    except (RuntimeError, OSError, TimeoutError) as error:  # the kernel did not start
        log("nbrepro run: cannot run %s in kernel %r: %s" % (path, name, error))
        for observer in started:
            observer.finish(None)
        return 2
    for warning in outcome.warnings:
        log("nbrepro run: warning: %s" % warning)
    try:
        write_atomically(outcome.nb, target)
    except (OSError, ValueError) as error:
        log("nbrepro run: cannot write %s: %s" % (target, error))
        for observer in started:
            observer.finish(None)
        return 2  # the output cannot be written: unusable, not a finding
    log("nbrepro run: wrote %s (%d cells recorded)" % (target, outcome.recorded))
    for observer in started:
        try:
            observer.finish(outcome.nb, target, failed=bool(outcome.failure), kernel=name)
        except Exception as error:  # e.g. a tracking server went away: the notebook is written
            log("nbrepro run: %s" % observer.incomplete(error))
            return 1
    if outcome.failure:
        log("nbrepro run: %s" % outcome.failure)
        return 1
    return 0
