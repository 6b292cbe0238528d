"""Probe: fonts. The fonts a cell drew with: the font files it opened, and the
fonts Matplotlib resolves its font families to when pyplot is loaded.

Kernel-side: standard library only, Python 3.8 grammar.

A figure re-drawn on another machine differs when the fonts differ: the same
Matplotlib, asked for ``['Arial', 'Liberation Sans', 'DejaVu Sans']``, draws
with Liberation Sans where the system has it and with its own DejaVu Sans
where it does not. So the record says which fonts were used, never where they
lie on the author's disk:

- ``opened``: font files (``inputs.FONT_SUFFIXES``) the cell opened for reading, seen by
  the audit hook of ``inputs.py`` (which hands them here instead of counting
  them as data inputs). Each is named by the font's own tables (the family and
  style of the TrueType/OpenType ``name`` table, the ``FamilyName`` of an AFM
  or PFB file), its version, its file name, its sha256 (files up to
  ``MAX_HASH`` bytes) and *where* it lies: ``matplotlib`` (Matplotlib's own
  fonts), ``environment`` (inside the kernel's environment, path relative to
  it), ``notebook`` (inside the notebook's folder, path relative to it),
  ``system``, ``user`` (the home folder) or ``other``. Only the first two
  kinds give a path. A cell that opened more than ``MAX_DETAILED`` fonts was
  building a font list (Matplotlib's first import scans every font): it gets
  ``scanned`` (the count), and details only for the fonts Matplotlib resolves.
- ``matplotlib``: with ``matplotlib.pyplot`` loaded (never imported here),
  each family of ``rcParams['font.family']`` and the font Matplotlib's font
  list gives it, found the way ``FontManager.findfont`` scores them (family
  order first, then style, weight and stretch), by reading the font list and
  ``rcParams`` only: ``findfont`` itself could log a warning into the cell.

Matplotlib keeps the fonts it opened, so a file is opened by the first cell
that draws with it; the ``matplotlib`` section is in every record after pyplot
loads. Font facts are read once per file per kernel (cached by size and
modification time); an unchanged cell costs a few dictionary reads.
"""

import os
import struct
import sys

from . import inputs

MAX_DETAILED = 16  # more opened than this in one cell: a font list was being built
MAX_HASH = 16 * 1024 * 1024
MAX_FAMILIES = 8
MAX_TEXT = 120
MAX_NAME_TABLE = 256 * 1024
MAX_TABLES = 512
MAX_FACTS = 512
FACTS_CACHE_KEY = "fonts.facts"
MATPLOTLIB_CACHE_KEY = "fonts.matplotlib"
INDEX_CACHE_KEY = "fonts.index"

WHERE = ("matplotlib", "environment", "notebook", "system", "user", "other")
_SYSTEM_DIRS = ("/usr/", "/System/", "/Library/", "/Network/", "/opt/", "/etc/", "/nix/", "/snap/")
_GENERIC = {
    "serif": "serif",
    "sans-serif": "sans-serif",
    "sans serif": "sans-serif",
    "sans": "sans-serif",
    "cursive": "cursive",
    "fantasy": "fantasy",
    "monospace": "monospace",
}
_WEIGHTS = {
    "thin": 100,
    "extralight": 200,
    "ultralight": 200,
    "light": 300,
    "normal": 400,
    "regular": 400,
    "book": 400,
    "medium": 500,
    "roman": 500,
    "semibold": 600,
    "demibold": 600,
    "demi": 600,
    "bold": 700,
    "heavy": 800,
    "extra bold": 800,
    "black": 900,
}
_STRETCHES = {
    "ultra-condensed": 100,
    "extra-condensed": 200,
    "condensed": 300,
    "semi-condensed": 400,
    "normal": 500,
    "semi-expanded": 600,
    "semi-extended": 600,
    "expanded": 700,
    "extended": 700,
    "extra-expanded": 800,
    "ultra-expanded": 900,
}


# -- the record, made after the cell -------------------------------------------------


