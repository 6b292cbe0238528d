"""Seeding and determinism in words: what the panel's "Seeds and determinism"
section and the bundle's README say about the run records of a notebook's
cells. Twin of src/vocabulary/runs.ts; the vectors in test/vectors/words/
hold the two equal.

A cell here is ``{"number": int, "run": run record or None}`` in notebook
order (code cells only), numbered as the notebook shows it (``cell_numbers``
in ``words``). A run record is the door's: its shape is the schema's.
"""

import json

from .words import cell_range

# What each seeding API does, as a person says it; {0} is the first argument.
_SEEDERS = {
    "numpy.random.seed": ("seeded NumPy's global generator with {0}", None),
    "numpy.random.default_rng": (
        "created Generator(PCG64) from seed {0}",
        "created Generator(PCG64) without a seed (new numbers on every run)",
    ),
    "numpy.random.RandomState": (
        "created RandomState(MT19937) from seed {0}",
        "created RandomState(MT19937) without a seed (new numbers on every run)",
    ),
    "numpy.random.SeedSequence": (
        "created SeedSequence from {0}",
        "created SeedSequence without entropy (new numbers on every run)",
    ),
    "random.seed": (
        "seeded Python's random module with {0}",
        "reseeded Python's random module from the system (new numbers on every run)",
    ),
    "random.Random": (
        "created random.Random from seed {0}",
        "created random.Random without a seed (new numbers on every run)",
    ),
    "torch.manual_seed": ("seeded PyTorch with {0}", None),
    "torch.seed": (None, "reseeded PyTorch from the system (new numbers on every run)"),
    "torch.cuda.manual_seed": ("seeded PyTorch on the current GPU with {0}", None),
    "torch.cuda.manual_seed_all": ("seeded PyTorch on every GPU with {0}", None),
    "torch.cuda.seed": (None, "reseeded PyTorch's GPU from the system (new numbers on every run)"),
    "tensorflow.random.set_seed": ("seeded TensorFlow with {0}", None),
    "tensorflow.compat.v1.set_random_seed": ("seeded TensorFlow with {0}", None),
    "keras.utils.set_random_seed": ("seeded Python, NumPy and TensorFlow with {0} (Keras)", None),
    "jax.random.PRNGKey": ("created a JAX key from seed {0}", None),
    "jax.random.key": ("created a JAX key from seed {0}", None),
    "transformers.set_seed": ("seeded Python, NumPy and PyTorch with {0} (transformers)", None),
    "accelerate.utils.set_seed": ("seeded Python, NumPy and PyTorch with {0} (accelerate)", None),
    "lightning.seed_everything": ("seeded every generator with {0} (Lightning)", None),
    "pytorch_lightning.seed_everything": ("seeded every generator with {0} (Lightning)", None),
    "lightning_fabric.seed_everything": ("seeded every generator with {0} (Lightning)", None),
    "torch.use_deterministic_algorithms": (
        "set PyTorch's deterministic algorithms to {0}",
        None,
    ),
    "torch.set_float32_matmul_precision": ("set PyTorch's float32 matmul precision to {0}", None),
    "tensorflow.config.experimental.enable_op_determinism": (
        None,
        "turned on TensorFlow's op determinism",
    ),
    "transformers.enable_full_determinism": (
        "turned on full determinism with seed {0} (transformers)",
        None,
    ),
}
_BIT_GENERATORS = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
_FLAGS = {
    "torch.backends.cudnn.deterministic": "set cuDNN's deterministic mode to {0}",
    "torch.backends.cudnn.benchmark": "set cuDNN's benchmark mode to {0}",
    "torch.backends.cudnn.enabled": "set cuDNN to {0}",
    "torch.backends.cudnn.allow_tf32": "set cuDNN's TF32 to {0}",
    "torch.backends.cuda.matmul.allow_tf32": "set TF32 for CUDA matmuls to {0}",
}
_ENV_EFFECT = {
    "PYTHONHASHSEED": "no effect: Python reads it only when the kernel starts",
}
MAX_VALUE = 60


def value_text(value):
    """A seeding argument: 42, "abc", SEED = 42, or the expression's source."""
    if "literal" in value:
        return _json(value["literal"])
    if "name" in value:
        return "%s = %s" % (value["name"], _json(value["value_at_capture"]))
    return _short(value["source"])


def _json(value):
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "None"
    if isinstance(value, str):
        return _short(json.dumps(value, ensure_ascii=False))
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return _short(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))


