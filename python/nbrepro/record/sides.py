"""The door for what a drift diff compares: a *side*, made from untrusted JSON.

A side is ``{"packages": view, "channels", "python", "platform", "gpu",
"runtime"}`` (schema/drift.schema.json, ``$defs/side``); every fact but
``packages`` may be null (unknown: not compared). A package view maps a PEP 503
name to ``{"name", "version", "build"?, "manager", "channel"?, "source"?}``;
``version`` is null for an unpinned spec and ends in ``.*`` for a prefix pin.

Sides are made here and nowhere else: ``side_from_environment`` from a stored
environment (a notebook's snapshot, ``nbrepro snapshot`` JSON, a live
capture), ``read_side`` from side JSON in either form (a side, or
``{"environment": <stored environment>, "runtime"?: <run record>}``), and
``envreaders`` from environment files. ``drift`` compares them as given and
never checks their shape again. Nothing here raises on bad input: what cannot
be read is left out and a problem (a sentence, identical in src/drift/view.ts)
says what and where.
"""

import json
import re

from .words import describe_type, normalize, short

# Limits on untrusted input: past them a side is read partially and a problem says so.
MAX_PACKAGES = 20000
MAX_TEXT = 1000

UNKNOWN_CHANNEL = "<unknown>"
MACHINES = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}
# Channels conda knows as `defaults`: a recorded pkgs/main and an exported
# `defaults` are the same source.
DEFAULTS = frozenset(("pkgs/main", "pkgs/r", "pkgs/msys2", "pkgs/free", "pkgs/pro"))
GPU_FACTS = ("driver", "cuda_driver", "cuda_runtime", "cudnn", "devices")
PLATFORM_FACTS = ("os", "machine", "libc")
RUNTIME_SECTIONS = ("seeding", "determinism", "fonts")
MAX_FACTS = 500


# Which conda the conda files are written for (environment.conda.behaviour).
CONDA_FACTS = ("conda", "version", "source")


def empty_side():
    return {
        "packages": {},
        "channels": None,
        "python": None,
        "platform": None,
        "gpu": None,
        "runtime": None,
        "conda": None,
    }


_CHANNEL_NAMES = {}


def channel_name(text):
    """The name a channel or index is compared by: conda's short names for
    anaconda.org and repo.anaconda.com URLs, `defaults` for its members, `pypi`
    for PyPI's index, else the text without a trailing slash."""
    # An environment names a handful of channels thousands of times.
    name = _CHANNEL_NAMES.get(text)
    if name is None:
        name = _channel_name(text)
        if len(_CHANNEL_NAMES) < 1000:
            _CHANNEL_NAMES[text] = name
    return name


def _channel_name(text):
    name = text.strip().rstrip("/")
    lowered = name.lower()
    for prefix in ("https://conda.anaconda.org/", "http://conda.anaconda.org/"):
        if lowered.startswith(prefix):
            name = name[len(prefix) :]
    for prefix in ("https://repo.anaconda.com/", "http://repo.anaconda.com/"):
        if lowered.startswith(prefix):
            name = name[len(prefix) :]
    if name in DEFAULTS:
        return "defaults"
    if lowered in ("https://pypi.org/simple", "https://pypi.python.org/simple", "pypi"):
        return "pypi"
    return name


def describe_source(source):
    """A PEP 610 direct_url record as one comparable string."""
    if not isinstance(source, dict) or not isinstance(source.get("url"), str):
        return None
    url = source["url"]
    vcs = source.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id") if isinstance(vcs.get("commit_id"), str) else ""
        kind = vcs.get("vcs") if isinstance(vcs.get("vcs"), str) else "vcs"
        return "%s+%s%s" % (kind, url, "@" + commit if commit else "")
    info = source.get("dir_info")
    if isinstance(info, dict) and info.get("editable") is True:
        return "editable " + url
    digest = archive_sha256(source)
    return url + "#sha256=" + digest if digest and "#" not in url else url


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def archive_sha256(source):
    """The sha256 PEP 610's archive_info gives for an archive pip installed, or None."""
    archive = source.get("archive_info")
    if not isinstance(archive, dict):
        return None
    hashes = archive.get("hashes")
    value = hashes.get("sha256") if isinstance(hashes, dict) else None
    if not isinstance(value, str):
        legacy = archive.get("hash")
        value = (
            legacy[len("sha256=") :]
            if isinstance(legacy, str) and legacy.startswith("sha256=")
            else None
        )
    return value.lower() if value and _SHA256.fullmatch(value) else None


