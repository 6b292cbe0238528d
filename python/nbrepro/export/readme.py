"""The bundle's README.md: provenance, how to rebuild and run, what the export changed.

Every value here comes from the notebook's metadata, read at the door
(``document``): its shape is the schema's, so only what the schema leaves
optional or nullable is tested here. Its text is still untrusted (a package
name can carry HTML): ``text`` escapes it for Markdown and HTML, so a viewer
shows it as data.
"""

import re

from ..record import envfiles
from . import gate

MAX_TEXT = 200
# What Markdown could read as markup anywhere in a line (`<`, `>` and `&`
# become entities first); `-`, `+` and `.` matter only at a line's start,
# which a value never is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def text(value):
    """An untrusted value as inert Markdown: one line, bounded, HTML entities,
    Markdown punctuation backslash-escaped."""
    value = " ".join(str(value).split())
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def _python_line(environment):
    python = environment["python"]
    version = python["version"] or "unknown"
    implementation = python["implementation"]
    kind = python["executable_kind"]
    parts = [text(version)]
    if implementation:
        parts.append("(%s)" % text(implementation))
    if kind:
        parts.append("in a %s" % text(kind))
    return " ".join(parts)


def _platform_line(environment):
    platform = environment["platform"]
    parts = [
        platform.get("os", {}).get("pretty_name") or platform["system"],
        platform["machine"],
    ]
    libc = platform["libc"]
    if libc and libc["name"]:
        parts.append("%s %s" % (libc["name"], libc["version"] or ""))
    shown = [text(p).strip() for p in parts if p]
    return ", ".join(shown) or "not recorded"


