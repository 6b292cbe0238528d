"""A Snakemake workflow that verifies many bundles: ``nbrepro verify B... --workflow
snakemake -o DIR``.

One rule per bundle runs ``nbrepro verify BUNDLE --report report --part SLUG``
(the same step ``nbrepro verify B... --report`` takes for each bundle), and a
last rule gathers the parts into ``report/results.json`` and
``report/index.html``; so ``snakemake --cores N`` on a laptop and
``snakemake --executor slurm`` on a cluster give the report the direct command
gives. A conda bundle's rule has ``conda:`` with the bundle's environment.yml
(``envs/<slug>.yml``), its lock as the pin file Snakemake installs
(``envs/<slug>.<platform>.pin.txt``) and a post-deploy script for its pip
packages, and runs the kernel with that environment's Python; a venv bundle's
rule builds its environment in nbrepro's cache (shared by the rules of bundles
with one lock: they wait for each other's build). ``resources:`` come from the
recording: ``runtime`` from the cells' recorded execution times (nbclient and
JupyterLab keep them), with room for the build; no memory is recorded, so
``mem_mb`` is left for you to set.

Every value written into the Snakefile is a JSON string literal (a Python
string literal Snakemake reads as data), never text spliced into code.
"""

import json
import math
import shlex
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from .. import __version__, errors
from ..record import atomic
from ..verify import batch
from ..verify import bundle as bundles

MARKER = "# Written by nbrepro: verifies bundles."
REPORT = "report"
BUILD_MINUTES = 30
MIN_MINUTES = 10


def options_of(args):
    """The verify options a rule passes on, as argv words."""
    words = []
    for name in ("timeout", "rtol", "atol", "image_tolerance", "image_hash_distance"):
        value = getattr(args, name, None)
        if value is not None:
            words += ["--" + name.replace("_", "-"), repr(value)]
    if getattr(args, "attest", False):
        words.append("--attest")
    if getattr(args, "key", None):
        words += ["--key", str(Path(args.key).resolve())]
    if getattr(args, "build_timeout", None):
        words += ["--build-timeout", repr(args.build_timeout)]
    return words


def recorded_seconds(nb):
    """The wall time of the recorded run: the cells' execute_input to execute_reply."""
    total = 0.0
    for cell in nb.get("cells") or []:
        timing = (cell.get("metadata") or {}).get("execution") or {}
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if not (isinstance(start, str) and isinstance(end, str)):
            continue
        try:
            began = datetime.fromisoformat(start.replace("Z", "+00:00"))
            ended = datetime.fromisoformat(end.replace("Z", "+00:00"))
        except ValueError:
            continue
        total += max(0.0, (ended - began).total_seconds())
    return total


class Planned(object):
    def __init__(self, source, slug, manifest, seconds, env_files):
        self.source = source
        self.slug = slug
        self.manifest = manifest
        self.seconds = seconds
        self.env_files = env_files  # {"yml": bytes, "pin": (name, bytes) | None, "deploy": ...}


def _plan(source, slug):
    from ..record import document

    with tempfile.TemporaryDirectory(prefix="nbrepro-workflow-") as scratch:
        try:
            opened = bundles.open_bundle(source, scratch)
        except errors.BundleError:
            # Its rule reports it as unusable; the other bundles go on.
            return Planned(source, slug, None, 0.0, None)
        try:
            seconds = recorded_seconds(document.read_notebook(opened.notebook).nb)
        except errors.NbreproError:
            seconds = 0.0
        environment = opened.manifest.raw.get("environment") or {}
        env_files = None
        if environment.get("kind") == "conda":
            env_files = _conda_files(opened, environment, slug)
        return Planned(source, slug, opened.manifest, seconds, env_files)


def _conda_files(opened, environment, slug):
    folder = opened.folder
    yml = folder / "environment.yml"
    if not yml.is_file():
        raise errors.WorkflowError("%s: a conda bundle without environment.yml" % opened.folder)
    files = {"yml": yml.read_bytes(), "pin": None, "requirements": None}
    lock, platform = environment.get("lock"), environment.get("platform")
    if isinstance(lock, str) and isinstance(platform, str) and (folder / lock).is_file():
        safe = batch._SLUG_UNSAFE.sub("-", platform)
        files["pin"] = ("%s.%s.pin.txt" % (slug, safe), (folder / lock).read_bytes())
        if (folder / "requirements.txt").is_file():
            files["requirements"] = (folder / "requirements.txt").read_bytes()
    return files


def _deploy(requirements):
    """The post-deploy script: the pin file installs the conda packages only."""
    return (
        "#!/usr/bin/env bash\n"
        "# Written by nbrepro %s: Snakemake installs the pin file's conda packages\n"
        "# only; this installs the bundle's pip packages (a copy of its requirements.txt).\n"
        "set -euo pipefail\n"
        "python -m pip install --no-input --disable-pip-version-check -r %s\n"
        % (__version__, shlex.quote(str(requirements)))
    ).encode("utf-8")


