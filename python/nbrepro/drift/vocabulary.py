"""The words of a drift report, as schema/drift.schema.json spells them.

src/drift.ts holds the same lists in the same order; the order is the sort
order of a report (most severe first, then kind, then name).
"""

import re

SCHEMA_VERSION = 1

SEVERITIES = ("high", "medium", "low", "info")

KINDS = (
    "package-added",
    "package-removed",
    "package-upgraded",
    "package-downgraded",
    "package-build-changed",
    "package-source-changed",
    "python-changed",
    "platform-changed",
    "gpu-changed",
    "determinism-changed",
    "seeding-changed",
    "supply-chain",
    "conda-changed",
)

# Limits on untrusted input: past them a side is read partially and a problem says so.
MAX_PACKAGES = 20000
MAX_TEXT = 1000
MAX_PATTERNS = 200

_SEPARATORS = re.compile(r"[-_.]+")


def normalize(name):
    """PEP 503: lower case, every run of ``-``, ``_`` and ``.`` becomes one ``-``."""
    if "_" in name or "." in name or "--" in name:
        return _SEPARATORS.sub("-", name).lower()
    return name.lower()  # no run to replace: the common case, without the regex


def raise_level(severity):
    return SEVERITIES[max(SEVERITIES.index(severity) - 1, 0)]


def lower_level(severity):
    return SEVERITIES[min(SEVERITIES.index(severity) + 1, len(SEVERITIES) - 1)]


def describe_type(value):
    """How a problem names the type of a JSON value (identical in TypeScript)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a " + type(value).__name__


def short(text, limit=60):
    """A name or value quoted in a problem, cut to a readable length."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
