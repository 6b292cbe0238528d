"""Every error nbrepro raises on purpose, and what each edge answers for it.

The command line turns an error into an exit status, the server into an HTTP
status; both read them from here, so a new error class gets its two numbers in
one place. An exception that is not an ``NbreproError`` is a bug in nbrepro:
exit 70 on the command line (``EX_SOFTWARE`` of sysexits.h), a JSON "this is a
bug" answer from the server, both worded by ``bug_message``.

Exit statuses, the same for every command:

- 0 ``OK``: done, nothing found;
- 1 ``FOUND``: the finding the command exists for (drift past ``--fail-on``, a
  ``--strict`` export stopped, outputs that differ, a cell that failed);
- 2 ``UNUSABLE``: input or usage it cannot work with (the message says which);
- 6 ``NOT_HERE``: the bundle cannot be rebuilt here (``preflight`` said no: no
  Python, no wheel for this platform, no GPU or too old a driver, no disk space);
- 70 ``INTERNAL_ERROR``: a bug in nbrepro;
- 130 ``INTERRUPTED``: Ctrl-C.
"""

from ._version import __version__

OK, FOUND, UNUSABLE, INTERNAL_ERROR, INTERRUPTED = 0, 1, 2, 70, 130
NOT_HERE = 6


class NbreproError(Exception):
    """An error whose message a user can act on."""

    exit_status = UNUSABLE
    http_status = 400


class Unreadable(NbreproError):
    """Input that cannot be used at all; the message says what and why."""


class InputError(NbreproError):
    """Input that cannot be read as any of the formats; the message says why."""


class ParameterError(NbreproError, ValueError):
    """A parameter name or value that cannot be injected."""


class CondaRefuses(NbreproError, ValueError):
    """conda itself would refuse this export; the message is conda's reason."""


class NoLock(NbreproError, ValueError):
    """A lock file cannot be written as its tool writes it: ``reason`` in
    nbrepro's words, ``detail`` what it names (packages, a path) or None."""

    def __init__(self, reason, detail=None):
        super().__init__(reason + (": " + detail if detail else ""))
        self.reason = reason
        self.detail = detail


class NotExportable(NbreproError):
    """The notebook cannot be exported at all (no recorded environment)."""


class ExportError(NbreproError):
    """The notebook cannot be exported, or the bundle cannot be written."""


class WorkflowError(ExportError):
    """The workflow cannot be written."""


class GateFailed(NbreproError):
    """``--strict`` and the gate found something."""

    exit_status = FOUND
    http_status = 422

    def __init__(self, findings):
        super().__init__("; ".join(f["message"] for f in findings))
        self.findings = findings


class RunError(NbreproError):
    """Something the user must fix before the notebook can run."""


class KernelCaptureError(NbreproError, RuntimeError):
    """The kernel did not return a capture (an error in the expression, or no reply)."""


class BundleError(NbreproError):
    """The bundle cannot be used."""


class CannotRebuild(NbreproError):
    """The bundle cannot be rebuilt on this machine (or the platform asked for)."""

    exit_status = NOT_HERE
    http_status = 409


class AttestationError(NbreproError):
    """A verification record that cannot be read, or a key that cannot be used."""


class MlflowError(NbreproError):
    """MLflow is missing or the tracking server cannot be used."""


class RequestRefused(NbreproError):
    """A request the server answers with ``status`` and a message a user can act on."""

    def __init__(self, status, message, **extra):
        super().__init__(message)
        self.http_status = status
        self.extra = extra

    @property
    def status(self):
        return self.http_status


def exit_status(error):
    """The command line's exit status for ``error``."""
    if isinstance(error, NbreproError):
        return error.exit_status
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED
    return INTERNAL_ERROR


def http_status(error):
    """The server's HTTP status for ``error`` (500 for a bug)."""
    return error.http_status if isinstance(error, NbreproError) else 500


def bug_message(
    error, hint="please report it with the command; NBREPRO_TRACEBACK=1 shows where it happened"
):
    """One line for an exception nbrepro did not expect: it is nbrepro's fault.
    The server says the same, with its own ``hint``."""
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return "this is a bug in nbrepro %s: %s%s (%s)" % (
        __version__,
        type(error).__name__,
        ": " + text if text else "",
        hint,
    )
