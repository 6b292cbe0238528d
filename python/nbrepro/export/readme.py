"""The bundle's README.md: provenance, how to rebuild and run, what the export changed.

Its text is ``templates/README.md.in``; this module gathers the values. Every
value comes from the notebook's metadata, read at the door (``document``): its
shape is the schema's, so only what the schema leaves optional or nullable is
tested here. Its text is still untrusted (a package name can carry HTML): each
goes in through ``fill.markdown`` (or ``fill.code`` in a code span), so a
viewer shows it as data.
"""

from ..record import envfiles, seeding, words
from . import fill, gate

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
md = fill.markdown


def text(value):
    """An untrusted value as inert Markdown (``fill.markdown``), as a string."""
    return md(value).text


def _listed(values, empty, separator=", "):
    """Values joined, or the words ``empty`` when that is no text."""
    value = fill.joined(values, separator)
    return value if value.text else fill.words(empty)


def _platform_cell(environment):
    platform = environment["platform"]
    parts = [
        platform.get("os", {}).get("pretty_name") or platform["system"],
        platform["machine"],
    ]
    libc = platform["libc"]
    if libc and libc["name"]:
        parts.append("%s %s" % (libc["name"], libc["version"] or ""))
    return _listed([md(p) for p in parts if p], "not recorded")


def cudnn_text(value):
    """torch.backends.cudnn.version() as people write it: 91900 is 9.19.0 (cuDNN 9
    counts major * 10000), 8907 is 8.9.7 (before 9, major * 1000)."""
    return _cudnn(value).text


