"""The bundle: every file a reviewer needs, built in memory, then written at once.

``build(nb, name)`` is pure (a notebook in, a ``Bundle`` of named bytes out);
``write(bundle, output)`` puts it on disk as a folder or a zip, atomically;
``export(path, output)`` is what the CLI and the server extension call.

Layout (``<stem>`` is the notebook's name made safe by ``safe_stem``)::

    <stem>.ipynb  <stem>.py  environment.yml  conda-<subdir>.lock
    conda-lock.yml  pixi.lock  pylock.toml
    requirements.txt  runtime.txt  run.sh  check-packages.sh  Dockerfile  sbom.cdx.json
    README.md  manifest.json

A conda environment gets environment.yml and the lock (and requirements.txt
when pip installed packages into it), and conda-lock.yml and pixi.lock where
they can be written as conda writes them (``export.locks``: the README and
the manifest say why one is missing); pip packages get pylock.toml where each
has a file and its hash. A plain venv gets requirements.txt and
runtime.txt, which is how repo2docker tells a pip-only project, and an
environment.yml of the same Python and pip requirements for conda users and
Snakemake's ``conda:`` (repo2docker builds a bundle from its Dockerfile either way).
"""

import contextlib
import gc
import hashlib
import json
import os
import re
import shutil
import threading
import time
import unicodedata
import zipfile
from pathlib import Path

from .. import __version__, errors
from ..record import atomic, document, envfiles
from ..record import inputs as recorded
from ..record import project as projects
from ..record.manifest import BUNDLE_VERSION
from ..record.order import finding
from . import carry, gate

# A file name may have 255 bytes; the longest name made from the stem is the
# bundle beside the notebook, "<stem>-bundle.zip". A stem is never cut shorter.
MAX_STEM = 255 - len("-bundle.zip")
# Fixed names in a bundle; a notebook stem never collides with them because
# its own files end in .ipynb and .py.
FIXED_NAMES = (
    "environment.yml",
    "conda-lock.yml",
    "pixi.lock",
    "pylock.toml",
    "requirements.txt",
    "runtime.txt",
    "run.sh",
    "check-packages.sh",
    "Dockerfile",
    "sbom.cdx.json",
    "README.md",
    "manifest.json",
)
# A zip's entries get one timestamp, so the same bundle zips to the same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class Bundle(object):
    """Named file contents, and what the CLI and README report about them."""

    def __init__(self, stem):
        self.stem = stem
        self.files = {}  # name -> bytes, in the order they are written
        self.executable = {"run.sh", "check-packages.sh"}
        self.findings = []
        self.conversion = None
        self.manifest = None
        self.snapshot_id = None
        self.inputs = {"modules": [], "data": []}
        self.packages = None  # export.wheels' Plan: pip packages no index has
        self.notebook_dir = "."  # the notebook's folder in the bundle (it keeps the project's)
        self.carried = []  # [(bundle path, size)]: the files carried from the project
        self.locks = None  # export.locks' Locks: the lock files written, and those missing
        self.fonts = None  # export.fonts' FontPlan: the fonts the figures were drawn with


