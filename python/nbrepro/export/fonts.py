"""The fonts a bundle draws with: the fonts the recording drew with, carried where
their licence allows, and Matplotlib pointed at them.

From the run records (``record.fonts.used``), each font the notebook drew with is

- Matplotlib's own (its mpl-data): it comes with the recorded Matplotlib;
- in the notebook's folder: carried at its path, as the notebook's other files;
- anywhere else (the system's, the user's, the environment's): carried into
  ``nbrepro-fonts/`` when this machine has the file (the recorded sha256, when
  one was recorded) and the licence in its own ``name`` table lets anyone
  share it (``LICENCES``: the SIL Open Font License, Apache 2.0, the Bitstream
  Vera licence of DejaVu, the GPL with the font exception of Liberation 1.x,
  the Ubuntu Font Licence, MIT); else named in the README, and the font-list
  step and ``preflight`` say when a machine lacks it.

When the records show Matplotlib's resolved families (pyplot was loaded), the
bundle also gets ``nbrepro-fonts/fonts.json`` (what the fonts are),
``nbrepro-fonts/fontlist.py`` (``templates/fontlist.py``: it writes
Matplotlib's font cache with Matplotlib's own fonts, the carried ones and the
uncarried system fonts named, and no other font of the machine), and a
``matplotlibrc`` beside the script with the families the first figure
resolved (Matplotlib reads ``./matplotlibrc`` first). run.sh, the Dockerfile
and the script run the step with ``MPLCONFIGDIR`` in the bundle (a fresh font
cache); ``NBREPRO_FONTS=system`` turns it off.
"""

import hashlib
import json
import os
import re
from pathlib import Path

from ..capture import fonts as font_files
from ..record import fonts as recorded

FOLDER = "nbrepro-fonts"
SPEC = FOLDER + "/fonts.json"
SCRIPT = FOLDER + "/fontlist.py"
README = FOLDER + "/README.txt"
RC = "matplotlibrc"
CACHE_DIR = ".matplotlib"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "fontlist.py"
MAX_FONT_BYTES = 32 * 1024 * 1024
MAX_SCAN = 20000
SPEC_VERSION = 1
# (id, words in the font's licence or copyright text, what the README calls it)
LICENCES = (
    (
        "OFL",
        ("open font license", "scripts.sil.org/ofl", "openfontlicense.org"),
        "SIL Open Font License",
    ),
    ("Apache-2.0", ("apache license", "apache.org/licenses"), "Apache License 2.0"),
    (
        "Bitstream-Vera",
        ("bitstream vera", "dejavu changes are in public domain", "dejavu-fonts.org"),
        "Bitstream Vera Fonts licence (DejaVu)",
    ),
    (
        "GPL-2.0-with-font-exception",
        ("liberation fonts license", "liberationfontlicense", "font exception"),
        "GNU GPL 2 with the font exception",
    ),
    ("UFL-1.0", ("ubuntu font licence", "ubuntu font license"), "Ubuntu Font Licence 1.0"),
    ("MIT", ("mit license", "opensource.org/licenses/mit"), "MIT License"),
)
LICENCE_NAMES = {key: label for key, _words, label in LICENCES}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,119}$")
_SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,119}$")
_GENERIC = ("serif", "sans-serif", "cursive", "fantasy", "monospace")


def licence_of(text):
    """The id in LICENCES of a font's licence and copyright text, or None."""
    lowered = " ".join(str(text or "").lower().split())
    for key, words, _label in LICENCES:
        if any(word in lowered for word in words):
            return key
    return None


class FontPlan(object):
    """What the bundle does with the recorded fonts."""

    def __init__(self):
        self.fonts = []  # {"font", "status", "file"?, "licence"?, "why"?}
        self.files = {}  # bundle path -> bytes
        self.inputs = []  # fonts carried at their path in the notebook's folder
        self.matplotlib = False  # the records show Matplotlib's resolved families
        self.rc = None  # the matplotlibrc text, when one is written

    @property
    def carried(self):
        return [f for f in self.fonts if f["status"] in ("carried", "notebook")]

    @property
    def missing(self):
        return [f for f in self.fonts if f["status"] == "not carried"]


