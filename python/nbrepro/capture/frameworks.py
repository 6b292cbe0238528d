"""Runtime probe: versions and GPU facts of the ML frameworks the user imported.

Kernel-side: standard library only, Python 3.8 grammar.

Only modules already in ``sys.modules`` are read, and only through calls
that do not initialise CUDA (capture-facts §3.4). This is a per-run fact, not
an environment one: importing torch in a later cell changes it while the
environment fingerprint (folders and files on disk) stays the same. The answer
is cached per kernel and recomputed only when a framework module appears or a
framework starts its GPU backend, so a repeat costs a few dict look-ups.
"""

import sys

CACHE_KEY = "frameworks.result"
# Modules whose presence or identity changes what is read below.
_WATCHED = (
    "torch",
    "torch.cuda",
    "torch.backends.cudnn",
    "torch.backends.mps",
    "tensorflow",
    "jax",
    "jaxlib",
    "jax._src.xla_bridge",
)


def probe(ctx):
    """Return the ``frameworks`` section of the run record: {} when none is imported."""
    key = _state_key()
    cached = ctx.cache.get(CACHE_KEY)
    if cached is not None and cached[0] == key:
        return cached[1]
    result = facts()
    ctx.cache[CACHE_KEY] = (key, result)
    return result


def _state_key():
    modules = sys.modules
    key = [id(modules.get(name)) for name in _WATCHED]
    cuda = modules.get("torch.cuda")
    key.append(bool(cuda is not None and _safe(cuda.is_initialized, False)))
    bridge = modules.get("jax._src.xla_bridge")
    key.append(bool(bridge is not None and getattr(bridge, "_backends", None)))
    return tuple(key)


def facts():
    out = {}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch"] = torch_facts(torch)
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        out["tensorflow"] = tensorflow_facts(tf)
    jax = sys.modules.get("jax")
    if jax is not None:
        out["jax"] = jax_facts(jax)
    return out


def _safe(fn, default=None):
    try:
        return fn()
    except Exception:
        return default


def torch_facts(torch):
    """Versions always; cuDNN and device names only once CUDA is initialised.

    ``torch.backends.cudnn.version()`` itself can initialise CUDA in recent
    releases (it checks device capabilities), so it waits for the user.
    """
    version = getattr(torch, "version", None)
    facts = {
        "version": _str(getattr(torch, "__version__", None)),
        "cuda": _str(getattr(version, "cuda", None)),
        "hip": _str(getattr(version, "hip", None)),
    }
    cuda = sys.modules.get("torch.cuda")
    initialised = bool(cuda is not None and _safe(cuda.is_initialized, False))
    facts["cuda_initialized"] = initialised
    if initialised:
        cudnn = sys.modules.get("torch.backends.cudnn")
        if cudnn is not None:
            facts["cudnn"] = _safe(cudnn.version)
        count = _safe(cuda.device_count, 0) or 0
        facts["devices"] = [
            {
                "name": _safe(lambda i=i: cuda.get_device_name(i)),
                "compute_capability": _safe(lambda i=i: "%d.%d" % cuda.get_device_capability(i)),
            }
            for i in range(count)
        ]
    mps = sys.modules.get("torch.backends.mps")
    if mps is not None:
        facts["mps_built"] = _safe(mps.is_built)
    return facts


def tensorflow_facts(tf):
    facts = {"version": _str(getattr(tf, "__version__", None))}
    sysconfig = getattr(tf, "sysconfig", None)
    info = _safe(sysconfig.get_build_info) if sysconfig is not None else None
    if isinstance(info, dict):
        for key in ("cuda_version", "cudnn_version", "is_cuda_build", "is_rocm_build"):
            if key in info:
                facts[key] = info[key] if isinstance(info[key], bool) else _str(info[key])
    return facts


def jax_facts(jax):
    """Devices only when a backend is already up: ``jax.devices()`` would start one."""
    facts = {"version": _str(getattr(jax, "__version__", None))}
    jaxlib = sys.modules.get("jaxlib")
    if jaxlib is not None:
        facts["jaxlib"] = _str(getattr(jaxlib, "__version__", None))
    bridge = sys.modules.get("jax._src.xla_bridge")
    backends = getattr(bridge, "_backends", None) if bridge is not None else None
    facts["backend_initialized"] = bool(backends)
    if backends:
        facts["default_backend"] = _safe(jax.default_backend)
        facts["devices"] = _safe(lambda: [str(d.device_kind) for d in jax.devices()], [])
    return facts


def _str(value):
    return None if value is None else str(value)