def safe_stem(name):
    """A file-name stem from an untrusted notebook name: the last path part,
    without ``.ipynb``, letters, digits, ``.``, ``_`` and ``-`` only."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    if base.lower().endswith(".ipynb"):
        base = base[: -len(".ipynb")]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base)
    base = base.strip("._-")[:MAX_STEM].rstrip("._-")
    return base or "notebook"


def _runs_of(meta):
    return meta.get("runs") or {}


def _runs_in_order(doc):
    """The run records of the notebook's code cells, top to bottom (None for a cell
    without one)."""
    runs = _runs_of(doc.meta)
    return [runs.get(cell.record["run"]) if cell.record else None for cell in doc.code_cells]


_CUDA = re.compile(r"^([0-9]+)\.([0-9]+)")


def gpu_of(environment, runs):
    """``(gpu, cuda)``: whether the recording saw an NVIDIA GPU, and the newest CUDA
    version a CUDA build of a framework (torch, TensorFlow) was built for, as
    ``"12.1"``, or None. ``runs`` are the run records of the notebook's cells."""
    hardware = (environment or {}).get("gpu") or {}
    devices = hardware.get("devices") if isinstance(hardware, dict) else None
    gpu = bool(devices) and hardware.get("source") not in (None, "rocm")
    versions = []
    for run in (runs or {}).values():
        frameworks = run.get("frameworks") if isinstance(run, dict) else None
        if not isinstance(frameworks, dict):
            continue
        torch = frameworks.get("torch") if isinstance(frameworks.get("torch"), dict) else {}
        tf = frameworks.get("tensorflow") if isinstance(frameworks.get("tensorflow"), dict) else {}
        for value in (torch.get("cuda"), tf.get("cuda_version")):
            match = _CUDA.match(value) if isinstance(value, str) else None
            if match:
                versions.append((int(match.group(1)), int(match.group(2))))
    cuda = "%d.%d" % max(versions) if versions else None
    return gpu or cuda is not None, cuda


def _recorded_path(value):
    """A recorded path on this machine (``~`` is the exporting user's home), or None."""
    if not isinstance(value, str) or not value:
        return None
    path = os.path.expanduser(value)
    return path if os.path.exists(path) else None


def _recorded_python(value):
    """The recorded interpreter when it is still here and named like one; the
    name comes from notebook metadata, and only a Python may run `-m pip`."""
    path = _recorded_path(value)
    if path and re.fullmatch(r"python[0-9.]*(?:\.exe)?", os.path.basename(path)):
        return path
    return None


def carry_plan(
    environment, project=None, wheel_limit=None, build_wheels=True, check=False, announce=None
):
    """What the bundle does with the pip packages no public index has
    (``export.wheels.plan``), from the recorded environment and this
    machine's pip configuration; ``announce`` is told of each build first."""
    from . import wheels

    python = (environment or {}).get("python") or {}
    return wheels.plan(
        envfiles.pip_dists(environment),
        index=wheels.index_config(prefix=_recorded_path(python.get("prefix"))),
        project=project,
        limit=wheels.DEFAULT_LIMIT_MB * wheels.MB if wheel_limit is None else wheel_limit,
        build=build_wheels,
        python=_recorded_python(python.get("executable")),
        check=check,
        announce=announce,
    )


def check(doc, path=None, wheel_limit=None, data_limit=None, builds=None):
    """What the export dialog shows, without building or writing anything: the
    gate's findings, the local modules and input files the bundle cannot
    carry (when ``path`` names the notebook's file), and the packages a
    rebuild cannot fetch. ``doc`` is a ``document.Notebook`` read at the door."""
    nb, meta = doc.nb, doc.meta
    try:
        _snapshot_id, snapshot = gate.environment_of(nb, meta)
    except errors.NotExportable:
        snapshot = None  # never recorded: the checks still read the author's counts
    findings = gate.check_findings(nb, (meta, doc.problems))
    if path is not None:
        findings = findings + input_findings(nb, Path(path).resolve().parent, data_limit, meta=meta)
    if snapshot is None:
        return findings
    project = _project(path)
    plan = carry_plan(snapshot["environment"], project, wheel_limit, check=True)
    if builds is not None:  # what an export would build: the user says yes first
        from . import wheels

        builds.extend(
            dict(entry, message=wheels.build_sentence(entry, project)) for entry in plan.builds
        )
    return findings + plan.findings


