"""Probe: determinism switches in effect after the cell ran.

Kernel-side: standard library only, Python 3.8 grammar.

Every value is a cheap getter on a module the user already imported; none of
them initialises CUDA (capture-facts §3.4, §4.2). The environment variables
below are recorded by value: they are settings that change results, not
secrets.
"""

import os
import sys

ENV_VARS = (
    "CUBLAS_WORKSPACE_CONFIG",
    "CUDA_LAUNCH_BLOCKING",
    "PYTHONHASHSEED",
    "TF_DETERMINISTIC_OPS",
    "TF_CUDNN_DETERMINISTIC",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
START_KEY = "determinism.start"


def probe(ctx):
    """Return the ``determinism`` section of the run record."""
    out = {"env": dict((name, os.environ.get(name)) for name in ENV_VARS)}
    try:
        out["python"] = python_hash_facts(ctx.cache)
    except Exception as exc:
        ctx.problem("determinism", "reading hash randomisation failed: %r" % (exc,))
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            out["torch"] = torch_flags(torch)
        except Exception as exc:
            ctx.problem("determinism", "reading torch flags failed: %r" % (exc,))
    if sys.modules.get("tensorflow") is not None:
        try:
            out["tensorflow"] = tensorflow_flags()
        except Exception as exc:
            ctx.problem("determinism", "reading TensorFlow flags failed: %r" % (exc,))
    return out


def python_hash_facts(cache):
    """Whether str hashes are randomised in this process, and PYTHONHASHSEED at start.

    Setting ``os.environ["PYTHONHASHSEED"]`` in a running kernel changes
    nothing; the value the interpreter started with is in /proc/self/environ.
    """
    start = cache.get(START_KEY)
    if start is None:
        start = {"PYTHONHASHSEED": process_start_env("PYTHONHASHSEED")}
        cache[START_KEY] = start
    return {
        "hash_randomization": bool(sys.flags.hash_randomization),
        "PYTHONHASHSEED_at_start": start["PYTHONHASHSEED"],
    }


def process_start_env(name, path="/proc/self/environ"):
    """A variable's value when the process started (Linux); None when unset or unknown."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    prefix = name.encode() + b"="
    for entry in data.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode("utf-8", "replace")
    return None


def _get(fn, default=None):
    try:
        return fn()
    except Exception:
        return default


def torch_flags(torch):
    """Flags that decide whether torch kernels are deterministic; plain getters only.

    Newer releases warn when the TF32 flags are read through the old names; the
    capture runs inside `entry.quiet_warnings()`, which keeps this thread's
    warnings from the user's cell without silencing the kernel's other threads
    (`warnings.catch_warnings` would, process-wide).
    """
    out = {}
    cudnn = sys.modules.get("torch.backends.cudnn")
    if cudnn is not None:
        out["cudnn"] = {
            "enabled": _get(lambda: bool(cudnn.enabled)),
            "deterministic": _get(lambda: bool(cudnn.deterministic)),
            "benchmark": _get(lambda: bool(cudnn.benchmark)),
            "allow_tf32": _get(lambda: bool(cudnn.allow_tf32)),
        }
    cuda_backend = sys.modules.get("torch.backends.cuda")
    matmul = getattr(cuda_backend, "matmul", None) if cuda_backend is not None else None
    if matmul is not None:
        out["cuda_matmul_allow_tf32"] = _get(lambda: bool(matmul.allow_tf32))
    out["float32_matmul_precision"] = _get(torch.get_float32_matmul_precision)
    out["deterministic_algorithms"] = _get(torch.are_deterministic_algorithms_enabled)
    out["deterministic_algorithms_warn_only"] = _get(
        torch.is_deterministic_algorithms_warn_only_enabled
    )
    out["num_threads"] = _get(torch.get_num_threads)
    out["num_interop_threads"] = _get(torch.get_num_interop_threads)
    return out


def tensorflow_flags():
    config = sys.modules.get("tensorflow.python.framework.config")
    enabled = None
    if config is not None and hasattr(config, "is_op_determinism_enabled"):
        enabled = _get(lambda: bool(config.is_op_determinism_enabled()))
    return {"op_determinism": enabled}
