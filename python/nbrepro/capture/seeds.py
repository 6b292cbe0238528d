"""Probe: seeds. What the executed cell did to random number generators.

Kernel-side: standard library only, Python 3.8 grammar.

Three kinds of fact, each cheap (capture-facts §4):
- seeding calls found in the cell's source, resolved through the cell's
  imports and the modules in the user namespace;
- seeds that can really be recovered from live objects;
- short fingerprints of the global RNG states, read without drawing numbers.
Only modules the user already imported are touched.
"""

import ast
import hashlib
import os
import re
import sys

SESSION_KEY = "seeds.session"
# The late cells of one collect, in order (see ``probe``).
LATE_SESSION_KEY = "seeds.late_session"
# A cell without any of these substrings cannot seed anything we know: skip the parse.
_NEEDLES = (
    "seed",
    "random_state",
    "randomstate",
    "rng",
    "prngkey",
    "key(",
    "determinis",
    "cudnn",
    "cublas",
    "mt19937",
    "pcg64",
    "philox",
    "sfc64",
    "float32_matmul",
)
_SEED_KEYWORDS = ("random_state", "seed")
_ENV_NAMES = ("PYTHONHASHSEED", "CUBLAS_WORKSPACE_CONFIG", "PL_GLOBAL_SEED")
# Cell magics whose body is Python that runs in the kernel.
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
_NUMPY_BIT_GENERATORS = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
# Calls that only switch determinism on; they do not fix a random stream.
_DETERMINISM_ONLY = (
    "torch.use_deterministic_algorithms",
    "torch.set_float32_matmul_precision",
    "tensorflow.config.experimental.enable_op_determinism",
    "transformers.enable_full_determinism",
)
# Method names that seed whatever object they are called on.
_SEEDING_METHODS = (
    "manual_seed",
    "manual_seed_all",
    "seed_everything",
    "set_seed",
    "set_random_seed",
)
# JavaScript reads JSON numbers as doubles: larger integers travel as strings.
_MAX_SAFE_INT = 2**53 - 1


def probe(ctx):
    """Return the ``seeds`` section of the run record.

    A late cell (option ``late``: it ran before the hooks were in the kernel and
    is recorded at the next collect) is judged by its own source and the late
    cells before it: the generators' state now, and what the cells since seeded,
    came after it.
    """
    late = bool(ctx.option("late", False))
    session = ctx.cache.setdefault(LATE_SESSION_KEY if late else SESSION_KEY, {"seeded_by": []})
    out = {"calls": [], "recovered": {}, "fingerprints": {}, "status": "unknown"}
    parsed = None
    try:
        parsed = scan_source(ctx.cell_source, ctx.user_ns)
    except Exception as exc:
        ctx.problem("seeds", "scanning the cell for seeding calls failed: %r" % (exc,))
    if parsed is not None:
        out["calls"] = parsed["calls"]
        if parsed.get("error"):
            ctx.problem("seeds", parsed["error"])
    if late:
        pass  # the state now is not the state after this cell
    else:
        try:
            out["recovered"] = recover(ctx.user_ns, out["calls"])
        except Exception as exc:
            ctx.problem("seeds", "recovering seeds failed: %r" % (exc,))
        try:
            out["fingerprints"] = fingerprints()
        except Exception as exc:
            ctx.problem("seeds", "fingerprinting RNG states failed: %r" % (exc,))
    seeding = sorted(set(c["func"] for c in out["calls"] if _is_seeding(c)))
    keyword_seeded = any(
        c["kind"] == "keyword"
        and c["value"].get("literal", c["value"].get("value_at_capture")) is not None
        for c in out["calls"]
    )
    earlier = list(session["seeded_by"])
    if seeding:
        session["seeded_by"] = sorted(set(earlier) | set(seeding))
    if seeding or keyword_seeded or earlier or _recovered_explicit(out["recovered"]):
        out["status"] = "seeded"
        if earlier and not seeding:
            out["seeded_earlier_by"] = earlier
    elif parsed is not None and not parsed.get("error"):
        out["status"] = "unseeded"
    return out


def _is_seeding(call):
    """Calls that fix a global random stream (keywords only fix one call's randomness)."""
    return call.get("kind") == "call" and call["func"] not in _DETERMINISM_ONLY


def _recovered_explicit(recovered):
    return any(
        recovered.get(key) is not None
        for key in (
            "numpy.legacy_seed",
            "python.random_seed",
            "PL_GLOBAL_SEED",
            "tensorflow.global_seed",
        )
    )


# -- source scanning ----------------------------------------------------------


