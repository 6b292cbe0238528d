"""Seeds probe with real ``random``, real NumPy and real torch (CPU build)."""

import json
import random
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from nbrepro.capture import seeds
from nbrepro.capture.context import Context

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "schema" / "snapshot.schema.json").read_text())


def validate(section):
    schema = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/seeds"}
    jsonschema.Draft202012Validator(schema).validate(section)


def calls(source, user_ns=None):
    return seeds.scan_source(source, user_ns)["calls"]


def funcs(source, user_ns=None):
    return [c["func"] for c in calls(source, user_ns)]


# -- finding seeding in cell sources ---------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import numpy as np\nnp.random.seed(42)", ["numpy.random.seed"]),
        ("import numpy\nnumpy.random.RandomState(3)", ["numpy.random.RandomState"]),
        (
            "from numpy.random import default_rng, SeedSequence\n"
            "r = default_rng(1)\nSeedSequence(5)",
            ["numpy.random.default_rng", "numpy.random.SeedSequence"],
        ),
        (
            "import numpy as np\ng = np.random.Generator(np.random.PCG64(7))",
            ["numpy.random.PCG64"],
        ),
        ("import random as rnd\nrnd.seed(3)", ["random.seed"]),
        (
            "import torch\ntorch.manual_seed(0)\ntorch.cuda.manual_seed_all(0)\n"
            "torch.cuda.manual_seed(1)\ntorch.use_deterministic_algorithms(True)",
            [
                "torch.manual_seed",
                "torch.cuda.manual_seed_all",
                "torch.cuda.manual_seed",
                "torch.use_deterministic_algorithms",
            ],
        ),
        (
            "import tensorflow as tf\ntf.random.set_seed(1)\ntf.compat.v1.set_random_seed(2)\n"
            "tf.keras.utils.set_random_seed(3)\ntf.config.experimental.enable_op_determinism()",
            [
                "tensorflow.random.set_seed",
                "tensorflow.compat.v1.set_random_seed",
                "keras.utils.set_random_seed",
                "tensorflow.config.experimental.enable_op_determinism",
            ],
        ),
        (
            "import jax\nk = jax.random.PRNGKey(0)\nfrom jax import random as jr\nk2 = jr.key(1)",
            ["jax.random.PRNGKey", "jax.random.key"],
        ),
        (
            "from transformers import set_seed, enable_full_determinism\nset_seed(42)\n"
            "enable_full_determinism(42)",
            ["transformers.set_seed", "transformers.enable_full_determinism"],
        ),
        ("from accelerate.utils import set_seed\nset_seed(5)", ["accelerate.utils.set_seed"]),
        ("from lightning import seed_everything as se\nse(7)", ["lightning.seed_everything"]),
        (
            "import pytorch_lightning as pl\npl.seed_everything(3)",
            ["pytorch_lightning.seed_everything"],
        ),
        ("import torch\ng = torch.Generator()\ng.manual_seed(11)", ["g.manual_seed"]),
    ],
)
def test_seeding_apis_resolved_through_cell_imports(source, expected):
    assert funcs(source) == expected


def test_argument_values_literal_user_namespace_or_source():
    ns = {"SEED": 1234}
    found = calls(
        "import random as rnd\nfrom numpy.random import default_rng\n"
        "rnd.seed(SEED)\nrng = default_rng(seed=SEED + 1)\n"
        "import numpy as np\nnp.random.seed((1, 2))",
        ns,
    )
    assert found[0] == {
        "kind": "call",
        "func": "random.seed",
        "line": 3,
        "args": [{"name": "SEED", "value_at_capture": 1234}],
    }
    assert found[1]["kwargs"] == {"seed": {"source": "SEED + 1"}}
    assert found[2]["args"] == [{"literal": [1, 2]}]


def test_numpy_scalar_in_namespace_is_a_plain_number():
    found = calls("import torch\ntorch.manual_seed(S)", {"S": np.int64(9)})
    assert found[0]["args"] == [{"name": "S", "value_at_capture": 9}]


def test_names_resolved_through_the_user_namespace():
    ns = {"np": np, "ms": torch.manual_seed, "nps": np.random.seed, "rs": random.seed}
    source = "np.random.seed(5)\nms(3)\nnps(4)\nrs(2)"
    assert funcs(source, ns) == [
        "numpy.random.seed",
        "torch.manual_seed",
        "numpy.random.seed",
        "random.seed",
    ]


