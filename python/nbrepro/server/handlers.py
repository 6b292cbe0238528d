"""The server extension: one authenticated handler per endpoint, one route table.

Handlers only translate HTTP to calls into the core; they hold no logic.
"""

import asyncio
import json
import platform

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .. import __version__, errors
from . import requests

# The front end checks this number and says so when the two parts disagree
# (a JupyterLab reload after `pip install -U nbrepro` fixes it).
API_VERSION = 1


class Handler(APIHandler):
    """What every nbrepro endpoint shares: an exception nbrepro did not expect
    is its own bug, and says so in JSON, as the command line does (exit 70);
    the traceback goes to the server's log, never to the client. Input a
    handler cannot use is answered before, with 400, 404, 409 or 422."""

    def write_error(self, status_code, **kwargs):
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if error is None or isinstance(error, tornado.web.HTTPError):
            return super().write_error(status_code, **kwargs)
        # tornado has logged the traceback (log_exception) before this runs.
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "message": errors.bug_message(
                        error, "please report it; the Jupyter server's log shows where it happened"
                    ),
                    "reason": "bug",
                }
            )
        )


class VersionHandler(Handler):
    """Tells the front end that the server part is there, and which one."""

    @tornado.web.authenticated
    def get(self):
        self.finish(
            json.dumps(
                {
                    "name": "nbrepro",
                    "version": __version__,
                    "api_version": API_VERSION,
                    "python": platform.python_version(),
                }
            )
        )


class EngineHandler(Handler):
    """The kernel-side capture engine, built from python/nbrepro/capture/.

    The front end sends it to kernels where nbrepro is not installed; serving
    it from here keeps those files the only copy of the engine.
    """

    @tornado.web.authenticated
    def get(self):
        from ..run.kernel import engine_payload

        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(engine_payload()))


class EnvironmentHandler(Handler):
    """The server's own environment: its prefix, and the distributions that it,
    the kernel machinery and nbrepro need (the drift panel leaves those out of
    its restore commands when a kernel runs in this environment)."""

    _answer = None

    @tornado.web.authenticated
    async def get(self):
        from ..drift.restore import server_environment

        # Reading every distribution's requirements takes a moment: once per
        # server, off the event loop.
        if EnvironmentHandler._answer is None:
            loop = asyncio.get_running_loop()
            EnvironmentHandler._answer = await loop.run_in_executor(None, server_environment)
        self.finish(json.dumps(EnvironmentHandler._answer))


class ExportHandler(Handler):
    """Checks a notebook for export, or writes its bundle beside it."""

    @tornado.web.authenticated
    async def post(self):

        try:
            request = requests.parse_body(self.request.body or b"")
        except errors.RequestRefused as refused:
            return self._reply(refused.status, {"message": str(refused)})
        fmt = request.get("format", "folder")
        if fmt not in ("folder", "zip"):
            return self._reply(
                400, {"message": "format must be 'folder' or 'zip', not %s" % requests.shown(fmt)}
            )
        data_limit = request.get("data_limit")
        if data_limit is not None and (
            not isinstance(data_limit, int)
            or isinstance(data_limit, bool)
            or not 0 <= data_limit <= requests.MAX_DATA_LIMIT
        ):
            return self._reply(
                400, {"message": "data_limit must be a number of bytes from 0 to 2^40"}
            )
        wheel_limit = request.get("wheel_limit")
        if wheel_limit is not None and (
            not isinstance(wheel_limit, int)
            or isinstance(wheel_limit, bool)
            or not 0 <= wheel_limit <= requests.MAX_DATA_LIMIT
        ):
            return self._reply(
                400, {"message": "wheel_limit must be a number of bytes from 0 to 2^40"}
            )
        build_wheels = request.get("build_wheels", False)
        if not isinstance(build_wheels, bool):
            return self._reply(
                400,
                {
                    "message": "build_wheels must be true or false (whether the export may run "
                    "the builds the check named)"
                },
            )
        root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
        loop = asyncio.get_running_loop()
        try:
            allow_hidden = bool(getattr(self.contents_manager, "allow_hidden", False))
            path = requests.resolve_notebook(root, request.get("path"), allow_hidden=allow_hidden)
            if request.get("check_only"):
                body = await loop.run_in_executor(
                    None, requests.check_notebook, path, data_limit, wheel_limit
                )
            else:
                body = await loop.run_in_executor(
                    None,
                    lambda: requests.export_notebook(
                        root,
                        path,
                        as_zip=fmt == "zip",
                        strict=bool(request.get("strict")),
                        force=bool(request.get("force")),
                        data_limit=data_limit,
                        wheel_limit=wheel_limit,
                        build_wheels=build_wheels,
                    ),
                )
        except errors.RequestRefused as refused:
            return self._reply(refused.status, dict(message=str(refused), **refused.extra))
        except errors.GateFailed as failed:
            message = "not exported (strict): %d problem%s found" % (
                len(failed.findings),
                "" if len(failed.findings) == 1 else "s",
            )
            return self._reply(422, {"message": message, "findings": failed.findings})
        except errors.ExportError as error:
            return self._reply(400, {"message": str(error)})
        self._reply(200, body)

    def _reply(self, status, body):
        self.set_status(status)
        self.finish(json.dumps(body))


