"""What the CLI prints never drives the terminal.

Package names, paths, messages and recorded values come from untrusted files
(a notebook someone sent, a hand-edited environment.yml): an ESC, CSI, OSC,
BEL or CR in one would move the cursor, retitle the window, hide a line or
write a hyperlink. Every character that is a control (C0, DEL, C1), a
bidirectional override or isolate (which reorders what the eye reads), or a
lone surrogate (which no terminal encoding can write) leaves the CLI as a
`\\uXXXX` escape. Newline and tab stay. In JSON output that escape is JSON's
own, so `--json` still parses to the same values.
"""

import re
import sys

UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def escape(text):
    """``text`` with every unsafe character written as ``\\uXXXX``."""
    return UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group(0)), text)


class SafeStream(object):
    """A text stream that escapes what it is given, then writes it to ``stream``."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        return self.stream.write(escape(text) if isinstance(text, str) else text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def raw(stream):
    """The stream under a SafeStream, for the CLI's own control characters."""
    return stream.stream if isinstance(stream, SafeStream) else stream


class safe_streams(object):
    """While the CLI runs, sys.stdout and sys.stderr escape what they print."""

    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
        return self

    def __exit__(self, *exc):
        if isinstance(sys.stdout, SafeStream):
            sys.stdout = self.saved[0]
        if isinstance(sys.stderr, SafeStream):
            sys.stderr = self.saved[1]
        return False