def _cudnn(value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return md(value)
    major = value // 10000 if value >= 90000 else value // 1000
    rest = value - major * (10000 if value >= 90000 else 1000)
    return fill.words("%d.%d.%d (%d)" % (major, rest // 100, rest % 100, value))


def _gpu_cell(environment, meta):
    gpu = environment.get("gpu") or {}  # not recorded by older captures
    devices = [device["name"] for device in gpu.get("devices", ())]
    parts = []
    if gpu.get("driver_version"):
        parts.append(fill.joined([fill.words("driver "), md(gpu["driver_version"])]))
    if gpu.get("cuda_driver_version"):
        parts.append(fill.joined([fill.words("CUDA (driver) "), md(gpu["cuda_driver_version"])]))
    # cuDNN is known only in runs after torch used CUDA: take it from any run.
    builds = [run.get("frameworks", {}).get("torch") for run in meta["runs"].values()]
    builds = [torch for torch in builds if torch and torch["cuda"]]
    if builds:
        parts.append(fill.joined([fill.words("torch built for CUDA "), md(builds[0]["cuda"])]))
        cudnn = [torch["cudnn"] for torch in builds if torch.get("cudnn")]
        if cudnn:
            parts.append(fill.joined([fill.words("cuDNN "), _cudnn(cudnn[0])]))
    if devices:
        parts.append(
            fill.joined([fill.words("devices: "), fill.joined([md(d) for d in devices if d], ", ")])
        )
    return _listed(parts, "none recorded", "; ")


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


def _seed_lines(meta, cells):
    """Seeds and determinism in the words the panel uses (record/seeding.py):
    each seeding cell on its line, the others grouped, the determinism
    settings once; cells numbered as the notebook shows them."""
    runs = meta["runs"]
    records = [cell.record for cell in cells or ()]
    numbers = words.cell_numbers(
        [
            {"execution_count": cell.count, "recorded": record is not None}
            for cell, record in zip(cells or (), records)
        ]
    )
    shown = [
        {"number": number, "run": runs.get(record["run"], {}) if record.get("run") else None}
        for number, record in zip(numbers, records)
        if record is not None
    ]
    lines = seeding.seeding_lines(shown) + seeding.determinism_lines(shown)
    return [{"line": md("%s: %s" % (label, text) if label else text)} for label, text in lines]


def packages_section(carry):
    """Where the rebuild gets the packages no public index has
    (``templates/README-packages.md.in``), or "" when that is nowhere else."""
    return _packages(carry).text


def _packages(carry):
    rows = list(getattr(carry, "sources", None) or ())
    extra = list(getattr(carry, "extra_index_urls", None) or ())
    if not rows and not extra:
        return fill.words("")
    carried = dict(((c["name"], c["version"]), c) for c in getattr(carry, "carried", ()))
    out = []
    for row in rows:
        action = fill.words(ACTION_WORDS.get(row.get("action"), row.get("action") or ""))
        item = carried.get((row["name"], row["version"]))
        if item:
            how = "copied" if item["how"] == "copied" else "a wheel built from it"
            action = fill.joined(
                [
                    fill.words("`"),
                    md(item["file"]),
                    fill.words("` (%s, sha256 `" % how),
                    md(item["sha256"]),
                    fill.words("`)"),
                ]
            )
        source = row["source"]
        out.append(
            {
                "name": md(row["name"]),
                "version": md(row["version"]),
                "source": fill.words(SOURCE_WORDS[source])
                if source in SOURCE_WORDS
                else md(source),
                "action": action,
            }
        )
    quoted = [fill.joined([fill.words("`"), md(url), fill.words("`")]) for url in extra]
    return fill.part(
        "README-packages.md.in",
        {
            "extra_index_urls": fill.joined(quoted, ", ") if extra else False,
            "package_table": bool(rows),
            "package_rows": out,
        },
    )


def _inputs(inputs, data_limit):
    """What the notebook read besides packages: carried or not, with sha256; what lies
    outside the project and what was left out, by the path the notebook used."""
    modules, data = inputs.get("modules") or [], inputs.get("data") or []
    outside, left_out = inputs.get("outside") or [], inputs.get("left_out") or []
    project = inputs.get("project") or {}
    notebook_dir = project.get("notebook_dir") or "."

    def cells(item):
        return md(", ".join(str(c) for c in item.get("cells") or ()))

    def kind(item):
        if item.get("module"):
            return fill.joined([fill.words("module "), md(item["module"])])
        return fill.words("script" if item.get("script") else "data")

    return {
        "reads": bool(modules or data or outside or left_out),
        "project": md(project["root"]) if project.get("root") else False,
        "notebook_dir": fill.markdown_code(notebook_dir) if notebook_dir != "." else False,
        "data_limit": fill.number(data_limit) if data_limit is not None else False,
        "table": bool(modules or data),
        "modules": [
            {
                "path": fill.markdown_code(item.get("path")),
                "script": bool(item.get("script")),
                "module": md(item.get("module")),
                "cells": cells(item),
                "carried": bool(item.get("carried")),
            }
            for item in modules
        ],
        "data": [
            {
                "path": fill.markdown_code(item.get("path")),
                "cells": cells(item),
                "size": md(item.get("size") if item.get("size") is not None else "?"),
                "sha256": md(item["sha256"]) if item.get("sha256") else False,
                "supplied_by": md(item["supplied_by"]) if item.get("supplied_by") else False,
                "carried": bool(item.get("carried")),
                "changed": bool(item.get("changed_since_recording")),
            }
            for item in data
        ],
        "outside_table": bool(outside),
        "outside": [
            {
                "path": fill.markdown_code(item["path"]) if item.get("path") else False,
                "kind": kind(item),
                "cells": cells(item),
                "size": md(item["size"]) if item.get("size") is not None else fill.words(""),
                "sha256": md(item["sha256"]) if item.get("sha256") else False,
                "not_hashed": md(item["not_hashed"]) if item.get("not_hashed") else False,
                "changed": bool(item.get("changed_since_recording")),
            }
            for item in outside
        ],
        "left_out_list": bool(left_out),
        "left_out": [
            {
                "path": fill.markdown_code(item.get("path")),
                "cells": cells(item),
                "why": md(item.get("why")),
            }
            for item in left_out
        ],
    }


# Which file to use when, by file (README.md's "which lock to use"): nbrepro's words.
_USE = {
    "explicit": "you rebuild with any conda, old ones included (`conda create --file`), on the "
    "recorded platform: each package's URL and md5",
    "conda-lock.yml": "you rebuild with conda 26 or newer and its conda-lockfiles plugin (`conda "
    "env create --file conda-lock.yml`) or with conda-lock (`conda-lock install`): each "
    "package's dependencies and both hashes, as conda 26.7 with conda-lockfiles 0.2.2 writes it",
    "pixi.lock": "you rebuild with pixi or another rattler-based tool (rattler-lock v6, as conda "
    "26.7 with conda-lockfiles 0.2.2 writes it)",
    "environment.yml": "you rebuild on another platform or want newer builds: names and versions "
    "without builds, and the pip packages",
    "requirements.txt": "pip installs the pip packages (`python -m pip install -r "
    "requirements.txt`); the conda locks leave them out, as conda's do",
    "pylock.toml": "uv (`uv pip install -r pylock.toml`) or pip installs the pip packages: each "
    "one's file with its sha256 (PEP 751)",
}


def _lock_values(plan, files, locks):
    """The rows of "Which environment file to use" and the locks not written."""
    order = [plan.get("lock") or "", "conda-lock.yml", "pixi.lock", "environment.yml"]
    order += ["requirements.txt", "pylock.toml"]
    rows = []
    for name in order:
        if name and name in files:
            use = _USE["explicit"] if name == plan.get("lock") else _USE[name]
            rows.append({"file": fill.code(name), "use": fill.words(use)})
    if plan.get("kind") == "conda":
        rebuild = (
            "`%s` with micromamba, mamba or conda (on another platform than the recorded "
            "one, `environment.yml`), then `requirements.txt` with pip" % plan.get("lock")
        )
    else:
        rebuild = "`requirements.txt`, with pip in a virtual environment"
    missing = [
        {
            "file": fill.code(item["file"]),
            "reason": fill.words(item["reason"]),
            "detail": md(item["detail"]) if item.get("detail") else False,
        }
        for item in (getattr(locks, "missing", None) or ())
    ]
    return {
        "rebuild_from": fill.words(rebuild),
        "lock_rows": rows,
        "missing_locks": missing,
        "locks_missing": bool(missing),
    }


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
    locks=None,
    fonts=None,
    cells=None,
):
    environment = snapshot["environment"]
    python = environment["python"]
    conda = environment["conda"]
    pip = environment["pip"]["distributions"]
    seed_lines = _seed_lines(meta, cells)
    parameters = [
        {"option": fill.code(p["name"].replace("_", "-")), "default": md(p.get("default"))}
        for p in getattr(conversion, "parameters", None) or ()
    ]
    report = list(getattr(conversion, "report", None) or ())
    others = [item for item in report if item.get("action") != "translated"]
    cuda = plan.get("cuda")
    values = {
        "stem_title": md(stem),
        "stem": fill.code(stem),
        "tag": fill.code(stem.lower()),
        "tool_version": md(tool_version),
        "created_at": md(created_at),
        "example": parameters[0] if parameters else False,
        "gpu": bool(plan.get("gpu")),
        "cuda": md(cuda) if cuda else False,
        "snapshot_id": fill.code(snapshot_id),
        "captured_at": md(snapshot["captured_at"] or "?"),
        "kernel": md(meta.get("kernel", {}).get("name") or "unknown"),
        "python_version": md(python["version"] or "unknown"),
        "implementation": md(python["implementation"]) if python["implementation"] else False,
        "executable_kind": md(python["executable_kind"]) if python["executable_kind"] else False,
        "platform": _platform_cell(environment),
        "conda_files": md("written " + envfiles.written_for(conda))
        if conda
        else fill.words("none (no conda-meta/)"),
        "conda": bool(conda),
        "conda_platform": md(conda["platform"] or "?") if conda else False,
        "conda_count": fill.number(len(conda["packages"])) if conda else False,
        "pip_count": fill.number(len(pip)),
        "gpu_facts": _gpu_cell(environment, meta),
        "seeding": fill.words(_seeding_line(meta)),  # counts in nbrepro's words
        "seed_section": bool(seed_lines),
        "seed_lines": seed_lines,
        "findings": [
            {"title": md(gate.title(f["kind"])), "message": md(f["message"])} for f in findings
        ],
        "preamble": [{"line": md(line)} for line in getattr(conversion, "preamble", None) or ()],
        "translated": fill.number(sum(1 for item in report if item.get("action") == "translated")),
        "untranslated_table": bool(others),
        "untranslated": [
            {
                "cell": md(item.get("cell")),
                "line": md(item.get("line")),
                "source": md(item.get("source", "")),
                "action": md(item.get("action", "")),
                "note": md(item.get("note", "")),
            }
            for item in others
        ],
        "parameter_table": bool(parameters),
        "parameters": parameters,
        "files": [{"file": fill.code(name)} for name in files],
    }
    values["packages_section"] = _packages(packages)
    values.update(_lock_values(plan, files, locks))
    values.update(_inputs(inputs or {}, data_limit))
    values["fonts_section"] = _fonts(fonts)
    return fill.fill("README.md.in", values)


def _fonts(plan):
    """The fonts the figures were drawn with (``templates/README-fonts.md.in``): which
    the bundle carries, under which licence, which a machine must have, and how
    Matplotlib finds them; "" without fonts."""
    if plan is None or not plan.fonts:
        return fill.words("")
    from .fonts import LICENCE_NAMES, describe

    licences = sorted(set(LICENCE_NAMES[e["licence"]] for e in plan.carried if e.get("licence")))
    return fill.part(
        "README-fonts.md.in",
        {
            "fonts": [{"font": md(describe(entry))} for entry in plan.fonts],
            "licences": fill.words(", ".join(licences)) if licences else False,
            "missing": bool(plan.missing),
            "matplotlib": plan.matplotlib,
            "rc": plan.rc is not None,
        },
    )