def probe(ctx):
    """Return the ``fonts`` section of the run record (None when no font applies)."""
    recorder = ctx.cache.get(inputs.RECORDER_KEY)
    opened = getattr(recorder, "fonts", None)
    resolved, files = _matplotlib(ctx)
    out = {}
    if opened:
        root = inputs.root_dir()
        paths = list(opened)
        if len(paths) > MAX_DETAILED:
            # Matplotlib built its font list: the fonts it resolves stand for the cell.
            out["scanned"] = len(paths) + getattr(recorder, "font_overflow", 0)
            paths = sorted(files)
        detailed = []
        for path in paths:
            fact = describe(ctx, path, root)
            if fact is not None and fact not in detailed:
                detailed.append(fact)
        if detailed:
            out["opened"] = sorted(detailed, key=_order)
    if resolved:
        out["matplotlib"] = resolved
    return out or None


def _order(fact):
    return (fact.get("name") or "", fact.get("style") or "", fact.get("file") or "")


def _real(path):
    try:
        return os.path.realpath(os.path.join(os.getcwd(), path))
    except (OSError, ValueError):
        return path


def describe(ctx, path, root=None):
    """The facts of one font file (dict), or None when it cannot be read as a font."""
    full = _real(path)
    try:
        st = os.stat(full)
    except (OSError, ValueError):
        return None
    import stat as stat_module

    if not stat_module.S_ISREG(st.st_mode):
        return None
    cache = ctx.cache.setdefault(FACTS_CACHE_KEY, {})
    key = (full, st.st_size, st.st_mtime_ns, root)
    if key not in cache:
        facts = read_facts(full, st.st_size)
        if facts is not None:
            facts.update(where(full, root))
        if len(cache) >= MAX_FACTS:
            cache.clear()
        cache[key] = facts
    facts = cache[key]
    return dict(facts) if facts is not None else None


def where(full, root=None):
    """``{"where": kind, "file": name}``, with ``path`` relative to the environment or
    the notebook's folder for fonts inside them; never a path outside them."""
    out = {"file": os.path.basename(full)[:MAX_TEXT]}
    marker = os.sep + "mpl-data" + os.sep + "fonts" + os.sep
    if marker in full:
        out["where"] = "matplotlib"
        return out
    for prefix in (getattr(sys, "prefix", None), getattr(sys, "base_prefix", None)):
        relative = _inside(full, prefix)
        if relative is not None:
            out["where"] = "environment"
            out["path"] = relative
            return out
    relative = _inside(full, root)
    if relative is not None:
        out["where"] = "notebook"
        out["path"] = relative
        return out
    if full.startswith(_SYSTEM_DIRS) or _windows_fonts(full):
        out["where"] = "system"
        return out
    home = os.path.expanduser("~")
    out["where"] = "user" if home != "~" and _inside(full, home) is not None else "other"
    return out


def _inside(full, folder):
    if not isinstance(folder, str) or not folder:
        return None
    folder = os.path.realpath(folder).rstrip(os.sep) + os.sep
    if not full.startswith(folder):
        return None
    return full[len(folder) :].replace(os.sep, "/")[:4096]


def _windows_fonts(full):
    windows = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    return bool(windows) and full.lower().startswith(os.path.join(windows, "Fonts").lower())


# -- reading a font's own tables ---------------------------------------------------


def read_facts(full, size=None, licence=False):
    """``{"name", "style"?, "version"?, "sha256"?}`` from the font file's own tables,
    or None when it is no font this can read. ``licence``: add ``licence`` (the
    licence and copyright texts the font carries, for the export)."""
    import hashlib

    lower = full.lower()
    try:
        with open(full, "rb") as handle:
            if lower.endswith(".afm"):
                facts = _afm(handle.read(8192))
            elif lower.endswith(".pfb"):
                facts = _pfb(handle.read(16384))
            else:
                facts = _sfnt(handle, licence)
            if facts is None:
                return None
            if size is None:
                size = os.fstat(handle.fileno()).st_size
            if size <= MAX_HASH:
                handle.seek(0)
                digest = hashlib.sha256()
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
                facts["sha256"] = digest.hexdigest()
    except (OSError, ValueError, struct.error):
        return None
    return facts