def check_report(doc, path=None, wheel_limit=None, data_limit=None, builds=None):
    """``check``'s findings and what the bundle would carry from the project:
    ``{"findings": [...], "carried": [{"path", "size"}], "left_out": [...]}``,
    read from the project the way the export reads it (nothing is written);
    ``builds`` as ``check``'s."""
    findings = check(doc, path, wheel_limit, data_limit, builds=builds)
    out = {"findings": findings, "carried": [], "left_out": []}
    if path is None:
        return out
    nb, meta = doc.nb, doc.meta
    plan = carried_plan(nb, meta, Path(path).resolve().parent, data_limit)
    out["carried"] = [{"path": name, "size": len(data)} for name, data in sorted(plan[0].items())]
    out["left_out"] = list(plan[1].get("left_out") or ()) + list(plan[1].get("outside") or ())
    return out


def _project(path):
    return projects.of_notebook(path).root if path else None


def _where(folder):
    """The ``record.project.Project`` of a notebook in ``folder``, or None."""
    if folder is None:
        return None
    folder = os.path.realpath(str(folder))
    return projects.of_notebook(os.path.join(folder, "notebook.ipynb"))


def layout(nb, meta, folder, stem, conversion=None, flat=False):
    """``(needs, where, base, notebook_dir)``: what the recording needs (with the
    scripts the conversion found cells running), the notebook's project, the
    project folder the bundle's top stands for, and the notebook's folder in
    the bundle (POSIX, "." for its top)."""
    where = _where(folder)
    needs = recorded.needs(nb, meta, where.notebook_dir if where else None)
    if conversion is not None:
        carry.add_ran(needs, conversion.ran)
    if where is None:
        return needs, None, ".", "."
    base = where.notebook_dir if flat else carry.base_of(needs)
    return needs, where, base, carry.in_bundle(base, where.notebook_dir)


def reserved_names(stem, notebook_dir):
    """Paths in a bundle no carried file may take."""
    prefix = "" if notebook_dir == "." else notebook_dir + "/"
    return set(FIXED_NAMES) | {
        prefix + stem + ".ipynb",
        prefix + stem + ".py",
        ".env",
        "wheels",
    }


def carried_plan(nb, meta, folder, data_limit=None, supplied=None, conversion=None):
    """``(files, listing, findings)`` of ``carry.carry`` for a notebook in ``folder``."""
    from . import script

    limit = carry.DEFAULT_DATA_LIMIT if data_limit is None else int(data_limit)
    if conversion is None and any(
        "%run" in cell.source or "!" in cell.source for cell in document.code_cells(nb)
    ):
        # Only to find the scripts cells run (%run, !python): most notebooks have none.
        conversion = script.convert(nb, _runs_of(meta))
    stem = "notebook"
    needs, where, base, notebook_dir = layout(nb, meta, folder, stem, conversion)
    reserved = reserved_names(stem, notebook_dir) - {stem + ".ipynb", stem + ".py"}
    return carry.carry(needs, where, reserved, limit, supplied=supplied, base=base)


