"""How far apart two versions are, and in which direction.

``compare(a, b)`` returns ``(order, distance)``: order -1, 0 or 1 (a before,
equal to, after b) and distance one of ``same``, ``major``, ``minor``,
``patch``, ``post``, ``local``. src/drift/versions.ts implements the same rules;
the shared vectors in test/vectors/drift/ hold both to them.

1. Both versions valid PEP 440 (``packaging.version``; TypeScript
   ``@renovatebot/pep440``): order is PEP 440 order. Distance: another epoch, or
   the first release number differing (missing numbers count as 0) -> major;
   the second -> minor; any later one -> patch; same release but another pre- or
   dev-release -> patch; only the post-release differs -> post; only the local
   label -> local.
2. Otherwise (conda versions such as ``9e``, ``1.1.1w``, ``master``; ``2024b`` is PEP 440, a beta) a
   simplified form of conda's VersionOrder: lower-cased; an epoch before ``!``
   and a local part after ``+`` are split off; the rest splits at ``.``, ``_``
   and ``-`` into components, each component into runs of digits (numbers) and
   of other characters (words). Components compare part by part, a missing
   part or component counting as the number 0. Numbers compare by value; a word
   sorts below any number except ``post``, which sorts above every number;
   ``dev`` sorts below every other word; other words compare by code point.
   Distance: the first differing component at index 0 -> major, 1 -> minor,
   later -> patch, one level less when the numbers of that component are equal
   and only its words differ (jpeg ``9d`` -> ``9e`` is minor); another epoch
   -> major; only the local part differs -> local.
3. A version ending in ``.*`` (an unpinned spec such as ``python=3.11``) is a
   prefix: the other version is cut to as many dot-separated components first.
"""

import re

from packaging.version import InvalidVersion, Version

DISTANCES = ("same", "major", "minor", "patch", "post", "local")

_PARTS = re.compile(r"[0-9]+|[^0-9]+")
_COMPONENTS = re.compile(r"[._-]")


def compare(a, b):
    """(order, distance) of version strings a and b."""
    a, b = a.strip(), b.strip()
    if a == b:
        return 0, "same"  # most packages of two environments: no parsing
    if a.endswith(".*") or b.endswith(".*"):
        a, b = _cut_to_prefix(a, b)
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return _fallback_compare(a, b)
    order = (va > vb) - (va < vb)
    return order, _pep440_distance(va, vb)


def _cut_to_prefix(a, b):
    a = a[:-2] if a.endswith(".*") else a
    b = b[:-2] if b.endswith(".*") else b
    count = min(len(a.split(".")), len(b.split(".")))
    return ".".join(a.split(".")[:count]), ".".join(b.split(".")[:count])


def _pep440_distance(a, b):
    if a.epoch != b.epoch:
        return "major"
    width = max(len(a.release), len(b.release))
    ra = a.release + (0,) * (width - len(a.release))
    rb = b.release + (0,) * (width - len(b.release))
    for index in range(width):
        if ra[index] != rb[index]:
            return ("major", "minor")[index] if index < 2 else "patch"
    if a.pre != b.pre or a.dev != b.dev:
        return "patch"
    if a.post != b.post:
        return "post"
    if a.local != b.local:
        return "local"
    return "same"


# ------------------------------------------------------------ the fallback


def _split(version):
    version = version.lower()
    epoch, _, rest = version.partition("!") if "!" in version else ("0", "", version)
    main, _, local = rest.partition("+")
    return (
        [_parts(c) for c in _COMPONENTS.split(epoch)],
        [_parts(c) for c in _COMPONENTS.split(main)],
        [_parts(c) for c in _COMPONENTS.split(local)] if local else [],
    )


def _parts(component):
    out = []
    for run in _PARTS.findall(component):
        if "0" <= run[0] <= "9":
            out.append((True, run.lstrip("0") or "0"))
        else:
            out.append((False, run))
    return out or [(True, "0")]


_ZERO = (True, "0")


def _part_order(x, y):
    if x == y:
        return 0
    if x[0] and y[0]:
        # Numbers as digit strings without leading zeros: exact at any size.
        kx, ky = (len(x[1]), x[1]), (len(y[1]), y[1])
        return -1 if kx < ky else 1
    if x[0] != y[0]:
        word = y if x[0] else x
        word_first = -1 if word[1] != "post" else 1
        return word_first if word is x else -word_first
    for special, rank in (("dev", -1), ("post", 1)):
        if x[1] == special:
            return rank
        if y[1] == special:
            return -rank
    return -1 if x[1] < y[1] else 1


def _component_order(x, y):
    for index in range(max(len(x), len(y))):
        order = _part_order(
            x[index] if index < len(x) else _ZERO, y[index] if index < len(y) else _ZERO
        )
        if order:
            return order
    return 0


def _first_difference(x, y):
    """(index, order) of the first differing component, or (-1, 0)."""
    for index in range(max(len(x), len(y))):
        cx = x[index] if index < len(x) else [_ZERO]
        cy = y[index] if index < len(y) else [_ZERO]
        order = _component_order(cx, cy)
        if order:
            return index, order
    return -1, 0


def _numbers(component):
    return [part[1] for part in component if part[0]]


def _fallback_compare(a, b):
    ea, ma, la = _split(a)
    eb, mb, lb = _split(b)
    index, order = _first_difference(ea, eb)
    if order:
        return order, "major"
    index, order = _first_difference(ma, mb)
    if order:
        cx = ma[index] if index < len(ma) else [_ZERO]
        cy = mb[index] if index < len(mb) else [_ZERO]
        level = index + 1 if _numbers(cx) == _numbers(cy) else index
        return order, ("major", "minor")[level] if level < 2 else "patch"
    index, order = _first_difference(la, lb)
    if order:
        return order, "local"
    return 0, "same"