class VerifyHandler(Handler):
    """Starts a verify run: the notebook as saved, re-run in a fresh kernel of
    its kernelspec on the server and compared cell by cell (``jobs.py``)."""

    @tornado.web.authenticated
    async def post(self):
        from jupyter_server.utils import ensure_async

        try:
            request = requests.parse_body(self.request.body or b"")
            kernel = requests.kernel_name(request.get("kernel"))
            root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
            allow_hidden = bool(getattr(self.contents_manager, "allow_hidden", False))
            path = requests.resolve_notebook(
                root, request.get("path"), allow_hidden=allow_hidden, action="verify"
            )
            relative = requests.relative_to_root(root, path)
            # Read through the contents manager, as JupyterLab's own reads: a
            # save in progress is never read half-written.
            model = await ensure_async(
                self.contents_manager.get(relative, type="notebook", content=True)
            )
            text = requests.notebook_text(model)
            job = await verify_jobs(self.settings).start(text, str(path.parent), kernel, relative)
        except errors.NbreproError as error:
            return self._reply(errors.http_status(error), {"message": str(error)})
        except tornado.web.HTTPError as error:  # the contents manager's answer
            return self._reply(
                error.status_code, {"message": error.log_message or error.reason or "cannot read"}
            )
        self._reply(202, job.as_json())

    def _reply(self, status, body):
        self.set_status(status)
        self.finish(json.dumps(body))


class VerifyJobHandler(Handler):
    """A verify run: GET where it stands (and its report once done), DELETE to cancel it."""

    @tornado.web.authenticated
    def get(self, job_id):
        self._answer(lambda jobs: jobs.get(job_id))

    @tornado.web.authenticated
    def delete(self, job_id):
        self._answer(lambda jobs: jobs.cancel(job_id))

    def _answer(self, act):
        try:
            job = act(verify_jobs(self.settings))
        except errors.NbreproError as error:
            self.set_status(errors.http_status(error))
            return self.finish(json.dumps({"message": str(error)}))
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(job.as_json()))


def verify_jobs(settings):
    """The server's verify jobs (one set per server)."""
    from .jobs import VerifyJobs

    return settings.setdefault("nbrepro_verify_jobs", VerifyJobs())


def setup_handlers(web_app):
    base_url = web_app.settings["base_url"]
    routes = [
        ("version", VersionHandler),
        ("engine", EngineHandler),
        ("environment", EnvironmentHandler),
        ("export", ExportHandler),
        ("verify", VerifyHandler),
        (r"verify/([0-9a-f]{1,64})", VerifyJobHandler),
    ]
    web_app.add_handlers(
        ".*$", [(url_path_join(base_url, "nbrepro", path), handler) for path, handler in routes]
    )
