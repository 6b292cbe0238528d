"""The graded diff of two sides, and the context a notebook gives it.

Severity rules (src/drift/diff.ts implements the same; the shared vectors in
test/vectors/drift/ hold both to them):

- package version change: major or epoch high, minor medium, patch (also a
  pre- or dev-release change) low, post-release or local label info
  (``versions.compare``); a build-only change info; a source change medium for
  another VCS commit, URL or editable path, low for conda <-> pip or another
  channel; added low; removed medium.
- then, when the context says which distributions the notebook imports
  (``used`` is a list): one level up for a used package, one level down (never
  below info) for one nothing imports. Without ``used`` nothing is adjusted.
- Python (the fact, else the ``python`` package): major or minor high, patch
  low, else info; never adjusted.
- platform: os or machine high, libc medium.
- GPU driver, CUDA driver or runtime, cuDNN, device models and count: high when
  the notebook imported a GPU framework, else low.
- determinism and seeding settings: medium.
- the font Matplotlib gives a font family (a run record's ``fonts``): info,
  compared only for families both sides name.
- supply chain: an added pip package near a popular PyPI name high
  (``supply_chain``), a channel or index not in ``before`` medium.

A fact is compared only when both sides know it. Ignore patterns (``*`` and
``?`` globs over PEP 503 names) drop package differences and alerts.
"""

import re

from ..record.sides import read_side, same_archive
from ..record.words import describe_type, normalize
from . import supply_chain, versions
from .vocabulary import KINDS, MAX_PATTERNS, SCHEMA_VERSION, SEVERITIES, lower_level, raise_level

DISTANCE_SEVERITY = {
    "major": "high",
    "minor": "medium",
    "patch": "low",
    "post": "info",
    "local": "info",
}
GPU_DISTRIBUTIONS = frozenset(
    ("torch", "tensorflow", "tensorflow-gpu", "tensorflow-cpu", "jax", "jaxlib", "cupy")
)
_SAFE = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


def diff(before, after, context=None):
    """The drift report (schema/drift.schema.json) from ``before`` to ``after``,
    two sides as untrusted JSON: each is read at the door first
    (``record.sides.read_side``), and what it left out is in the report's
    problems. The shared vectors in test/vectors/drift/ call this."""
    problems = []
    old = read_side(before, "before", problems)
    new = read_side(after, "after", problems)
    return compare(old, new, context, problems)


def compare(old, new, context=None, problems=None):
    """The drift report from side ``old`` to side ``new``, both made at the door
    (``record.sides``, ``record.envreaders``) and taken as given. ``problems``
    (a list, extended) start the report's problems."""
    problems = [] if problems is None else problems
    ctx = read_context(context, problems)
    differences = []
    _packages(old, new, ctx, differences)
    _python(old, new, differences)
    _platform(old, new, differences)
    _gpu(old, new, ctx, differences)
    _runtime(old, new, differences)
    _channels(old, new, ctx, differences)
    _conda(old, new, differences)
    return report(differences, problems)


def report(differences, problems):
    differences.sort(key=_sort_key)
    counts = dict.fromkeys(SEVERITIES, 0)
    for item in differences:
        counts[item["severity"]] += 1
    severity = next((s for s in SEVERITIES if counts[s]), "none")
    return {
        "schema_version": SCHEMA_VERSION,
        "severity": severity,
        "counts": counts,
        "differences": differences,
        "problems": problems,
    }


def _sort_key(item):
    return (
        SEVERITIES.index(item["severity"]),
        KINDS.index(item["kind"]),
        item.get("name", ""),
        item.get("before", ""),
        item.get("after", ""),
    )


# ------------------------------------------------------------ context


def read_context(value, problems):
    """``{"used": set or None, "gpu": bool, "ignore": compiled pattern or None}``."""
    ctx = {"used": None, "gpu": False, "ignore": None}
    if value is None:
        return ctx
    if not isinstance(value, dict):
        problems.append("context is %s, not an object; ignored" % describe_type(value))
        return ctx
    used = value.get("used")
    if isinstance(used, list):
        ctx["used"] = {normalize(name) for name in used if isinstance(name, str)}
    elif used is not None:
        problems.append("context.used is %s, not a list; ignored" % describe_type(used))
    gpu = value.get("gpu_framework_imported")
    if isinstance(gpu, bool):
        ctx["gpu"] = gpu
    elif gpu is not None:
        problems.append(
            "context.gpu_framework_imported is %s, not a boolean; ignored" % describe_type(gpu)
        )
    ignore = value.get("ignore")
    if isinstance(ignore, list):
        patterns = [p for p in ignore[:MAX_PATTERNS] if isinstance(p, str) and p]
        if patterns:
            ctx["ignore"] = re.compile("|".join(_glob(p) for p in patterns))
    elif ignore is not None:
        problems.append("context.ignore is %s, not a list; ignored" % describe_type(ignore))
    return ctx