def same_archive(source, other):
    """Two pip sources naming archives of one sha256 are the same bytes, wherever
    they were installed from (the wheel a bundle carries in wheels/ and the one
    the author installed)."""
    if not source or not other or "#sha256=" not in source or "#sha256=" not in other:
        return False
    return source.rpartition("#sha256=")[2] == other.rpartition("#sha256=")[2]


def value_text(value):
    """A fact's value as text (numbers and booleans as JSON writes them)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ------------------------------------------------------------ package views


def package_view(environment, problems=None, where="environment"):
    """{normalised name: package} of a stored (compact) environment: conda
    packages, then pip distributions import finds (a pip one wins over a conda
    one of the same name, as conda's own export has it)."""
    if problems is None:
        problems = []
    view = {}
    if not isinstance(environment, dict):
        problems.append(
            "%s is %s, not an object; it was read as empty" % (where, describe_type(environment))
        )
        return view
    conda = environment.get("conda")
    if conda is not None:
        if isinstance(conda, dict):
            _conda_packages(conda, view, problems, where + ".conda")
        else:
            problems.append(
                "%s.conda is %s, not an object; ignored" % (where, describe_type(conda))
            )
    pip = environment.get("pip")
    if pip is not None:
        if isinstance(pip, dict):
            _pip_distributions(pip, view, problems, where + ".pip")
        else:
            problems.append("%s.pip is %s, not an object; ignored" % (where, describe_type(pip)))
    return view


def _bounded_list(value, where, problems):
    if not isinstance(value, list):
        if value is not None:
            problems.append("%s is %s, not a list; ignored" % (where, describe_type(value)))
        return []
    if len(value) > MAX_PACKAGES:
        problems.append(
            "%s has more than %d entries; the rest were ignored" % (where, MAX_PACKAGES)
        )
        return value[:MAX_PACKAGES]
    return value


def split_conda_string(text):
    """(channel key, subdir, name, version, build) of `<key>/<subdir>/<fn>#<hash>`;
    name, version and build are None when fn does not split into three; None
    when the text is not a path of three parts."""
    spec = text.partition("#")[0]
    parts = spec.rsplit("/", 2)
    if len(parts) < 3 or not parts[0]:
        return None
    key, subdir, fn = parts
    if fn.endswith(".conda"):
        fn = fn[:-6]
    elif fn.endswith(".tar.bz2"):
        fn = fn[:-8]
    pieces = fn.rsplit("-", 2)
    if len(pieces) < 3 or not (pieces[0] and pieces[1] and pieces[2]):
        return key, subdir, None, None, None
    return key, subdir, pieces[0], pieces[1], pieces[2]


def _conda_packages(conda, view, problems, where):
    overrides = conda.get("overrides")
    if not isinstance(overrides, dict):
        overrides = {}
    packages = _bounded_list(conda.get("packages"), where + ".packages", problems)
    seen = set()
    for index, text in enumerate(packages):
        if not isinstance(text, str):
            here = "%s.packages[%d]" % (where, index)
            problems.append("%s is %s, not a string; skipped" % (here, describe_type(text)))
            continue
        if len(text) > MAX_TEXT:
            here = "%s.packages[%d]" % (where, index)
            problems.append("%s is longer than %d characters; skipped" % (here, MAX_TEXT))
            continue
        # split_conda_string, inlined: one call less per package.
        parts = text.partition("#")[0].rsplit("/", 2)
        if len(parts) < 3 or not parts[0]:
            parsed = key = name = version = build = None
        else:
            parsed = True
            key = parts[0]
            fn = parts[2]
            if fn.endswith(".conda"):
                fn = fn[:-6]
            elif fn.endswith(".tar.bz2"):
                fn = fn[:-8]
            pieces = fn.rsplit("-", 2)
            if len(pieces) < 3 or not (pieces[0] and pieces[1] and pieces[2]):
                name = version = build = None
            else:
                name, version, build = pieces
        channel = None if key is None or key == UNKNOWN_CHANNEL else key
        # An override names what a file name that does not split leaves out.
        override = overrides.get(str(index)) if overrides else None
        if isinstance(override, dict):
            name = _text_or(override.get("name"), name)
            version = _text_or(override.get("version"), version)
            build = _text_or(override.get("build"), build)
            channel = _text_or(override.get("channel"), channel)
        if parsed is None or name is None or version is None:
            here = "%s.packages[%d]" % (where, index)
            problems.append(
                "%s %s is not <channel>/<subdir>/<name>-<version>-<build>; skipped"
                % (here, json.dumps(short(text), ensure_ascii=False))
            )
            continue
        normalized = normalize(name)
        if normalized in seen:
            problems.append(
                "%s.packages names %s more than once; the first one is used"
                % (where, json.dumps(short(name), ensure_ascii=False))
            )
            continue
        seen.add(normalized)
        entry = {"name": name, "version": version, "manager": "conda"}
        if build:
            entry["build"] = build
        if channel is not None:
            entry["channel"] = _CHANNEL_NAMES.get(channel) or channel_name(channel)
        view[normalized] = entry


def _text_or(value, default):
    return value if isinstance(value, str) and value else default


def _pip_distributions(pip, view, problems, where):
    dists = _bounded_list(pip.get("distributions"), where + ".distributions", problems)
    seen = set()
    for index, dist in enumerate(dists):
        if not isinstance(dist, dict):
            here = "%s.distributions[%d]" % (where, index)
            problems.append("%s is %s, not an object; skipped" % (here, describe_type(dist)))
            continue
        name, version = dist.get("name"), dist.get("version")
        if not isinstance(name, str) or not name or not isinstance(version, str):
            here = "%s.distributions[%d]" % (where, index)
            problems.append("%s has no name or version string; skipped" % here)
            continue
        if len(name) > MAX_TEXT or len(version) > MAX_TEXT:
            here = "%s.distributions[%d]" % (where, index)
            problems.append("%s is longer than %d characters; skipped" % (here, MAX_TEXT))
            continue
        if dist.get("shadowed_by") is not None:
            continue  # hidden behind another of its name earlier on sys.path
        normalized = normalize(name)
        if normalized in seen:
            problems.append(
                "%s.distributions names %s more than once; the first one is used"
                % (where, json.dumps(short(name), ensure_ascii=False))
            )
            continue
        seen.add(normalized)
        entry = {"name": name, "version": version, "manager": "pip"}
        source = describe_source(dist.get("source"))
        if source is not None:
            entry["source"] = source
        view[normalized] = entry


# ------------------------------------------------------------ sides


def side_from_environment(environment, runtime=None, problems=None, where="environment"):
    """The side of a stored environment and, optionally, one run record."""
    if problems is None:
        problems = []
    side = empty_side()
    side["packages"] = package_view(environment, problems, where)
    if not isinstance(environment, dict):
        return side
    conda = environment.get("conda")
    if isinstance(conda, dict):
        channels = set()
        for channel in conda.get("channels") if isinstance(conda.get("channels"), list) else ():
            if isinstance(channel, str) and channel:
                channels.add(channel_name(channel))
        channels.update(
            entry["channel"]
            for entry in side["packages"].values()
            if entry["manager"] == "conda" and "channel" in entry
        )
        side["channels"] = sorted(channels)
    if isinstance(conda, dict) and isinstance(conda.get("behaviour"), dict):
        side["conda"] = _read_facts(
            conda["behaviour"], CONDA_FACTS, where + ".conda.behaviour", problems
        )
    python = environment.get("python")
    if isinstance(python, dict) and isinstance(python.get("version"), str):
        side["python"] = python["version"]
    side["platform"] = _platform(environment.get("platform"))
    side["gpu"] = _gpu(environment.get("gpu"), runtime)
    if isinstance(runtime, dict):
        side["runtime"] = {
            "seeding": _flatten(runtime.get("seeds"), ("fingerprints", "calls")),
            "determinism": _flatten(runtime.get("determinism"), ()),
            "fonts": _fonts(runtime.get("fonts")),
        }
    return side


def _platform(platform):
    if not isinstance(platform, dict):
        return None
    out = dict.fromkeys(PLATFORM_FACTS)
    if isinstance(platform.get("system"), str) and platform["system"]:
        out["os"] = platform["system"].lower()
    if isinstance(platform.get("machine"), str) and platform["machine"]:
        machine = platform["machine"].lower()
        out["machine"] = MACHINES.get(machine, machine)
    libc = platform.get("libc")
    if isinstance(libc, dict) and isinstance(libc.get("name"), str):
        version = libc.get("version")
        out["libc"] = libc["name"] + (" " + version if isinstance(version, str) else "")
    return out


def _gpu(gpu, runtime):
    out = dict.fromkeys(GPU_FACTS)
    known = False
    if isinstance(gpu, dict):
        known = True
        for fact, field in (("driver", "driver_version"), ("cuda_driver", "cuda_driver_version")):
            if isinstance(gpu.get(field), str):
                out[fact] = gpu[field]
        names = {}
        for device in gpu.get("devices") if isinstance(gpu.get("devices"), list) else ():
            if isinstance(device, dict):
                name = device.get("name") if isinstance(device.get("name"), str) else "unknown"
                names[name] = names.get(name, 0) + 1
        out["devices"] = (
            ", ".join("%dx %s" % (names[n], n) for n in sorted(names)) if names else "none"
        )
    frameworks = runtime.get("frameworks") if isinstance(runtime, dict) else None
    if isinstance(frameworks, dict):
        torch = frameworks.get("torch") if isinstance(frameworks.get("torch"), dict) else {}
        tf = frameworks.get("tensorflow")
        tf = tf if isinstance(tf, dict) else {}
        for fact, values in (
            ("cuda_runtime", (torch.get("cuda"), tf.get("cuda_version"))),
            ("cudnn", (torch.get("cudnn"), tf.get("cudnn_version"))),
        ):
            for value in values:
                if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    out[fact] = value_text(value)
                    known = True
                    break
    return out if known else None


def _fonts(value):
    """{family: "Name (where)"}: the fonts Matplotlib gave the families of
    ``font.family`` in a run record's ``fonts`` (capture/fonts.py)."""
    out = {}
    items = value.get("matplotlib") if isinstance(value, dict) else None
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("family"), str):
            continue
        name, where = item.get("name"), item.get("where")
        if isinstance(name, str) and len(out) < MAX_FACTS:
            out[short(item["family"])] = short(
                "%s (%s)" % (name, where) if isinstance(where, str) else name
            )
    return out