def build(
    nb,
    name,
    now=None,
    progress=None,
    raw=None,
    folder=None,
    data_limit=None,
    project=None,
    wheel_limit=None,
    build_wheels=True,
    supplied=None,
    flat=False,
    pylock_index=None,
):
    """A Bundle for notebook ``nb`` named ``name``: a ``document.Notebook``
    (read at the door), or an nbformat NotebookNode or dict, which is read
    through the door here. ``raw``, the file's bytes, is copied as the
    bundle's notebook. ``folder``, the notebook's folder, is where its local
    modules and input files are read from (none are carried without it);
    ``data_limit`` bounds the input data carried, in bytes.

    ``project`` is the notebook's project folder (local packages inside it are
    built into wheels when ``build_wheels``); ``wheel_limit`` the most bytes
    one carried wheel may have (None: the default, ``wheels.DEFAULT_LIMIT_MB``).
    ``supplied`` maps input paths something else makes before the notebook runs
    (a workflow's other steps) to what makes them: listed, not carried.
    ``flat`` keeps the notebook at the bundle's top and carries only what lies
    in its folder (a workflow's step, whose rule names files from there).
    ``pylock_index`` is the package index asked for the files and hashes of
    what pip installed from an index, for pylock.toml (None: none is asked)."""
    if not isinstance(nb, document.Notebook):
        nb = document.notebook_from_value(nb, name, raw=raw)
    step = progress or (lambda message: None)
    try:
        with envfiles.reading_once(), collector_paused():
            return _build(
                nb,
                name,
                now,
                step,
                raw or nb.raw,
                folder,
                data_limit,
                project,
                wheel_limit,
                build_wheels,
                supplied,
                flat,
                pylock_index,
            )
    except ValueError as error:
        # What the metadata holds that no bundle file can say (the schema
        # allows it, a rebuild cannot use it); the message names it.
        raise errors.ExportError("cannot export %s: %s" % (name, error)) from error


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off for the block (back on after, if it was on).

    A build of 10^5 packages makes some million dicts, lists and tuples and
    frees them by reference counting (no cycles); meanwhile the collector
    would walk every live object again and again, a third of the build's
    time. Mercurial pauses it around its parsers the same way."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    doc,
    name,
    now,
    step,
    raw,
    folder,
    data_limit,
    project,
    wheel_limit,
    build_wheels,
    supplied,
    flat=False,
    pylock_index=None,
):
    from . import fonts, locks, readme, recipes, sbom, script, wheels

    nb, meta = doc.nb, doc.meta
    try:
        snapshot_id, snapshot = gate.environment_of(nb, meta)
        findings = gate.findings(nb, (meta, doc.problems))
    except errors.NotExportable as error:
        raise errors.ExportError(str(error)) from error
    environment = snapshot["environment"]
    python = envfiles.python_minor(environment)
    if python is None:
        raise errors.ExportError(
            "the recorded environment (snapshot %s) names no Python version, so the bundle "
            "cannot say which Python to rebuild; run the notebook again with nbrepro" % snapshot_id
        )
    stem = safe_stem(name)
    bundle = Bundle(stem)
    bundle.snapshot_id = snapshot_id
    created_at = now or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    step("converting the notebook to a script")
    conversion = script.convert(nb, _runs_of(meta), name=stem)
    bundle.conversion = conversion
    installs = conversion.installs or {}

    step("checking the notebook")
    bundle.findings = findings
    limit = carry.DEFAULT_DATA_LIMIT if data_limit is None else int(data_limit)
    needs, where, base, notebook_dir = layout(nb, meta, folder, stem, conversion, flat)
    if project is None and where is not None:
        project = where.root
    bundle.notebook_dir = notebook_dir
    prefix = "" if notebook_dir == "." else notebook_dir + "/"
    reserved = reserved_names(stem, notebook_dir)
    carried, bundle.inputs, carry_findings = carry.carry(
        needs, where, reserved, limit, supplied=supplied, base=base
    )
    if where is not None:
        bundle.inputs["project"] = {
            "root": projects.kind_of(where),
            "notebook_dir": notebook_dir,
            "base": "the project's root" if base == "." else "a folder of the project",
        }
    if folder is None and (needs.modules or needs.inputs):
        carry_findings = [
            finding(
                "missing-inputs",
                [],
                "the notebook's folder was not given, so its local modules and input files "
                "are not carried",
            )
        ]
    bundle.findings = findings + carry_findings

    step("looking for the fonts the figures were drawn with")
    # The fonts' files sit in the notebook's folder of the bundle, beside the
    # script: its ./matplotlibrc and nbrepro-fonts/ are where it runs.
    taken = {projects.from_notebook_dir(notebook_dir, key) for key in set(carried) | reserved}
    font_plan = fonts.plan(_runs_in_order(doc), folder, environment, taken=taken)
    if prefix:
        font_plan.files = {prefix + key: value for key, value in font_plan.files.items()}
        font_plan.inputs = [prefix + path for path in font_plan.inputs]
    bundle.fonts = font_plan

    step("looking for packages no index has")
    pip_plan = carry_plan(environment, project, wheel_limit, build_wheels, announce=step)
    bundle.findings = bundle.findings + pip_plan.findings
    bundle.packages = pip_plan

    step("writing the environment files")
    conda = environment.get("conda")
    files = {}
    files[prefix + stem + ".ipynb"] = raw if raw is not None else _notebook_bytes(nb)
    lock_names = set()
    files[prefix + stem + ".py"] = conversion.text
    lock = None
    if conda:
        files["environment.yml"] = envfiles.portable_environment_yml(
            environment,
            stem,
            extra_conda=installs.get("conda") or (),
            extra_pip=installs.get("pip") or (),
            conda_channels=installs.get("conda_channels") or (),
            carry=pip_plan,
        )
        lock = "conda-%s.lock" % safe_stem(conda.get("platform") or "unknown")
        files[lock] = envfiles.explicit(environment, "md5")
        lock_names.add(lock)
        # Always written, even with no requirement lines: its comments say
        # what pip installed that cannot be reinstalled elsewhere, and the
        # Dockerfile copies it.
        files["requirements.txt"] = envfiles.requirements_txt(
            environment, extra=installs.get("pip") or (), carry=pip_plan
        )
    else:
        # conda users and Snakemake's `conda:` rebuild a venv's bundle from this one
        files["environment.yml"] = envfiles.bundle_environment_yml(
            environment, stem, extra_pip=installs.get("pip") or (), carry=pip_plan
        )
        files["requirements.txt"] = envfiles.requirements_txt(
            environment, extra=installs.get("pip") or (), carry=pip_plan
        )
        runtime = envfiles.runtime_txt(environment)
        if runtime:
            files["runtime.txt"] = runtime

    step("writing the lock files")
    bundle.locks = locks.Locks()
    if conda:
        locks.conda_locks(environment, created_at, bundle.locks)
    locks.pylock(environment, pip_plan, bundle.locks, index_url=pylock_index)
    files.update(bundle.locks.files)

    plan = {
        "kind": "conda" if conda else "pip",
        "script": prefix + stem + ".py",
        "notebook": prefix + stem + ".ipynb",
        "python": python,
        "platform": (conda or {}).get("platform"),
        "lock": lock,
        "env": dict(getattr(conversion, "env", None) or {}),
        "wheels": pip_plan.needs_folder,
        "carried": [(c["file"], c["sha256"]) for c in pip_plan.carried],
        "needed": [
            (f["key"], "%s %s" % (f["name"], f["version"]), f["supply"], f.get("sha256"))
            for f in pip_plan.flagged
            if f.get("key")
        ],
    }
    plan["gpu"], plan["cuda"] = gpu_of(environment, _runs_of(meta))
    plan["vcs_tools"] = pip_plan.vcs_tools()
    if pip_plan.needs_folder:
        files.update(pip_plan.files)
        files["wheels/README.txt"] = wheels.folder_readme(pip_plan)
    plan["inputs"] = sorted(
        set(key for key in carried if key not in files and key not in lock_names)
        | set(font_plan.inputs)
    )
    plan["expected"] = expected_files(bundle.inputs, notebook_dir)
    plan["fonts"] = font_plan.matplotlib
    plan["matplotlibrc"] = font_plan.rc is not None
    check_sh = recipes.check_packages_sh(plan)
    if check_sh:
        files[recipes.CHECK_SCRIPT] = check_sh
    files["run.sh"] = recipes.run_sh(plan)
    files["Dockerfile"] = recipes.dockerfile(plan)

    step("writing the bill of materials")
    files["sbom.cdx.json"] = sbom.cyclonedx_json(
        environment,
        notebook=prefix + stem + ".ipynb",
        captured_at=snapshot.get("captured_at") or created_at,
        tool_version=__version__,
        carried=pip_plan.carried_by_name(),
    )

    for key, value in files.items():
        bundle.files[key] = value.encode("utf-8") if isinstance(value, str) else value
    for key, value in carried.items():
        if key not in bundle.files and key not in lock_names:
            bundle.files[key] = value
            bundle.carried.append((key, len(value)))
    for key, value in font_plan.files.items():
        bundle.files.setdefault(key, value)

    step("writing the README and the manifest")
    # The README lists what the bundle really holds: every file written above
    # (carried modules, data and wheels included), itself and the manifest.
    bundle.files["README.md"] = readme.render(
        stem=stem,
        plan=plan,
        snapshot=snapshot,
        snapshot_id=snapshot_id,
        meta=meta,
        findings=bundle.findings,
        packages=pip_plan,
        locks=bundle.locks,
        conversion=conversion,
        files=sorted(set(bundle.files) | {"README.md", "manifest.json"}),
        inputs=bundle.inputs,
        fonts=font_plan,
        data_limit=limit,
        created_at=created_at,
        tool_version=__version__,
        cells=doc.code_cells,
    ).encode("utf-8")
    bundle.manifest = manifest(bundle, plan, snapshot_id, created_at)
    bundle.files["manifest.json"] = _json(bundle.manifest).encode("utf-8")
    return bundle


