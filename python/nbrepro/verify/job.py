"""One verify job, in a process of its own: what JupyterLab's Verify command runs.

The server (``server/jobs.py``) starts ``python -m nbrepro.verify.job NOTEBOOK WORKDIR
KERNEL [--timeout S] [--time-limit S] [--parent PID]`` and reads its progress; a process
of its own keeps the kernel and the comparison out of the server's, and lets Cancel stop
it (SIGINT: its kernel is killed, the run stops; ``Stop``) without touching the user's
kernel; it stops itself the same way after ``--time-limit`` seconds or when the server
that started it is gone. NOTEBOOK is a private copy of the notebook as Jupyter's
contents manager read it; WORKDIR is the folder the notebook lives in (the re-run's
working directory, where its input files are checked). The re-run and the comparison are
``nbrepro verify``'s own (``runner.rerun_and_compare``).

One JSON object a line on stdout::

    {"event": "started", "cells": [{"cell": N, "id": ID | null}, ...]}
    {"event": "running", "cell": N}
    {"event": "ran", "cell": N, "done": D, "total": T, "ok": true | false}
    {"event": "report", "report": REPORT}
    {"event": "failed", "message": TEXT}
    {"event": "cancelled"}

``cell`` counts all cells from 1, as the report does. REPORT is ``nbrepro
verify --json``'s, each cell with its ``id`` (nbformat 4.5), and a cell whose
image differs with both images (``images``: ``mimetype``, ``recorded``,
``now``, base64) unless either is larger than ``MAX_IMAGE``. Exit status as
``nbrepro verify``'s (0 same, 1 a difference, 2 nothing compared, 130 cancelled).
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys

from .. import errors

# A base64 image larger than this is not sent to the browser (the report
# still says how the two differ).
MAX_IMAGE = 4 * 1024 * 1024
_IMAGE_WHERE = re.compile(r"^output (\d+) (image/png|image/jpeg)$")


def emit(stream, event, **fields):
    stream.write(json.dumps(dict({"event": event}, **fields), ensure_ascii=True) + "\n")
    stream.flush()


def main(argv=None, stdout=None):
    stdout = stdout or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m nbrepro.verify.job")
    parser.add_argument("notebook")
    parser.add_argument("workdir")
    parser.add_argument("kernel")
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(argv)
    stop = Stop()
    signal.signal(signal.SIGINT, stop.signalled)
    watch(args.time_limit, args.parent)
    try:
        code = _verify(args, stdout, stop)
    except KeyboardInterrupt:  # before the re-run began
        code = None
    if stop.asked:
        emit(stdout, "cancelled")
        return errors.INTERRUPTED
    return code


class Stop(object):
    """SIGINT (Cancel, the time limit, the server gone): before the re-run
    began it is a KeyboardInterrupt; once it runs, its kernel is killed with
    its process group (the kernel may be deep in a cell's C code), the re-run
    stops on the dead kernel and the run says it was cancelled. nbclient is not
    asked to stop through asyncio: it takes a cancellation for a failed cell
    and goes on, and its own SIGINT handler (``loop.add_signal_handler``, which
    would replace this one while the re-run runs) shuts the kernel down behind
    the run's back, then fails on its second clean-up; ``_Loops`` keeps it out."""

    def __init__(self):
        self.asked = False
        self.rerun = False
        self.km = None

    def signalled(self, signum, frame):
        self.asked = True
        if self.km is not None:
            self.kill()
        elif not self.rerun:
            raise KeyboardInterrupt

    def started(self, km):
        self.km = km
        if self.asked:
            self.kill()

    def kill(self):
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        pgid = getattr(provisioner, "pgid", None)
        try:
            if pgid and hasattr(os, "killpg"):
                os.killpg(pgid, signal.SIGKILL)
            elif process is not None:
                process.kill()
        except OSError:
            pass  # gone already


class _Loops(asyncio.DefaultEventLoopPolicy):
    """The re-run's event loops, on which SIGINT stays ``Stop``'s: a handler
    for it added through the loop (nbclient's, while a kernel is set up) is
    not installed. Other signals are the loop's as usual."""

    def new_event_loop(self):
        return _Loop()


class _Loop(asyncio.SelectorEventLoop):
    def add_signal_handler(self, sig, callback, *args):
        if sig == signal.SIGINT:
            return
        super().add_signal_handler(sig, callback, *args)


def _verify(args, stdout, stop):
    from ..record import project as projects
    from ..run import runner
    from .runner import rerun_and_compare

    try:
        doc = runner.read_notebook(args.notebook)
        kernel = runner.kernel_name_for(doc.nb, args.kernel)
    except errors.RunError as error:
        emit(stdout, "failed", message=str(error))
        return errors.UNUSABLE
    cells = [{"cell": cell.number, "id": cell.cell.get("id")} for cell in doc.code_cells]
    emit(stdout, "started", cells=cells)

    def starting(index):
        emit(stdout, "running", cell=index + 1)

    def progress(number, total, index, ok):
        emit(stdout, "ran", cell=index + 1, done=number, total=total, ok=bool(ok))

    if stop.asked:
        return errors.INTERRUPTED
    asyncio.set_event_loop_policy(_Loops())
    stop.rerun = True
    try:
        report, now = rerun_and_compare(
            doc,
            args.workdir,
            kernel,
            timeout=args.timeout,
            starting=starting,
            progress=progress,
            kernel_started=stop.started,
            # The notebook's project, as `nbrepro verify NOTEBOOK` finds it (the
            # notebook itself is a private copy elsewhere).
            project=projects.of_notebook(os.path.join(args.workdir, "notebook.ipynb")),
        )
    except (RuntimeError, OSError, TimeoutError) as error:  # the kernel did not start
        emit(stdout, "failed", message="cannot start kernel %r: %s" % (kernel, error))
        return errors.UNUSABLE
    if stop.asked:
        return errors.INTERRUPTED
    report.pop("rerun", None)  # the executed notebook: not part of the report
    with_ids_and_images(report, doc.nb, now.nb)
    emit(stdout, "report", report=report)
    return report["exit_status"]


def watch(time_limit=None, parent=None, every=1.0, grace=15.0):
    """Stop this run as Cancel does (SIGINT to itself, ``Stop``) when the
    server that started it is gone (this process's parent is no longer
    ``parent``, the server's process id: a server gone before this process
    looked at its parent is seen too) or after
    ``time_limit`` seconds, and exit ``grace`` seconds later if it has not
    stopped by then: a run never outlives its server, nor its time."""
    import threading
    import time

    parent = parent or os.getppid()
    deadline = time.monotonic() + time_limit if time_limit else None

    def check():
        while True:
            time.sleep(every)
            if os.getppid() != parent or (deadline and time.monotonic() > deadline):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(grace)
                os._exit(errors.INTERRUPTED)

    threading.Thread(target=check, name="nbrepro-verify-watch", daemon=True).start()


def with_ids_and_images(report, recorded, rerun):
    """Each cell of ``report`` with its id; an image difference with both images."""
    from .compare import displays

    for entry in report["cells"]:
        index = entry["cell"] - 1
        then = recorded["cells"][index] if index < len(recorded["cells"]) else {}
        entry["id"] = then.get("id") if isinstance(then.get("id"), str) else None
        difference = entry.get("difference") or {}
        found = _IMAGE_WHERE.match(str(difference.get("where", "")))
        if entry["status"] != "different" or not found:
            continue
        position, mimetype = int(found.group(1)) - 1, found.group(2)
        now = rerun["cells"][index] if index < len(rerun["cells"]) else {}
        images = []
        for cell in (then, now):
            shown = displays(cell.get("outputs") or [])
            data = shown[position].get("data", {}) if position < len(shown) else {}
            value = data.get(mimetype)
            images.append("".join(value) if isinstance(value, list) else value)
        if all(isinstance(v, str) and len(v) <= MAX_IMAGE for v in images):
            entry["images"] = {"mimetype": mimetype, "recorded": images[0], "now": images[1]}
    return report


if __name__ == "__main__":
    # a process of its own (the server's verify job): no RFC 3987 grammar for jsonschema
    # to build at import, as for the nbrepro command (nbrepro.cli.entry says why)
    sys.modules.setdefault("rfc3987_syntax", None)
    sys.exit(main())
