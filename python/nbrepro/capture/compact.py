"""The stored form of an environment, and the way back to conda's records.

Kernel-side code: standard library only, Python 3.8 grammar. The core's
`envfiles` reads stored snapshots through the same functions.

The probes return a verbose record (`environment_full`: every conda-meta field
we read, every distribution on the path, conda-owned ones included). Every
snapshot is stored in its notebook, so what is stored and hashed keeps each
fact once:

- `conda.packages`: one string per conda-meta record, in `conda list
  --explicit` order: `<channel key>/<subdir>/<fn>#<md5>`, `#sha256:<hex>` when
  the record has no md5, no `#` part when it has neither. The key names a base
  URL in `conda.channel_urls`, so the record's URL is `<base>/<subdir>/<fn>`.
  `<unknown>/<subdir>/<fn>` is a record without a URL. name, version and build
  are fn without `.conda`/`.tar.bz2`, split at its last two dashes: conda
  itself ignores a record whose file is not named name-version-build, and
  neither versions nor build strings may hold a dash.
- `conda.overrides`: for the rare record that its string does not describe
  (a fn that does not split to its name-version-build, a channel field other
  than its URL's, a URL not of the form base/subdir/fn), the facts that
  differ, keyed by the record's index in `packages`. Written by `conda_section`
  after reading each string back, so a string never silently lies.
- `conda.lock_digest`: the sha256 of what the lock files newer tools read
  (conda-lock.yml, pixi.lock) take from each record besides its string: the
  sha256, build number, dependencies, constraints, licence, size, features
  and python_site_packages_path (`lock_digest`). Those would add some 200
  bytes a package; the export re-reads them from the prefix when it is still
  on the machine, and writes the locks only when they hash to this digest.
- `conda.configured_channels`: the `.condarc` channels, only when they are not
  `config_channels` (conda <= 25.7 adds `defaults` when none is configured;
  the lock files, as conda >= 25.9 writes them, do not).
- `conda.pip` (conda env export's `pip:` section) is stored only when it
  differs from what `pip.distributions` gives (`conda_pip`).
- `pip.distributions`: the distributions no conda package owns (in a venv,
  all of them), `name` and `version` always; `installer`, `location`, `kind`,
  `site`, `source` and `shadowed_by` only when they differ from the common case
  (pip, in the prefix, a dist-info in `site_dirs[main_site]`, found first).
"""

import hashlib
import json

from . import distinfo, urls

UNKNOWN = "<unknown>"
PACKAGE_FIELDS = ("name", "version", "build", "channel", "subdir", "fn", "url")
DIST_DEFAULTS = (("installer", "pip"), ("location", "prefix"), ("kind", "dist-info"))


def environment(full):
    """The stored form of a verbose environment (the probes' sections)."""
    out = {}
    for name, section in full.items():
        if name == "conda" and section is not None:
            section = conda_section(section, full.get("pip"))
        elif name == "pip" and section is not None:
            section = pip_section(section)
        out[name] = section
    if out.get("conda") is not None:
        derived = conda_pip(out)
        if derived != full["conda"].get("pip"):
            out["conda"]["pip"] = list(full["conda"].get("pip") or [])
    return out


# ---------------------------------------------------------------- conda


