"""The capture run: environment probes (cached behind a stat fingerprint) and
runtime probes (every run), each one small and safe on its own.

The environment probes return a verbose record; the result's `environment`
is its compact stored form (`compact.py`), which `environment_id` hashes. The
`full` option adds the verbose record as `environment_full`, for the CLI: it
is neither hashed nor stored in notebooks.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import hashlib
import json
import time

from . import (
    compact,
    conda,
    determinism,
    fingerprint,
    fonts,
    frameworks,
    gpu,
    inputs,
    modules,
    pip,
    platform_info,
    seeds,
)
from .context import Context

ENGINE_VERSION = "2"
SCHEMA_VERSION = 1


def _gpu_probe(ctx):
    if ctx.option("gpu", True) is False:
        return None
    return gpu.probe(ctx)


# Order matters: pip uses what the conda probe found (site-packages, owned anchors).
ENVIRONMENT_PROBES = (
    ("python", platform_info.python_probe),
    ("platform", platform_info.platform_probe),
    ("conda", conda.probe),
    ("pip", pip.probe),
    ("gpu", _gpu_probe),
)
RUNTIME_PROBES = (
    ("seeds", seeds.probe),
    ("determinism", determinism.probe),
    ("modules", modules.probe),
    ("needed", modules.needed_probe),
    ("stale", modules.stale_probe),
    ("frameworks", frameworks.probe),
    ("fonts", fonts.probe),  # before inputs, which takes the cell's recorder
    ("inputs", inputs.probe),
)
# An environment without any of these sections was not captured at all.
ENVIRONMENT_CORE = ("python", "platform", "conda", "pip")


def run_probes(ctx, probes, timings):
    """Run each probe; a failure costs its section and leaves a problem entry."""
    sections = {}
    for name, function in probes:
        started = time.perf_counter()
        try:
            value = function(ctx)
        except Exception as error:  # a probe must never take the capture down
            ctx.problem(name, "probe failed: %s: %s" % (type(error).__name__, error))
            value = None
        timings[name] = round((time.perf_counter() - started) * 1000.0, 3)
        if value is not None or name == "conda":
            sections[name] = value
    return sections


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def environment_id(environment):
    """First 16 hex of the sha256 of the environment's canonical JSON."""
    return hashlib.sha256(canonical_json(environment).encode("utf-8")).hexdigest()[:16]


def capture(options=None, cache=None, user_ns=None, cell_source=None):
    """One capture run. Returns a plain dict valid against schema/snapshot.schema.json.

    Options (plain JSON): `prefix` (read another environment), `gpu` (false:
    no hardware probe), `gpu_timeout`, `config_channels` (instead of .condarc),
    `include_environment` (return the cached environment on a fingerprint
    hit), `full` (add `environment_full`); privacy, all off by default:
    `record_env_values`, `record_hostname`, `record_paths`.
    """
    started = time.perf_counter()
    if cache is None:
        cache = {}
    ctx = Context(options, cache, user_ns, cell_source)
    timings = {}
    result = {"schema_version": SCHEMA_VERSION}

    try:
        current = fingerprint.compute(ctx)
    except Exception as error:
        ctx.problem("fingerprint", "cannot compute: %s" % (error,))
        current = None
    hit = current is not None and current == cache.get("fingerprint") and "environment_id" in cache
    timings["fingerprint"] = round((time.perf_counter() - started) * 1000.0, 3)

    full = bool(ctx.option("full", False))
    if hit:
        result["environment_id"] = cache["environment_id"]
        result["unchanged"] = True
        if ctx.option("include_environment", False) and cache["environment_id"] is not None:
            result["environment"] = cache["environment"]
            ctx.problems.extend(cache.get("environment_problems", ()))
        if full and "environment_full" in cache:
            result["environment_full"] = cache["environment_full"]
    else:
        verbose = run_probes(ctx, ENVIRONMENT_PROBES, timings)
        started_compact = time.perf_counter()
        try:
            environment = compact.environment(verbose)
        except Exception as error:  # never lose the capture to the compaction
            ctx.problem("compact", "cannot compact: %s: %s" % (type(error).__name__, error))
            environment = {}
        timings["compact"] = round((time.perf_counter() - started_compact) * 1000.0, 3)
        captured = any(environment.get(name) is not None for name in ENVIRONMENT_CORE)
        # No environment, no id: a placeholder id would look like a real snapshot.
        env_id = environment_id(environment) if captured else None
        result["environment_id"] = env_id
        result["unchanged"] = False
        if captured:
            result["environment"] = environment
        cache["environment"] = environment
        cache["environment_id"] = env_id
        cache["environment_problems"] = list(ctx.problems)
        cache["fingerprint"] = current
        cache.pop("environment_full", None)
        if full:
            result["environment_full"] = cache["environment_full"] = verbose

    result["runtime"] = run_probes(ctx, RUNTIME_PROBES, timings)
    duration = (time.perf_counter() - started) * 1000.0
    result["capture"] = {
        "engine_version": ENGINE_VERSION,
        "duration_ms": round(duration, 3),
        "fingerprint": "hit" if hit else "miss",
        "probe_ms": timings,
        "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    result["problems"] = list(ctx.problems)
    return result
