"""Lock files newer tools read, from a capture's verbose conda section
(`environment_full`, whose records keep the fields locks carry):

- `conda-lock.yml` (conda-lock v1) and `pixi.lock` (rattler-lock v6), as
  conda >= 26 with the conda-lockfiles plugin writes them with
  `conda export --file conda-lock.yml|pixi.lock` for the prefix's platform:
  the conda records pip did not overwrite or replace (conda's
  `Environment.from_prefix(...).explicit_packages`), the channels as conda
  >= 25.9 lists them (the packages' channels by package name, then the
  configured ones), YAML as conda writes it (`condayaml`);
- `pylock.toml` (PEP 751) for the pip side, elsewhere in this module.

conda-lock's `dependencies` maps each dependency's name to the version part
of its MatchSpec (`version_of`); pixi.lock lists the records' own metadata.
Pure functions over plain data.
"""

import re

from .. import errors
from . import condayaml

CONDA_LOCKFILES = "conda-lockfiles 0.2.2"
MAX_NAMED = 20  # packages named in a reason; the rest are counted
_NAME = re.compile(r"^\s*([^\s=<>!~\[\]]+)")
_BRACKET = re.compile(r"\[(.*)\]\s*$")
_BRACKET_VERSION = re.compile(r"""(?:^|,)\s*version\s*=\s*(['"]?)([^'",]*)\1""")
_OPERATOR_ALONE = re.compile(r"^(?:[<>=!~]=?|==)$")


def named(items):
    """Items (package names, ``name version``) joined for a reason: the first
    ``MAX_NAMED``, then how many more."""
    items = list(items)
    text = ", ".join(items[:MAX_NAMED])
    if len(items) > MAX_NAMED:
        text += " and %d more" % (len(items) - MAX_NAMED)
    return text


def version_of(spec):
    """(name, version) of a dependency string as conda's MatchSpec reads it
    (`MatchSpec(dep).name`, `.version.spec_str`, "" without a version)."""
    spec = spec.strip()
    if "::" in spec:
        spec = spec.split("::", 1)[1]
    bracket = _BRACKET.search(spec)
    inside = None
    if bracket:
        inside = bracket.group(1)
        spec = spec[: bracket.start()]
    match = _NAME.match(spec)
    name = match.group(1) if match else spec
    rest = spec[match.end() if match else len(spec) :].strip()
    version = ""
    if inside is not None:
        found = _BRACKET_VERSION.search(inside)
        if found:
            version = found.group(2).strip()
    if rest and not version:
        if rest.startswith("=") and not rest.startswith("=="):
            # conda's `name=version[=build]`: fuzzy without a build, exact with one.
            parts = rest[1:].split("=", 1)
            version = parts[0].strip()
            if len(parts) == 1 and not version.endswith("*"):
                version += ".*"
        else:
            tokens = rest.split()
            if len(tokens) > 1 and _OPERATOR_ALONE.match(tokens[0]):
                tokens = [tokens[0] + tokens[1]] + tokens[2:]
            version = tokens[0]
    return name, _normal_version(version)


def _normal_version(version):
    if not version:
        return ""
    if version.startswith("==") and not any(c in version[2:] for c in ",|<>!=~"):
        version = version[2:]
    if (
        version.endswith("*")
        and not version.endswith(".*")
        and len(version) > 1
        and not any(c in version for c in ",|<>!=~")
    ):
        version = version[:-1] + ".*"
    return version


def _lock_packages(conda):
    """The records conda's lock exporters write; ValueError (conda's reason)
    when one has no URL."""
    packages = [
        p
        for p in conda.get("packages") or ()
        if not p.get("clobbered") and not p.get("replaced_by_pip")
    ]
    missing = [p for p in packages if not p.get("url")]
    if missing:
        names = "".join("\n  - %s" % ("%s/%s::%s-%s-%s" % _dist_parts(p)) for p in missing)
        raise errors.CondaRefuses(
            "conda export refuses to write this lock: the following packages have no URL:%s" % names
        )
    return packages


def _dist_parts(package):
    return (
        package.get("channel") or "<unknown>",
        package.get("subdir") or "",
        package["name"],
        package["version"],
        package["build"],
    )


