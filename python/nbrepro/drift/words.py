"""The words a person reads about drift: severities, one change, a count of
changes. The bundle's README and the export check say them; the panel, the
toast, the status item and the export dialog say the same through
src/vocabulary/drift.ts (the vectors in test/vectors/words/ hold the two
equal). The report's own words (high, package-removed) stay the schema's.
"""

from .vocabulary import SEVERITIES

TITLES = {"high": "Serious", "medium": "Moderate", "low": "Minor", "info": "For information"}
WORDS = {"high": "serious", "medium": "moderate", "low": "minor", "info": "for information"}

# What a fact difference is called (the diff names the fact).
FACTS = {
    "python-changed": {"python": "Python"},
    "platform-changed": {"os": "operating system", "machine": "machine", "libc": "C library"},
    "gpu-changed": {
        "driver": "GPU driver",
        "cuda_driver": "CUDA driver",
        "cuda_runtime": "CUDA runtime",
        "cudnn": "cuDNN",
        "devices": "GPUs",
    },
}
KIND_WORDS = {
    "package-added": "new",
    "package-removed": "removed",
    "package-upgraded": "upgraded",
    "package-downgraded": "downgraded",
    "package-build-changed": "rebuilt",
    "package-source-changed": "other source",
    "python-changed": "Python changed",
    "platform-changed": "platform changed",
    "gpu-changed": "GPU changed",
    "determinism-changed": "determinism changed",
    "seeding-changed": "seeding changed",
    "supply-chain": "supply chain",
    "conda-changed": "conda changed",
}
DISTANCES = ("major", "minor", "patch", "post", "local")


def severity_title(severity):
    return TITLES[severity]


def severity_counts(counts):
    """ "2 serious, 1 moderate, 16 for information": the severities present."""
    return ", ".join("%d %s" % (counts[s], WORDS[s]) for s in SEVERITIES if counts.get(s))


def subject(item):
    """What changed: the package, or the fact in words ("operating system")."""
    name = item.get("name") or item["kind"]
    return FACTS.get(item["kind"], {}).get(name, name)


def versions(item):
    """The change without its subject: "1.26.4 → 2.4.6", "3.11.2, removed",
    "0.20.0, new"; "" for a difference without values."""
    before, after = item.get("before"), item.get("after")
    if before is not None and after is not None:
        return "%s → %s" % (before, after)
    if before is not None:
        return "%s, removed" % before
    if after is not None:
        return "%s, new" % after
    return ""


def change(item):
    """One change as every surface names it: "numpy 1.26.4 → 2.4.6",
    "matplotlib 3.11.2, removed", "operating system Debian 12 → Ubuntu 24.04"."""
    values = versions(item)
    return "%s %s" % (subject(item), values) if values else subject(item)


def kind_word(item):
    """The kind of change: "upgraded, major", "removed", "new"."""
    word = KIND_WORDS.get(item["kind"], item["kind"])
    if item["kind"] in ("package-upgraded", "package-downgraded"):
        head = (item.get("detail") or "").split(";")[0]
        distance = head[: -len(" version change")] if head.endswith(" version change") else ""
        if distance in DISTANCES:
            return "%s, %s" % (word, distance)
    return word


# ---------------------------------------------------------------- environments

KIND_NAMES = {"venv": "venv", "conda": "conda environment", "system": "system Python"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NAMED_PACKAGES = 2
# Packaging tools: a difference in them tells environments apart last.
TOOLS = frozenset(("pip", "setuptools", "wheel"))


def recorded_on(captured_at):
    """ "Dec 7, 2025" from an ISO time (its own date, not the reader's zone)."""
    text = str(captured_at or "")
    try:
        year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
        assert text[4] == "-" and text[7] == "-" and 1 <= month <= 12 and 1 <= day <= 31
    except (ValueError, IndexError, AssertionError):
        return None
    return "%s %d, %d" % (MONTHS[month - 1], day, year)


def _base(environment):
    python = environment["python"]
    version = ".".join((python.get("version") or "").split(".")[:2])
    head = "Python " + version if version else "Python"
    kind = KIND_NAMES.get(python.get("executable_kind"))
    return "%s %s" % (head, kind) if kind else head


def environment_names(entries, used=None):
    """A name for each environment by what tells it from the others:
    "Python 3.11 venv, numpy 1.26.4 — recorded Dec 7, 2025" beside
    "numpy 2.4.6". ``entries``: ``[{"environment", "captured_at" (null: not
    a recording, the kernel now)}]``, the reference first; ``used``: the
    distributions the notebook imports, named first; then packages both have
    at other versions, then those only some have; packaging tools last. The
    snapshot's id is never part of a name (a tooltip shows it)."""
    from ..record.sides import package_view

    used = set(used or ())
    views = [package_view(item["environment"]) for item in entries]
    bases = [_base(item["environment"]) for item in entries]
    names = []
    for index, item in enumerate(entries):
        mine = views[index]
        others = [view for i, view in enumerate(views) if i != index]
        keys = set(mine)
        for view in others:
            keys.update(view)
        differing = sorted(
            (
                key
                for key in keys
                if key != "python"
                and any(_version(view, key) != _version(mine, key) for view in others)
            ),
            key=lambda key: (
                key not in used,
                not all(key in view for view in views),
                key in TOOLS,
                key,
            ),
        )
        parts = []
        if index == 0 or bases[index] != bases[0]:
            parts.append(bases[index])
        for key in differing[:NAMED_PACKAGES]:
            entry = mine.get(key)
            if entry is None:
                parts.append("no " + _display(views, key))
            else:
                parts.append("%s %s" % (entry["name"], _version(mine, key)))
        if len(differing) > NAMED_PACKAGES:
            parts[-1] += " and %d more" % (len(differing) - NAMED_PACKAGES)
        if not differing and not others:
            count = len(mine)
            parts.append("%d package%s" % (count, "" if count == 1 else "s"))
        name = ", ".join(parts) or bases[index]
        when = recorded_on(item.get("captured_at"))
        names.append(name + (" — recorded " + when if when else ""))
    return names


def _version(view, key):
    entry = view.get(key)
    if entry is None:
        return None
    return entry["version"] if entry["version"] is not None else "unpinned"


def _display(views, key):
    """A package's name as some environment spells it."""
    return next(view[key]["name"] for view in views if key in view)