def scan_source(source, user_ns=None):
    """Find seeding calls in a cell; None when there is no source to scan."""
    if source is None:
        return None
    if not might_seed(source):
        return {"calls": []}
    python = python_source(source)
    try:
        tree = ast.parse(python)
    except SyntaxError as exc:
        return {
            "calls": [],
            "error": "cell is not Python after removing magics (line %s)" % exc.lineno,
        }
    scanner = _Scanner(python, user_ns)
    scanner.scan(tree, 0)
    return {"calls": scanner.calls}


def might_seed(source):
    lowered = source.lower()
    return any(needle in lowered for needle in _NEEDLES)


# Lines IPython would rewrite: magics, shell escapes, help requests.
_IPYTHON_SYNTAX = re.compile(r"^\s*[%!?]|=\s*[%!]|\?\s*$", re.MULTILINE)


def python_source(source):
    """The cell as plain Python: IPython's own transform when loaded, else drop magic lines."""
    if not _IPYTHON_SYNTAX.search(source):
        return source  # nothing to transform; IPython's transformer costs about a millisecond
    ipython = sys.modules.get("IPython")
    shell = None
    if ipython is not None:
        try:
            shell = ipython.get_ipython()
        except Exception:
            shell = None
    if shell is not None:
        try:
            return shell.transform_cell(source)
        except Exception:
            pass
    return strip_magics(source)


def strip_magics(source):
    """Replace IPython-only lines by ``pass`` so that line numbers still match.

    A cell magic's body is kept when the magic runs it as Python (``%%time``).
    """
    lines = source.splitlines()
    out = []
    body_is_python = True
    for number, line in enumerate(lines):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if number == 0 and stripped.startswith("%%"):
            magic = stripped[2:].split(None, 1)[0] if stripped[2:].split() else ""
            body_is_python = magic in _PYTHON_CELL_MAGICS
            out.append("pass")
            continue
        if not body_is_python:
            out.append("")
        elif stripped.startswith(("%", "!", "?")) or stripped.endswith("?"):
            out.append(indent + "pass")
        elif "= !" in line or "= %" in line:
            out.append(indent + "pass")
        else:
            out.append(line)
    return "\n".join(out)