def plan(runs, folder=None, environment=None, search=None, taken=()):
    """The FontPlan for a notebook's run records. ``folder``: the notebook's folder
    (no font is looked for without it: the plan then names them only); ``search``:
    the folders fonts are looked for in (default: ``font_folders()``); ``taken``:
    bundle paths already used (a carried ``matplotlibrc`` wins over ours)."""
    runs = list(runs)
    result = FontPlan()
    used = recorded.used(runs)
    resolved = recorded.first_resolved(runs)
    result.matplotlib = bool(resolved)
    if not used:
        return result
    finder = _Finder(search if search is not None else font_folders(), environment)
    names = set()
    for font in used:
        entry = {"font": font}
        result.fonts.append(entry)
        kind = font.get("where")
        if kind == "matplotlib":
            entry["status"] = "matplotlib"
            continue
        if folder is None:
            entry.update(status="not carried", why="the notebook's folder was not given")
            continue
        if kind == "notebook" and font.get("path"):
            relative = font["path"]
            if relative in taken or relative.startswith(FOLDER + "/") or relative == RC:
                entry.update(status="not carried", why="its path is another file of the bundle")
                continue
            path = _inside(Path(folder), relative) if _is_font(relative) else None
            data = _read(path, font.get("sha256")) if path else None
            if data is None:
                entry.update(status="not carried", why="it is not in the notebook's folder now")
                continue
            entry.update(status="notebook", file=font["path"], licence=_licence(path))
            result.files[font["path"]] = data
            result.inputs.append(font["path"])
            continue
        path = finder.find(font)
        if path is None:
            entry.update(status="not carried", why="this machine has no such file")
            continue
        licence = _licence(path)
        if licence is None:
            entry.update(
                status="not carried",
                why="its licence is not one that lets anyone share it",
            )
            continue
        data = _read(path, font.get("sha256"))
        if data is None:
            entry.update(status="not carried", why="its file could not be read")
            continue
        name = _bundle_name(font.get("file") or path.name, names)
        entry.update(status="carried", file=FOLDER + "/" + name, licence=licence)
        result.files[FOLDER + "/" + name] = data
    if result.matplotlib:
        result.files[SPEC] = spec_text(result).encode("utf-8")
        result.files[SCRIPT] = TEMPLATE.read_bytes()
        result.files[README] = readme_text(result).encode("utf-8")
        if RC not in taken:
            result.rc = matplotlibrc(resolved)
            if result.rc:
                result.files[RC] = result.rc.encode("utf-8")
    return result


def _bundle_name(file_name, names):
    base = file_name if _SAFE_FILE.match(file_name or "") else "font"
    name, number = base, 1
    while name in names:
        number += 1
        stem, dot, suffix = base.rpartition(".")
        name = "%s-%d.%s" % (stem, number, suffix) if dot else "%s-%d" % (base, number)
    names.add(name)
    return name


def _inside(folder, relative):
    """``folder / relative`` for a recorded relative path that stays inside ``folder``
    (links resolved), else None: the path comes from the notebook's metadata."""
    if not isinstance(relative, str) or not relative or "\\" in relative or "\0" in relative:
        return None
    parts = relative.split("/")
    if relative.startswith("/") or ".." in parts or ":" in parts[0]:
        return None
    base = Path(folder).resolve()
    path = (base / relative).resolve()
    return path if base in path.parents else None


def _read(path, sha256):
    """The file's bytes when it is small enough and (with ``sha256``) the recorded one."""
    try:
        if path.stat().st_size > MAX_FONT_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def _licence(path):
    facts = font_files.read_facts(str(path), licence=True) or {}
    return licence_of(facts.get("licence"))