def lock_channels(conda):
    """Channels as conda >= 25.9 lists them: the exported packages' channels
    (by package name), then the configured ones, each once."""
    exported = sorted(
        (
            p
            for p in conda.get("packages") or ()
            if not p.get("clobbered") and not p.get("replaced_by_pip")
        ),
        key=lambda p: p["name"],
    )
    channels = []
    for package in exported:
        channel = package.get("channel")
        if channel and channel != "<unknown>" and channel not in channels:
            channels.append(channel)
    configured = conda.get("configured_channels")
    if configured is None:
        configured = conda.get("config_channels") or []
    for channel in configured:
        if channel not in channels:
            channels.append(channel)
    return channels


def _platform(conda):
    return conda.get("platform") or (conda.get("behaviour") or {}).get("subdir") or ""


# ---------------------------------------------------------------- from a recording

# What a recorded package string and the record read again must agree on.
_SAME = ("name", "version", "build", "subdir", "fn", "md5")


def from_recording(recorded, reread):
    """The conda section the lock writers take, for a recorded (stored) conda
    section: its own records, with what it keeps only as `lock_digest` (each
    record's sha256, build number, dependencies, licence, size, ...) taken from
    ``reread``, the verbose section of the recorded prefix read again now.

    Returns ``(section, None)``, or ``(None, errors.NoLock)`` when the prefix
    no longer holds the recorded records or their lock facts do not hash to
    the recorded digest: a lock is never written from facts the recording did
    not vouch for."""
    from ..capture import compact, privacy

    digest = recorded.get("lock_digest")
    if not digest:
        return None, errors.NoLock(
            "the recording predates nbrepro's fingerprint of what the lock files list "
            "(each package's sha256, dependencies and licence); run the notebook again "
            "to record it"
        )
    records = compact.conda_packages(recorded)
    entries = list(reread.get("packages") or ())
    where = str(recorded.get("prefix") or "")
    if len(records) != len(entries):
        return None, errors.NoLock(
            "the recorded environment now holds %d conda packages, the recording %d"
            % (len(entries), len(records)),
            where,
        )
    home = privacy.Redactor(record_paths=False)
    for record, entry in zip(records, entries):
        differs = [f for f in _SAME if record.get(f) != entry.get(f)]
        if record.get("sha256") and record["sha256"] != entry.get("sha256"):
            differs.append("sha256")
        for field in ("url", "channel"):
            if record.get(field) not in (entry.get(field), home.url(entry.get(field))):
                differs.append(field)
        if differs:
            return None, errors.NoLock(
                "a package of the recorded environment changed since the recording",
                "%s %s at %s: %s" % (record["name"], record["version"], where, ", ".join(differs)),
            )
    if compact.lock_digest(entries) != digest:
        return None, errors.NoLock(
            "the recorded environment holds the recorded packages, but what the lock files "
            "list of them (sha256, dependencies, licences) no longer hashes to the recorded "
            "fingerprint: they were reinstalled, or their channel patched their metadata",
            where,
        )
    packages = []
    for record, entry in zip(records, entries):
        package = dict(record)
        package["sha256"] = entry.get("sha256")
        package["build_number"] = entry.get("build_number") or 0
        package["lock"] = entry.get("lock") or {}
        packages.append(package)
    section = {
        "platform": recorded.get("platform"),
        "behaviour": recorded.get("behaviour"),
        "config_channels": list(recorded.get("config_channels") or ()),
        "packages": packages,
    }
    if recorded.get("configured_channels") is not None:
        section["configured_channels"] = list(recorded["configured_channels"])
    return section, None


def conda_lock_dict(conda, created_at):
    platform = _platform(conda)
    packages = []
    for package in sorted(_lock_packages(conda), key=lambda p: p["url"]):
        lock = package.get("lock") or {}
        dependencies = {}
        for spec in lock.get("depends") or ():
            name, version = version_of(spec)
            dependencies[name] = version
        digest = {}
        for name in ("md5", "sha256"):
            if package.get(name):
                digest[name] = package[name]
        packages.append(
            {
                "name": package["name"],
                "version": package["version"],
                "manager": "conda",
                "platform": platform,
                "dependencies": dependencies,
                "url": package["url"],
                "hash": digest,
                "category": "main",
                "optional": False,
            }
        )
    return {
        "version": 1,
        "metadata": {
            "content_hash": {},
            "channels": [{"url": c, "used_env_vars": []} for c in lock_channels(conda)],
            "platforms": [platform],
            "sources": [""],
            "time_metadata": {"created_at": created_at},
            "custom_metadata": {"created_by": CONDA_LOCKFILES},
        },
        "package": packages,
    }


def conda_lock(conda, created_at):
    """conda-lock.yml text (``created_at`` as `YYYY-MM-DDTHH:MM:SSZ`)."""
    return condayaml.dumps(conda_lock_dict(conda, created_at))