def test_random_state_and_seed_keywords():
    found = calls(
        "from sklearn.model_selection import train_test_split\n"
        "a, b = train_test_split(X, random_state=0)\nmodel.fit(X, seed=None)"
    )
    assert found[0]["kind"] == "keyword"
    assert found[0]["func"] == "sklearn.model_selection.train_test_split"
    assert found[0]["value"] == {"literal": 0}
    assert found[1]["func"] == "model.fit" and found[1]["keyword"] == "seed"


def test_environment_assignments_and_cudnn_flags():
    found = calls(
        "import os, torch\n"
        'os.environ["PYTHONHASHSEED"] = "0"\n'
        "os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n"
        'os.environ["PL_GLOBAL_SEED"] = str(7)\n'
        "torch.backends.cudnn.deterministic = True\n"
        "torch.backends.cudnn.benchmark = False\n"
        "torch.backends.cuda.matmul.allow_tf32 = False\n"
        'os.environ["HOME"] = "/x"\n'
    )
    env = [(c["name"], c["value"]) for c in found if c["kind"] == "env"]
    assert env == [
        ("PYTHONHASHSEED", {"literal": "0"}),
        ("CUBLAS_WORKSPACE_CONFIG", {"literal": ":4096:8"}),
        ("PL_GLOBAL_SEED", {"source": "str(7)"}),
    ]
    assert found[0]["effective"] is False
    flags = [(c["func"], c["value"]["literal"]) for c in found if c["kind"] == "flag"]
    assert flags == [
        ("torch.backends.cudnn.deterministic", True),
        ("torch.backends.cudnn.benchmark", False),
        ("torch.backends.cuda.matmul.allow_tf32", False),
    ]


def test_magics_are_removed_and_line_numbers_kept():
    source = (
        "%matplotlib inline\nimport numpy as np\n!pip list\nx = !ls\nnp.random.seed(1)\nnp.mean?"
    )
    (found,) = calls(source)
    assert found["func"] == "numpy.random.seed" and found["line"] == 5


def test_cell_magic_with_python_body_and_env_magic_through_ipython(monkeypatch):
    """With IPython loaded, its own transformer is used; magic bodies are scanned."""
    from IPython.core.inputtransformer2 import TransformerManager

    class Shell(object):
        transform_cell = staticmethod(TransformerManager().transform_cell)

    class FakeIPython(object):
        @staticmethod
        def get_ipython():
            return Shell()

    monkeypatch.setitem(__import__("sys").modules, "IPython", FakeIPython)
    found = calls("%%time\nimport torch\n\ntorch.manual_seed(3)\n")
    assert [(c["func"], c["line"]) for c in found] == [("torch.manual_seed", 4)]
    found = calls("%env PYTHONHASHSEED=0\n%timeit np.random.seed(1)\nimport numpy as np")
    assert [(c["kind"], c.get("name"), c["line"]) for c in found] == [
        ("env", "PYTHONHASHSEED", 1),
        ("call", None, 2),
    ]


def test_cell_magic_fallback_without_ipython():
    assert funcs("%%time\nimport numpy as np\nnp.random.seed(2)") == ["numpy.random.seed"]
    assert funcs("%%bash\necho seed=1\n") == []


def test_cells_without_seeding_are_not_parsed_and_cost_little():
    plain = "\n".join("x%d = compute(x%d) + 1" % (i, i - 1) for i in range(200))
    assert not seeds.might_seed(plain)
    assert seeds.scan_source(plain) == {"calls": []}
    assert seeds.scan_source("def broken(:\n    rng") == {
        "calls": [],
        "error": "cell is not Python after removing magics (line 1)",
    }
    assert seeds.scan_source(None) is None


# -- recovered seeds ---------------------------------------------------------------


def test_numpy_legacy_seed_only_while_fresh():
    np.random.seed(12345)
    assert seeds.numpy_legacy_seed() == 12345
    np.random.seed(0)
    assert seeds.numpy_legacy_seed() == 0
    np.random.rand()
    assert seeds.numpy_legacy_seed() is None
    np.random.seed([1, 2])
    assert seeds.numpy_legacy_seed() is None
    np.random.seed(7)
    np.random.standard_normal()  # draws, and may cache a gaussian
    assert seeds.numpy_legacy_seed() is None