def font_folders():
    """Where this machine keeps fonts (the folders Matplotlib and fontconfig look in)."""
    home = Path.home()
    folders = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        Path("/usr/X11R6/lib/X11/fonts"),
        Path("/usr/X11/lib/X11/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
        home / "Library/Fonts",
    ]
    for variable in ("XDG_DATA_HOME",):
        if os.environ.get(variable):
            folders.append(Path(os.environ[variable]) / "fonts")
    for entry in (os.environ.get("XDG_DATA_DIRS") or "").split(os.pathsep):
        if entry:
            folders.append(Path(entry) / "fonts")
    windows = os.environ.get("WINDIR")
    if windows:
        folders.append(Path(windows) / "Fonts")
    if os.environ.get("LOCALAPPDATA"):
        folders.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft/Windows/Fonts")
    return folders


class _Finder(object):
    """Font files of the search folders by file name, walked once, on first use."""

    def __init__(self, folders, environment):
        self.folders = [Path(f) for f in folders]
        self.environment = environment or {}
        self.by_name = None

    def find(self, font):
        name = font.get("file")
        if not name:
            return None
        if font.get("where") == "environment" and font.get("path"):
            for prefix in self._prefixes():
                path = _inside(prefix, font["path"])
                if path is not None and _matches(path, font):
                    return path
        if self.by_name is None:
            self.by_name = self._walk()
        for path in self.by_name.get(name, ()):
            if _matches(path, font):
                return path
        return None

    def _prefixes(self):
        import sys

        python = self.environment.get("python") or {}
        out = []
        for value in (python.get("prefix"), sys.prefix):
            if isinstance(value, str) and value and os.path.isdir(os.path.expanduser(value)):
                out.append(Path(os.path.expanduser(value)))
        return out

    def _walk(self):
        found, seen = {}, 0
        for folder in self.folders:
            if not folder.is_dir():
                continue
            for root, dirs, files in os.walk(str(folder)):
                dirs.sort()
                for file_name in sorted(files):
                    seen += 1
                    if seen > MAX_SCAN:
                        return found
                    if file_name.endswith(_SUFFIXES):
                        found.setdefault(file_name, []).append(Path(root) / file_name)
        return found


_SUFFIXES = tuple(s for s in (".ttf", ".otf", ".ttc", ".pfb", ".afm")) + tuple(
    s.upper() for s in (".ttf", ".otf", ".ttc", ".pfb", ".afm")
)


def _is_font(name):
    return name.lower().endswith(_SUFFIXES[:5])


def _matches(path, font):
    """The recorded file: its sha256 when one was recorded, else the family it names."""
    if not _is_font(path.name) or not path.is_file():
        return False
    if font.get("sha256"):
        try:
            if path.stat().st_size > MAX_FONT_BYTES:
                return False
            return hashlib.sha256(path.read_bytes()).hexdigest() == font["sha256"]
        except OSError:
            return False
    facts = font_files.read_facts(str(path)) or {}
    return facts.get("name") == font.get("name")


# -- the files the bundle gets -----------------------------------------------------------


def spec_text(result):
    """nbrepro-fonts/fonts.json: what the font-list step keeps."""
    carried = []
    system = []
    for entry in result.fonts:
        font = entry["font"]
        if entry["status"] in ("carried", "notebook"):
            item = {"file": entry["file"], "name": font.get("name")}
            for key in ("style", "version", "sha256"):
                if font.get(key):
                    item[key] = font[key]
            if entry.get("licence"):
                item["licence"] = entry["licence"]
            carried.append(item)
        elif entry["status"] == "not carried":
            system.append(
                {"name": font.get("name"), "file": font.get("file"), "why": entry.get("why")}
            )
    spec = {"nbrepro_fonts": SPEC_VERSION, "carried": carried, "system": system}
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def matplotlibrc(resolved):
    """The families the first figure resolved, as Matplotlib's rc file says them; None
    when no name is one a matplotlibrc can hold as it is."""
    families, lines = [], []
    for item in resolved:
        family = item.get("family") or ""
        name = item.get("name") or ""
        if not _SAFE_NAME.match(family):
            continue
        families.append(family)
        generic = {"sans": "sans-serif", "sans serif": "sans-serif"}.get(family, family)
        if generic in _GENERIC and _SAFE_NAME.match(name):
            fallback = "DejaVu Sans Mono" if generic == "monospace" else "DejaVu Sans"
            names = [name] + ([fallback] if fallback != name else [])
            lines.append("font.%s: %s" % (generic, ", ".join(names)))
    if not families:
        return None
    head = [
        "# Written by nbrepro: the font families the notebook's first figure used, and the",
        "# fonts they resolved to (README.md, Fonts). Matplotlib reads ./matplotlibrc first;",
        "# the notebook's own settings still win.",
        "font.family: %s" % ", ".join(families),
    ]
    return "\n".join(head + lines) + "\n"