def _short(text):
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def call_text(call):
    """One seeding call as a sentence: "seeded NumPy's global generator with 0"."""
    kind = call["kind"]
    if kind == "env":
        text = "set %s to %s" % (call["name"], value_text(call["value"]))
        if call.get("effective") is False:
            text += " (%s)" % _ENV_EFFECT.get(call["name"], "no effect at run time")
        return text
    if kind == "keyword":
        return "passed %s=%s to %s" % (
            call["keyword"],
            value_text(call["value"]),
            _last(call["func"]),
        )
    if kind == "flag":
        template = _FLAGS.get(call["func"], call["func"] + " = {0}")
        return template.format(value_text(call["value"]))
    func = call["func"]
    args = call["args"]
    first = value_text(args[0]) if args else None
    if first is None and call.get("kwargs"):
        key = sorted(call["kwargs"])[0]
        first = value_text(call["kwargs"][key])
    with_arg, without = _SEEDERS.get(func, (None, None))
    last = _last(func)
    if func.startswith("numpy.random.") and last in _BIT_GENERATORS:
        with_arg = "created the %s bit generator from seed {0}" % last
        without = "created the %s bit generator without a seed (new numbers on every run)" % last
    if first is not None and with_arg:
        return with_arg.format(first)
    if first is None and without:
        return without
    return "called %s(%s)" % (func, ", ".join(value_text(a) for a in args))


def _last(func):
    return func.rsplit(".", 1)[-1]


def _is_seeding(call):
    """A call that fixes a global stream (what ``seeded_earlier_by`` names)."""
    return call["kind"] == "call"


def generator_texts(recovered, calls):
    """Generators in the namespace whose seed no call of the cell gave."""
    given = set(
        value_text(call["args"][0]) for call in calls if call["kind"] == "call" and call["args"]
    )
    out = []
    for name, generator in sorted((recovered.get("numpy.generators") or {}).items()):
        entropy = generator["entropy"]
        if entropy is None or isinstance(entropy, list):
            continue  # an unseeded generator's OS entropy: no seed to name
        seed = _json(entropy)
        if seed not in given:
            out.append(
                "%s is Generator(%s) from seed %s"
                % (name, _short(generator["bit_generator"]), seed)
            )
    return out


def cell_seeding(run):
    """What one cell did to random generators: its sentences, or None when it
    did nothing itself (then ``seeding_lines`` says why)."""
    seeds = run.get("seeds")
    if not seeds:
        return None
    said = [call_text(call) for call in seeds["calls"]]
    if not said:
        return None
    return said + generator_texts(seeds["recovered"], seeds["calls"])


def seeding_lines(cells):
    """``[[cells, text], ...]``: each seeding cell on its own line, the others
    grouped by what they share ("cells 1, 3–50", "no seeding"), in the order
    of their first cell."""
    groups = {}
    order = []
    seeders = []  # (number, funcs) of the cells that seeded, in notebook order
    for cell in cells:
        run = cell.get("run")
        if run is None:
            continue
        said = cell_seeding(run)
        seeds = run.get("seeds")
        if said is not None:
            text = "; ".join(said)
            seeders.append(
                (cell["number"], set(c["func"] for c in seeds["calls"] if _is_seeding(c)))
            )
        else:
            text = _status_text(seeds, cell["number"], seeders)
        if text not in groups:
            groups[text] = []
            order.append(text)
        groups[text].append(cell["number"])
    lines = [(groups[text], text) for text in order]
    lines.sort(key=lambda line: min(line[0]))
    return [[cell_range(numbers), text] for numbers, text in lines]


def _status_text(seeds, number, seeders):
    if not seeds:
        return "not recorded"
    if seeds["status"] == "unseeded":
        return "no seeding"
    if seeds["status"] == "unknown":
        return "seeding unknown (the cell's source was not read)"
    funcs = set(seeds.get("seeded_earlier_by") or ())
    earlier = [n for n, called in seeders if n != number and (not funcs or called & funcs)]
    if earlier:
        return "RNG seeded earlier (%s), not in this cell" % cell_range(earlier)
    if funcs:
        return "RNG seeded earlier (by %s, in no cell shown here), not in this cell" % ", ".join(
            sorted(funcs)
        )
    return "RNG seeded earlier, not in this cell"


# ---------------------------------------------------------------- determinism


