"""The server extension: one authenticated handler per endpoint, one route table.

Handlers only translate HTTP to calls into the core; they hold no logic.
"""

import asyncio
import json
import os
import platform
import re
from pathlib import Path

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import __version__

# The front end checks this number and says so when the two parts disagree
# (a JupyterLab reload after `pip install -U nbrepro` fixes it).
API_VERSION = 1
MAX_DATA_LIMIT = 2**40  # bytes of input data an export may carry


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
        from .cli import bug_message

        # tornado has logged the traceback (log_exception) before this runs.
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "message": bug_message(
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
        from .kernel_bridge import engine_payload

        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(engine_payload()))


DRIVE = re.compile(r"^[A-Za-z]:")


class RequestRefused(Exception):
    """A request the server answers with ``status`` and a message a user can act on."""

    def __init__(self, status, message, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


# A request body holds a path and a few flags; a path is at most what the
# file system takes (PATH_MAX, NAME_MAX on Linux).
MAX_BODY = 64 * 1024
MAX_PATH = 4096
MAX_NAME = 255
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text, limit=120):
    """A path as a message may quote it: control characters escaped, cut short."""
    if not isinstance(text, str):
        return shown(json.dumps(text), limit)
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def parse_body(raw):
    """The request body as a JSON object; anything else is a 400 with a message."""
    if len(raw) > MAX_BODY:
        raise RequestRefused(
            400, "request body too large (%d bytes; at most %d)" % (len(raw), MAX_BODY)
        )
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestRefused(
            400, "request body is not UTF-8 (byte %d): send JSON" % error.start
        ) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise RequestRefused(
            400, "request body is not JSON this server reads (nested too deep)"
        ) from None
    except ValueError as error:
        raise RequestRefused(400, "request body is not JSON: %s" % error) from None
    if not isinstance(value, dict):
        raise RequestRefused(400, "send a JSON object with the notebook's path")
    return value


def check_path_text(relative):
    """Refuse what no file system path holds, before the path reaches one."""
    if "\x00" in relative:
        raise RequestRefused(400, "the path %s contains a NUL byte" % shown(relative))
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestRefused(
            400, "the path %s is not valid Unicode (a lone surrogate)" % shown(relative)
        ) from None
    if CONTROL.search(relative):
        raise RequestRefused(400, "the path %s contains a control character" % shown(relative))
    if len(relative.encode("utf-8")) > MAX_PATH or any(
        len(part.encode("utf-8")) > MAX_NAME for part in re.split(r"[/\\]", relative)
    ):
        raise RequestRefused(
            400,
            "the path %s is too long (at most %d bytes, %d per name)"
            % (shown(relative), MAX_PATH, MAX_NAME),
        )


def resolve_notebook(root, relative, allow_hidden=True):
    """The notebook at contents-manager path ``relative`` under ``root``.

    The path comes from the browser: absolute paths, ``..`` and symlinks that
    lead out of the server's root are refused, as the contents API does; so
    are hidden files and folders unless the contents manager allows them.
    """
    if not isinstance(relative, str) or not relative.strip("/"):
        raise RequestRefused(400, "no notebook path given: send the .ipynb path to export")
    check_path_text(relative)
    if relative.startswith(("/", "\\")) or os.path.isabs(relative) or DRIVE.match(relative):
        raise RequestRefused(
            400, "%r is an absolute path: send the path relative to Jupyter's root" % relative
        )
    # Backslashes count too: on a Windows server they separate folders.
    if ".." in re.split(r"[/\\]", relative):
        raise RequestRefused(400, "%r leads out of Jupyter's root folder (..)" % relative)
    if not relative.lower().endswith(".ipynb"):
        raise RequestRefused(400, "%r is not a notebook: only .ipynb files export" % relative)
    real_root = Path(os.path.realpath(root))
    path = real_root.joinpath(*[p for p in relative.split("/") if p not in ("", ".")])
    real = Path(os.path.realpath(str(path)))
    if real != real_root and real_root not in real.parents:
        raise RequestRefused(
            400, "%r is a link to a file outside Jupyter's root folder; not exporting it" % relative
        )
    try:
        found = real.is_file()
    except OSError as error:
        raise RequestRefused(
            400, "cannot read %s: %s" % (shown(relative), error.strerror or error)
        ) from None
    if not found:
        raise RequestRefused(404, "no notebook at %r" % relative)
    if not allow_hidden:
        from jupyter_core.paths import is_hidden

        # The contents API's own test, on the path as named (not the link's target).
        if is_hidden(str(path), str(real_root)):
            raise RequestRefused(
                404,
                "%r is hidden (a name starting with '.', or in such a folder); Jupyter's "
                "contents API does not serve it either (ContentsManager.allow_hidden)" % relative,
            )
    return path


