"""What legitimately varies between two runs of the same cell, taken out of its text.

Each rule replaces what varies by a fixed placeholder, so that both sides of
a comparison read the same when only that part changed:

- carriage-return overwrites (tqdm and other progress bars): on each line
  only the text after the last ``\\r`` is kept, the bar's final state;
- tqdm's timing brackets ``[00:01<00:00, 12.3it/s]`` -> ``[<timing>]``;
- memory addresses, ``0x`` followed by 8 to 16 hex digits (``<object at
  0x7f…>``, ``hex(id(x))``) -> ``0x<address>``; shorter hex literals such as
  ``0xff`` are data and stay;
- timestamps with a time of day: ISO 8601 (``2026-11-21T19:14:41.1376Z``,
  also with a space), ``datetime.datetime(2026, 11, 21, 19, 14, ...)`` reprs,
  and ``time.ctime()``'s ``Sat Nov 21 19:14:41 2026`` -> ``<timestamp>``;
  a bare date is data (a table's date column) and stays;
- durations: IPython's ``Wall time:`` / ``CPU times:`` lines, ``%timeit``'s
  ``… per loop (mean ± std. dev. …)`` line, and ``took``/``elapsed``/``in``
  followed by a number and a time unit -> ``<duration>``;
- temporary paths under ``/tmp``, ``/var/tmp`` and macOS's ``/var/folders``
  (a re-run gets fresh ones) -> ``<tmp path>``;
- trailing whitespace on each line and blank lines at the end.

Execution counts are not text: the comparison never looks at them.
Numbers are not normalised here; ``compare`` compares them within tolerance.
"""

import re

_TQDM_TIMING = re.compile(r"\[\d+:\d{2}(?::\d{2})?<[\d:?]+(?:,\s*[^\]]*?/s)?\]")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{8,16}\b")
_ISO_TIMESTAMP = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_DATETIME_REPR = re.compile(
    r"datetime\.datetime\(\d{4}, \d{1,2}, \d{1,2}(?:, \d+)*(?:, tzinfo=[^)]*\))?\)"
)
_CTIME = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"[ \d]\d \d{2}:\d{2}:\d{2} \d{4}\b"
)
_TIME_LINE = re.compile(r"^(Wall time:|CPU times:)[^\n]*$", re.MULTILINE)
_TIMEIT_LINE = re.compile(r"^[^\n]*per loop \(mean[^\n]*$", re.MULTILINE)
_UNIT = r"(?:ns|µs|us|ms|s|sec|secs|seconds?|min|minutes?)\b"
_DURATION = re.compile(r"\b(took|elapsed|in)(:?\s*)\d+(?:\.\d+)?\s?" + _UNIT)
_TMP_PATH = re.compile(r"(?:/private)?/(?:tmp|var/tmp|var/folders)/[^\s'\"<>),\]]*")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


def final_state(text):
    """Each line as a terminal shows it after ``\\r`` overwrites: the text after the last ``\\r``.

    ``\\r\\n`` is a line end, not an overwrite.
    """
    text = text.replace("\r\n", "\n")
    if "\r" not in text:
        return text
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def normalize_text(text):
    """``text`` with every rule of the module applied."""
    text = final_state(text)
    text = _TQDM_TIMING.sub("[<timing>]", text)
    text = _ISO_TIMESTAMP.sub("<timestamp>", text)
    text = _DATETIME_REPR.sub("<timestamp>", text)
    text = _CTIME.sub("<timestamp>", text)
    text = _TIME_LINE.sub(lambda m: m.group(1) + " <duration>", text)
    text = _TIMEIT_LINE.sub("<duration> per loop", text)
    text = _DURATION.sub(lambda m: m.group(1) + m.group(2) + "<duration>", text)
    text = _ADDRESS.sub("0x<address>", text)
    text = _TMP_PATH.sub("<tmp path>", text)
    text = _TRAILING.sub("", text)
    return text.rstrip("\n")
