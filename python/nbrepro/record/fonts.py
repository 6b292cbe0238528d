"""The fonts a recording drew with, from its run records (``runtime.fonts``,
written by capture/fonts.py), and what differs between two recordings.

Matplotlib opens a font file once per kernel, so a cell's own record names
the files it opened first; what a cell drew with is the state up to it: the
fonts every cell up to it opened (latest first) and the fonts Matplotlib's
font list gave the families of ``rcParams['font.family']`` at its end.

Pure functions over records read at the door.
"""

WHERE_WORDS = {
    "matplotlib": "Matplotlib's own",
    "environment": "the environment's",
    "notebook": "the notebook folder's",
    "system": "the system's",
    "user": "the user's",
    "other": "another folder's",
}
MAX_NAMED = 4


def label(font, version=False):
    """``Matplotlib's own DejaVu Sans``; with ``version``, its version when known."""
    name = font.get("name") or font.get("family") or "?"
    whose = WHERE_WORDS.get(font.get("where"))
    text = "%s %s" % (whose, name) if whose else name
    if version and font.get("version"):
        text += " " + font["version"]
    return text


class State(object):
    """The fonts known at one cell: ``resolved`` {family: item} (Matplotlib's choice
    at the cell's end, None before pyplot) and ``opened`` {(name, file, where): font}
    of every cell up to it."""

    __slots__ = ("resolved", "opened")

    def __init__(self, resolved=None, opened=None):
        self.resolved = resolved
        self.opened = opened or {}

    def facts(self, item):
        """The opened font behind a resolved item (its version and sha256), or the item."""
        return self.opened.get(_key(item), item)


def _key(font):
    return (font.get("name"), font.get("file"), font.get("where"))


def states(runs):
    """A State per run record (None for a cell without one), in notebook order."""
    out = []
    opened = {}
    for run in runs:
        fonts = (run or {}).get("fonts") or {}
        for font in fonts.get("opened", ()):
            opened[_key(font)] = font
        resolved = None
        if fonts.get("matplotlib"):
            resolved = {item["family"]: item for item in fonts["matplotlib"]}
        out.append(State(resolved, dict(opened)))
    return out


def used(runs):
    """Every font the records name (opened or resolved), once each, in the order first seen:
    ``[font]`` with ``name``, ``file``, ``where`` and, when a cell opened it, ``version``,
    ``style``, ``sha256`` and ``path``."""
    seen = {}
    for run in runs:
        fonts = (run or {}).get("fonts") or {}
        for font in fonts.get("opened", ()):
            seen[_key(font)] = dict(seen.get(_key(font)) or {}, **font)
        for item in fonts.get("matplotlib", ()):
            if item.get("name") and _key(item) not in seen:
                seen[_key(item)] = {
                    k: item[k] for k in ("name", "file", "where", "path") if k in item
                }
    return list(seen.values())


def first_resolved(runs):
    """``[item]`` of the first record that has Matplotlib's resolved families, or []."""
    for run in runs:
        fonts = (run or {}).get("fonts") or {}
        if fonts.get("matplotlib"):
            return list(fonts["matplotlib"])
    return []


def differ(then, now):
    """``"fonts differ: recorded X, now Y"`` when the fonts of two States differ, else None.

    Matplotlib's choice for a family is compared by name and whose font it is,
    then, for the same font, by its file's sha256 (or version). Fonts opened on one
    side only are not compared: a recording whose kernel built Matplotlib's font
    list names the resolved fonts only."""
    if then is None or now is None or then.resolved is None or now.resolved is None:
        return None
    pairs = []
    for family in then.resolved:
        if family not in now.resolved:
            continue
        was, is_ = then.resolved[family], now.resolved[family]
        if not was.get("name") and not is_.get("name"):
            continue
        if (was.get("name"), was.get("where")) != (is_.get("name"), is_.get("where")):
            pairs.append("recorded %s, now %s" % (label(was), label(is_)))
            continue
        was_facts, is_facts = then.facts(was), now.facts(is_)
        if _same_file(was_facts, is_facts) is False:
            pairs.append(_versions(was_facts, is_facts))
    if not pairs:
        return None
    shown = pairs[:MAX_NAMED]
    if len(pairs) > MAX_NAMED:
        shown.append("and %d more" % (len(pairs) - MAX_NAMED))
    return "fonts differ: " + "; ".join(shown)


def _same_file(was, is_):
    """True, False, or None when nothing tells."""
    if was.get("sha256") and is_.get("sha256"):
        return was["sha256"] == is_["sha256"]
    if was.get("version") and is_.get("version"):
        return was["version"] == is_["version"]
    return None


def _versions(was, is_):
    if was.get("version") and is_.get("version") and was["version"] != is_["version"]:
        return "recorded %s, now %s" % (label(was, True), label(is_, True))
    return "recorded %s, now another file of that font (its sha256 differs)" % label(was, True)
