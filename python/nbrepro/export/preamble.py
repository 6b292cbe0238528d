"""The top of an exported script: the recorded environment variables,
determinism switches and seeds, as code and as sentences for the README.

Only frameworks the notebook's run records show were used are touched, and a
generator is seeded only when the cells do not seed it themselves.
"""

import json
import re


def quote_py(text):
    """A Python string literal for ``text`` (JSON's string escapes are Python's too)."""
    return json.dumps(text, ensure_ascii=False)


# Calls that seed each global generator (capture's seeds.calls names them so).
_ALL = (
    "transformers.set_seed",
    "accelerate.utils.set_seed",
    "lightning.seed_everything",
    "pytorch_lightning.seed_everything",
    "lightning_fabric.seed_everything",
)
_SEEDED_BY = {
    "random": ("random.seed", "keras.utils.set_random_seed") + _ALL,
    "numpy": ("numpy.random.seed", "keras.utils.set_random_seed") + _ALL,
    "torch": ("torch.manual_seed",) + _ALL,
    "tensorflow": (
        "tensorflow.random.set_seed",
        "tensorflow.compat.v1.set_random_seed",
        "keras.utils.set_random_seed",
        "transformers.set_seed",
    ),
}
_RECOVERED = {
    "numpy": "numpy.legacy_seed",
    "torch": "torch.initial_seed",
    "tensorflow": "tensorflow.global_seed",
}
_SEED_CALL = {"numpy": "random.seed", "torch": "manual_seed", "tensorflow": "random.set_seed"}
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class _Top:
    def __init__(self):
        self.lines = []
        self.sentences = []
        self.env = {}


def build(records, module, matplotlib):
    """Recorded environment variables, determinism flags and seeds, as code and sentences."""
    top = _Top()
    _environment(records, top, module)
    if matplotlib:
        os = module("os")
        top.lines.append(
            '%s.environ.setdefault("MPLBACKEND", "Agg")  # figures render off-screen' % os
        )
        top.sentences.append("Figures render off-screen with matplotlib's Agg backend.")
    if any(_get(record, "fonts", "matplotlib") for record in records):
        _fonts(top, module)
    used = set()
    for record in records:
        frameworks = record.get("frameworks")
        used.update(frameworks if isinstance(frameworks, dict) else ())
    seeded_by = set()
    for record in records:
        calls = _get(record, "seeds", "calls")
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, dict) and call.get("kind") == "call" and call.get("resolved", True):
                seeded_by.add(str(call.get("func")))
    for generator in ("random", "numpy", "torch", "tensorflow"):
        mine = sorted(seeded_by.intersection(_SEEDED_BY[generator]))
        if mine:
            top.sentences.append(
                "The cells seed %s themselves (%s)." % (generator, ", ".join(mine))
            )
    for framework in ("numpy", "torch", "tensorflow"):
        switches = _framework_flags(framework, records) if framework in used else []
        if switches:
            top.sentences.append(
                "%s determinism as recorded: %s." % (framework, ", ".join(switches))
            )
        seed = None
        if framework in used or framework == "numpy":  # numpy is no "framework" in the records
            if not seeded_by.intersection(_SEEDED_BY[framework]):
                seed = _first_int(records, _RECOVERED[framework])
        if seed is not None:
            switches.append("%s(%d)" % (_SEED_CALL[framework], seed))
            top.sentences.append(
                "%s is seeded with %d, the seed recovered from the notebook's kernel "
                "(the cells do not seed it)." % (framework, seed)
            )
        if switches:
            alias = "_nbrepro_" + framework
            top.lines += [
                "try:",
                "    import %s as %s" % (framework, alias),
                "except ImportError:",
                "    pass  # the cells that use %s will say it is missing" % framework,
                "else:",
            ]
            top.lines += ["    %s.%s" % (alias, switch) for switch in switches]
            top.lines.append("    del %s" % alias)
    return top


def _fonts(top, module):
    """Matplotlib's font list of the fonts the notebook drew with (export/fonts.py)."""
    os, runpy = module("os"), module("runpy")
    top.lines += [
        "# The fonts the notebook drew with (nbrepro-fonts/), unless NBREPRO_FONTS=system.",
        "_nbrepro_fonts = %s.path.join(%s.path.dirname(%s.path.abspath(__file__)), "
        '"nbrepro-fonts", "fontlist.py")' % (os, os, os),
        "if %s.path.isfile(_nbrepro_fonts):" % os,
        '    %s.run_path(_nbrepro_fonts, run_name="nbrepro_fontlist")["main"]()' % runpy,
        "del _nbrepro_fonts",
    ]
    top.sentences.append(
        "Matplotlib draws with the fonts the notebook drew with (nbrepro-fonts/; "
        "NBREPRO_FONTS=system: this machine's)."
    )


def _environment(records, top, module):
    """Determinism variables: set when unset, before any library reads them."""
    for record in records:
        env = _get(record, "determinism", "env")
        for key, value in env.items() if isinstance(env, dict) else ():
            if key != "PYTHONHASHSEED" and isinstance(value, str) and _ENV_NAME.match(key):
                top.env.setdefault(key, value)
        start = _get(record, "determinism", "python", "PYTHONHASHSEED_at_start")
        if isinstance(start, str) and "PYTHONHASHSEED" not in top.env:
            top.env["PYTHONHASHSEED"] = start
    if not top.env:
        return
    os = module("os")
    top.lines.append("# Determinism settings of the notebook's kernel, unless already set.")
    for key in sorted(top.env):
        if key == "PYTHONHASHSEED":
            top.lines.append(
                "# PYTHONHASHSEED only takes effect when Python starts: run.sh exports it."
            )
        top.lines.append(
            "%s.environ.setdefault(%s, %s)" % (os, quote_py(key), quote_py(top.env[key]))
        )
    top.sentences.append(
        "Environment variables as in the notebook's kernel: %s."
        % ", ".join("%s=%s" % item for item in sorted(top.env.items()))
    )


def _framework_flags(framework, records):
    """Recorded determinism switches that differ from the framework's defaults."""
    for record in records:
        flags = _get(record, "determinism", framework)
        if not isinstance(flags, dict):
            continue
        if framework == "tensorflow":
            return (
                ["config.experimental.enable_op_determinism()"]
                if flags.get("op_determinism") is True
                else []
            )
        out = []
        if flags.get("deterministic_algorithms") is True:
            warn = flags.get("deterministic_algorithms_warn_only") is True
            out.append(
                "use_deterministic_algorithms(True%s)" % (", warn_only=True" if warn else "")
            )
        cudnn = flags.get("cudnn") if isinstance(flags.get("cudnn"), dict) else {}
        for key, default in (("deterministic", False), ("benchmark", False), ("allow_tf32", True)):
            if isinstance(cudnn.get(key), bool) and cudnn[key] != default:
                out.append("backends.cudnn.%s = %s" % (key, cudnn[key]))
        if flags.get("cuda_matmul_allow_tf32") is True:
            out.append("backends.cuda.matmul.allow_tf32 = True")
        precision = flags.get("float32_matmul_precision")
        if precision in ("high", "medium"):
            out.append("set_float32_matmul_precision(%s)" % quote_py(precision))
        return out
    return []


def _first_int(records, key):
    for record in records:
        value = _get(record, "seeds", "recovered", key)
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value):
            value = int(value)  # large seeds travel as strings
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _get(data, *keys):
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


# -- assembly -----------------------------------------------------------------------
