"""What the server's handlers do with a request: read its body, resolve the
notebook path it names inside Jupyter's root, and call the export core.

Everything here raises ``errors.RequestRefused`` (or another ``NbreproError``)
with a message a user can act on; the handlers only translate to HTTP.
"""

import json
import os
import re
from pathlib import Path

from .. import errors

MAX_DATA_LIMIT = 2**40  # bytes of input data an export may carry
DRIVE = re.compile(r"^[A-Za-z]:")


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
        raise errors.RequestRefused(
            400, "request body too large (%d bytes; at most %d)" % (len(raw), MAX_BODY)
        )
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise errors.RequestRefused(
            400, "request body is not UTF-8 (byte %d): send JSON" % error.start
        ) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise errors.RequestRefused(
            400, "request body is not JSON this server reads (nested too deep)"
        ) from None
    except ValueError as error:
        raise errors.RequestRefused(400, "request body is not JSON: %s" % error) from None
    if not isinstance(value, dict):
        raise errors.RequestRefused(400, "send a JSON object with the notebook's path")
    return value


def check_path_text(relative):
    """Refuse what no file system path holds, before the path reaches one."""
    if "\x00" in relative:
        raise errors.RequestRefused(400, "the path %s contains a NUL byte" % shown(relative))
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.RequestRefused(
            400, "the path %s is not valid Unicode (a lone surrogate)" % shown(relative)
        ) from None
    if CONTROL.search(relative):
        raise errors.RequestRefused(
            400, "the path %s contains a control character" % shown(relative)
        )
    if len(relative.encode("utf-8")) > MAX_PATH or any(
        len(part.encode("utf-8")) > MAX_NAME for part in re.split(r"[/\\]", relative)
    ):
        raise errors.RequestRefused(
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
        raise errors.RequestRefused(400, "no notebook path given: send the .ipynb path to export")
    check_path_text(relative)
    if relative.startswith(("/", "\\")) or os.path.isabs(relative) or DRIVE.match(relative):
        raise errors.RequestRefused(
            400, "%r is an absolute path: send the path relative to Jupyter's root" % relative
        )
    # Backslashes count too: on a Windows server they separate folders.
    if ".." in re.split(r"[/\\]", relative):
        raise errors.RequestRefused(400, "%r leads out of Jupyter's root folder (..)" % relative)
    if not relative.lower().endswith(".ipynb"):
        raise errors.RequestRefused(
            400, "%r is not a notebook: only .ipynb files export" % relative
        )
    real_root = Path(os.path.realpath(root))
    path = real_root.joinpath(*[p for p in relative.split("/") if p not in ("", ".")])
    real = Path(os.path.realpath(str(path)))
    if real != real_root and real_root not in real.parents:
        raise errors.RequestRefused(
            400, "%r is a link to a file outside Jupyter's root folder; not exporting it" % relative
        )
    try:
        found = real.is_file()
    except OSError as error:
        raise errors.RequestRefused(
            400, "cannot read %s: %s" % (shown(relative), error.strerror or error)
        ) from None
    if not found:
        raise errors.RequestRefused(404, "no notebook at %r" % relative)
    if not allow_hidden:
        from jupyter_core.paths import is_hidden

        # The contents API's own test, on the path as named (not the link's target).
        if is_hidden(str(path), str(real_root)):
            raise errors.RequestRefused(
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
    it cannot carry; every file the bundle would carry from the project
    (``carried``: path and size) and what it leaves out; nothing is built or
    written."""
    from ..export import bundle

    return bundle.check_report(bundle.read(path), path, wheel_limit, data_limit)


def export_notebook(
    root, path, as_zip=False, strict=False, force=False, data_limit=None, wheel_limit=None
):
    """Build and write the bundle beside the notebook; the reply's body."""
    from ..export import bundle as bundles

    target = bundles.default_output(path, as_zip=as_zip)
    if (target.exists() or target.is_symlink()) and not force:
        raise errors.RequestRefused(
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
        "carried": [{"path": name, "size": size} for name, size in bundle.carried],
        "findings": bundle.findings,
        "untranslated": [item for item in report if item.get("action") == "untranslated"],
    }
