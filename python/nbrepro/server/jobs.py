"""The verify jobs the server runs for the front end's Verify command.

A job re-runs a notebook in a fresh kernel and compares each cell with its
recording, in a process of its own (``python -m nbrepro.verify.job``, the
same re-run and comparison as ``nbrepro verify``): never in the user's
kernel, never writing the notebook. The handlers start one, report its
progress and cancel it; everything here raises ``errors.NbreproError``s.

Bounds: at most ``MAX_RUNNING`` jobs run at once (``errors.VerifyBusy``, 429,
after that); a job runs at most ``TIME_LIMIT`` seconds, then it is stopped as
Cancel stops it: SIGINT, on which the re-run stops and shuts its kernel down,
and SIGKILL ``CANCEL_GRACE`` seconds later if it has not exited. The newest
``KEEP_DONE`` finished jobs are kept for the front end to read.
"""

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time

from .. import errors

MAX_RUNNING = 2
TIME_LIMIT = 30 * 60.0
CANCEL_GRACE = 15.0
KEEP_DONE = 20
LINE_LIMIT = 64 * 1024 * 1024  # one line of the job's output: the report, images included
STDERR_TAIL = 4096

RUNNING, DONE, FAILED, CANCELLED, TIMED_OUT = (
    "running",
    "done",
    "failed",
    "cancelled",
    "timed out",
)


class Job(object):
    """One verify run: where it stands, and its report once done."""

    def __init__(self, path, kernel):
        self.id = secrets.token_hex(16)
        self.path = path
        self.kernel = kernel
        self.state = RUNNING
        self.cells = []  # [{"cell": N, "id": ...}] the code cells it runs
        self.running = None  # the cell running now (its number)
        self.ran = {}  # cell number -> ran without raising
        self.total = 0
        self.report = None
        self.message = None
        self.started = time.time()
        self.finished = None
        self.process = None
        self.stopping = None  # why it is being stopped: CANCELLED or TIMED_OUT

    def as_json(self):
        end = self.finished or time.time()
        return {
            "id": self.id,
            "path": self.path,
            "kernel": self.kernel,
            "state": self.state,
            "cells": self.cells,
            "running": self.running,
            "done": len(self.ran),
            "total": self.total or len(self.cells),
            "ran": [{"cell": n, "ok": ok} for n, ok in sorted(self.ran.items())],
            "seconds": round(end - self.started, 3),
            "message": self.message,
            "report": self.report,
        }

    def take(self, event):
        """Fold one line of the job's output into what it knows."""
        kind = event.get("event")
        if kind == "started":
            self.cells = list(event.get("cells") or [])
        elif kind == "running":
            self.running = event.get("cell")
        elif kind == "ran":
            self.ran[event.get("cell")] = bool(event.get("ok"))
            self.total = event.get("total") or self.total
            self.running = None
        elif kind == "report":
            self.report = event.get("report")
        elif kind == "failed":
            self.message = str(event.get("message"))


class VerifyJobs(object):
    """The server's verify jobs, by id."""

    def __init__(self, log=None):
        self._jobs = {}
        self._log = log

    def running(self):
        return [job for job in self._jobs.values() if job.state == RUNNING]

    def get(self, job_id):
        job = self._jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise errors.NoSuchJob(
                "no verify run %s on this server (it finished long ago, or the "
                "server restarted since)" % json.dumps(str(job_id)[:40])
            )
        return job

    async def start(self, notebook_text, workdir, kernel, path):
        """Start verifying ``notebook_text`` (the notebook as the contents manager
        read it) in ``workdir`` with kernelspec ``kernel`` (None: the notebook's)."""
        if len(self.running()) >= MAX_RUNNING:
            raise errors.VerifyBusy(
                "%d verify runs are going on already on this server (at most %d at once); "
                "wait for one to finish, or cancel it" % (len(self.running()), MAX_RUNNING)
            )
        job = Job(path, kernel)
        scratch = tempfile.mkdtemp(prefix="nbrepro-verify-")
        notebook = os.path.join(scratch, "notebook.ipynb")
        with open(notebook, "w", encoding="utf-8") as stream:
            stream.write(notebook_text)
        argv = [sys.executable, "-m", "nbrepro.verify.job", notebook, workdir, kernel or ""]
        # The run stops itself too, a little after the server would stop it,
        # and when the server is gone (verify/job.py, watch).
        argv += ["--time-limit", str(TIME_LIMIT + CANCEL_GRACE), "--parent", str(os.getpid())]
        try:
            job.process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=LINE_LIMIT,
            )
        except OSError as error:
            shutil.rmtree(scratch, ignore_errors=True)
            raise errors.RunError("cannot start the verify run: %s" % error) from None
        self._jobs[job.id] = job
        self._forget_old()
        asyncio.ensure_future(self._follow(job, scratch))
        return job

    def cancel(self, job_id):
        job = self.get(job_id)
        if job.state == RUNNING and job.stopping is None:
            self._stop(job, CANCELLED)
        return job

    def _stop(self, job, why):
        job.stopping = why
        with contextlib.suppress(ProcessLookupError):
            job.process.send_signal(signal.SIGINT)

        async def kill_later():
            await asyncio.sleep(CANCEL_GRACE)
            if job.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    job.process.kill()

        asyncio.ensure_future(kill_later())

    async def _follow(self, job, scratch):
        process = job.process
        tail = bytearray()

        async def read_stdout():
            while True:
                try:
                    line = await process.stdout.readline()
                except ValueError:  # a line past LINE_LIMIT
                    job.message = "the verify run's report is too large to read"
                    continue
                if not line:
                    return
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    job.take(event)

        async def read_stderr():
            while True:
                chunk = await process.stderr.read(65536)
                if not chunk:
                    return
                tail.extend(chunk)
                del tail[:-STDERR_TAIL]

        reading = asyncio.gather(read_stdout(), read_stderr())
        try:
            await asyncio.wait_for(asyncio.shield(reading), TIME_LIMIT)
        except asyncio.TimeoutError:
            self._stop(job, TIMED_OUT)
            await reading
        finally:
            returncode = await process.wait()
            shutil.rmtree(scratch, ignore_errors=True)
        job.finished = time.time()
        job.running = None
        job.state = self._outcome(job, returncode, tail)

    @staticmethod
    def _outcome(job, returncode, tail):
        if job.report is not None:
            return DONE
        if job.stopping == TIMED_OUT:
            job.message = "stopped after %d minutes, the longest a verify run may take" % (
                TIME_LIMIT // 60
            )
            return TIMED_OUT
        if job.stopping == CANCELLED:
            return CANCELLED
        if job.message is None:
            lines = bytes(tail).decode("utf-8", "replace").strip().splitlines()
            job.message = "the verify run stopped (exit status %s)%s" % (
                returncode,
                ": " + lines[-1][:300] if lines else "",
            )
        return FAILED

    def _forget_old(self):
        done = [job for job in self._jobs.values() if job.state != RUNNING]
        for job in sorted(done, key=lambda j: j.finished or 0)[: -KEEP_DONE or None]:
            del self._jobs[job.id]