class _Scanner(object):
    def __init__(self, source, user_ns):
        self.source = source
        self.user_ns = user_ns if isinstance(user_ns, dict) else {}
        self.aliases = {}
        self.star_modules = []
        self.calls = []

    def scan(self, tree, line_offset):
        nodes = list(ast.walk(tree))
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.aliases[head] = head
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(node.module)
                    else:
                        self.aliases[alias.asname or alias.name] = node.module + "." + alias.name
        for node in nodes:
            if isinstance(node, ast.Call):
                self._call(node, line_offset)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._assignment(target, node.value, line_offset)

    # names

    def dotted(self, node):
        """'np.random.seed' for an attribute chain on a name, else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.id)
        return ".".join(reversed(parts))

    def resolve(self, dotted):
        """Full dotted name through the cell's imports, then the user namespace."""
        head, _, rest = dotted.partition(".")
        base = self.aliases.get(head)
        if base is None and head in self.user_ns:
            base = _object_path(self.user_ns[head])
        if base is None:
            for module_name in self.star_modules:
                module = sys.modules.get(module_name)
                if module is not None and hasattr(module, head):
                    base = module_name + "." + head
                    break
        if base is None:
            return None
        return base + ("." + rest if rest else "")

    # calls

    def _call(self, node, line_offset):
        if self._ipython_magic(node, line_offset):
            return
        dotted = self.dotted(node.func)
        resolved = self.resolve(dotted) if dotted else None
        api = canonical_api(resolved) if resolved else None
        line = node.lineno + line_offset
        if (
            api is None
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SEEDING_METHODS
        ):
            # A method that seeds whatever it is called on (torch.Generator().manual_seed(1)).
            api = (dotted or "<expression>." + node.func.attr) if not resolved else resolved
            self.calls.append(self._record("call", api, line, node, resolved=False))
            return
        if api is not None:
            self.calls.append(self._record("call", api, line, node))
            return
        for keyword in node.keywords:
            if keyword.arg in _SEED_KEYWORDS:
                entry = {
                    "kind": "keyword",
                    "func": resolved or dotted or "<expression>",
                    "line": line,
                    "keyword": keyword.arg,
                    "value": self.value(keyword.value),
                }
                self.calls.append(entry)

    def _record(self, kind, api, line, node, resolved=True):
        entry = {"kind": kind, "func": api, "line": line}
        entry["args"] = [self.value(arg) for arg in node.args]
        if node.keywords:
            entry["kwargs"] = dict((k.arg or "**", self.value(k.value)) for k in node.keywords)
        if not resolved:
            entry["resolved"] = False
        return entry

    def _ipython_magic(self, node, line_offset):
        """Look inside ``get_ipython().run_cell_magic('time', '', body)`` and ``%env``."""
        func = node.func
        if not (
            isinstance(func, ast.Attribute) and func.attr in ("run_cell_magic", "run_line_magic")
        ):
            return False
        owner = func.value
        if not (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "get_ipython"
        ):
            return False
        args = [_literal(arg) for arg in node.args]
        if not args or not isinstance(args[0], str):
            return False
        line = node.lineno + line_offset
        if func.attr == "run_line_magic" and args[0] in ("env", "set_env") and len(args) > 1:
            text = str(args[1]).strip()
            name, _, value = text.replace("=", " ", 1).partition(" ")
            if name in _ENV_NAMES:
                self.calls.append(self._env_record(name, {"literal": value.strip()}, line))
            return True
        if func.attr == "run_cell_magic" and args[0] in _PYTHON_CELL_MAGICS and len(args) > 2:
            try:
                body = ast.parse(python_source(str(args[2])))
            except SyntaxError:
                return True
            self.scan(body, line)
            return True
        if func.attr == "run_line_magic" and args[0] in ("time", "timeit") and len(args) > 1:
            try:
                body = ast.parse(str(args[1]))
            except SyntaxError:
                return True
            self.scan(body, line - 1)
            return True
        return False

    # assignments

    def _assignment(self, target, value, line_offset):
        line = target.lineno + line_offset
        if isinstance(target, ast.Subscript):
            container = self.dotted(target.value)
            if container and self.resolve(container) == "os.environ":
                key = _literal(_subscript_index(target))
                if key in _ENV_NAMES:
                    self.calls.append(self._env_record(key, self.value(value), line))
            return
        dotted = self.dotted(target)
        if not dotted:
            return
        resolved = self.resolve(dotted)
        api = canonical_flag(resolved) if resolved else None
        if api is not None:
            self.calls.append(
                {"kind": "flag", "func": api, "line": line, "value": self.value(value)}
            )

    def _env_record(self, name, value, line):
        entry = {"kind": "env", "func": "os.environ", "name": name, "line": line, "value": value}
        if name == "PYTHONHASHSEED":
            entry["effective"] = False
            entry["note"] = "PYTHONHASHSEED only takes effect when set before Python starts"
        return entry

    # values

    def value(self, node):
        literal = _MISSING
        try:
            literal = ast.literal_eval(node)
        except Exception:
            pass
        if literal is not _MISSING and _jsonable(literal):
            return {"literal": _json_value(literal)}
        if isinstance(node, ast.Name) and node.id in self.user_ns:
            current = _plain_number(self.user_ns[node.id])
            if _jsonable(current):
                return {"name": node.id, "value_at_capture": _json_value(current)}
        text = None
        try:
            text = ast.get_source_segment(self.source, node)
        except Exception:
            text = None
        return {"source": (text or "?")[:200]}


_MISSING = object()


def _plain_number(value):
    """numpy integer and float scalars as Python numbers; anything else unchanged."""
    module = getattr(type(value), "__module__", "")
    if module == "numpy" and not isinstance(value, (int, float)):
        try:
            return int(value) if hasattr(type(value), "__index__") else float(value)
        except (TypeError, ValueError):
            return value
    return value


def _subscript_index(node):
    index = node.slice
    # Python 3.8 wraps subscripts in ast.Index.
    return getattr(index, "value", index) if type(index).__name__ == "Index" else index


def _literal(node):
    try:
        return ast.literal_eval(node)
    except Exception:
        return None


def _jsonable(value, depth=0):
    if value is None or isinstance(value, (bool, int, float, str)):
        return not isinstance(value, str) or len(value) <= 200
    if isinstance(value, (list, tuple)) and depth < 2 and len(value) <= 64:
        return all(_jsonable(v, depth + 1) for v in value)
    return False