def input_findings(nb, folder, data_limit=None, meta=None):
    """The ``missing-inputs`` and ``large-inputs`` findings alone (the export dialog's check)."""
    if meta is None:
        meta, _problems = gate.metadata_of(nb)
    return carried_plan(nb, meta, folder, data_limit)[2]


def expected_files(inputs, notebook_dir):
    """``[(path from the notebook's folder in the bundle, sha256 or "", why)]``: what
    the notebook needs that the bundle does not hold, for run.sh to look for
    before anything runs (data over the limit, files outside the project, what
    was left out)."""
    out = []
    for item in inputs.get("data") or ():
        if not item.get("carried") and not item.get("supplied_by"):
            path = projects.from_notebook_dir(notebook_dir, item["path"])
            out.append((path, item.get("sha256") or "", "not carried: over the data limit"))
    for item in inputs.get("outside") or ():
        if item.get("module") is None and item.get("path"):
            out.append((item["path"], item.get("sha256") or "", "outside the project"))
        elif item.get("path"):
            why = "module %s, outside the project" % item["module"]
            out.append((item["path"], item.get("sha256") or "", why))
    for item in inputs.get("left_out") or ():
        out.append((item["path"], "", "left out: %s" % item["why"]))
    seen, unique = set(), []
    for row in out:
        if row[0] not in seen and "\0" not in row[0]:
            seen.add(row[0])
            unique.append(row)
    return unique


