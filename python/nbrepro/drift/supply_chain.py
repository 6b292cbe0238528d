"""Names one or two edits away from a widely used package (possible typosquats).

The reference list is src/data/popular-packages.json (PyPI's most downloaded
names, see src/data/README.md): the TypeScript side imports the same file, the
wheel carries it as nbrepro/data/popular-packages.json.

A name is suspicious when it is not in the list and its Damerau-Levenshtein
distance (optimal string alignment) to a listed name is at most 1 for names of
4 to 7 characters, at most 2 for longer ones; names under 4 characters are not
judged (every short name is near another). Only names of a length within the
allowed distance are compared, a character mask rules out most of them, and
the alignment itself branches at the first difference with the edits left.
src/drift/supplychain.ts implements the same rule.
"""

import functools
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = "popular-packages.json"


def data_file():
    checkout = HERE.parent.parent.parent / "src" / "data" / DATA
    for candidate in (HERE.parent / "data" / DATA, checkout):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("nbrepro's %s is missing; reinstall nbrepro" % DATA)


@functools.lru_cache(maxsize=None)
def popular():
    """(set of names, {length: [(name, character mask)]}), in list order."""
    names = json.loads(data_file().read_text(encoding="utf-8"))["names"]
    by_length = {}
    for name in names:
        by_length.setdefault(len(name), []).append((name, char_mask(name)))
    return frozenset(names), by_length


_MASK_BITS = 38  # char_mask: a-z, 0-9, "-", anything else
_COLUMNS = {}  # length -> _column(length)


def _column(length):
    """(names, has, at_most) of the listed names of ``length``, in list order,
    or None: bit i of has[b] is set when names[i] holds the character of mask
    bit b, bit i of at_most[k] when names[i] holds at most k distinct
    characters. near_popular's mask test, for all those names at once; built
    on first use, for the lengths asked for only."""
    if length in _COLUMNS:
        return _COLUMNS[length]
    bucket = popular()[1].get(length)
    column = None
    if bucket:
        has = [0] * _MASK_BITS
        sizes = [0] * (_MASK_BITS + 1)
        for index, (_, mask) in enumerate(bucket):
            bit = 1 << index
            sizes[mask.bit_count()] |= bit
            while mask:
                low = mask & -mask
                has[low.bit_length() - 1] |= bit
                mask ^= low
        at_most = []
        running = 0
        for size in sizes:
            running |= size
            at_most.append(running)
        column = ([name for name, _ in bucket], has, at_most)
    _COLUMNS[length] = column
    return column


def _near_masks(mask, limit, has, at_most, full):
    """The names (bits) that lack at most ``limit`` characters of ``mask`` and
    hold at most ``limit`` characters it lacks: with m of its characters
    missing, a name of c characters holds c - (size - m) the mask lacks."""
    one = two = three = 0  # at least one, two, three missing
    bits = mask
    while bits:
        low = bits & -bits
        missing = full & ~has[low.bit_length() - 1]
        three |= two & missing
        two |= one & missing
        one |= missing
        bits ^= low
    size = mask.bit_count()
    top = len(at_most) - 1
    near = ~one & at_most[min(size + limit, top)]
    near |= one & ~two & at_most[min(size + limit - 1, top)]
    if limit == 2:
        near |= two & ~three & at_most[min(size, top)]
    return near & full


def char_mask(name):
    """One bit per character present (a-z, 0-9, '-', anything else)."""
    mask = 0
    for char in name:
        if "a" <= char <= "z":
            mask |= 1 << (ord(char) - 97)
        elif "0" <= char <= "9":
            mask |= 1 << (ord(char) - 22)
        else:
            mask |= 1 << (36 if char == "-" else 37)
    return mask


def allowed_edits(name):
    if len(name) < 4:
        return 0
    return 1 if len(name) < 8 else 2


def near_popular(name):
    """(popular name, edits) of the listed name closest to ``name`` (a PEP 503
    normalised name): fewest edits, then the shorter, then the earlier in the
    list; None when there is none or ``name`` is itself listed."""
    names = popular()[0]
    limit = allowed_edits(name)
    if limit == 0 or name in names:
        return None
    mask = char_mask(name)
    best = None
    for length in range(len(name) - limit, len(name) + limit + 1):
        column = _column(length)
        if column is None:
            continue
        candidates, has, at_most = column
        # A character one name has and the other lacks costs an edit at
        # least: most candidates end here, before any alignment (bit-parallel
        # over the names of this length).
        left = _near_masks(mask, limit, has, at_most, (1 << len(candidates)) - 1)
        while left:
            low = left & -left
            candidate = candidates[low.bit_length() - 1]
            left ^= low
            count = edits(name, candidate, limit)
            if count <= limit and (best is None or count < best[1]):
                best = (candidate, count)
                if count == 1:
                    return best
    return best


def edits(a, b, limit):
    """Optimal string alignment distance of a and b (substitution, insertion,
    deletion, transposition of neighbours, no substring edited twice), or
    limit + 1 when it is larger. Branches at the first difference: with
    limit <= 2 that is at most 16 short comparisons."""
    if a == b:
        return 0
    if limit <= 0 or abs(len(a) - len(b)) > limit:
        return limit + 1
    start = 0
    shorter = min(len(a), len(b))
    while start < shorter and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    best = limit + 1
    options = [(a[1:], b)] if a else []
    if b:
        options.append((a, b[1:]))
        if a:
            options.append((a[1:], b[1:]))
            if len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0]:
                options.append((a[2:], b[2:]))
    for rest_a, rest_b in options:
        count = 1 + edits(rest_a, rest_b, limit - 1)
        if count < best:
            best = count
    return best