def split_fn(fn):
    """(name, version, build) of a package file name, conda's way."""
    stem = fn
    for suffix in (".conda", ".tar.bz2"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    parts = stem.rsplit("-", 2)
    while len(parts) < 3:
        parts.append("")
    return parts[0], parts[1], parts[2]


def _natural_key(base):
    """The key a channel's base URL is known by: conda's canonical name where it
    is one (`conda-forge`, `conda-forge/label/dev`), a defaults member's path
    (`pkgs/main`), else the URL's last path component."""
    if base.startswith(urls.CHANNEL_ALIAS + "/"):
        return base[len(urls.CHANNEL_ALIAS) + 1 :], True
    _, _, rest = base.partition("://")
    host, _, path = rest.partition("/")
    path = path.strip("/")
    if host in urls.DEFAULTS_HOSTS and path in urls.DEFAULTS_NAMES:
        return path, True
    return path.rsplit("/", 1)[-1] or host or "channel", False


def channel_keys(bases):
    """{base URL: key}: canonical keys first, then the others by URL; a taken
    key gets `~2`, `~3`, ... so that every key names one URL."""
    ranked = []
    for base in set(bases):
        key, canonical = _natural_key(base)
        key = key.replace("#", "_") or "channel"
        ranked.append((0 if canonical else 1, base, key))
    taken = {UNKNOWN}
    out = {}
    for _, base, key in sorted(ranked):
        candidate = key
        number = 1
        while candidate in taken:
            number += 1
            candidate = "%s~%d" % (key, number)
        taken.add(candidate)
        out[base] = candidate
    return out


def _url_parts(entry):
    """(base, subdir part, fn) of a package URL, or None without a URL."""
    url = entry.get("url")
    if not url:
        return None
    head, _, fn = url.rpartition("/")
    base, _, subdir = head.rpartition("/")
    if not base or not fn:
        return None
    return base, subdir, fn


def conda_section(full, pip=None):
    """The stored form of the verbose conda section."""
    entries = full.get("packages") or []
    parts = [_url_parts(entry) for entry in entries]
    keys = channel_keys(p[0] for p in parts if p is not None)
    packages = []
    overrides = {}
    for index, (entry, part) in enumerate(zip(entries, parts)):
        fn = entry.get("fn") or "%s-%s-%s" % (entry["name"], entry["version"], entry["build"])
        if part is None:
            spec = "%s/%s/%s" % (UNKNOWN, entry.get("subdir") or "", fn)
        else:
            spec = "%s/%s/%s" % (keys[part[0]], part[1], fn)
        if entry.get("md5"):
            text = spec + "#" + entry["md5"]
        elif entry.get("sha256"):
            text = spec + "#sha256:" + entry["sha256"]
        else:
            text = spec
        packages.append(text)
        back = parse_package(text, dict((v, k) for k, v in keys.items()))
        differs = dict((f, entry.get(f)) for f in PACKAGE_FIELDS if back[f] != entry.get(f))
        if differs:
            overrides[str(index)] = differs
    out = {
        "prefix": full.get("prefix"),
        "name": full.get("name"),
        "manager": full.get("manager"),
        "platform": full.get("platform"),
        "channels": list(full.get("channels") or []),
        "config_channels": list(full.get("config_channels") or []),
        "channel_urls": dict((key, base) for base, key in keys.items()),
        "packages": packages,
        "from_history": list(full.get("from_history") or []),
        "history": full.get("history"),
    }
    for name in ("behaviour", "records_listed"):
        if name in full:
            out[name] = full[name]
    configured = full.get("configured_channels")
    if configured is not None and list(configured) != out["config_channels"]:
        # The lock files list the channels conda >= 25.9 has configured, which
        # lack the `defaults` older conda adds when none is configured.
        out["configured_channels"] = list(configured)
    if entries:
        out["lock_digest"] = lock_digest(entries)
    if overrides:
        out["overrides"] = overrides
    clobbered = [e["name"] for e in entries if e.get("clobbered")]
    if clobbered:
        out["clobbered"] = sorted(clobbered)
    replaced = [e["name"] for e in entries if e.get("replaced_by_pip")]
    if replaced:
        out["replaced_by_pip"] = sorted(replaced)
    requested = {}
    for entry in entries:
        specs = list(entry.get("requested_specs") or [])
        if entry.get("requested_spec") and entry["requested_spec"] not in specs:
            specs.insert(0, entry["requested_spec"])
        if specs:
            requested[entry["name"]] = specs
    if requested:
        out["requested_specs"] = requested
    for name in ("site_packages", "egg_links", "variables", "pixi"):
        if name in full:
            out[name] = full[name]
    return out


# What the lock files take from a record that its package string does not
# give (`capture.conda.lock_facts`; the timestamp is read but no lock writes it).
LOCK_FACTS = (
    "depends",
    "constrains",
    "license",
    "license_family",
    "size",
    "features",
    "track_features",
    "python_site_packages_path",
)


def lock_digest(entries):
    """`sha256:<hex>` of the lock facts of verbose records, in their order:
    for each, [sha256, build_number, {fact: value}] as canonical JSON."""
    rows = []
    for entry in entries:
        lock = entry.get("lock") or {}
        rows.append(
            [
                entry.get("sha256"),
                entry.get("build_number") or 0,
                dict((name, lock[name]) for name in LOCK_FACTS if name in lock),
            ]
        )
    # ASCII: a record's text may hold a lone surrogate, which UTF-8 cannot encode.
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def parse_package(text, channel_urls, override=None):
    """One package string read back into conda's record fields."""
    spec, _, digest = text.partition("#")
    key, subdir, fn = spec.rsplit("/", 2)
    name, version, build = split_fn(fn)
    base = channel_urls.get(key) if key != UNKNOWN else None
    record = {
        "name": name,
        "version": version,
        "build": build,
        "channel": urls.canonical_channel(base) if base else UNKNOWN,
        "subdir": subdir or None,
        "fn": fn,
        "url": "%s/%s/%s" % (base, subdir, fn) if base else None,
        "md5": None,
        "sha256": None,
    }
    if digest.startswith("sha256:"):
        record["sha256"] = digest[len("sha256:") :]
    elif digest:
        record["md5"] = digest
    if override:
        record.update(override)
    return record


def conda_packages(conda):
    """Record dicts (name, version, build, channel, subdir, fn, url, md5, sha256, and
    the clobbered / replaced_by_pip flags) of a stored or verbose conda section."""
    packages = conda.get("packages") or []
    if packages and not isinstance(packages[0], str):
        return [dict(p) for p in packages]
    channel_urls = conda.get("channel_urls") or {}
    overrides = conda.get("overrides") or {}
    clobbered = set(conda.get("clobbered") or ())
    replaced = set(conda.get("replaced_by_pip") or ())
    out = []
    for index, text in enumerate(packages):
        record = parse_package(text, channel_urls, overrides.get(str(index)))
        if record["name"] in clobbered:
            record["clobbered"] = True
        if record["name"] in replaced:
            record["replaced_by_pip"] = True
        out.append(record)
    return out


def conda_pip(environment):
    """conda env export's `pip:` lines: stored ones, else the distributions in
    conda's site-packages (`pip.main_site`) other than egg-links, named as conda
    names them."""
    conda = environment.get("conda") or {}
    if "pip" in conda:
        return list(conda["pip"])
    pip = environment.get("pip")
    if not pip or pip.get("main_site") is None:
        return []
    main = pip["main_site"]
    found = {}
    for dist in pip.get("distributions") or ():
        if dist.get("site", main) != main or dist.get("shadowed_by") is not None:
            continue
        if dist.get("conda") or dist.get("kind", "dist-info") == "egg-link":
            continue
        found[distinfo.conda_norm(dist["name"])] = dist["version"]
    return ["%s==%s" % item for item in sorted(found.items())]


# ---------------------------------------------------------------- pip


def pip_section(full):
    """The stored form of the verbose pip section: no conda-owned distributions,
    defaults left out, shadowed ones in the same list."""
    main = full.get("main_site")
    records = list(full.get("distributions") or []) + list(full.get("shadowed") or [])
    records.sort(key=lambda r: (r["normalized_name"], r.get("shadowed_by") is not None, r["site"]))
    distributions = []
    for record in records:
        if record.get("conda"):
            continue
        dist = {"name": record["name"], "version": record["version"]}
        for key, default in DIST_DEFAULTS:
            if record.get(key, default) != default:
                dist[key] = record.get(key)
        if record.get("site") != main:
            dist["site"] = record.get("site")
        for key in ("source", "shadowed_by"):
            if record.get(key) is not None:
                dist[key] = record[key]
        distributions.append(dist)
    return {
        "site_dirs": list(full.get("site_dirs") or []),
        "main_site": main,
        "distributions": distributions,
    }


def distributions(pip):
    """Distribution dicts with every field present (defaults filled in), from a
    stored or verbose pip section; shadowed ones included, marked by shadowed_by."""
    main = pip.get("main_site")
    out = []
    for record in list(pip.get("distributions") or []) + list(pip.get("shadowed") or []):
        dist = dict(record)
        for key, default in DIST_DEFAULTS:
            dist.setdefault(key, default)
        dist.setdefault("site", main)
        dist.setdefault("normalized_name", distinfo.normalize(dist["name"]))
        out.append(dist)
    out.sort(key=lambda d: (d["normalized_name"], d.get("shadowed_by") is not None, d["site"] or 0))
    return out