def _glob(pattern):
    out = []
    for char in normalize(pattern.strip()):
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out)


def used_distributions(nb_meta):
    """Sorted PEP 503 names of the distributions the notebook's runs imported
    (the values of ``runs[*].modules``); None when no run recorded modules.
    ``nb_meta`` is the notebook's model (``document.read_meta``): every run
    matches the schema, where a module maps to a name, null or a list of names."""
    used = set()
    known = False
    for run in nb_meta["runs"].values():
        modules = run.get("modules")  # not in a run recorded before modules were
        if modules is None:
            continue
        known = True
        for value in modules.values():
            for name in value if isinstance(value, list) else (value,):
                if name:
                    used.add(normalize(name))
    return sorted(used) if known else None


def notebook_context(nb_meta, ignore=()):
    """The diff context of a notebook's model (``document.read_meta``)."""
    used = used_distributions(nb_meta)
    gpu = bool(used and GPU_DISTRIBUTIONS.intersection(used))
    if any(run.get("frameworks") for run in nb_meta["runs"].values()):
        gpu = True
    return {"used": used, "gpu_framework_imported": gpu, "ignore": list(ignore)}


# ------------------------------------------------------------ packages


def _packages(old, new, ctx, out):
    before, after = old["packages"], new["packages"]
    ignore = ctx["ignore"]
    for name in before.keys() | after.keys():
        was, now = before.get(name), after.get(name)
        if was == now:
            continue  # the same entry: nothing changed (most packages)
        if name == "python" or (ignore is not None and ignore.fullmatch(name)):
            continue
        if was is None:
            _add(out, ctx, "package-added", "low", name, now, None, now)
            # The list holds PyPI names; conda's namespace differs (conda `yaml`
            # is libyaml), so conda packages are judged by their channel only.
            alert = supply_chain.near_popular(name) if now["manager"] == "pip" else None
            if alert is not None:
                out.append(
                    {
                        "kind": "supply-chain",
                        "severity": "high",
                        "name": now["name"],
                        "after": _version_text(now),
                        "detail": "%d edit%s from the widely used package %s"
                        % (alert[1], "" if alert[1] == 1 else "s", alert[0]),
                    }
                )
        elif now is None:
            _add(out, ctx, "package-removed", "medium", name, was, was, None)
        else:
            _changed(out, ctx, name, was, now)


def _changed(out, ctx, name, was, now):
    if was["manager"] != now["manager"]:
        _add(out, ctx, "package-source-changed", "low", name, was, _origin(was), _origin(now))
    elif was.get("channel") and now.get("channel") and was["channel"] != now["channel"]:
        _add(out, ctx, "package-source-changed", "low", name, was, _origin(was), _origin(now))
    elif (
        was["manager"] == "pip"
        and was.get("source") != now.get("source")
        and not same_archive(was.get("source"), now.get("source"))
    ):
        _add(out, ctx, "package-source-changed", "medium", name, was, _origin(was), _origin(now))
    same_version = True
    if was["version"] is not None and now["version"] is not None:
        order, distance = versions.compare(was["version"], now["version"])
        if distance != "same":
            same_version = False
            kind = "package-downgraded" if order > 0 else "package-upgraded"
            severity = DISTANCE_SEVERITY[distance]
            detail = distance + " version change"
            _add(out, ctx, kind, severity, name, was, was, now, detail)
    if same_version and was.get("build") and now.get("build") and was["build"] != now["build"]:
        _add(out, ctx, "package-build-changed", "info", name, was, was["build"], now["build"])


def _add(out, ctx, kind, severity, name, restore_to, was, now, detail=None):
    """Append a package difference; ``was`` and ``now`` are entries or texts."""
    item = {"kind": kind, "severity": severity, "name": (restore_to or now)["name"]}
    if isinstance(was, dict):
        item["before"] = _version_text(was)
    elif was is not None:
        item["before"] = was
    if isinstance(now, dict):
        item["after"] = _version_text(now)
    elif now is not None:
        item["after"] = now
    notes = [detail] if detail else []
    used = ctx["used"]
    if used is not None:
        item["used"] = name in used
        item["severity"] = raise_level(severity) if item["used"] else lower_level(severity)
        if item["used"]:
            notes.append("used by this notebook")
    if notes:
        item["detail"] = "; ".join(notes)
    restore = restore_commands(kind, restore_to)
    if restore:
        item["restore"] = restore
    out.append(item)


def _version_text(entry):
    return entry["version"] if entry["version"] is not None else "unpinned"


def _origin(entry):
    if entry["manager"] == "conda":
        return "conda " + entry.get("channel", "(channel unknown)")
    return "pip " + entry.get("source", "(index)")