def _flatten(value, skip):
    """{dotted path: text} of a nested record, bounded."""
    out = {}
    if not isinstance(value, dict):
        return out
    stack = [("", value, 0)]
    while stack:
        prefix, item, depth = stack.pop()
        for key in sorted(item):
            if depth == 0 and key in skip:
                continue
            path = prefix + key
            child = item[key]
            if isinstance(child, dict) and depth < 4:
                stack.append((path + ".", child, depth + 1))
            elif len(out) < MAX_FACTS:
                out[path] = "unset" if child is None else value_text(child)
    return out


# ------------------------------------------------------------ reading a side


def read_side(value, where, problems):
    """A well-formed side from untrusted JSON (either form); problems appended."""
    if isinstance(value, dict) and "environment" in value and "packages" not in value:
        return side_from_environment(
            value["environment"], value.get("runtime"), problems, where + ".environment"
        )
    side = empty_side()
    if not isinstance(value, dict):
        problems.append(
            "%s is %s, not an object; it was read as empty" % (where, describe_type(value))
        )
        return side
    side["packages"] = _read_view(value.get("packages"), where + ".packages", problems)
    channels = value.get("channels")
    if isinstance(channels, list):
        side["channels"] = sorted({channel_name(c) for c in channels if isinstance(c, str)})
    elif channels is not None:
        problems.append("%s.channels is %s, not a list; ignored" % (where, describe_type(channels)))
    python = value.get("python")
    if isinstance(python, str):
        side["python"] = python
    elif python is not None:
        problems.append("%s.python is %s, not a string; ignored" % (where, describe_type(python)))
    side["platform"] = _read_facts(
        value.get("platform"), PLATFORM_FACTS, where + ".platform", problems
    )
    side["gpu"] = _read_facts(value.get("gpu"), GPU_FACTS, where + ".gpu", problems)
    side["conda"] = _read_facts(value.get("conda"), CONDA_FACTS, where + ".conda", problems)
    runtime = value.get("runtime")
    if isinstance(runtime, dict):
        side["runtime"] = {
            name: _read_facts(runtime.get(name), None, "%s.runtime.%s" % (where, name), problems)
            or {}
            for name in RUNTIME_SECTIONS
        }
    elif runtime is not None:
        problems.append(
            "%s.runtime is %s, not an object; ignored" % (where, describe_type(runtime))
        )
    return side