def test_generator_entropy_from_the_user_namespace():
    ns = {
        "rng": np.random.default_rng(42),
        "fresh": np.random.default_rng(),
        "child": np.random.default_rng(5).spawn(2)[1],
        "_hidden": np.random.default_rng(1),
        "other": 3,
    }
    found = seeds.numpy_generators(ns)
    assert found["rng"] == {"bit_generator": "PCG64", "entropy": 42}
    entropy = ns["fresh"].bit_generator.seed_seq.entropy
    assert found["fresh"]["entropy"] == str(entropy)  # 128 bits travel as a string
    assert found["child"]["entropy"] == 5 and found["child"]["spawn_key"] == [1]
    assert set(found) == {"rng", "fresh", "child"}


def test_torch_initial_seed_and_python_candidate_verification():
    torch.manual_seed(7)
    random.seed(99)
    found = seeds.recover({}, calls("import random\nrandom.seed(99)"))
    assert found["torch.initial_seed"] == 7
    assert "torch.cuda.initial_seed" not in found
    assert found["python.random_seed"] == 99
    random.random()
    assert seeds.recover({}, calls("import random\nrandom.seed(99)"))["python.random_seed"] is None


def test_pl_global_seed(monkeypatch):
    monkeypatch.setenv("PL_GLOBAL_SEED", "31")
    assert seeds.recover({})["PL_GLOBAL_SEED"] == 31


# -- fingerprints ------------------------------------------------------------------


def test_fingerprints_stable_and_change_after_a_draw():
    first = seeds.fingerprints()
    assert set(first) == {"python", "numpy", "torch_cpu"}
    assert seeds.fingerprints() == first
    random.random()
    np.random.rand()
    torch.rand(1)
    after = seeds.fingerprints()
    assert all(after[k] != first[k] for k in first)


def test_capture_consumes_no_random_numbers():
    def draws():
        return (random.random(), float(np.random.rand()), float(torch.rand(1)), ns["rng"].random())

    ns = {}

    def reset():
        random.seed(1)
        np.random.seed(1)
        torch.manual_seed(1)
        ns["rng"] = np.random.default_rng(1)

    reset()
    expected = draws()
    reset()
    ctx = Context(user_ns=ns, cell_source="import numpy as np\nnp.random.seed(1)\nrandom.seed(1)")
    for _ in range(3):
        seeds.probe(ctx)
    assert draws() == expected


# -- the probe ------------------------------------------------------------------------


def test_probe_status_across_cells():
    ctx = Context(cell_source="x = 1")
    first = seeds.probe(ctx)
    assert first["calls"] == []
    np.random.seed(3)
    ctx.cell_source = "import numpy as np\nnp.random.seed(3)"
    second = seeds.probe(ctx)
    assert second["status"] == "seeded"
    assert second["recovered"]["numpy.legacy_seed"] == 3
    np.random.rand()
    ctx.cell_source = "y = np.random.rand()"
    third = seeds.probe(ctx)
    assert third["status"] == "seeded" and third["seeded_earlier_by"] == ["numpy.random.seed"]
    unknown = seeds.probe(Context(cell_source=None))
    assert unknown["status"] in ("unknown", "seeded")  # torch/numpy may reveal seeds
    for section in (first, second, third, unknown):
        validate(section)
    assert not ctx.problems


def test_unseeded_status_with_nothing_recoverable():
    random.random()
    section = seeds.probe(Context(cell_source="import math\nmath.sqrt(2)"))
    if section["recovered"].get("numpy.legacy_seed") is None:
        assert section["status"] == "unseeded"


def test_timings_are_small(capsys):
    """Costs for the report (not strict benchmarks): per-cell scan and fingerprints."""
    plain = "\n".join("x%d = compute(x%d) + 1" % (i, i - 1) for i in range(30))
    seeded = (
        "import numpy as np\nimport torch\n" + plain + "\nnp.random.seed(1)\ntorch.manual_seed(1)"
    )

    def per_call(fn, n=200):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) / n * 1e6

    ctx = Context(user_ns={}, cell_source=plain)
    without = per_call(lambda: seeds.scan_source(plain, {}))
    with_calls = per_call(lambda: seeds.scan_source(seeded, {}))
    prints = per_call(seeds.fingerprints)
    whole = per_call(lambda: seeds.probe(ctx))
    with capsys.disabled():
        print(
            "\nseeds: scan without seeding %.1f us, with seeding %.1f us, fingerprints %.1f us, "
            "probe %.1f us" % (without, with_calls, prints, whole)
        )
    assert without < 200
    assert prints < 2000
