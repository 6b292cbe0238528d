"""Many bundles, one command: ``nbrepro verify A B C --report DIR [--jobs N]``.

Each bundle goes its own way, and one that cannot be used never stops the
others: opened (folder or zip), checked by ``preflight`` (no index asked: pip
says that itself), its environment taken from the cache or built into it
(``envcache``: a lock built once serves every bundle and ``run.sh`` with the
same lock), then verified by ``nbrepro verify BUNDLE --json --python ENV`` in a
child process, up to N at a time. Each bundle's result is a part, written into
``DIR/bundles/<slug>/`` with its page; ``gather`` writes ``DIR/results.json``
(``schema/results.schema.json``) and ``DIR/index.html`` from the parts. The
Snakemake workflow (``integrations/verify_workflow.py``) runs the same two steps
as its rules, so both give the same results.json.

A part (``result.json``) is one element of results.json's ``bundles``.
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import __version__, errors
from ..record import atomic
from . import bundle as bundles
from . import envcache

RESULTS_VERSION = 1
PART = "result.json"
VERDICTS = ("verified", "different", "unusable", "cannot rebuild")
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slugs(sources):
    """A folder name per bundle, in order, unique and safe: ``01-analysis-bundle``."""
    width = max(2, len(str(len(sources))))
    found = []
    for number, source in enumerate(sources, 1):
        name = Path(str(source).rstrip("/\\")).name or "bundle"
        if name.lower().endswith(".zip"):
            name = name[:-4]
        name = _SLUG_UNSAFE.sub("-", name).strip("-.")[:48] or "bundle"
        found.append("%0*d-%s" % (width, number, name))
    return found


def shown_path(path):
    """An absolute path with the home folder as ``~`` (results.json names no user)."""
    text = os.path.abspath(str(path))
    home = os.path.expanduser("~")
    if home and home != "/" and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


class Options(object):
    """What applies to every bundle of a run."""

    def __init__(self, **values):
        self.timeout = values.get("timeout")
        self.rtol = values.get("rtol")
        self.atol = values.get("atol")
        self.image_tolerance = values.get("image_tolerance")
        self.image_hash_distance = values.get("image_hash_distance")
        self.python = values.get("python")  # one interpreter for all: nothing is built
        self.cache = values.get("cache")  # the cache root (None: envcache.cache_root())
        self.attest = bool(values.get("attest"))
        self.key = values.get("key")  # an ed25519 private key: the record is signed
        self.build_timeout = values.get("build_timeout")
        self.log = values.get("log") or (lambda text: None)

    def verify_argv(self):
        argv = []
        for name in ("timeout", "rtol", "atol", "image_tolerance", "image_hash_distance"):
            value = getattr(self, name)
            if value is not None:
                argv += ["--" + name.replace("_", "-"), repr(value)]
        return argv


def verify_one(source, slug, report_dir, options):
    """Verify one bundle; write and return its part. Never raises for a bad bundle."""
    started = time.perf_counter()
    part_dir = Path(report_dir) / "bundles" / slug
    part_dir.mkdir(parents=True, exist_ok=True)
    part = {
        "name": Path(str(source).rstrip("/\\")).name,
        "slug": slug,
        "source": shown_path(source),
        "notebook": None,
        "verdict": "unusable",
        "exit_status": errors.UNUSABLE,
        "message": None,
        "preflight": None,
        "environment": None,
        "seconds": {"build": None, "run": None, "total": None},
        "summary": None,
        "cells": [],
        "causes": [],
        "warnings": [],
        "machine": None,
        "tolerance": None,
        "page": "bundles/%s/index.html" % slug,
        "rerun": None,
        "attestation": None,
    }
    say = options.log
    with tempfile.TemporaryDirectory(prefix="nbrepro-batch-") as scratch:
        opened = None
        try:
            opened = bundles.open_bundle(source, scratch)
            part["notebook"] = opened.manifest.notebook
            part["warnings"] = list(opened.warnings)
            _verify_opened(opened, part, part_dir, options, say)
        except errors.NbreproError as error:
            part["message"] = str(error)
            say("%s: %s" % (slug, error))
        except OSError as error:
            part["message"] = "cannot read the bundle: %s" % error
            say("%s: %s" % (slug, part["message"]))
        part["seconds"]["total"] = round(time.perf_counter() - started, 3)
        from . import report

        report.write_bundle_page(part, part_dir, opened)
        if options.attest and opened is not None:
            from . import attest

            try:
                attest.write_record(part, opened, part_dir, options.key)
            except errors.NbreproError as error:
                part["warnings"].append("no verification record: %s" % error)
    atomic.write_bytes(
        part_dir / PART,
        (json.dumps(part, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"),
    )
    return part


def _verify_opened(opened, part, part_dir, options, say):
    from . import preflight

    python = options.python
    if python is None:
        checked = preflight.preflight(opened, packages=False, cache_root=options.cache)
        part["preflight"] = {"verdict": checked["verdict"], "checks": checked["checks"]}
        if checked["verdict"] == "no":
            part["verdict"] = "cannot rebuild"
            part["exit_status"] = errors.NOT_HERE
            part["message"] = "cannot be rebuilt here: " + "; ".join(
                c["reason"] for c in checked["checks"] if c["verdict"] == "no"
            )
            return
        plan = envcache.plan_for(opened.folder, opened.manifest.raw)
        with envcache.obtain(
            plan,
            root=options.cache,
            log=lambda text: say("%s: %s" % (part["slug"], text)),
            build_timeout=options.build_timeout,
        ) as env:
            part["environment"] = {
                "key": env.key,
                "method": plan.method,
                "python": plan.python,
                "platform": plan.platform,
                "reused": not env.built,
            }
            part["seconds"]["build"] = round(env.seconds, 3)
            if env.built:
                say("%s: built the environment %s in %.1f s" % (part["slug"], env.key, env.seconds))
            else:
                say("%s: reusing the environment %s" % (part["slug"], env.key))
            _run_verify(opened, env.python, part, part_dir, options)
    else:
        part["environment"] = {
            "key": None,
            "method": None,
            "python": None,
            "platform": None,
            "reused": True,
        }
        _run_verify(opened, python, part, part_dir, options)


def _run_verify(opened, python, part, part_dir, options):
    rerun = part_dir / "rerun.ipynb"
    argv = [sys.executable, "-m", "nbrepro", "verify", str(opened.folder), "--json"]
    argv += ["--python", str(python), "--save-rerun", str(rerun)] + options.verify_argv()
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    part["seconds"]["run"] = round(time.perf_counter() - started, 3)
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError:
        report = None
    if done.returncode not in (0, 1) or report is None:
        said = [line for line in done.stderr.splitlines() if line.strip()]
        part["message"] = said[-1] if said else "nbrepro verify exited %d" % done.returncode
        part["exit_status"] = errors.UNUSABLE
        return
    part["exit_status"] = report["exit_status"]
    part["verdict"] = "verified" if report["exit_status"] == 0 else "different"
    part["summary"] = report["summary"]
    part["cells"] = report["cells"]
    part["warnings"] = _unique(part["warnings"] + report.get("warnings", []))
    part["message"] = report.get("failure")
    part["causes"] = _unique(cause for cell in report["cells"] for cause in cell["causes"])
    part["tolerance"] = report.get("tolerance")
    if rerun.is_file():
        part["rerun"] = "bundles/%s/rerun.ipynb" % part["slug"]
        part["machine"] = machine_facts(rerun)


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def machine_facts(rerun):
    """The verifying machine as the re-run recorded it: platform, Python, GPU; no
    host or user names, no paths, no GPU serial numbers."""
    from ..record import document

    try:
        doc = document.read_notebook(rerun)
    except errors.NbreproError:
        return None
    meta = doc.meta or {}
    snapshot = (meta.get("snapshots") or {}).get(meta.get("current")) or {}
    environment = snapshot.get("environment") or {}
    platform = dict(environment.get("platform") or {})
    platform.pop("hostname", None)
    python = environment.get("python") or {}
    gpu = environment.get("gpu") or {}
    devices = [
        {k: d.get(k) for k in ("name", "compute_capability", "memory_total_mib") if k in d}
        for d in gpu.get("devices") or []
        if isinstance(d, dict)
    ]
    return {
        "platform": platform,
        "python": {k: python.get(k) for k in ("implementation", "version") if k in python},
        "gpu": {
            "driver_version": gpu.get("driver_version"),
            "cuda_driver_version": gpu.get("cuda_driver_version"),
            "devices": devices,
        },
    }


def read_part(report_dir, slug):
    path = Path(report_dir) / "bundles" / slug / PART
    try:
        with open(str(path), encoding="utf-8") as handle:
            part = json.load(handle)
    except (OSError, ValueError) as error:
        raise errors.BundleError("cannot read %s: %s" % (path, error)) from None
    if not isinstance(part, dict) or part.get("slug") != slug:
        raise errors.BundleError("%s is not the result of bundle %s" % (path, slug))
    return part


def gather(report_dir, slug_list):
    """results.json and index.html from the parts of ``slug_list``; the results."""
    from . import report

    parts = [read_part(report_dir, slug) for slug in slug_list]
    results = results_of(parts)
    atomic.write_bytes(
        Path(report_dir) / "results.json",
        (json.dumps(results, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"),
    )
    report.write_index(results, Path(report_dir))
    return results


def results_of(parts):
    counts = dict.fromkeys(VERDICTS, 0)
    for part in parts:
        counts[part["verdict"]] += 1
    if counts["unusable"] or counts["cannot rebuild"]:
        status = errors.UNUSABLE
    elif counts["different"]:
        status = errors.FOUND
    else:
        status = errors.OK
    return {
        "nbrepro_results": RESULTS_VERSION,
        "created_by": "nbrepro %s" % __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "exit_status": status,
        "summary": dict(counts, bundles=len(parts)),
        "bundles": parts,
    }


def verify_many(sources, report_dir, options, jobs=1):
    """Verify every bundle of ``sources``, ``jobs`` at a time, and gather the report."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    names = slugs(sources)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(verify_one, source, slug, report_dir, options)
            for source, slug in zip(sources, names)
        ]
        for future in futures:
            future.result()
    return gather(report_dir, names)