def determinism_texts(determinism):
    """The determinism settings of one run, as sentences (unset ones left out)."""
    if not determinism:
        return []
    out = []
    python = determinism.get("python")
    if python is not None:
        at_start = python["PYTHONHASHSEED_at_start"]
        if python["hash_randomization"]:
            out.append(
                "String hashes are randomised (PYTHONHASHSEED was not set when the kernel "
                "started): the order of a set of strings can differ between runs"
            )
        else:
            out.append(
                "String hashes are fixed (PYTHONHASHSEED=%s when the kernel started)"
                % _short(at_start if at_start is not None else "0")
            )
    for name, value in sorted(determinism["env"].items()):
        if value is None or (name == "PYTHONHASHSEED" and python is not None):
            continue
        out.append(_ENV_SENTENCES.get(name, "%s is %s") % (name, _short(value)))
    torch = determinism.get("torch") or {}
    if torch.get("deterministic_algorithms") is not None:
        if torch["deterministic_algorithms"]:
            warn = torch.get("deterministic_algorithms_warn_only")
            out.append(
                "PyTorch uses deterministic algorithms"
                + (" (warns only where it cannot)" if warn else "")
            )
        else:
            out.append("PyTorch may use non-deterministic algorithms")
    cudnn = torch.get("cudnn") or {}
    if cudnn.get("enabled") is False:
        out.append("cuDNN is off")
    elif cudnn.get("deterministic") is not None or cudnn.get("benchmark") is not None:
        parts = []
        if cudnn.get("deterministic") is not None:
            parts.append("deterministic" if cudnn["deterministic"] else "not deterministic")
        if cudnn.get("benchmark"):
            parts.append("benchmark mode on (picks algorithms by timing)")
        out.append("cuDNN is " + ", ".join(parts))
    tf32 = [torch.get("cuda_matmul_allow_tf32"), cudnn.get("allow_tf32")]
    if any(flag is True for flag in tf32):
        out.append("TF32 is allowed on GPUs (lower precision on Ampere and newer)")
    if torch.get("float32_matmul_precision"):
        out.append("float32 matmul precision is %s" % torch["float32_matmul_precision"])
    if torch.get("num_threads") is not None:
        out.append(
            "PyTorch uses %d thread%s"
            % (torch["num_threads"], "" if torch["num_threads"] == 1 else "s")
        )
    tensorflow = determinism.get("tensorflow") or {}
    if tensorflow.get("op_determinism") is not None:
        out.append(
            "TensorFlow op determinism is %s" % ("on" if tensorflow["op_determinism"] else "off")
        )
    return out


_ENV_SENTENCES = {
    "PYTHONHASHSEED": "%s is %s",
    "CUBLAS_WORKSPACE_CONFIG": "%s is %s (cuBLAS can be deterministic)",
    "CUDA_LAUNCH_BLOCKING": "%s is %s (CUDA calls run one at a time)",
    "TF_DETERMINISTIC_OPS": "%s is %s",
    "TF_CUDNN_DETERMINISTIC": "%s is %s",
    "OMP_NUM_THREADS": "%s is %s (OpenMP threads)",
    "MKL_NUM_THREADS": "%s is %s (MKL threads)",
    "OPENBLAS_NUM_THREADS": "%s is %s (OpenBLAS threads)",
    "NUMEXPR_NUM_THREADS": "%s is %s (numexpr threads)",
}


def determinism_lines(cells):
    """``[[cells, text], ...]``: the settings said once when every cell ran
    with the same ones (cells ""), else per group of cells."""
    groups = {}
    order = []
    for cell in cells:
        run = cell.get("run")
        if run is None or not run.get("determinism"):
            continue
        texts = tuple(determinism_texts(run["determinism"]))
        if texts not in groups:
            groups[texts] = []
            order.append(texts)
        groups[texts].append(cell["number"])
    if len(order) == 1:
        return [["", text] for text in order[0]]
    out = []
    for texts in sorted(order, key=lambda t: min(groups[t])):
        label = cell_range(groups[texts])
        out += [[label, text] for text in texts or ("nothing set",)]
    return out


def stale_text(distribution, loaded, installed):
    """One module the kernel kept from before an install, in words."""
    if installed is None:
        change = "%s was uninstalled" % distribution
    else:
        change = "%s %s was installed" % (distribution, installed)
    return (
        "ran %s %s, loaded before %s without a restart: restart the kernel and run them again"
        % (distribution, loaded, change)
    )


def stale_lines(cells):
    """``[[cells, text], ...]``: for each distribution the kernel still ran at an
    older version after an install (``run.stale``), the cells that ran it, in the
    order of their first cell."""
    groups = {}
    for cell in cells:
        run = cell.get("run")
        for item in ((run or {}).get("stale") or {}).values():
            key = (item["distribution"], item["loaded"], item["installed"])
            groups.setdefault(key, []).append(cell["number"])
    lines = sorted(groups.items(), key=lambda entry: (min(entry[1]), entry[0][0]))
    return [[cell_range(sorted(set(numbers))), stale_text(*key)] for key, numbers in lines]
