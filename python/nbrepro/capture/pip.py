"""Probe: pip. Every Python distribution the kernel can import from.

Scans each `sys.path` folder (or, with the `prefix` option, that prefix's
site-packages) with `os.scandir` and reads only METADATA headers, INSTALLER and
PEP 610's direct_url.json. The first distribution of a name on the path wins,
as at import time; later ones are reported as shadowed. `main_site` names the
environment's own site-packages. This is the verbose section; the stored one
(`compact.pip_section`) leaves out conda-owned distributions and defaults.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import os
import sys

from . import distinfo, privacy

PROBE = "pip"
DIST_SUFFIXES = (".dist-info", ".egg-info", ".egg", ".egg-link")


def site_dirs_for(ctx):
    """The folders to scan, in import order, with duplicates removed."""
    prefix = ctx.option("prefix")
    if prefix:
        prefix = os.path.abspath(os.path.expanduser(str(prefix)))
        found = getattr(ctx, "conda_site_packages", None)
        candidates = [found] if found else prefix_site_packages(prefix)
    else:
        candidates = [entry or os.getcwd() for entry in sys.path]
    dirs = []
    seen = set()
    for path in candidates:
        if not isinstance(path, str):
            continue
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            continue
        if real in seen or not os.path.isdir(real):
            continue
        seen.add(real)
        dirs.append((path, real))
    return dirs


def prefix_site_packages(prefix):
    """lib/pythonX.Y/site-packages (newest first) or Lib/site-packages of a prefix."""
    found = []
    windows = os.path.join(prefix, "Lib", "site-packages")
    if os.path.isdir(windows):
        found.append(windows)
    lib = os.path.join(prefix, "lib")
    try:
        names = sorted((n for n in os.listdir(lib) if n.startswith("python")), reverse=True)
    except OSError:
        names = []
    for name in names:
        path = os.path.join(lib, name, "site-packages")
        if os.path.isdir(path):
            found.append(path)
    return found


def user_site(ctx):
    cached = ctx.cache.get("user_site")
    if cached is None:
        try:
            import site

            cached = site.getusersitepackages() or ""
        except Exception:
            cached = ""
        ctx.cache["user_site"] = cached
    return cached


def _under(path, root):
    return bool(root) and (path == root or path.startswith(root.rstrip(os.sep) + os.sep))


def probe(ctx):
    redactor = privacy.redactor_for(ctx)
    prefix = os.path.realpath(
        os.path.abspath(os.path.expanduser(str(ctx.option("prefix") or sys.prefix)))
    )
    user = user_site(ctx)
    user_real = os.path.realpath(user) if user else ""
    owned = getattr(ctx, "conda_owned", None) or {}
    conda_sp = getattr(ctx, "conda_site_packages", None)
    conda_sp = os.path.realpath(conda_sp) if conda_sp else None

    site_dirs = []
    distributions = []
    shadowed = []
    cache_records = []
    by_name = {}
    main_site = None
    for index, (path, real) in enumerate(site_dirs_for(ctx)):
        if _under(real, user_real):
            location = "user"
        elif _under(real, prefix):
            location = "prefix"
        else:
            location = "outside"
        entry = {"path": redactor.path(path), "location": location}
        if real != os.path.abspath(path):
            entry["resolved"] = redactor.path(real)
        site_dirs.append(entry)
        is_conda_sp = conda_sp is not None and real == conda_sp
        for record in scan_dir(ctx, real, redactor):
            record["site"] = index
            record["location"] = location
            dir_name = record.pop("_dir_name")
            if is_conda_sp and dir_name in owned:
                # conda's own dists often carry a direct_url.json pointing into
                # the build machine; it says nothing about where this came from.
                record["conda"] = owned[dir_name]
                record.pop("source", None)
            full_path = record.pop("_path")
            key = record["normalized_name"]
            if key in by_name:
                # Import finds the first of a name on the path; this one is never used.
                record["shadowed_by"] = by_name[key]["site"]
                shadowed.append(record)
                continue
            by_name[key] = record
            distributions.append(record)
            cached = dict(record)
            cached["path"] = full_path
            cache_records.append(cached)
        if is_conda_sp:
            main_site = index
    distributions.sort(key=lambda r: (r["normalized_name"], r["site"]))
    ctx.cache["distributions"] = cache_records
    ctx.cache["site_dirs"] = [real for _, real in site_dirs_for(ctx)]
    if main_site is None:
        main_site = default_main_site(site_dirs, distributions)
    section = {"site_dirs": site_dirs, "main_site": main_site, "distributions": distributions}
    if shadowed:
        section["shadowed"] = shadowed
    return section


def default_main_site(site_dirs, distributions):
    """The environment's own site-packages when conda did not name it: the first
    `site-packages` (or Debian's `dist-packages`) folder inside the prefix,
    else the folder that holds the most distributions."""
    for index, entry in enumerate(site_dirs):
        if entry["location"] == "prefix":
            name = os.path.basename(entry["path"].rstrip("/\\"))
            if name in ("site-packages", "dist-packages"):
                return index
    counts = {}
    for record in distributions:
        counts[record["site"]] = counts.get(record["site"], 0) + 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def scan_dir(ctx, directory, redactor):
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as error:
        ctx.problem(PROBE, "cannot list %s" % (error.strerror or error,), redactor.path(directory))
        return []
    records = []
    for entry in entries:
        name = entry.name
        if not name.endswith(DIST_SUFFIXES):
            continue
        try:
            record = read_distribution(ctx, directory, entry, redactor)
        except Exception as error:  # one bad distribution must not cost the others
            ctx.problem(PROBE, "unreadable distribution: %s" % (error,), redactor.path(entry.path))
            record = None
        if record is not None:
            records.append(record)
    return records


def read_distribution(ctx, directory, entry, redactor):
    name = entry.name
    path = entry.path
    if name.endswith(".dist-info"):
        kind = "dist-info"
        metadata = os.path.join(path, "METADATA")
    elif name.endswith(".egg-info"):
        kind = "egg-info"
        metadata = os.path.join(path, "PKG-INFO") if entry.is_dir() else path
    elif name.endswith(".egg"):
        kind = "egg"
        if not entry.is_dir():
            return None  # a zipped egg: rare, and reading it needs zipfile
        metadata = os.path.join(path, "EGG-INFO", "PKG-INFO")
    else:
        kind = "egg-link"
        target = distinfo.egg_link_target(path)
        metadata = distinfo.find_egg_info(target) if target else None
        if metadata is None:
            ctx.problem(PROBE, "egg-link whose target has no single .egg-info", redactor.path(path))
            return None
    headers, problem = distinfo.read_headers(metadata)
    if problem:
        ctx.problem(PROBE, problem, redactor.path(path))
    dist_name = headers.get("name")
    version = headers.get("version")
    if not dist_name or version is None:
        stem = name.rsplit(".", 1)[0]
        parts = stem.split("-")
        if not dist_name:
            if not parts or not parts[0]:
                ctx.problem(PROBE, "distribution without a name", redactor.path(path))
                return None
            dist_name = parts[0]
            ctx.problem(
                PROBE, "no Name in metadata; name taken from the folder name", redactor.path(path)
            )
        if version is None:
            version = parts[1] if len(parts) > 1 else ""
    record = {
        "name": dist_name,
        "normalized_name": distinfo.normalize(dist_name),
        "version": version,
        "installer": None,
        "kind": kind,
        "_path": path,
        "_dir_name": name,
    }
    if kind == "dist-info":
        record["installer"] = distinfo.read_small_text(os.path.join(path, "INSTALLER"), 256)
        source, problem = distinfo.read_direct_url(os.path.join(path, "direct_url.json"), redactor)
        if problem:
            ctx.problem(PROBE, problem, redactor.path(path))
        if source is not None:
            url = source.get("url", "")
            if source.get("dir_info", {}).get("editable") or "vcs_info" not in source:
                local = _file_url_path(url, redactor)
                head = distinfo.git_head(local) if local else None
                if head:
                    source["git_head"] = head
            record["source"] = source
    elif kind == "egg-link":
        record["source"] = {"url": redactor.url("file://" + target), "dir_info": {"editable": True}}
        head = distinfo.git_head(target)
        if head:
            record["source"]["git_head"] = head
    return record


def _file_url_path(url, redactor):
    if not url.startswith("file://"):
        return None
    path = url[len("file://") :]
    if path.startswith("~"):
        home = redactor.home
        if not home:
            return None
        path = home + path[1:]
    try:
        from urllib.parse import unquote

        path = unquote(path)
    except Exception:
        pass
    return path if os.path.isdir(path) else None