def _json_value(value):
    if isinstance(value, bool) or value is None or isinstance(value, (float, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= _MAX_SAFE_INT else str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return str(value)


_FUNCTION_TYPES = (
    "function",
    "builtin_function_or_method",
    "method",
    "cython_function_or_method",
    "fused_cython_function",
    "_lru_cache_wrapper",
)


def _object_path(obj):
    """Dotted name of a module, function or class found in the user namespace.

    Other objects are left alone: their ``__getattr__`` could run user code.
    """
    kind = type(obj).__name__
    if kind == "module":
        return getattr(obj, "__name__", None)
    if kind not in _FUNCTION_TYPES and not isinstance(obj, type):
        return None
    func = getattr(obj, "__func__", obj)  # bound methods, e.g. random.seed
    module = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if isinstance(module, str) and isinstance(name, str) and "<" not in name:
        return module + "." + name
    return None


def canonical_api(dotted):
    """Map a resolved dotted name to the public seeding API it is, or None.

    Private path parts are dropped so that a function found in the user
    namespace (``numpy.random.mtrand.seed``, ``lightning.fabric.utilities.seed.seed_everything``)
    maps to the name users write.
    """
    parts = [p for i, p in enumerate(dotted.split(".")) if i == 0 or not p.startswith("_")]
    top, last = parts[0], parts[-1]
    inner = parts[1:-1]
    if top == "random" and len(parts) >= 2:
        if last == "seed":
            return "random.seed"
        if last == "Random":
            return "random.Random"
        return None
    if top == "numpy" and "random" in inner:
        if last in ("seed", "RandomState", "default_rng", "SeedSequence") + _NUMPY_BIT_GENERATORS:
            return "numpy.random." + last
        return None
    if top == "torch":
        if last in ("manual_seed", "manual_seed_all", "seed"):
            if "cuda" in inner:
                return "torch.cuda." + last
            return "torch." + last if last != "manual_seed_all" else None
        if last in ("use_deterministic_algorithms", "set_float32_matmul_precision") and not inner:
            return "torch." + last
        return None
    if top in ("tensorflow", "keras", "tf_keras"):
        if last == "set_seed" and "random" in inner:
            return "tensorflow.random.set_seed"
        if last == "set_random_seed":
            if "compat" in inner:
                return "tensorflow.compat.v1.set_random_seed"
            if "utils" in inner or top != "tensorflow":
                return "keras.utils.set_random_seed"
            return "tensorflow.compat.v1.set_random_seed"
        if last == "enable_op_determinism":
            return "tensorflow.config.experimental.enable_op_determinism"
        return None
    if top == "jax" and "random" in inner and last in ("key", "PRNGKey"):
        return "jax.random." + last
    if top == "transformers" and last in ("set_seed", "enable_full_determinism"):
        return "transformers." + last
    if top == "accelerate" and last == "set_seed":
        return "accelerate.utils.set_seed"
    if top in ("lightning", "pytorch_lightning", "lightning_fabric") and last == "seed_everything":
        return top + ".seed_everything"
    return None


_CUDNN_FLAGS = ("deterministic", "benchmark", "enabled", "allow_tf32")


def canonical_flag(dotted):
    """Determinism switches set by assignment (``torch.backends.cudnn.benchmark = False``)."""
    parts = dotted.split(".")
    if parts[:3] == ["torch", "backends", "cudnn"] and len(parts) == 4 and parts[3] in _CUDNN_FLAGS:
        return dotted
    if dotted == "torch.backends.cuda.matmul.allow_tf32":
        return dotted
    return None


# -- recovered seeds ----------------------------------------------------------


def recover(user_ns, calls=()):
    """Seeds that live objects still reveal; never draws a number."""
    out = {}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch.initial_seed"] = _json_value(_call_or_none(getattr(torch, "initial_seed", None)))
        cuda = sys.modules.get("torch.cuda")
        if cuda is not None and _call_or_none(getattr(cuda, "is_initialized", None)):
            out["torch.cuda.initial_seed"] = _json_value(
                _call_or_none(getattr(cuda, "initial_seed", None))
            )
    if sys.modules.get("numpy.random") is not None:
        out["numpy.legacy_seed"] = numpy_legacy_seed()
        generators = numpy_generators(user_ns)
        if generators:
            out["numpy.generators"] = generators
    random_module = sys.modules.get("random")
    candidates = [
        arg.get("literal", arg.get("value_at_capture"))
        for call in calls
        if call.get("func") == "random.seed"
        for arg in call.get("args", [])[:1]
    ]
    candidates = [c for c in candidates if isinstance(c, (int, str))]
    if random_module is not None and candidates:
        out["python.random_seed"] = python_random_seed(random_module, candidates)
    pl_seed = os.environ.get("PL_GLOBAL_SEED")
    if pl_seed is not None:
        out["PL_GLOBAL_SEED"] = int(pl_seed) if pl_seed.strip().lstrip("-").isdigit() else pl_seed
    if sys.modules.get("tensorflow") is not None:
        out["tensorflow.global_seed"] = tensorflow_global_seed()
    return out


def _call_or_none(fn):
    if fn is None:
        return None
    try:
        return fn()
    except Exception:
        return None


def numpy_legacy_seed():
    """The integer given to ``numpy.random.seed`` if nothing was drawn since.

    The legacy MT19937 seeding writes ``key[0] = seed`` and leaves the position
    at 624; the seed itself is not stored. If the position is still 624, no
    Gaussian is cached and key[1] follows from key[0] by the Knuth recurrence,
    the state is exactly a fresh integer seeding (capture-facts §4.1).
    """
    state = _numpy_state(sys.modules.get("numpy.random"))
    if not isinstance(state, tuple) or len(state) < 4 or state[0] != "MT19937":
        return None
    key, pos, has_gauss = state[1], int(state[2]), int(state[3])
    if pos != 624 or has_gauss:
        return None
    k0, k1 = int(key[0]), int(key[1])
    if k1 != (1812433253 * (k0 ^ (k0 >> 30)) + 1) & 0xFFFFFFFF:
        return None
    return k0


def _numpy_state(random):
    """The legacy global state as a tuple; numpy before 1.17 has no ``legacy=``."""
    try:
        return random.get_state(legacy=True)
    except TypeError:
        return random.get_state()


def numpy_generators(user_ns):
    """Seed sequences of the ``numpy.random.Generator`` objects in the user namespace."""
    random = sys.modules.get("numpy.random")
    generator_type = getattr(random, "Generator", None)
    if generator_type is None or not isinstance(user_ns, dict):
        return {}
    out = {}
    for name, value in list(user_ns.items()):
        if name.startswith("_") or not isinstance(value, generator_type):
            continue
        bit_generator = value.bit_generator
        seed_seq = getattr(bit_generator, "seed_seq", None)
        if seed_seq is None:
            seed_seq = getattr(bit_generator, "_seed_seq", None)
        entropy = getattr(seed_seq, "entropy", None)
        if entropy is not None and not isinstance(entropy, int):
            entropy = [int(e) for e in entropy]
        record = {"bit_generator": type(bit_generator).__name__, "entropy": _json_value(entropy)}
        spawn_key = tuple(getattr(seed_seq, "spawn_key", ()) or ())
        if spawn_key:
            record["spawn_key"] = [int(k) for k in spawn_key]
        out[name] = record
        if len(out) >= 32:
            break
    return out


def python_random_seed(random_module, candidates):
    """The candidate from the cell that reproduces ``random``'s state exactly, if any.

    Valid only while nothing was drawn after seeding (index 624).
    """
    state = random_module.getstate()
    if state[1][-1] != 624:
        return None
    for candidate in candidates:
        if random_module.Random(candidate).getstate() == state:
            return _json_value(candidate)
    return None


def tensorflow_global_seed():
    """``tf.random.set_seed`` value, without creating a global generator."""
    context = sys.modules.get("tensorflow.python.eager.context")
    if context is not None and hasattr(context, "global_seed"):
        try:
            return _json_value(context.global_seed())
        except Exception:
            return None
    return None


# -- fingerprints -------------------------------------------------------------


def _digest(*chunks):
    h = hashlib.blake2b(digest_size=8)
    for chunk in chunks:
        h.update(chunk if isinstance(chunk, bytes) else repr(chunk).encode())
    return h.hexdigest()


def fingerprints():
    """16-hex-digit digests of the global RNG states; reading a state draws nothing."""
    out = {}
    random_module = sys.modules.get("random")
    if random_module is not None:
        import array

        version, internal, gauss = random_module.getstate()
        out["python"] = _digest(array.array("Q", internal).tobytes(), gauss)
    random = sys.modules.get("numpy.random")
    if random is not None:
        state = _numpy_state(random)
        if isinstance(state, tuple):
            out["numpy"] = _digest(state[1].tobytes(), state[0], state[2:])
        else:
            out["numpy"] = _digest(repr(sorted(state.items())))
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "get_rng_state"):
        out["torch_cpu"] = _digest(_tensor_bytes(torch.get_rng_state()))
        cuda = sys.modules.get("torch.cuda")
        if cuda is not None and _call_or_none(getattr(cuda, "is_initialized", None)):
            states = _call_or_none(getattr(cuda, "get_rng_state_all", None)) or []
            out["torch_cuda"] = _digest(*[_tensor_bytes(s) for s in states])
    return out


def _tensor_bytes(tensor):
    # .numpy() needs numpy, which torch imports itself; fall back to a list otherwise.
    if "numpy" in sys.modules:
        return tensor.numpy().tobytes()
    return bytes(tensor.tolist())