def manifest(bundle, plan, snapshot_id, created_at):
    """What verify and a reviewer check first: the sha256 of every other file."""
    out = {
        "nbrepro_bundle": BUNDLE_VERSION,
        "created_by": "nbrepro %s" % __version__,
        "created_at": created_at,
        "notebook": plan["notebook"],
        "script": plan["script"],
        "environment": {
            "snapshot": snapshot_id,
            "kind": plan["kind"],
            "python": plan["python"],
            "platform": plan["platform"],
            "lock": plan["lock"],
            "lock_files": {
                "written": sorted(bundle.locks.files),
                "missing": [dict(item) for item in bundle.locks.missing],
            },
        },
        "findings": bundle.findings,
        "inputs": bundle.inputs,
        "packages": {
            "carried": [dict(item) for item in bundle.packages.carried],
            "flagged": [dict(item) for item in bundle.packages.flagged],
            "sources": [dict(item) for item in bundle.packages.sources],
            "extra_index_urls": list(bundle.packages.extra_index_urls),
        },
        "conversion": [dict(item) for item in (bundle.conversion.report or ())],
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in bundle.files.items()
        },
    }
    if bundle.fonts is not None and bundle.fonts.fonts:
        out["fonts"] = [_font_entry(entry) for entry in bundle.fonts.fonts]
    return out