def _runtime(seconds):
    return max(MIN_MINUTES, BUILD_MINUTES + int(math.ceil(3 * seconds / 60.0)))


def snakefile(planned, nbrepro, options):
    q = json.dumps
    lines = [
        MARKER,
        "# nbrepro %s. Laptop: snakemake --cores N; cluster: snakemake --executor slurm"
        % __version__,
        "# --jobs N (set mem_mb below first). conda bundles need --sdm conda.",
        "# The report: report/index.html and report/results.json (the same as",
        "# nbrepro verify BUNDLE... --report report).",
        "",
        "# How to call nbrepro where the jobs run: snakemake --config nbrepro='...'",
        'NBREPRO = config.get("nbrepro", %s)' % q(nbrepro),
        "",
        "rule all:",
        "    input:",
        "        %s," % q(REPORT + "/results.json"),
        "        %s," % q(REPORT + "/index.html"),
        "",
    ]
    for item in planned:
        rule = "verify_" + batch._SLUG_UNSAFE.sub("_", item.slug).replace("-", "_").replace(
            ".", "_"
        )
        conda = item.env_files is not None
        argv = ["--report", REPORT, "--part", item.slug] + list(options)
        # Snakemake formats the shell text: braces of a value are doubled.
        words = " ".join(shlex.quote(w).replace("{", "{{").replace("}", "}}") for w in argv)
        if conda:
            words += ' --python "$CONDA_PREFIX/bin/python"'
        lines += [
            "rule %s:" % rule,
            "    output:",
            "        %s," % q("%s/bundles/%s/result.json" % (REPORT, item.slug)),
            "    log:",
            "        %s," % q("logs/%s.log" % item.slug),
            "    params:",
            "        bundle=%s," % q(str(Path(item.source).resolve())),
            "        nbrepro=NBREPRO,",
            "    threads: 1",
            "    resources:",
            "        # minutes: the recording ran %.1f s; three times that, and %d for the build"
            % (item.seconds, BUILD_MINUTES),
            "        runtime=%d," % _runtime(item.seconds),
            "        # mem_mb: the recording measured no memory; set it for your cluster",
        ]
        if conda:
            lines += ["    conda:", "        %s" % q("envs/%s.yml" % item.slug)]
        lines += [
            "    shell:",
            "        %s" % q("{params.nbrepro} verify {params.bundle:q} %s > {log:q} 2>&1" % words),
            "",
        ]
    slugs = " ".join(shlex.quote(item.slug) for item in planned)
    lines += [
        "rule report:",
        "    input:",
    ]
    lines += ["        %s," % q("%s/bundles/%s/result.json" % (REPORT, i.slug)) for i in planned]
    lines += [
        "    output:",
        "        %s," % q(REPORT + "/results.json"),
        "        %s," % q(REPORT + "/index.html"),
        "    log:",
        "        %s," % q("logs/report.log"),
        "    params:",
        "        nbrepro=NBREPRO,",
        "    shell:",
        "        %s"
        % q("{params.nbrepro} verify --gather --report %s %s > {log:q} 2>&1" % (REPORT, slugs)),
        "",
    ]
    return "\n".join(lines)


def write(sources, output, options=()):
    output = Path(output)
    snake = output / "Snakefile"
    if snake.exists():
        try:
            ours = snake.read_text(encoding="utf-8").startswith(MARKER)
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            raise errors.WorkflowError("%s exists and was not written by nbrepro" % snake)
    names = batch.slugs(sources)
    planned = []
    for source, slug in zip(sources, names):
        planned.append(_plan(source, slug))
    nbrepro = "%s -m nbrepro" % shlex.quote(sys.executable)
    text = snakefile(planned, nbrepro, options)
    try:
        (output / "envs").mkdir(parents=True, exist_ok=True)
        (output / "logs").mkdir(exist_ok=True)
        for item in planned:
            if item.env_files is None:
                continue
            atomic.write_bytes(output / "envs" / ("%s.yml" % item.slug), item.env_files["yml"])
            if item.env_files["pin"]:
                name, data = item.env_files["pin"]
                atomic.write_bytes(output / "envs" / name, data)
            if item.env_files.get("requirements") and item.env_files["pin"]:
                copy = output / "envs" / ("%s.requirements.txt" % item.slug)
                atomic.write_bytes(copy, item.env_files["requirements"])
                atomic.write_bytes(
                    output / "envs" / ("%s.post-deploy.sh" % item.slug),
                    _deploy(copy.resolve()),
                    mode=0o755,
                )
        atomic.write_bytes(snake, text.encode("utf-8"))
    except OSError as error:
        raise errors.WorkflowError("cannot write %s: %s" % (output, error)) from None
    return snake