def relative_to_root(root, path):
    """``path`` as the contents manager names it (relative, with /); the last
    part is not resolved, since it may be a link the export will replace."""
    path = Path(path)
    return (path.parent.resolve() / path.name).relative_to(os.path.realpath(root)).as_posix()


def check_notebook(path, data_limit=None, wheel_limit=None):
    """What the export dialog shows: the gate's findings, the local modules and
    input files the bundle cannot carry, and the packages no index has that
    it cannot carry; nothing is built or written."""
    from .export import bundle

    return {"findings": bundle.check(bundle.read(path), path, wheel_limit, data_limit)}


def export_notebook(
    root, path, as_zip=False, strict=False, force=False, data_limit=None, wheel_limit=None
):
    """Build and write the bundle beside the notebook; the reply's body."""
    from .export import bundle as bundles

    target = bundles.default_output(path, as_zip=as_zip)
    if (target.exists() or target.is_symlink()) and not force:
        raise RequestRefused(
            409,
            "%s already exists beside the notebook; replace it, or move it away first"
            % target.name,
            output=relative_to_root(root, target),
        )
    bundle, _ = bundles.export(
        path, target, strict=strict, force=force, data_limit=data_limit, wheel_limit=wheel_limit
    )
    report = bundle.conversion.report or []
    return {
        "output": relative_to_root(root, target),
        "format": "zip" if as_zip else "folder",
        "files": list(bundle.files),
        "findings": bundle.findings,
        "untranslated": [item for item in report if item.get("action") == "untranslated"],
    }


class ExportHandler(Handler):
    """Checks a notebook for export, or writes its bundle beside it."""

    @tornado.web.authenticated
    async def post(self):
        from .export import bundle as bundles

        try:
            request = parse_body(self.request.body or b"")
        except RequestRefused as refused:
            return self._reply(refused.status, {"message": str(refused)})
        fmt = request.get("format", "folder")
        if fmt not in ("folder", "zip"):
            return self._reply(
                400, {"message": "format must be 'folder' or 'zip', not %s" % shown(fmt)}
            )
        data_limit = request.get("data_limit")
        if data_limit is not None and (
            not isinstance(data_limit, int)
            or isinstance(data_limit, bool)
            or not 0 <= data_limit <= MAX_DATA_LIMIT
        ):
            return self._reply(
                400, {"message": "data_limit must be a number of bytes from 0 to 2^40"}
            )
        wheel_limit = request.get("wheel_limit")
        if wheel_limit is not None and (
            not isinstance(wheel_limit, int)
            or isinstance(wheel_limit, bool)
            or not 0 <= wheel_limit <= MAX_DATA_LIMIT
        ):
            return self._reply(
                400, {"message": "wheel_limit must be a number of bytes from 0 to 2^40"}
            )
        root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
        loop = asyncio.get_running_loop()
        try:
            allow_hidden = bool(getattr(self.contents_manager, "allow_hidden", False))
            path = resolve_notebook(root, request.get("path"), allow_hidden=allow_hidden)
            if request.get("check_only"):
                body = await loop.run_in_executor(
                    None, check_notebook, path, data_limit, wheel_limit
                )
            else:
                body = await loop.run_in_executor(
                    None,
                    lambda: export_notebook(
                        root,
                        path,
                        as_zip=fmt == "zip",
                        strict=bool(request.get("strict")),
                        force=bool(request.get("force")),
                        data_limit=data_limit,
                        wheel_limit=wheel_limit,
                    ),
                )
        except RequestRefused as refused:
            return self._reply(refused.status, dict(message=str(refused), **refused.extra))
        except bundles.GateFailed as failed:
            message = "not exported (strict): %d problem%s found" % (
                len(failed.findings),
                "" if len(failed.findings) == 1 else "s",
            )
            return self._reply(422, {"message": message, "findings": failed.findings})
        except bundles.ExportError as error:
            return self._reply(400, {"message": str(error)})
        self._reply(200, body)

    def _reply(self, status, body):
        self.set_status(status)
        self.finish(json.dumps(body))


def setup_handlers(web_app):
    base_url = web_app.settings["base_url"]
    routes = [
        ("version", VersionHandler),
        ("engine", EngineHandler),
        ("export", ExportHandler),
    ]
    web_app.add_handlers(
        ".*$", [(url_path_join(base_url, "nbrepro", path), handler) for path, handler in routes]
    )