# pixi.lock's package fields, in the order rattler-lock v6's model has them;
# each written only when the record has a value that is not empty or zero.
_PIXI_FIELDS = (
    "sha256",
    "md5",
    "license",
    "license_family",
    "size",
    "depends",
    "constrains",
    "features",
    "track_features",
    "python_site_packages_path",
)


def pixi_lock_dict(conda):
    platform = _platform(conda)
    packages = sorted(_lock_packages(conda), key=lambda p: p["name"])
    entries = []
    seen = set()
    for package in packages:
        if package["url"] in seen:
            continue
        seen.add(package["url"])
        lock = package.get("lock") or {}
        entry = {"conda": package["url"], "build_number": int(package.get("build_number") or 0)}
        for name in _PIXI_FIELDS:
            value = package.get(name) if name in ("sha256", "md5") else lock.get(name)
            if value:
                entry[name] = list(value) if isinstance(value, (list, tuple)) else value
        entries.append(entry)
    return {
        "version": 6,
        "environments": {
            "default": {
                "channels": [{"url": c} for c in lock_channels(conda)],
                "packages": {platform: [{"conda": p["url"]} for p in packages]},
            }
        },
        "packages": entries,
    }


def pixi_lock(conda):
    """pixi.lock text (rattler-lock v6, one environment, one platform)."""
    return condayaml.dumps(pixi_lock_dict(conda))


# ---------------------------------------------------------------- pylock.toml (PEP 751)

PYPI_SIMPLE = "https://pypi.org/simple"


def _toml_string(value):
    out = ['"']
    for ch in str(value):
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def index_files(index_url, name, version, opener=None):
    """The wheels and sdist of ``name`` ``version`` an index lists (PEP 691
    JSON, else PEP 503 HTML; https:// or a file:// folder), as
    [{"name", "url", "hashes"}]: those with a sha256 only."""
    import html
    import json as _json
    import urllib.parse
    import urllib.request

    base = index_url.rstrip("/") + "/" + _normal(name) + "/"
    opener = opener or urllib.request.urlopen
    # An index is https:// or a file:// folder, as pip and uv read them.
    request = urllib.request.Request(  # noqa: S310
        base, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"}
    )
    if base.startswith("file:"):
        path = urllib.request.url2pathname(urllib.parse.urlsplit(base).path)
        import os

        for candidate in ("index.html", ""):
            full = os.path.join(path, candidate) if candidate else path
            if os.path.isfile(full):
                request = "file:" + urllib.request.pathname2url(full)
                break
    with opener(request, timeout=20) as response:
        body = response.read(16 * 1024 * 1024).decode("utf-8", "replace")
        kind = response.headers.get("Content-Type", "") if hasattr(response, "headers") else ""
    files = []
    if "json" in kind:
        for item in _json.loads(body).get("files") or ():
            files.append((item.get("filename"), item.get("url"), (item.get("hashes") or {})))
    else:
        for href, text in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]*)</a>', body):
            href = html.unescape(href)
            url, _, fragment = href.partition("#")
            hashes = {}
            if fragment.startswith("sha256="):
                hashes["sha256"] = fragment[len("sha256=") :]
            files.append((html.unescape(text).strip(), url, hashes))
    out = []
    stem = _normal(name).replace("-", "_")
    for filename, url, hashes in files:
        if not filename or not hashes.get("sha256"):
            continue
        head = filename.lower()
        if head.endswith(".whl"):
            parts = filename.split("-")
            if len(parts) < 5 or _normal(parts[0]).replace("-", "_") != stem:
                continue
            if parts[1] != version:
                continue
        elif head.endswith((".tar.gz", ".zip")):
            if not head.startswith(("%s-%s." % (stem, version.lower()))):
                continue
        else:
            continue
        out.append(
            {
                "name": filename,
                "url": urllib.parse.urljoin(base, url),
                "hashes": {"sha256": hashes["sha256"]},
            }
        )
    return out


NO_INDEX = (
    "pylock.toml names each package's file and its hash, pip keeps no hash of a file it "
    "installed from an index, and no index was asked for them"
)


