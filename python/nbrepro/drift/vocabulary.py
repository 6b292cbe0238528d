"""The words of a drift report, as schema/drift.schema.json spells them.

src/drift/diff.ts holds the same lists in the same order; the order is the sort
order of a report (most severe first, then kind, then name).
"""

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
    "fonts-changed",
)

# Ignore patterns a diff's context may give, at most (the sides' own limits are
# the door's: record/sides.py).
MAX_PATTERNS = 200


def raise_level(severity):
    return SEVERITIES[max(SEVERITIES.index(severity) - 1, 0)]


def lower_level(severity):
    return SEVERITIES[min(SEVERITIES.index(severity) + 1, len(SEVERITIES) - 1)]
