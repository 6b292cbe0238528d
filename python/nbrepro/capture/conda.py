"""Probe: conda. What `conda env export` and `conda list --explicit` would say
for a prefix, computed from `conda-meta/` and site-packages without running conda.

The rules mirrored here (see conda's `Environment.from_prefix`, `PrefixGraph`,
the pypi prefix-data loader and `print_explicit`):
- dependencies: conda records, `name=version=build`, sorted by name;
- pip section: site-packages anchors (`*.dist-info/RECORD`, `*.egg-info[/PKG-INFO]`,
  `*.egg/EGG-INFO/PKG-INFO`, `*.egg-link`) not listed in the files of a conda
  package that depends on python (transitively); conda-normalised names;
  egg-links never exported;
- a conda python package whose anchor is gone was clobbered by pip: conda drops
  it (and deletes its record; we only flag it); a pip record with the same
  normalised name replaces the conda one;
- channels: canonical names of the packages' channels in name order, then the
  .condarc channels (conda >= 25.7);
- explicit lock: every record in PrefixGraph order, URLs without credentials.

The section returned here is the verbose one (`environment_full`); what a
notebook stores is its compact form, made by `compact.conda_section`.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import json
import os
import re
import sys

from . import conda_meta, distinfo, history, installed, privacy, urls
from .safeio import open_regular

PROBE = "conda"

# The conda release lines whose export rules are followed (oldest first), and
# the first release of each line's rules: conda <= 25.5 writes like 24.11,
# 25.7 adds the new channel order and env-form history specs, 25.9 stops adding
# `defaults` implicitly (26.x: also python_site_packages_path, pip-clobbered
# records dropped from --from-history).
BEHAVIOURS = (("24.11", (0,)), ("25.7", (25, 7)), ("26.7", (25, 9)))
NEWEST = BEHAVIOURS[-1][0]
_VERSION_RE = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")


def behaviour_of(version):
    """The behaviour line ("24.11", "25.7", "26.7") of a conda version string, or None."""
    match = _VERSION_RE.match(str(version or ""))
    if not match:
        return None
    numbers = tuple(int(n) for n in match.groups() if n is not None)
    chosen = None
    for name, first in BEHAVIOURS:
        if numbers >= first:
            chosen = name
    return chosen


def behaviour_for(ctx, prefix, summary, pixi_found):
    """Which conda's rules to write with, and why: the conda the user has
    installed, found as `installed.find` says (the option first, the history
    only as a guess). ``root`` is where that conda is installed, when known."""
    source, root, version = installed.find(
        prefix, summary, pixi_found, option=ctx.option("conda_version")
    )
    line = behaviour_of(version) if version else None
    if line is None:
        if source in ("option", "history") or source in installed.INSTALLED:
            source = "newest"
        line, version, root = NEWEST, None, None
    return {
        "conda": line,
        "source": source,
        "version": str(version) if version else None,
        "subdir": running_subdir(),
        "root": privacy.redactor_for(ctx).path(root) if root else None,
        "_root": root,
    }


def at_least(behaviour, line):
    order = [name for name, _ in BEHAVIOURS]
    return order.index(behaviour["conda"]) >= order.index(line)


def prefix_of(ctx):
    prefix = ctx.option("prefix") or sys.prefix
    return os.path.abspath(os.path.expanduser(str(prefix)))


def probe(ctx):
    prefix = prefix_of(ctx)
    meta_dir = os.path.join(prefix, "conda-meta")
    if not os.path.isdir(meta_dir):
        return None
    redactor = privacy.redactor_for(ctx)
    records = conda_meta.load_records(ctx, meta_dir, PROBE)
    by_name = {}
    for record in records:
        if record["name"] in by_name:
            ctx.problem(
                PROBE, "two records for %s; the later file wins" % record["name"], record["_file"]
            )
        by_name[record["name"]] = record
    records = list(by_name.values())

    summary, problems = history.read(os.path.join(meta_dir, "history"))
    for message in problems:
        ctx.problem(PROBE, message, "conda-meta/history")
    pixi_found = os.path.exists(os.path.join(meta_dir, "pixi"))
    behaviour = behaviour_for(ctx, prefix, summary, pixi_found)
    root = behaviour.pop("_root", None)

    subdir = env_subdir(records)
    # conda's Windows-only ordering rule depends on where conda runs, not on the prefix.
    order = toposort(records, windows=sys.platform.startswith("win"))
    interop = pip_interop(ctx, prefix, by_name, redactor, behaviour)

    packages = []
    for name in order:
        entry = package_entry(by_name[name], interop)
        # A local file:// channel under the home directory would reveal it.
        entry["channel"] = redactor.url(entry["channel"])
        entry["url"] = redactor.url(entry["url"])
        packages.append(entry)

    excluded = set(interop["clobbered"]) | set(interop["replaced"])
    exported = sorted((p for p in packages if p["name"] not in excluded), key=lambda p: p["name"])
    package_channels = []
    for entry in exported:
        if entry["channel"] != "<unknown>" and entry["channel"] not in package_channels:
            package_channels.append(entry["channel"])
    config = config_channels(ctx, not at_least(behaviour, "26.7"), root)
    if at_least(behaviour, "25.7"):
        channels = list(package_channels)
        for channel in config:
            if channel not in channels:
                channels.append(channel)
    else:
        # conda <= 25.5: the .condarc channels, each new package channel put in front.
        channels = list(config)
        for channel in package_channels:
            if channel not in channels:
                channels.insert(0, channel)

    # Which records conda's history filter sees, and which requested specs make
    # conda refuse --from-history (a spec whose package is not among the records
    # it exports), differ by release: 24.11 reads the records after the pip
    # loader (clobbered ones gone, pip's added), 25.7 reads conda-meta as it is
    # and refuses specs of clobbered packages pip did not replace, 26.x reads
    # conda-meta after its export deleted the clobbered records and refuses
    # specs of packages pip replaced.
    clobbered = set(interop["clobbered"])
    pip_names = set(line.split("==", 1)[0] for line in interop["pip"])
    pip_names.update(r["name"] for r in interop["egg_links"])
    if behaviour["conda"] == "24.11":
        installed = (set(by_name) - clobbered) | pip_names
    elif behaviour["conda"] == "25.7":
        installed = set(by_name)
    else:
        installed = set(by_name) - clobbered
    specs = history.requested_specs_map(summary["requests"], installed)
    if behaviour["conda"] == "25.7":
        exported = (set(by_name) - clobbered) | pip_names
        refused = sorted(n for n in specs if n not in exported)
    elif behaviour["conda"] == "24.11":
        refused = []
    else:
        refused = sorted(n for n in specs if n in pip_names)
    if refused:
        ctx.problem(
            PROBE,
            "conda %s would refuse env export --from-history on this prefix: the "
            "requested %s not among the conda packages it exports (pip replaced or "
            "overwrote %s)"
            % (
                behaviour["conda"],
                ", ".join(refused) + (" is" if len(refused) == 1 else " are"),
                "it" if len(refused) == 1 else "them",
            ),
            "conda-meta/history",
        )
    if at_least(behaviour, "25.7"):
        from_history = [history.env_form(spec) for spec in specs.values()]
    else:
        # The history's own strings may name a channel by a URL carrying a token.
        from_history = [urls.redact_text(history.matchspec_form(s)) for s in specs.values()]
    listed = None
    if not from_history:
        listed = records_listed(meta_dir, by_name, interop, behaviour)
    section = {
        "prefix": redactor.path(prefix),
        "name": env_name(ctx, prefix, root),
        "manager": None,
        "platform": subdir,
        "channels": channels,
        "config_channels": config,
        "configured_channels": config_channels(ctx, False, root),
        "packages": packages,
        "pip": interop["pip"],
        "from_history": from_history,
        "behaviour": behaviour,
        "history": {
            "format": summary["format"],
            "requests": len(summary["requests"]),
            "conda_version": summary["conda_version"],
        },
    }
    if listed is not None:
        section["records_listed"] = listed
    if interop["site_packages"] is not None:
        section["site_packages"] = interop["site_packages"]
    if interop["egg_links"]:
        section["egg_links"] = interop["egg_links"]
    variables = state_variables(ctx, meta_dir)
    if variables:
        section["variables"] = variables
    pixi = pixi_info(ctx, meta_dir)
    if pixi is not None:
        section["pixi"] = pixi
        section["manager"] = "pixi"
    elif summary["tool"]:
        section["manager"] = summary["tool"]
    # Handed to the pip probe of the same run (which runs after this one).
    ctx.conda_owned = interop["owned"]
    return section


def records_listed(meta_dir, by_name, interop, behaviour):
    """What conda >= 25.7 writes for --from-history when the history requests
    nothing: every record's `name=version=build`, in the order the folder lists
    them (conda reads conda-meta with os.scandir), pip's records in place of
    those they replace (`pypi_0` builds; conda >= 26 leaves pip's out)."""
    try:
        names = [e.name for e in os.scandir(meta_dir)]
    except OSError:
        return []
    by_file = dict((r.get("_file"), r) for r in by_name.values())
    pip_versions = dict(
        (line.split("==", 1)[0], line.split("==", 1)[1]) for line in interop["pip"] if "==" in line
    )
    out = []
    for file_name in names:
        record = by_file.get(file_name)
        if record is None or record["name"] in interop["clobbered"]:
            continue
        name = record["name"]
        if name in interop["replaced"]:
            if at_least(behaviour, "26.7"):
                continue
            out.append("%s=%s=pypi_0" % (name, pip_versions.get(name, "")))
            continue
        out.append("%s=%s=%s" % (name, record["version"], record["build"]))
    if not at_least(behaviour, "26.7"):
        # 25.7 also lists pip's other records after them, in the order of a
        # Python set (which changes from run to run); by name here.
        for name in sorted(pip_versions):
            if name not in by_name or name in interop["clobbered"]:
                out.append("%s=%s=pypi_0" % (name, pip_versions[name]))
    return out


def package_entry(record, interop):
    entry = {
        "name": record["name"],
        "version": record["version"],
        "build": record["build"],
        "build_number": _int(record.get("build_number")),
        "channel": urls.canonical_channel(record_channel(record)),
        "subdir": record.get("subdir") if isinstance(record.get("subdir"), str) else None,
        "fn": record.get("fn") if isinstance(record.get("fn"), str) else None,
        "url": urls.redact_url(record["url"]) if isinstance(record.get("url"), str) else None,
        "md5": record.get("md5") if isinstance(record.get("md5"), str) else None,
        "sha256": record.get("sha256") if isinstance(record.get("sha256"), str) else None,
    }
    noarch = record.get("noarch")
    if noarch is True:
        noarch = "generic"
    if isinstance(noarch, str) and noarch:
        entry["noarch"] = noarch
    if isinstance(record.get("package_type"), str) and record["package_type"]:
        entry["package_type"] = record["package_type"]
    spec = record.get("requested_spec")
    if isinstance(spec, str) and spec and spec != "None":
        entry["requested_spec"] = urls.redact_text(spec)
    specs = record.get("requested_specs")
    if isinstance(specs, list) and specs:
        entry["requested_specs"] = [urls.redact_text(str(s)) for s in specs]
    lock = lock_facts(record)
    if lock:
        entry["lock"] = lock
    if record["name"] in interop["clobbered"]:
        entry["clobbered"] = True
    if record["name"] in interop["replaced"]:
        entry["replaced_by_pip"] = True
    return entry


def lock_facts(record):
    """The record's fields that lock files carry (conda-lock's dependencies,
    pixi.lock's package metadata), as the record has them."""
    facts = {}
    for name in ("depends", "constrains", "track_features"):
        value = record.get(name)
        if isinstance(value, list):
            facts[name] = [urls.redact_text(str(v)) for v in value]
        elif name == "track_features" and isinstance(value, str) and value.strip():
            facts[name] = value.split()
    for name in ("license", "license_family", "features", "python_site_packages_path"):
        value = record.get(name)
        if isinstance(value, str):
            facts[name] = value
        elif name == "features" and isinstance(value, list):
            facts[name] = " ".join(str(v) for v in value)
    for name in ("size", "timestamp"):
        value = record.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            facts[name] = value
    return facts


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def record_channel(record):
    """The channel a record came from: conda's `channel` field, else derived from `url`."""
    channel = record.get("channel")
    subdir = record.get("subdir")
    if isinstance(channel, str) and channel and channel != "<unknown>":
        return urls.channel_base_url(channel, subdir) if "://" in channel else channel
    url = record.get("url")
    if isinstance(url, str) and url:
        return urls.channel_base_url(url, subdir, record.get("fn"))
    return None


def env_subdir(records):
    for record in records:
        if record["name"] == "python" and isinstance(record.get("subdir"), str):
            return record["subdir"]
    counts = {}
    for record in records:
        subdir = record.get("subdir")
        if isinstance(subdir, str) and subdir != "noarch":
            counts[subdir] = counts.get(subdir, 0) + 1
    if counts:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
    return running_subdir()


def running_subdir():
    import platform

    machine = platform.machine().lower()
    system = sys.platform
    if system.startswith("linux"):
        if machine in ("x86_64", "amd64"):
            return "linux-64"
        if machine in ("i386", "i686"):
            return "linux-32"
        return "linux-" + machine
    if system == "darwin":
        return "osx-arm64" if machine == "arm64" else "osx-64"
    if system.startswith("win"):
        return "win-arm64" if "arm" in machine else "win-64"
    return "%s-%s" % (system, machine)


# ---------------------------------------------------------------- ordering


def _depend_name(spec):
    return history.spec_name(spec.split(" ", 1)[0]) if isinstance(spec, str) else None


def parents_graph(records):
    """name -> set of names it depends on that are installed (conda's PrefixGraph edges)."""
    names = set(r["name"] for r in records)
    graph = {}
    for record in records:
        parents = set()
        for spec in record.get("depends") or ():
            name = _depend_name(spec)
            if name in names and name != record["name"]:
                parents.add(name)
        graph[record["name"]] = parents
    return graph


def toposort(records, windows=False):
    """Record names in `PrefixGraph` order: what `conda list --explicit` prints.

    Disconnected records first (by name), then dependency levels, each by name;
    a cycle is broken by taking the record with the fewest parents, ties by
    conda's `dist_str` (`<channel>/<subdir>::<name>-<version>-<build>`).
    menuinst goes before every package that depends on python (on every
    platform); `windows` (where conda runs, not the prefix's platform) adds
    conda before the noarch: python packages.
    """
    graph = parents_graph(records)
    work = dict((name, set(parents)) for name, parents in graph.items())
    dist_str = dict((r["name"], _dist_str(r)) for r in records)
    if "python" in work:
        work["python"].discard("pip")
    if "menuinst" in work and "python" in work:
        menuinst_parents = work["menuinst"]
        for name, parents in work.items():
            if "python" in parents and name not in menuinst_parents and name != "menuinst":
                parents.add("menuinst")
    if windows:
        if "conda" in work:
            noarch_python = set(r["name"] for r in records if r.get("noarch") == "python")
            conda_parents = work["conda"]
            for name, parents in work.items():
                if name in noarch_python and name not in conda_parents:
                    parents.add("conda")
    order = []
    seen = set()
    is_parent = set(p for parents in work.values() for p in parents)
    for name in sorted(n for n, parents in work.items() if not parents and n not in is_parent):
        order.append(name)
        seen.add(name)
    while work:
        level = sorted(name for name, parents in work.items() if not parents)
        if not level:
            victim = sorted((len(p), dist_str[n], n) for n, p in work.items())[0][2]
            level = [victim]
        for name in level:
            work.pop(name, None)
            if name not in seen:
                order.append(name)
                seen.add(name)
        done = set(level)
        for parents in work.values():
            parents -= done
    return order


def _dist_str(record):
    channel = urls.canonical_channel(record_channel(record)) or "<unknown>"
    subdir = record.get("subdir")
    return "%s%s::%s-%s-%s" % (
        channel,
        ("/" + subdir) if isinstance(subdir, str) and subdir else "",
        record["name"],
        record["version"],
        record["build"],
    )


def descendants(graph, root):
    children = {}
    for name, parents in graph.items():
        for parent in parents:
            children.setdefault(parent, set()).add(name)
    found = set()
    queue = [root]
    while queue:
        for child in children.get(queue.pop(), ()):
            if child not in found:
                found.add(child)
                queue.append(child)
    found.discard(root)
    return found


# ---------------------------------------------------------------- pip interop


def site_packages_short_path(python_record, prefix, honour_record=True):
    path = python_record.get("python_site_packages_path")
    if honour_record and isinstance(path, str) and path:
        return path.replace("\\", "/").strip("/")
    version = python_record.get("version", "")
    # As conda: by the platform conda runs on, whatever the prefix's platform.
    if sys.platform.startswith("win"):
        return "Lib/site-packages"
    major_minor = ".".join(version.split(".")[:2])
    return "lib/python%s/site-packages" % major_minor


def pip_interop(ctx, prefix, by_name, redactor, behaviour=None):
    """conda's pypi prefix-data loader, without deleting anything."""
    result = {
        "pip": [],
        "clobbered": [],
        "replaced": [],
        "egg_links": [],
        "site_packages": None,
        "owned": {},
    }
    python = by_name.get("python")
    if python is None or not python.get("version"):
        return result
    # conda < 26 ignores the python record's python_site_packages_path.
    sp_short = site_packages_short_path(
        python, prefix, behaviour is None or at_least(behaviour, "26.7")
    )
    sp_path = os.path.join(prefix, *sp_short.split("/"))
    try:
        resolved_path = os.path.realpath(sp_path)
        resolved_short = os.path.relpath(resolved_path, os.path.realpath(prefix)).replace(
            os.sep, "/"
        )
    except (OSError, ValueError):
        resolved_path, resolved_short = sp_path, sp_short
    result["site_packages"] = sp_short
    ctx.conda_site_packages = sp_path
    if not os.path.isdir(resolved_path):
        return result

    graph = parents_graph(list(by_name.values()))
    python_names = descendants(graph, "python")
    owned = {}
    matchers = [(resolved_short, _anchor_matcher(resolved_short))]
    if resolved_short != sp_short:
        matchers.append((sp_short, _anchor_matcher(sp_short)))
    for name in sorted(python_names):
        record = by_name[name]
        for short, matcher in matchers:
            anchors = [a for a in record.get("_anchors", ()) if matcher(a)]
            if anchors:
                anchor = sorted(anchors, key=len)[0]
                if short != resolved_short:
                    anchor = resolved_short + anchor[len(short) :]
                owned[anchor] = name
    sp_anchors = site_packages_anchors(ctx, resolved_path, resolved_short)
    result["clobbered"] = sorted(set(owned[a] for a in set(owned) - set(sp_anchors)))
    for name in result["clobbered"]:
        ctx.problem(
            PROBE,
            "conda package %s was overwritten or removed by pip; conda would "
            "drop (and delete) its record" % name,
            by_name[name]["_file"],
        )
    result["owned"] = dict(
        (a[len(resolved_short) + 1 :].split("/", 1)[0], n) for a, n in owned.items()
    )

    python_records = {}
    for anchor in sorted(set(sp_anchors) - set(owned)):
        record = read_python_record(ctx, prefix, anchor, redactor)
        if record is None:
            continue
        if record["kind"] == "egg-link":
            result["egg_links"].append(record)
            continue
        python_records[record["name"]] = record
    for name in python_records:
        if name in by_name and name not in result["clobbered"]:
            result["replaced"].append(name)
    result["replaced"].sort()
    result["pip"] = [
        "%s==%s" % (r["name"], r["version"]) for _, r in sorted(python_records.items())
    ]
    result["egg_links"].sort(key=lambda r: r["name"])
    return result


def _anchor_matcher(short):
    return re.compile(
        r"^%s/[^/]+(?:\.egg-info/PKG-INFO|\.dist-info/RECORD|\.egg-info)$" % re.escape(short)
    ).match


def site_packages_anchors(ctx, path, short):
    anchors = {}
    try:
        entries = list(os.scandir(path))
    except OSError as error:
        ctx.problem(PROBE, "cannot list site-packages: %s" % (error.strerror or error,), path)
        return anchors
    for entry in entries:
        name = entry.name
        # Named, not checked: a conda package's anchor counts as present even when
        # the file is missing (read_python_record then skips the distribution).
        if name.endswith(".dist-info"):
            anchors["%s/%s/RECORD" % (short, name)] = entry
        elif name.endswith(".egg-info"):
            if entry.is_file():
                anchors["%s/%s" % (short, name)] = entry
            else:
                anchors["%s/%s/PKG-INFO" % (short, name)] = entry
        elif name.endswith(".egg"):
            if entry.is_dir():
                anchors["%s/%s/EGG-INFO/PKG-INFO" % (short, name)] = entry
        elif name.endswith(".egg-link"):
            anchors["%s/%s" % (short, name)] = entry
    return anchors


def read_python_record(ctx, prefix, anchor, redactor):
    """conda's `read_python_record`: name (conda-normalised) and version of one anchor."""
    full = os.path.join(prefix, *anchor.split("/"))
    if not anchor.endswith(".egg-link") and not os.path.exists(full):
        ctx.problem(
            PROBE,
            "python distribution without its %s; conda skips it" % anchor.rsplit("/", 1)[1],
            anchor,
        )
        return None
    if anchor.endswith(".egg-link"):
        target = distinfo.egg_link_target(full)
        metadata = distinfo.find_egg_info(target) if target else None
        kind = "egg-link"
    elif ".dist-info/" in anchor:
        metadata = os.path.join(os.path.dirname(full), "METADATA")
        kind = "dist-info"
    elif anchor.endswith("/EGG-INFO/PKG-INFO"):
        metadata = full
        kind = "egg"
    else:
        metadata = full
        kind = "egg-info"
    if not metadata or not os.path.isfile(metadata):
        ctx.problem(PROBE, "python distribution without metadata; conda skips it", anchor)
        return None
    headers, problem = distinfo.read_headers(metadata)
    if problem:
        ctx.problem(PROBE, problem, anchor)
    name = headers.get("name")
    if not name:
        ctx.problem(PROBE, "python distribution metadata has no Name", anchor)
        return None
    record = {
        "name": distinfo.conda_norm(name),
        "version": headers.get("version", ""),
        "kind": kind,
    }
    if kind == "egg-link":
        record["path"] = redactor.path(target)
    return record


# ---------------------------------------------------------------- configuration


def config_channels(ctx, implicit_defaults=True, root=None):
    """`.condarc` channels (conda's `context.channels`); without any, ["defaults"]
    up to conda 25.7 (`implicit_defaults`) and none from conda 25.9 on.

    Only the common `channels:` block-list form is understood; later files in
    conda's search path take priority, as in conda's merge of sequences.
    """
    override = ctx.option("config_channels")
    if isinstance(override, list):
        return [urls.redact_url(str(c)) for c in override]
    cached = ctx.cache.get("config_channels")
    if cached is not None:
        return list(cached or (["defaults"] if implicit_defaults else []))
    merged = []
    for path in reversed(condarc_paths(root)):
        for channel in _read_condarc_channels(path):
            # A private channel's URL may carry a token or a password.
            channel = urls.redact_url(channel)
            if channel not in merged:
                merged.append(channel)
    ctx.cache["config_channels"] = list(merged)
    return list(merged or (["defaults"] if implicit_defaults else []))


def condarc_paths(root=None):
    """conda's search path; ``$CONDA_ROOT`` is the installed conda's root
    (conda sets it to its own prefix when it starts)."""
    env = os.environ
    home = os.path.expanduser("~")
    roots = ["/etc/conda", "/var/lib/conda"]
    conda_root = env.get("CONDA_ROOT") or root
    if not conda_root and env.get("CONDA_EXE"):
        conda_root = os.path.dirname(os.path.dirname(env["CONDA_EXE"]))
    if conda_root:
        roots.append(conda_root)
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg:
        roots.append(os.path.join(xdg, "conda"))
    roots.extend([os.path.join(home, ".config", "conda"), os.path.join(home, ".conda")])
    paths = []
    for root in roots:
        paths.extend([os.path.join(root, ".condarc"), os.path.join(root, "condarc")])
        paths.extend(_condarc_d(os.path.join(root, "condarc.d")))
    paths.append(os.path.join(home, ".condarc"))
    if env.get("CONDA_PREFIX"):
        root = env["CONDA_PREFIX"]
        paths.extend([os.path.join(root, ".condarc"), os.path.join(root, "condarc")])
        paths.extend(_condarc_d(os.path.join(root, "condarc.d")))
    if env.get("CONDARC"):
        paths.extend(_condarc_env_paths(env["CONDARC"]))
    return paths


def _condarc_env_paths(value):
    """conda reads $CONDARC only when it is a folder (its .yml/.yaml files) or a
    file named .condarc or condarc or ending in .yml/.yaml."""
    path = os.path.expanduser(value)
    if os.path.isdir(path):
        return _condarc_d(path)
    name = os.path.basename(path)
    if name in (".condarc", "condarc") or name.endswith((".yml", ".yaml")):
        return [path]
    return []


def _condarc_d(directory):
    try:
        return sorted(
            os.path.join(directory, n)
            for n in os.listdir(directory)
            if n.endswith((".yml", ".yaml"))
        )
    except OSError:
        return []


def _read_condarc_channels(path):
    try:
        with open_regular(path) as handle:
            text = handle.read(256 * 1024).decode("utf-8", "replace")
    except OSError:
        return []
    channels = []
    inside = False
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not line[0].isspace() and not stripped.startswith("-"):
            key, _, value = stripped.partition(":")
            inside = key.strip() == "channels"
            value = value.strip()
            if inside and value.startswith("[") and value.endswith("]"):
                channels.extend(v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip())
                inside = False
            continue
        if inside and stripped.lstrip().startswith("-"):
            value = stripped.lstrip()[1:].strip().strip("'\"")
            if value:
                channels.append(value)
    return channels


def env_name(ctx, prefix, root=None):
    """conda's `env_name`: base, the folder name under an envs dir, or the path.
    ``root`` is the installed conda's root prefix (its `context.root_prefix`);
    without one, the roots the environment names."""
    roots = [root] if root else []
    if not roots:
        for var in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
            if os.environ.get(var):
                roots.append(os.environ[var])
        if os.environ.get("CONDA_EXE"):
            roots.append(os.path.dirname(os.path.dirname(os.environ["CONDA_EXE"])))
    norm = os.path.normcase(os.path.realpath(prefix))
    for root in roots:
        if os.path.normcase(os.path.realpath(root)) == norm:
            return "base"
    # conda's envs_dirs: configured ones ($CONDA_ENVS_DIRS, $CONDA_ENVS_PATH),
    # <root>/envs and ~/.conda/envs; any other folder named envs is not one.
    envs_dirs = []
    for var in ("CONDA_ENVS_DIRS", "CONDA_ENVS_PATH"):
        envs_dirs.extend(p for p in os.environ.get(var, "").split(os.pathsep) if p)
    envs_dirs.extend(os.path.join(r, "envs") for r in roots)
    envs_dirs.append(os.path.join(os.path.expanduser("~"), ".conda", "envs"))
    parent = os.path.normcase(os.path.realpath(os.path.dirname(prefix)))
    if any(os.path.normcase(os.path.realpath(os.path.expanduser(d))) == parent for d in envs_dirs):
        return os.path.basename(prefix)
    if not root and (
        os.path.isfile(os.path.join(prefix, "condabin", "conda"))
        or os.path.isfile(os.path.join(prefix, "condabin", "conda.bat"))
    ):
        return "base"
    return privacy.redactor_for(ctx).path(prefix)


def _small_json(ctx, meta_dir, name):
    """(found, data) of a small JSON file in conda-meta; an unreadable one is a
    problem and gives (True, None)."""
    path = os.path.join(meta_dir, name)
    try:
        with open_regular(path) as handle:
            return True, json.loads(handle.read(1024 * 1024).decode("utf-8"))
    except FileNotFoundError:
        return False, None
    except (OSError, ValueError) as error:
        ctx.problem(PROBE, "unreadable conda-meta/%s: %s" % (name, error), "conda-meta/" + name)
        return True, None


def state_variables(ctx, meta_dir):
    """`conda-meta/state` env_vars (printed as `variables:` by conda env export)."""
    _, data = _small_json(ctx, meta_dir, "state")
    env_vars = data.get("env_vars") if isinstance(data, dict) else None
    if not isinstance(env_vars, dict):
        return None
    show = bool(ctx.option("record_env_values", False))
    return dict(
        (str(k), str(v) if show else "<redacted>")
        for k, v in sorted(env_vars.items())
        if v != "***unset***"
    )


def pixi_info(ctx, meta_dir):
    found, data = _small_json(ctx, meta_dir, "pixi")
    if not found:
        return None
    if not isinstance(data, dict):
        return {}
    info = {}
    for key in (
        "environment_name",
        "pixi_version",
        "environment_lock_file_hash",
        "resolved_platform",
    ):
        if isinstance(data.get(key), str):
            info[key] = data[key]
    if isinstance(data.get("manifest_path"), str):
        info["manifest_path"] = privacy.redactor_for(ctx).path(data["manifest_path"])
    return info
