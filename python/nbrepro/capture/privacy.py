"""Path redaction: by default no home directory leaves the kernel.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import os


def home_dir():
    try:
        home = os.path.expanduser("~")
    except Exception:
        return None
    if not home or home == "~" or home in ("/", "\\"):
        return None
    return home.rstrip("/\\")


class Redactor(object):
    """Replace the home directory by `~` unless the user opted in to full paths."""

    def __init__(self, record_paths=False):
        self.enabled = not record_paths
        self.home = home_dir() if self.enabled else None
        self.real_home = None
        if self.home:
            try:
                real = os.path.realpath(self.home)
            except Exception:
                real = self.home
            if real != self.home:
                self.real_home = real

    def path(self, value):
        if value is None or not self.enabled:
            return value
        value = str(value)
        for home in (self.home, self.real_home):
            if home and (
                value == home or value.startswith(home + os.sep) or value.startswith(home + "/")
            ):
                return "~" + value[len(home) :]
        return value

    def url(self, value):
        """A file:// URL with the home directory redacted (`file://~/src/proj`)."""
        if value is None or not self.enabled or not value.startswith("file://"):
            return value
        path = value[len("file://") :]
        redacted = self.path(path)
        if redacted is not path and redacted != path:
            return "file://" + redacted
        return value


def redactor_for(ctx):
    """The run's redactor (made once per capture run from the privacy options)."""
    redactor = getattr(ctx, "redactor", None)
    if redactor is None:
        redactor = Redactor(record_paths=bool(ctx.option("record_paths", False)))
        ctx.redactor = redactor
    return redactor