def _font_entry(entry):
    font = entry["font"]
    out = {k: font[k] for k in ("name", "style", "version", "file", "where", "sha256") if k in font}
    out["status"] = entry["status"]
    for key in ("licence", "why"):
        if entry.get(key):
            out[key] = entry[key]
    if entry.get("file") and entry["status"] != "not carried":
        out["carried_as"] = entry["file"]
    return out


def _json(value):
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json_one_per_line(value):
    """JSON indented at the top, each item of a top-level list on one line:
    a bill of materials lists one component a line (a diff shows a package a
    line), and json's C encoder writes each line (with ``indent`` it falls
    back to Python, 10 s for 10^5 packages)."""
    # One C encoder for every item: json.dumps (and JSONEncoder.encode) would
    # build a new one per item, half the time for 10^5 packages.
    encoder = json.encoder.c_make_encoder
    if encoder is None:
        dump = _ENCODER.encode
    else:
        chunks = encoder(
            {},
            _ENCODER.default,
            json.encoder.encode_basestring,
            None,
            ": ",
            ", ",
            False,
            False,
            True,
        )

        def dump(item):
            return "".join(chunks(item, 0))

    lines = ["{"]
    items = list(value.items())
    for index, (key, item) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(item, list) and item:
            lines.append("  %s: [" % dump(key))
            lines.extend(
                "    %s%s" % (dump(x), "," if i < len(item) - 1 else "") for i, x in enumerate(item)
            )
            lines.append("  ]" + comma)
        else:
            lines.append("  %s: %s%s" % (dump(key), dump(item), comma))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _notebook_bytes(nb):
    """nbformat's own layout: indent 1, sorted keys, UTF-8."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


# ------------------------------------------------------------ writing


def _is_bundle(path):
    return (Path(path) / "manifest.json").is_file()


_WRITING = {}  # output path -> the lock of the exports writing it in this process
_WRITING_LOCK = threading.Lock()


def write(bundle, output, force=False):
    """Write ``bundle`` to folder ``output``, or to a zip when it ends in .zip.

    Nothing is half-written: files go to a temporary sibling first, then one
    rename. An existing folder is replaced only with ``force`` and only when it
    is a bundle (holds manifest.json); an existing zip only with ``force``, and
    without it a zip that appears meanwhile is never replaced (the new one is
    linked in, which fails when the name is taken). Exports of one output in
    this process (the server's threads) write one after the other.
    """
    output = Path(output)
    with _WRITING_LOCK:
        lock = _WRITING.setdefault(str(output.parent.resolve() / output.name), threading.Lock())
    with lock:
        if output.suffix.lower() == ".zip":
            _write_zip(bundle, output, force)
        else:
            _write_folder(bundle, output, force)
    return output


def _check_target(output, force):
    if not output.parent.is_dir():
        raise errors.ExportError(
            "cannot write %s: folder %s does not exist" % (output, output.parent)
        )
    if output.exists() or output.is_symlink():
        if not force:
            raise errors.ExportError("%s exists; pass --force to replace it" % output)
        if output.is_dir() and not output.is_symlink() and not _is_bundle(output):
            raise errors.ExportError(
                "%s exists and is not an nbrepro bundle (no manifest.json); not replacing it"
                % output
            )


def _write_folder(bundle, output, force):
    _check_target(output, force)
    atomic.remove_stale(output)
    try:
        staging = atomic.temporary_folder(output)
    except OSError as error:  # a folder nbrepro may not write in
        raise errors.ExportError("cannot write %s: %s" % (output, error)) from error
    old = None
    try:
        for name, data in bundle.files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(str(target), 0o755 if name in bundle.executable else 0o644)
        # mkdtemp makes a private folder; a bundle is made to be handed on,
        # so it gets the mode `mkdir` gives under the usual umask.
        os.chmod(str(staging), 0o755)  # noqa: S103
        if output.exists() or output.is_symlink():
            old = atomic.temporary_folder(output, "old.")
            os.replace(str(output), str(old / "bundle"))
        os.replace(str(staging), str(output))
    except OSError as error:
        shutil.rmtree(str(staging), ignore_errors=True)
        raise errors.ExportError("cannot write %s: %s" % (output, error)) from error
    finally:
        # The old bundle, moved aside: gone whatever happened (another process
        # may have written the output meanwhile), never a hidden copy left behind.
        if old is not None:
            shutil.rmtree(str(old), ignore_errors=True)


def _write_zip(bundle, output, force):
    _check_target(output, force)
    atomic.remove_stale(output)
    try:
        handle = atomic.temporary_file(output)
    except OSError as error:
        raise errors.ExportError("cannot write %s: %s" % (output, error)) from error
    try:
        with handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in bundle.files.items():
                info = zipfile.ZipInfo("%s/%s" % (bundle.stem, name), date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                mode = 0o755 if name in bundle.executable else 0o644
                info.external_attr = (0o100000 | mode) << 16
                archive.writestr(info, data)
        os.chmod(handle.name, 0o644)
        if force:
            os.replace(handle.name, str(output))
        else:
            _link_new(handle.name, output)
    except OSError as error:
        raise errors.ExportError("cannot write %s: %s" % (output, error)) from error
    finally:
        try:
            os.unlink(handle.name)  # gone already, unless the write failed or was linked
        except OSError:
            pass


def _link_new(temporary, output):
    """Put ``temporary`` at ``output`` only if nothing is there: a hard link fails
    when the name is taken (no check-then-rename race)."""
    try:
        os.link(temporary, str(output))
    except FileExistsError:
        raise errors.ExportError("%s exists; pass --force to replace it" % output) from None
    except OSError:  # no hard links here: exclusive creation, then the rename
        try:
            with open(str(output), "xb"):
                pass
        except FileExistsError:
            raise errors.ExportError("%s exists; pass --force to replace it" % output) from None
        os.replace(temporary, str(output))


def default_output(path, as_zip=False):
    """Beside the notebook: ``<stem>-bundle`` or ``<stem>-bundle.zip``."""
    path = Path(path)
    name = safe_stem(path.name) + "-bundle" + (".zip" if as_zip else "")
    return path.resolve().parent / name


def read_source(path):
    """The ``document.Notebook`` at ``path``; errors.ExportError if it cannot be read."""
    try:
        return document.read_notebook(path)
    except errors.Unreadable as error:
        raise errors.ExportError(str(error)) from None


def read(path):
    """The notebook at ``path`` read at the door; errors.ExportError if it cannot be read."""
    return read_source(path)


def export(
    path,
    output=None,
    strict=False,
    force=False,
    progress=None,
    now=None,
    data_limit=None,
    wheel_limit=None,
    build_wheels=True,
    pylock_index=None,
    doc=None,
):
    """Read, check, build and write; returns ``(bundle, output path)``. ``doc``:
    the notebook already read at the door (the server reads it between saves)."""
    doc = doc if doc is not None else read_source(path)
    bundle = build(
        doc,
        Path(path).name,
        now=now,
        progress=progress,
        folder=Path(path).resolve().parent,
        data_limit=data_limit,
        project=None,
        wheel_limit=wheel_limit,
        build_wheels=build_wheels,
        pylock_index=pylock_index,
    )
    if strict and bundle.findings:
        raise errors.GateFailed(bundle.findings)
    target = Path(output) if output else default_output(path)
    if progress:
        # What is about to be shared, before it is written.
        for name, size in bundle.carried:
            progress("carries %s (%s)" % (name, projects.human(size)))
        progress("writing %s" % target)
    return bundle, write(bundle, target, force=force)


__all__ = [
    "Bundle",
    "build",
    "default_output",
    "export",
    "read",
    "read_source",
    "safe_stem",
    "write",
]
