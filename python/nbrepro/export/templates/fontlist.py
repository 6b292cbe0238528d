"""Matplotlib's font list for this bundle: the fonts the notebook drew with, and no others.

Copied into bundles as nbrepro-fonts/fontlist.py by nbrepro's export; run.sh,
the Dockerfile and the bundle's script run it before Matplotlib draws.

A figure drawn on another machine differs when Matplotlib finds other fonts
there: asked for ['Arial', 'Liberation Sans', 'DejaVu Sans'] it draws with the
first it has. So this writes Matplotlib's font cache (in MPLCONFIGDIR, the
bundle's .matplotlib folder unless set) with Matplotlib's own fonts, the fonts
the bundle carries (nbrepro-fonts/) and the system fonts the notebook drew
with that the bundle could not carry, and without every other font of this
machine. It reads nbrepro-fonts/fonts.json, which names them.

    python nbrepro-fonts/fontlist.py          # once per machine; run.sh does it
    NBREPRO_FONTS=system ...                  # leave Matplotlib's fonts alone

Exit status 0, also when Matplotlib is not installed (nothing to do); a font
that is missing or changed is said on stderr.
"""

import glob
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE = os.path.dirname(HERE)
SPEC = os.path.join(HERE, "fonts.json")
STAMP = "nbrepro-fonts.stamp"


def say(text):
    sys.stderr.write("nbrepro-fonts: %s\n" % text)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    if os.environ.get("NBREPRO_FONTS") == "system":
        say("NBREPRO_FONTS=system: Matplotlib uses this machine's fonts")
        return 0
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(BUNDLE, ".matplotlib"))
    with open(SPEC, "rb") as handle:
        raw = handle.read()
    spec = json.loads(raw.decode("utf-8"))
    try:
        import matplotlib
    except ImportError:
        say("Matplotlib is not installed: no font list to write")
        return 0
    cache = matplotlib.get_cachedir()
    stamp_path = os.path.join(cache, STAMP)
    stamp = "%s %s\n" % (hashlib.sha256(raw).hexdigest(), matplotlib.__version__)
    lists = glob.glob(os.path.join(cache, "fontlist-v*.json"))
    if lists and _read(stamp_path) == stamp:
        return 0
    for old in lists:  # a fresh scan of this machine's fonts
        os.remove(old)
    from matplotlib import font_manager

    manager = font_manager.fontManager
    data = os.path.realpath(matplotlib.get_data_path()) + os.sep
    carried, carried_names = set(), set()
    for font in spec.get("carried", ()):
        path = os.path.realpath(os.path.join(BUNDLE, font["file"]))
        if not os.path.isfile(path):
            say("MISSING: %s, which the bundle carried; copy the bundle again" % font["file"])
            continue
        if font.get("sha256") and sha256(path) != font["sha256"]:
            say("CHANGED: %s is not the font the notebook drew with" % font["file"])
        if path not in {os.path.realpath(e.fname) for e in manager.ttflist}:
            manager.addfont(path)
        carried.add(path)
        carried_names.add(font["name"].lower())
    needed = {f["name"].lower(): f for f in spec.get("system", ())}
    keep, from_system = [], 0
    for entry in manager.ttflist:
        path = os.path.realpath(entry.fname)
        name = entry.name.lower()
        if path.startswith(data) or path in carried:
            keep.append(entry)
        elif name in needed and name not in carried_names:
            keep.append(entry)
            from_system += 1
    found = {entry.name.lower() for entry in keep}
    for name, font in sorted(needed.items()):
        if name not in found and name not in carried_names:
            say(
                "MISSING: %s (%s); install it, or figures drawn with it will differ"
                % (font["name"], font.get("why") or "not carried")
            )
    dropped = len(manager.ttflist) - len(keep)
    manager.ttflist = keep
    written = glob.glob(os.path.join(cache, "fontlist-v*.json"))  # by the import above
    version = getattr(font_manager.FontManager, "__version__", matplotlib.__version__)
    target = written[0] if written else os.path.join(cache, "fontlist-v%s.json" % version)
    font_manager.json_dump(manager, target)
    with open(stamp_path, "w") as handle:
        handle.write(stamp)
    say(
        "Matplotlib's font list in %s: its own fonts, %d carried, %d from this system; "
        "%d other fonts of this machine left out" % (cache, len(carried), from_system, dropped)
    )
    return 0


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
