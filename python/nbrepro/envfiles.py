"""Environment files from a capture's `environment` section: conda's
environment.yml (as `conda env export` writes it), the explicit lock (as
`conda list --explicit --md5`), and pip requirements (as `pip freeze`).

They read the stored (compact) form, where each conda package is one string,
through `capture.compact`; the verbose `environment_full` works too, and is
what a sha256 lock needs (the stored form keeps md5 only, as conda's own
`--md5` lock does).

Pure functions over plain data; the snapshot CLI and export reuse them.
"""

import yaml

from . import __version__
from .capture import compact


def _conda(environment):
    conda = (environment or {}).get("conda")
    if not conda:
        raise ValueError(
            "this environment has no conda-meta/ folder, so there is no conda export; "
            "use --format requirements for its pip packages"
        )
    return conda


def packages(conda):
    """Every conda record (dicts with conda's field names), in `conda list --explicit` order."""
    return compact.conda_packages(conda)


def exported_packages(conda):
    """Conda packages `conda env export` lists: not clobbered, not replaced by pip."""
    listed = [p for p in packages(conda) if not p.get("clobbered") and not p.get("replaced_by_pip")]
    return sorted(listed, key=lambda p: p["name"])


def legacy_channels(conda):
    """The channel order of conda <= 25.5: .condarc channels, each new package
    channel (in package-name order) inserted at the front."""
    channels = list(conda.get("config_channels") or ["defaults"])
    for package in exported_packages(conda):
        if package["channel"] not in channels:
            channels.insert(0, package["channel"])
    return channels


def environment_dict(environment, no_builds=False, from_history=False, legacy=False):
    """What `conda env export` serialises, as an insertion-ordered dict."""
    conda = _conda(environment)
    out = {"name": conda.get("name")}
    if from_history:
        channels = list(conda.get("config_channels") or ["defaults"])
        dependencies = list(conda.get("from_history") or [])
    else:
        channels = legacy_channels(conda) if legacy else list(conda.get("channels") or [])
        dependencies = []
        for package in exported_packages(conda):
            parts = [package["name"], package["version"]]
            if not no_builds:
                parts.append(package["build"])
            dependencies.append("=".join(parts))
        pip = compact.conda_pip(environment)
        if pip:
            dependencies.append({"pip": pip})
    if channels:
        out["channels"] = channels
    out["dependencies"] = dependencies
    if conda.get("variables"):
        out["variables"] = dict(conda["variables"])
    out["prefix"] = conda.get("prefix")
    return out


def _scalar(value):
    """A YAML scalar as ruamel/PyYAML would write it: plain when safe, quoted otherwise."""
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if text.endswith("..."):
        text = text[:-3].rstrip()
    return text


def environment_yml(environment, no_builds=False, from_history=False, legacy=False):
    """environment.yml text in conda's layout (ruamel indent mapping=2, sequence=4, offset=2)."""
    data = environment_dict(environment, no_builds, from_history, legacy)
    lines = ["name: %s" % _scalar(data["name"])]
    if "channels" in data:
        lines.append("channels:")
        lines.extend("  - %s" % _scalar(c) for c in data["channels"])
    lines.append("dependencies:" if data["dependencies"] else "dependencies: []")
    for item in data["dependencies"]:
        if isinstance(item, dict):
            for key, values in item.items():
                lines.append("  - %s:" % key)
                lines.extend("      - %s" % _scalar(v) for v in values)
        else:
            lines.append("  - %s" % _scalar(item))
    if "variables" in data:
        lines.append("variables:")
        lines.extend("  %s: %s" % (_scalar(k), _scalar(v)) for k, v in data["variables"].items())
    lines.append("prefix: %s" % _scalar(data["prefix"]))
    return "\n".join(lines) + "\n"


def explicit_lines(environment, hash_name="md5"):
    conda = _conda(environment)
    stored = any(isinstance(p, str) for p in conda.get("packages") or ())
    lines = []
    for package in packages(conda):
        url = package.get("url")
        if not url or url.startswith("<unknown>"):
            lines.append("# no URL for: %s" % (package.get("fn") or package["name"]))
            continue
        value = package.get(hash_name) if hash_name else None
        if hash_name == "sha256" and not value and stored and package.get("md5"):
            raise ValueError(
                "a stored snapshot keeps the md5 of a conda package, not its sha256; "
                "capture with the full record (nbrepro snapshot --full, or the "
                "environment_full of a capture with the full option) for a sha256 lock"
            )
        lines.append(url + ("#%s" % value if value else ""))
    return lines


def explicit(environment, hash_name="md5"):
    """`conda list --explicit --md5` (or `--sha256`) text: header, `@EXPLICIT`,
    topologically ordered URLs."""
    conda = _conda(environment)
    header = [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        "# platform: %s" % conda.get("platform"),
        "# created-by: nbrepro %s" % __version__,
        "@EXPLICIT",
    ]
    return "\n".join(header + explicit_lines(environment, hash_name)) + "\n"


def requirement_line(distribution):
    """One `pip freeze` line for a distribution record."""
    name = distribution["name"]
    source = distribution.get("source") or {}
    url = source.get("url")
    if url and (source.get("dir_info") or {}).get("editable"):
        return "-e %s" % url
    if url and "vcs_info" in source:
        vcs = source["vcs_info"]
        line = "%s @ %s+%s" % (name, vcs.get("vcs", "git"), url)
        if vcs.get("commit_id"):
            line += "@" + vcs["commit_id"]
        if source.get("subdirectory"):
            line += "#subdirectory=" + source["subdirectory"]
        return line
    if url:
        return "%s @ %s" % (name, url)
    return "%s==%s" % (name, distribution["version"])


def requirements(environment):
    """pip's share of the environment, `pip freeze` style, sorted by name.

    Conda-owned distributions are left out (the conda files pin those; the
    stored form does not list them), and so are distributions shadowed by an
    earlier one of the same name and folders outside the prefix such as the
    notebook's working directory.
    """
    pip = (environment or {}).get("pip") or {}
    lines = []
    for distribution in compact.distributions(pip):
        if distribution.get("conda") or distribution.get("shadowed_by") is not None:
            continue
        if distribution["location"] == "outside":
            continue
        lines.append(requirement_line(distribution))
    return "\n".join(lines) + ("\n" if lines else "")