def _read_facts(value, names, where, problems):
    """{fact: text or None} of an object of strings; names None: any keys."""
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append("%s is %s, not an object; ignored" % (where, describe_type(value)))
        return None
    keys = names if names is not None else sorted(value)[:MAX_FACTS]
    out = {}
    for key in keys:
        fact = value.get(key)
        if fact is None or isinstance(fact, str):
            out[key] = fact
        else:
            problems.append(
                "%s.%s is %s, not a string; ignored" % (where, key, describe_type(fact))
            )
            out[key] = None
    return out


def _usable(text):
    return type(text) is str and 0 < len(text) <= MAX_TEXT


def _well_formed(raw):
    """A copy of the common, well-formed entry, or None for the careful path."""
    if type(raw) is not dict:
        return None
    name, version, manager = raw.get("name"), raw.get("version"), raw.get("manager")
    if not _usable(name) or (version is not None and not _usable(version)):
        return None
    if manager != "conda" and manager != "pip":
        return None
    entry = {"name": name, "version": version, "manager": manager}
    for field in ("build", "channel", "source"):
        text = raw.get(field)
        if text is not None:
            if not _usable(text):
                return None
            entry[field] = channel_name(text) if field == "channel" else text
    return entry


def _read_view(value, where, problems):
    view = {}
    if not isinstance(value, dict):
        problems.append("%s is %s, not an object; ignored" % (where, describe_type(value)))
        return view
    keys = sorted(value)
    if len(keys) > MAX_PACKAGES:
        problems.append(
            "%s has more than %d entries; the rest were ignored" % (where, MAX_PACKAGES)
        )
        keys = keys[:MAX_PACKAGES]
    for key in keys:
        raw = value[key]
        # _well_formed, inlined: the common entry without a call per check.
        entry = None
        if type(raw) is dict:
            name = raw.get("name")
            version = raw.get("version")
            manager = raw.get("manager")
            if (
                type(name) is str
                and 0 < len(name) <= MAX_TEXT
                and (version is None or (type(version) is str and 0 < len(version) <= MAX_TEXT))
                and (manager == "conda" or manager == "pip")
            ):
                entry = {"name": name, "version": version, "manager": manager}
                build = raw.get("build")
                channel = raw.get("channel")
                source = raw.get("source")
                if build is not None:
                    if type(build) is str and 0 < len(build) <= MAX_TEXT:
                        entry["build"] = build
                    else:
                        entry = None
                if channel is not None and entry is not None:
                    if type(channel) is str and 0 < len(channel) <= MAX_TEXT:
                        entry["channel"] = channel_name(channel)
                    else:
                        entry = None
                if source is not None and entry is not None:
                    if type(source) is str and 0 < len(source) <= MAX_TEXT:
                        entry["source"] = source
                    else:
                        entry = None
        if entry is None:
            entry = _read_entry(raw, where, key, problems)
            if entry is None:
                continue
        normalized = normalize(entry["name"])
        if normalized in view:
            problems.append(
                "%s names %s more than once; the first one is used"
                % (where, json.dumps(short(entry["name"]), ensure_ascii=False))
            )
            continue
        view[normalized] = entry
    return view


def _read_entry(raw, view_where, key, problems):
    entry = _well_formed(raw)
    if entry is not None:
        return entry
    where = "%s[%s]" % (view_where, json.dumps(short(key), ensure_ascii=False))
    if not isinstance(raw, dict):
        problems.append("%s is %s, not an object; skipped" % (where, describe_type(raw)))
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name or len(name) > MAX_TEXT:
        problems.append("%s has no usable name; skipped" % where)
        return None
    manager = raw.get("manager")
    if manager not in ("conda", "pip"):
        problems.append("%s has a manager other than conda or pip; skipped" % where)
        return None
    entry = {"name": name, "version": None, "manager": manager}
    version = raw.get("version")
    if isinstance(version, str) and version and len(version) <= MAX_TEXT:
        entry["version"] = version
    elif version is not None:
        problems.append("%s.version is not a usable string; read as unpinned" % where)
    for field in ("build", "channel", "source"):
        text = raw.get(field)
        if isinstance(text, str) and text and len(text) <= MAX_TEXT:
            entry[field] = channel_name(text) if field == "channel" else text
        elif text is not None:
            problems.append("%s.%s is not a usable string; ignored" % (where, field))
    return entry