def describe(entry):
    """One line on a font of the plan, for the READMEs."""
    font = entry["font"]
    text = recorded.label(font, version=True)
    if font.get("style"):
        text += ", %s" % font["style"]
    if font.get("file"):
        text += " (%s)" % font["file"]
    status = entry["status"]
    if status == "matplotlib":
        return text + ": comes with Matplotlib"
    if status == "carried":
        return "%s: carried as %s (%s)" % (text, entry["file"], LICENCE_NAMES[entry["licence"]])
    if status == "notebook":
        return "%s: carried at its place, %s" % (text, entry["file"])
    return "%s: not carried, %s" % (text, entry.get("why") or "unknown")


def readme_text(result):
    """nbrepro-fonts/README.txt."""
    lines = [
        "The fonts the notebook drew its figures with (written by nbrepro).",
        "",
    ]
    lines += ["- " + _plain(describe(entry)) for entry in result.fonts]
    lines += [
        "",
        "run.sh, the Dockerfile and the script run fontlist.py first: it writes Matplotlib's",
        "font cache in .matplotlib (MPLCONFIGDIR) with Matplotlib's own fonts, the fonts",
        "carried here and the system fonts named above, and none of this machine's other",
        "fonts, so that Matplotlib resolves the same families to the same fonts.",
        "NBREPRO_FONTS=system leaves Matplotlib's fonts as this machine has them.",
    ]
    if result.missing:
        lines += [
            "",
            "Fonts not carried must be installed on the machine that runs the bundle;",
            "fontlist.py says which are missing.",
        ]
    return "\n".join(lines) + "\n"


def _plain(text):
    """A line of a text file from recorded values: printable, one line."""
    return "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))


def preflight(folder):
    """Sentences on the bundle's fonts that this machine lacks: the fonts the notebook
    drew with that the bundle does not carry (for ``nbrepro preflight``). Reads
    nbrepro-fonts/fonts.json of the bundle in ``folder``; [] when it has none."""
    path = Path(folder) / SPEC
    try:
        # a bundle someone sent: a regular file of sane size, else nothing is read
        if not path.is_file() or path.stat().st_size > 1 << 20:
            return []
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    wanted = [
        f
        for f in (spec.get("system") if isinstance(spec, dict) else None) or ()
        if isinstance(f, dict) and isinstance(f.get("name"), str)
    ]
    if not wanted:
        return []
    have = installed_families(font_folders())
    out = []
    for font in wanted:
        if font["name"].lower() not in have:
            out.append(
                "font %s is not installed here, and the bundle does not carry it (%s): "
                "figures drawn with it will differ"
                % (_plain(font["name"]), _plain(str(font.get("why"))))
            )
    return out


def fonts_check(folder):
    """The fonts check of ``nbrepro preflight`` (``{"check", "verdict", "reason"}``), or
    None for a bundle without fonts: ``unknown`` when a font the notebook drew with
    is neither carried nor installed here (figures may differ, nothing stops the
    rebuild), else ``yes``."""
    path = Path(folder) / SPEC
    if not path.is_file():
        return None
    missing = preflight(folder)
    if missing:
        return {"check": "fonts", "verdict": "unknown", "reason": "; ".join(missing)}
    return {
        "check": "fonts",
        "verdict": "yes",
        "reason": "the fonts the notebook drew with are carried or installed here",
    }


def installed_families(folders):
    """Lower-case family names of the fonts in ``folders`` (read from their own tables)."""
    finder = _Finder(folders, None)
    names = set()
    for paths in finder._walk().values():
        for path in paths:
            facts = font_files.read_facts(str(path)) or {}
            if facts.get("name"):
                names.add(facts["name"].lower())
    return names