def restore_commands(kind, entry):
    """Shell commands that bring back ``entry`` (or, for an added package, remove it)."""
    if entry is None:
        return None
    name = entry["name"]
    if kind == "package-added":
        if entry["manager"] == "pip":
            return {"pip": "pip uninstall -y " + quote(name)}
        return {"conda": "conda remove " + quote(name)}
    version = entry["version"]
    if entry["manager"] == "pip":
        source = entry.get("source")
        if source and source.startswith("editable "):
            return {"pip": "pip install -e " + quote(source[len("editable ") :])}
        if source:
            return {"pip": "pip install " + quote("%s @ %s" % (name, source))}
        return {"pip": "pip install " + quote(name + ("==" + version if version else ""))}
    spec = name
    if entry.get("channel"):
        spec = entry["channel"] + "::" + spec
    if version:
        spec += "=" + version
        if entry.get("build"):
            spec += "=" + entry["build"]
    return {"conda": "conda install " + quote(spec)}


def quote(text):
    """POSIX shell quoting, as shlex.quote (ASCII safe set)."""
    if _SAFE.match(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


# ------------------------------------------------------------ facts


def _python_version(side):
    if side["python"]:
        return side["python"]
    entry = side["packages"].get("python")
    return entry["version"] if entry else None


def _python(old, new, out):
    was, now = _python_version(old), _python_version(new)
    if not was or not now:
        return
    order, distance = versions.compare(was, now)
    if distance == "same":
        return
    severity = {"major": "high", "minor": "high", "patch": "low"}.get(distance, "info")
    out.append(
        {
            "kind": "python-changed",
            "severity": severity,
            "name": "python",
            "before": was,
            "after": now,
            "detail": "%s version change" % distance,
        }
    )


def _facts(old, new, section, names):
    """(fact, before, after) of the facts of a section both sides know and that differ."""
    was, now = old[section], new[section]
    if not was or not now:
        return []
    return [
        (name, was.get(name), now.get(name))
        for name in names
        if was.get(name) is not None and now.get(name) is not None and was[name] != now[name]
    ]


def _platform(old, new, out):
    for name, was, now in _facts(old, new, "platform", ("os", "machine", "libc")):
        out.append(
            {
                "kind": "platform-changed",
                "severity": "medium" if name == "libc" else "high",
                "name": name,
                "before": was,
                "after": now,
            }
        )


def _gpu(old, new, ctx, out):
    names = ("driver", "cuda_driver", "cuda_runtime", "cudnn", "devices")
    for name, was, now in _facts(old, new, "gpu", names):
        out.append(
            {
                "kind": "gpu-changed",
                "severity": "high" if ctx["gpu"] else "low",
                "name": name,
                "before": was,
                "after": now,
                "detail": "a GPU framework is imported"
                if ctx["gpu"]
                else "no GPU framework is imported",
            }
        )


def _runtime(old, new, out):
    was, now = old["runtime"], new["runtime"]
    if not was or not now:
        return
    for section, kind in (("determinism", "determinism-changed"), ("seeding", "seeding-changed")):
        before, after = was[section], now[section]
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                item = {"kind": kind, "severity": "medium", "name": name}
                item["before"] = before.get(name) or "unset"
                item["after"] = after.get(name) or "unset"
                out.append(item)
    # Another font for a family: information (figures may differ), known on both sides only.
    before, after = was.get("fonts") or {}, now.get("fonts") or {}
    for name in sorted(set(before) & set(after)):
        if before[name] != after[name]:
            out.append(
                {
                    "kind": "fonts-changed",
                    "severity": "info",
                    "name": name,
                    "before": before[name],
                    "after": after[name],
                }
            )


def _conda(old, new, out):
    """The installed conda changed: information, with what it means for the
    files conda writes; never package drift."""
    from ..record import envfiles

    was, now = old.get("conda"), new.get("conda")
    if not was or not now or not was.get("version") or not now.get("version"):
        return
    if was["version"] == now["version"]:
        return
    out.append(
        {
            "kind": "conda-changed",
            "severity": "info",
            "name": "conda",
            "before": was["version"],
            "after": now["version"],
            "detail": "conda %s -> %s: %s"
            % (
                was["version"],
                now["version"],
                envfiles.conda_change(was.get("conda"), now.get("conda")),
            ),
        }
    )


def _channels(old, new, ctx, out):
    was, now = old["channels"], new["channels"]
    if was is None or now is None:
        return
    known = set(was)
    for channel in now:
        if channel in known or (ctx["ignore"] is not None and ctx["ignore"].fullmatch(channel)):
            continue
        out.append(
            {
                "kind": "supply-chain",
                "severity": "medium",
                "name": channel,
                "detail": "a channel or index the recorded environment did not use",
            }
        )