def cudnn_text(value):
    """torch.backends.cudnn.version() as people write it: 91900 is 9.19.0 (cuDNN 9
    counts major * 10000), 8907 is 8.9.7 (before 9, major * 1000)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return text(value)
    major = value // 10000 if value >= 90000 else value // 1000
    rest = value - major * (10000 if value >= 90000 else 1000)
    return "%d.%d.%d (%d)" % (major, rest // 100, rest % 100, value)


def _gpu_line(environment, meta):
    gpu = environment.get("gpu") or {}  # not recorded by older captures
    devices = [device["name"] for device in gpu.get("devices", ())]
    parts = []
    if gpu.get("driver_version"):
        parts.append("driver %s" % text(gpu["driver_version"]))
    if gpu.get("cuda_driver_version"):
        parts.append("CUDA (driver) %s" % text(gpu["cuda_driver_version"]))
    # cuDNN is known only in runs after torch used CUDA: take it from any run.
    builds = [run.get("frameworks", {}).get("torch") for run in meta["runs"].values()]
    builds = [torch for torch in builds if torch and torch["cuda"]]
    if builds:
        parts.append("torch built for CUDA %s" % text(builds[0]["cuda"]))
        cudnn = [torch["cudnn"] for torch in builds if torch.get("cudnn")]
        if cudnn:
            parts.append("cuDNN %s" % cudnn_text(cudnn[0]))
    if devices:
        parts.append("devices: " + ", ".join(text(d) for d in devices if d))
    return "; ".join(parts) or "none recorded"


def _cells(n):
    return "%d cell%s" % (n, "" if n == 1 else "s")


def _seeding_line(meta):
    """What the cells did with randomness, counted by cell (each recorded cell
    keeps one run record): seeding calls, and draws from a global generator with
    or without a seed set before them."""
    seeding = drew = unseeded = 0
    for run in meta["runs"].values():
        seeds = run.get("seeds") or {}
        if seeds.get("status") == "seeded" and not seeds.get("seeded_earlier_by"):
            seeding += 1
        if (run.get("inputs") or {}).get("drew"):
            drew += 1
            unseeded += seeds.get("status") != "seeded"
    if not seeding and not drew:
        return "no cell seeded a generator or drew from a global one"
    parts = ["%s seeded a generator" % _cells(seeding)] if seeding else []
    if drew:
        parts.append(
            "%s drew from a global generator, %s"
            % (
                _cells(drew),
                "all after a seed"
                if not unseeded
                else "none after a seed"
                if unseeded == drew
                else "%d of them with no seed set first" % unseeded,
            )
        )
    else:
        parts.append("no cell drew from a global generator")
    return "; ".join(parts)


def _seeds(meta):
    recovered = {}
    flags = set()
    for run in meta["runs"].values():
        seeds = run.get("seeds")  # a run that seeded nothing records none
        if seeds:
            for key, value in seeds["recovered"].items():
                if value is not None:
                    recovered[key] = value
        determinism = run.get("determinism")  # nor does an older capture
        for name, value in (determinism["env"] if determinism else {}).items():
            if value is not None:
                flags.add("%s=%s" % (name, value))
    return recovered, sorted(flags)


def _environment_line(plan, environment):
    conda = environment["conda"]
    pip = environment["pip"]["distributions"]
    if conda:
        count = len(conda["packages"])
        return "conda (%s), %d conda packages, %d installed by pip" % (
            text(conda["platform"] or "?"),
            count,
            len(pip),
        )
    return "virtual environment, %d packages installed by pip" % len(pip)


SOURCE_WORDS = {
    "private-index": "an index other than pypi.org",
    "vcs": "a VCS URL at a commit",
    "url": "a direct URL",
    "local-file": "a local file",
    "local-folder": "a local folder",
    "editable": "an editable local folder",
}
ACTION_WORDS = {
    "carried": "carried in wheels/",
    "flagged": "not carried: supply it",
    "fetched": "fetched from its URL by pip",
    "to build": "built at export",
}


def _packages_section(carry):
    """Where the rebuild gets the packages no public index has."""
    rows = list(getattr(carry, "sources", None) or ())
    extra = list(getattr(carry, "extra_index_urls", None) or ())
    if not rows and not extra:
        return []
    out = ["", "## Packages no public index has", ""]
    if extra:
        out += [
            "pip on the exporting machine is also set to read %s. pip records no index for "
            "a package it found on one, so a package only that index has is not named here; if the "
            "rebuild cannot find one, give it that index (`PIP_EXTRA_INDEX_URL`)."
            % ", ".join("`%s`" % text(url) for url in extra),
            "",
        ]
    if not rows:
        return out[:-1]
    out += [
        "`run.sh` checks that each is at hand before it builds anything (in `wheels/`, or in a "
        "folder named in `PIP_FIND_LINKS`) and exits with status 5 naming what is missing; "
        "`docker build` runs the same check (`check-packages.sh`) on `wheels/`.",
        "",
        "| package | installed from | in this bundle |",
        "|---|---|---|",
    ]
    carried = dict(((c["name"], c["version"]), c) for c in carry.carried)
    for row in rows:
        action = ACTION_WORDS.get(row.get("action"), row.get("action") or "")
        item = carried.get((row["name"], row["version"]))
        if item:
            action = "`%s` (%s, sha256 `%s`)" % (
                text(item["file"]),
                "copied" if item["how"] == "copied" else "a wheel built from it",
                text(item["sha256"]),
            )
        out.append(
            "| %s %s | %s | %s |"
            % (
                text(row["name"]),
                text(row["version"]),
                SOURCE_WORDS.get(row["source"], text(row["source"])),
                action,
            )
        )
    return out


def render(
    stem,
    plan,
    snapshot,
    snapshot_id,
    meta,
    findings,
    conversion,
    files,
    created_at,
    tool_version,
    inputs=None,
    data_limit=None,
    packages=None,
):
    environment = snapshot["environment"]
    recovered, flags = _seeds(meta)
    parameters = list(getattr(conversion, "parameters", None) or ())
    out = [
        "# %s: a reproducible bundle" % text(stem),
        "",
        "Exported by nbrepro %s on %s from `%s.ipynb`. It holds the notebook, a script "
        "converted from it, the environment it ran on (as a portable file, an exact lock and "
        "a bill of materials) and the scripts to rebuild that environment and run it again."
        % (text(tool_version), text(created_at), stem),
        "",
        "## Rebuild and run",
        "",
        "```sh",
        "./run.sh            # build the environment in .env/ and run %s.py" % stem,
        "./run.sh --verify   # then re-run the notebook and compare every cell's outputs",
    ]
    if parameters:
        example = parameters[0]
        out.append(
            "./run.sh -- --%s VALUE   # parameters go to the script after --"
            % example["name"].replace("_", "-")
        )
    out += [
        "```",
        "",
        '`--verify` needs nbrepro where you run it (`pip install "nbrepro[images]"`: with '
        "Pillow, a re-drawn figure is compared by its pixels, not its bytes); it exits 0 when "
        "every cell came out the same and 1 when one differs, naming the likely cause. "
        "`./run.sh --help` lists the options (`--env DIR`, `--rebuild`, `--no-run`).",
        "",
        "With Docker instead:",
        "",
        "```sh",
        "docker build -t %s ." % stem.lower(),
        "docker run --rm%s %s" % (" --gpus all" if plan.get("gpu") else "", stem.lower()),
        "```",
        "",
    ]
    if plan.get("gpu"):
        cuda = plan.get("cuda")
        out += [
            "The notebook ran on an NVIDIA GPU%s. `./run.sh` first checks that a GPU is "
            "visible (`nvidia-smi`)%s and stops with status 4 saying what is missing; "
            "`--no-gpu-check` runs anyway. Docker needs the NVIDIA Container Toolkit for "
            "`--gpus all`."
            % (
                " with CUDA %s" % text(cuda) if cuda else "",
                " and that its driver supports CUDA %s" % text(cuda) if cuda else "",
            ),
            "",
        ]
    out += [
        "## Provenance",
        "",
        "| | recorded |",
        "|---|---|",
        "| environment snapshot | `%s`, captured %s |"
        % (snapshot_id, text(snapshot["captured_at"] or "?")),
        "| kernel | %s |" % text(meta.get("kernel", {}).get("name") or "unknown"),
        "| Python | %s |" % _python_line(environment),
        "| platform | %s |" % _platform_line(environment),
        "| environment | %s |" % _environment_line(plan, environment),
        "| conda files | %s |"
        % (
            text("written " + envfiles.written_for(environment["conda"]))
            if environment.get("conda")
            else "none (no conda-meta/)"
        ),
        "| GPU | %s |" % _gpu_line(environment, meta),
        "| seeding | %s |" % _seeding_line(meta),
        "| seeds recovered | %s |"
        % (
            ", ".join("%s = %s" % (text(k), text(v)) for k, v in sorted(recovered.items()))
            or "none"
        ),
        "| determinism settings | %s |" % (", ".join(text(f) for f in flags) or "none set"),
        "",
        "## Checks at export time",
        "",
    ]
    if findings:
        out += [
            "- **%s**: %s" % (text(gate.title(f["kind"])), text(f["message"])) for f in findings
        ]
    else:
        out.append(
            "None: every code cell ran once, top to bottom, unedited since, in the environment "
            "the notebook vouches for."
        )
    out += _packages_section(packages)
    out += ["", "## What the script changed", ""]
    out += ["- %s" % text(line) for line in getattr(conversion, "preamble", None) or ()]
    report = list(getattr(conversion, "report", None) or ())
    translated = sum(1 for item in report if item.get("action") == "translated")
    others = [item for item in report if item.get("action") != "translated"]
    out.append("- %d IPython magics or shell commands translated to plain Python." % translated)
    if others:
        out += [
            "",
            "| cell | line | source | action | why |",
            "|---|---|---|---|---|",
        ]
        out += [
            "| %s | %s | %s | %s | %s |"
            % (
                text(item.get("cell")),
                text(item.get("line")),
                text(item.get("source", "")),
                text(item.get("action", "")),
                text(item.get("note", "")),
            )
            for item in others
        ]
    if parameters:
        out += ["", "## Parameters", "", "| option | default |", "|---|---|"]
        out += [
            "| `--%s` | %s |" % (p["name"].replace("_", "-"), text(p.get("default")))
            for p in parameters
        ]
    out += _inputs_section(inputs or {}, data_limit)
    out += [
        "",
        "## Files",
        "",
        "`manifest.json` holds the sha256 of every other file; `nbrepro verify` checks them "
        "before it runs anything.",
        "",
    ]
    out += ["- `%s`" % name for name in files]
    return "\n".join(out) + "\n"


def _inputs_section(inputs, data_limit):
    """What the notebook read besides packages: carried or not, with sha256."""
    modules, data = inputs.get("modules") or [], inputs.get("data") or []
    if not modules and not data:
        return []
    out = [
        "",
        "## What the notebook reads",
        "",
        "Recorded while it ran: the local modules it imported and the files it opened for "
        "reading, by their path in the notebook's folder. Modules are always carried; data "
        "up to %s in all. A file that is not carried must be put at its path before running."
        % ("%d bytes" % data_limit if data_limit is not None else "the limit"),
        "",
        "| path | kind | read by cells | size | sha256 | in the bundle |",
        "|---|---|---|---|---|---|",
    ]
    for item in modules:
        out.append(
            "| `%s` | module %s | %s | | | %s |"
            % (
                text(item.get("path")).replace("`", ""),
                text(item.get("module")),
                text(", ".join(str(c) for c in item.get("cells") or ())),
                "yes" if item.get("carried") else "**no**",
            )
        )
    for item in data:
        carried = "yes" if item.get("carried") else "**no**"
        if item.get("supplied_by"):
            carried = "no: %s writes it" % text(item["supplied_by"])
        if item.get("changed_since_recording"):
            carried += " (changed since it was read)"
        out.append(
            "| `%s` | data | %s | %s | `%s` | %s |"
            % (
                text(item.get("path")).replace("`", ""),
                text(", ".join(str(c) for c in item.get("cells") or ())),
                text(item.get("size") if item.get("size") is not None else "?"),
                text(item.get("sha256") or "not recorded (over the hash limit)"),
                carried,
            )
        )
    return out