def pylock_packages(
    environment, index_url=None, carried=None, lookup=index_files, distributions=None
):
    """PEP 751 package tables for the pip side of a recording: a file the
    bundle carries (``carried``: normalized name -> its wheel or sdist table),
    a VCS checkout by its commit, a local folder by its path (a legacy
    develop install's too; neither with a version: PEP 751 leaves it out for a
    source tree), a URL install by its archive and the hash pip recorded, an
    index install by the files the index lists for that version
    (``index_url`` "": no index is asked). What was found outside the
    environment (PYTHONPATH, the notebook's folder) is no part of it.
    ``distributions`` defaults to the recording's (``envfiles.pip_dists``).
    errors.NoLock naming the distributions with no source an installer can use."""
    from . import envfiles

    carried = carried or {}
    if distributions is None:
        distributions = envfiles.pip_dists(environment)
    packages = []
    unhashed, unlisted = [], []
    for distribution in distributions:
        if distribution.get("location") == "outside":
            continue  # on the path, not installed in the environment
        name, version = _normal(distribution["name"]), distribution["version"]
        source = distribution.get("source") or {}
        url = source.get("url") or ""
        package = {"name": name}
        if name in carried:
            package["version"] = version
            table = carried[name]
            if table["name"].lower().endswith(".whl"):
                package["wheels"] = [table]
            else:
                package["sdist"] = table
        elif "vcs_info" in source:
            vcs = source["vcs_info"]
            table = {"type": vcs.get("vcs") or "git", "url": url}
            if vcs.get("requested_revision"):
                table["requested-revision"] = vcs["requested_revision"]
            table["commit-id"] = vcs.get("commit_id") or ""
            if source.get("subdirectory"):
                table["subdirectory"] = source["subdirectory"]
            package["vcs"] = table
        elif "dir_info" in source:
            table = {"path": url[len("file://") :] if url.startswith("file://") else url}
            if (source.get("dir_info") or {}).get("editable"):
                table["editable"] = True
            package["directory"] = table
        elif url:
            sha256 = envfiles.archive_sha256(source)
            if not sha256:
                unhashed.append("%s %s" % (name, version))
                continue
            package["version"] = version
            package["archive"] = {"url": url, "hashes": {"sha256": sha256}}
        else:
            files = lookup(index_url or PYPI_SIMPLE, name, version) if index_url != "" else []
            if not files:
                unlisted.append("%s %s" % (name, version))
                continue
            wheels = [f for f in files if f["name"].lower().endswith(".whl")]
            sdists = [f for f in files if not f["name"].lower().endswith(".whl")]
            package["version"] = version
            if index_url and index_url != PYPI_SIMPLE:
                package["index"] = index_url
            if sdists:
                package["sdist"] = sdists[0]
            if wheels:
                package["wheels"] = wheels
        packages.append(package)
    if unlisted and index_url == "":
        raise errors.NoLock(NO_INDEX, named(unlisted + unhashed))
    if unlisted:
        raise errors.NoLock(
            "the index lists no file with a sha256 for the recorded version",
            "%s at %s" % (named(unlisted), index_url or PYPI_SIMPLE),
        )
    if unhashed:
        raise errors.NoLock(
            "pip recorded no sha256 of the archive it installed from a URL", named(unhashed)
        )
    return sorted(packages, key=lambda p: p["name"])


def _table_lines(prefix, table):
    lines = []
    nested = []
    for key, value in table.items():
        if isinstance(value, dict):
            nested.append((key, value))
        elif value is True or value is False:
            lines.append("%s = %s" % (key, "true" if value else "false"))
        else:
            lines.append("%s = %s" % (key, _toml_string(value)))
    for key, value in nested:
        lines.append("")
        lines.append("[%s.%s]" % (prefix, key))
        lines.extend(_table_lines(prefix + "." + key, value))
    return lines


def pylock(environment, index_url=None, carried=None, lookup=index_files, distributions=None):
    """pylock.toml text in the layout `pip lock` writes (packages by name;
    each source as its own table)."""
    lines = ['lock-version = "1.0"', 'created-by = "nbrepro"']
    for package in pylock_packages(environment, index_url, carried, lookup, distributions):
        lines.append("")
        lines.append("[[packages]]")
        simple = dict((k, v) for k, v in package.items() if not isinstance(v, (dict, list)))
        lines.extend(_table_lines("packages", simple))
        for key in ("vcs", "directory", "archive", "sdist"):
            if key in package:
                lines.append("")
                lines.append("[packages.%s]" % key)
                lines.extend(_table_lines("packages." + key, package[key]))
        for wheel in package.get("wheels") or ():
            lines.append("")
            lines.append("[[packages.wheels]]")
            lines.extend(_table_lines("packages.wheels", wheel))
    return "\n".join(lines) + "\n"