# Name ids of the OpenType 'name' table.
_COPYRIGHT, _FAMILY, _STYLE, _VERSION, _LICENCE, _LICENCE_URL = 0, 1, 2, 5, 13, 14
_TYPO_FAMILY, _TYPO_STYLE = 16, 17


def _sfnt(handle, licence):
    head = handle.read(12)
    if len(head) < 12:
        return None
    if head[:4] == b"ttcf":  # a collection: the first font names it
        first = handle.read(4)
        if len(first) < 4:
            return None
        handle.seek(struct.unpack(">I", first)[0])
        head = handle.read(12)
        if len(head) < 12:
            return None
    if head[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true", b"typ1"):
        return None
    count = min(struct.unpack(">H", head[4:6])[0], MAX_TABLES)
    records = handle.read(16 * count)
    table = None
    for i in range(len(records) // 16):
        tag, _checksum, offset, length = struct.unpack(">4sIII", records[16 * i : 16 * i + 16])
        if tag == b"name":
            table = (offset, min(length, MAX_NAME_TABLE))
            break
    if table is None:
        return None
    handle.seek(table[0])
    names = _names(handle.read(table[1]))
    family = names.get(_TYPO_FAMILY) or names.get(_FAMILY)
    if not family:
        return None
    style = names.get(_TYPO_STYLE) or names.get(_STYLE)
    facts = {"name": _clip(family)}
    if style:
        facts["style"] = _clip(style)
    version = _version(names.get(_VERSION))
    if version:
        facts["version"] = version
    if licence:
        texts = [names.get(i) for i in (_LICENCE, _LICENCE_URL, _COPYRIGHT)]
        facts["licence"] = "\n".join(t for t in texts if t)[:8192]
    return facts


def _names(data):
    """{name id: text} of a 'name' table, Windows English first, then any Windows
    or Unicode record, then Macintosh Roman."""
    if len(data) < 6:
        return {}
    _format, count, strings = struct.unpack(">HHH", data[:6])
    ranked = {}
    for i in range(min(count, (len(data) - 6) // 12)):
        platform, encoding, language, name_id, length, offset = struct.unpack(
            ">HHHHHH", data[6 + 12 * i : 18 + 12 * i]
        )
        if name_id not in (0, 1, 2, 5, 13, 14, 16, 17):
            continue
        if platform == 3 and language == 0x409:
            rank, codec = 0, "utf-16-be"
        elif platform in (0, 3):
            rank, codec = 1, "utf-16-be"
        elif platform == 1 and encoding == 0:
            rank, codec = 2, "mac_roman"
        else:
            continue
        if name_id in ranked and ranked[name_id][0] <= rank:
            continue
        raw = data[strings + offset : strings + offset + length]
        try:
            text = raw.decode(codec, "replace")
        except LookupError:
            continue
        ranked[name_id] = (rank, text)
    return {key: value[1].strip("\x00 \t\r\n") for key, value in ranked.items()}


def _version(text):
    if not text:
        return None
    text = text.strip()
    if text.lower().startswith("version"):
        text = text[len("version") :].strip()
    text = text.split(";")[0].strip()
    return _clip(text)[:40] if text else None


def _clip(text):
    text = " ".join(str(text).split())
    return text[:MAX_TEXT]


def _afm(head):
    text = head.decode("latin-1")
    if not text.startswith("StartFontMetrics"):
        return None
    fields = {}
    for line in text.splitlines()[:200]:
        key, _, value = line.partition(" ")
        if key in ("FamilyName", "FontName", "Weight", "Version") and key not in fields:
            fields[key] = value.strip()
    family = fields.get("FamilyName") or fields.get("FontName")
    if not family:
        return None
    facts = {"name": _clip(family)}
    if fields.get("Weight"):
        facts["style"] = _clip(fields["Weight"])
    version = _version(fields.get("Version"))
    if version:
        facts["version"] = version
    return facts


def _pfb(head):
    text = head.decode("latin-1")
    if "%!PS-AdobeFont" not in text and "%!FontType1" not in text:
        return None
    family = _postscript_string(text, "/FamilyName")
    if not family:
        return None
    facts = {"name": _clip(family)}
    weight = _postscript_string(text, "/Weight")
    if weight:
        facts["style"] = _clip(weight)
    version = _version(_postscript_string(text, "/version"))
    if version:
        facts["version"] = version
    return facts


def _postscript_string(text, key):
    at = text.find(key + " (")
    if at < 0:
        return None
    start = at + len(key) + 2
    end = text.find(")", start, start + 200)
    return text[start:end] if end > start else None


# -- Matplotlib's resolved families ----------------------------------------------------


def _matplotlib(ctx):
    """(resolved, files): per family of ``font.family``, the font Matplotlib's font list
    gives it; and the real paths of those fonts. ``([], ())`` without pyplot."""
    if "matplotlib.pyplot" not in sys.modules:
        return [], ()
    matplotlib = sys.modules.get("matplotlib")
    manager_module = sys.modules.get("matplotlib.font_manager")
    rc = getattr(matplotlib, "rcParams", None)
    manager = getattr(manager_module, "fontManager", None)
    fonts = getattr(manager, "ttflist", None)
    if not isinstance(rc, dict) or not isinstance(fonts, list):
        return [], ()
    families = _families(rc.get("font.family"))
    lists = tuple(
        (name, _families(rc.get("font." + _GENERIC[name.lower()])))
        for name in families
        if name.lower() in _GENERIC
    )
    wanted = (str(rc.get("font.style")), str(rc.get("font.weight")), str(rc.get("font.stretch")))
    key = (id(manager), id(fonts), len(fonts), tuple(families), lists, wanted)
    cached = ctx.cache.get(MATPLOTLIB_CACHE_KEY)
    if cached is not None and cached[0] == key:
        return [dict(item) for item in cached[1]], cached[2]
    index = _index(ctx, manager, fonts)
    expanded = dict(lists)
    resolved, files = [], set()
    for family in families[:MAX_FAMILIES]:
        candidates = expanded.get(family, [family])
        entry = _find(index, candidates, wanted)
        item = {"family": _clip(family)}
        fname = getattr(entry, "fname", None)
        if isinstance(fname, str):
            full = os.path.realpath(fname)
            files.add(full)
            item["name"] = _clip(getattr(entry, "name", "") or "")
            item.update(where(full, _root()))
        resolved.append(item)
    files = frozenset(files)
    ctx.cache[MATPLOTLIB_CACHE_KEY] = (key, [dict(item) for item in resolved], files)
    return resolved, files


def _root():
    return inputs.root_dir()


def _families(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value[:64]]
    return []


def _index(ctx, manager, fonts):
    """{lower-case family name: [font entries]} in font-list order, once per font list."""
    key = (id(manager), id(fonts), len(fonts))
    cached = ctx.cache.get(INDEX_CACHE_KEY)
    if cached is not None and cached[0] == key:
        return cached[1]
    index = {}
    for entry in list(fonts):
        name = getattr(entry, "name", None)
        if isinstance(name, str):
            index.setdefault(name.lower(), []).append(entry)
    ctx.cache[INDEX_CACHE_KEY] = (key, index)
    return index


def _find(index, candidates, wanted):
    """The entry FontManager.findfont would pick: the first family of ``candidates``
    the font list has, then the closest style, weight and stretch (first wins ties)."""
    style, weight, stretch = wanted
    want_weight = _number(weight, _WEIGHTS, 400)
    want_stretch = _number(stretch, _STRETCHES, 500)
    for name in candidates:
        entries = index.get(str(name).lower())
        if not entries:
            continue
        best, best_score = None, None
        for entry in entries:
            score = _style_score(style, getattr(entry, "style", "normal"))
            have = _number(getattr(entry, "weight", 400), _WEIGHTS, 400)
            if have != want_weight:
                score += 0.95 * abs(have - want_weight) / 1000.0 + 0.05
            have = _number(getattr(entry, "stretch", 500), _STRETCHES, 500)
            score += abs(have - want_stretch) / 1000.0
            if best_score is None or score < best_score:
                best, best_score = entry, score
        return best
    return None


def _style_score(wanted, have):
    if wanted == have:
        return 0.0
    if wanted in ("italic", "oblique") and have in ("italic", "oblique"):
        return 0.1
    return 1.0


def _number(value, names, default):
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return names.get(str(value).lower(), default)
