"""Many bundles in one command, with real kernels and real venvs built by pip, offline.

Five bundles of four notebooks: growth and words recorded in one venv (one
lock), sampling and steady in it with tinystats added (another lock), and a
copy of growth whose manifest is broken. `nbrepro verify ... --report --jobs 2`
builds each lock once into the cache, and the bundle that shares a lock
builds nothing. Then real Snakemake runs the workflow `--workflow snakemake`
writes on three of them and gives the same results.json.
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path

import bundle_maker as maker
import jsonschema
import pytest
from capture.builders import wheel

pytestmark = [pytest.mark.kernel, pytest.mark.venv]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NAMES = ("growth", "words", "sampling", "steady")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    if not (maker.WHEELHOUSE / ".nbrepro-stamp").is_file():
        message = "no wheelhouse at %s: run bash scripts/setup.sh --browser" % maker.WHEELHOUSE
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("many")
    wheels = root / "wheels"
    wheel(wheels, "tinystats", "1.0", modules={"tinystats/__init__.py": maker.TINYSTATS})
    env = maker.offline_env(maker.WHEELHOUSE, wheels)
    python = maker.make_venv(root / "recording", ["ipykernel"], env)
    bundles = {}
    for name in NAMES[:2]:
        bundles[name] = maker.record_and_export(root / "notebooks", name, python)
    done = maker.run([python, "-m", "pip", "install", "-q", "tinystats==1.0"], env=env)
    assert done.returncode == 0, done.stderr
    for name in NAMES[2:]:
        bundles[name] = maker.record_and_export(root / "notebooks", name, python)
    bundles["broken"] = maker.break_bundle(bundles["growth"], root / "notebooks" / "broken")
    return {"root": root, "bundles": bundles, "env": env}


def verify(made, names, report, *extra, cwd=None):
    argv = [BIN / "nbrepro", "verify"] + [made["bundles"][n] for n in names]
    argv += ["--report", report] + list(extra)
    started = time.perf_counter()
    done = maker.run(argv, env=made["env"], cwd=cwd)
    done.seconds = time.perf_counter() - started
    return done


@pytest.fixture(scope="module")
def batch(made, tmp_path_factory):
    report = tmp_path_factory.mktemp("report")
    order = ["growth", "sampling", "words", "broken", "steady"]
    done = verify(made, order, report, "--jobs", "2", "--attest")
    results = json.loads((report / "results.json").read_text())
    return {"done": done, "report": report, "results": results, "order": order}


def test_five_bundles_in_one_call_each_lock_built_once(batch):
    done, results = batch["done"], batch["results"]
    assert done.returncode == 2, done.stdout + done.stderr  # the broken one is unusable
    by_name = {b["name"]: b for b in results["bundles"]}
    assert [b["name"] for b in results["bundles"]] == [
        "growth-bundle",
        "sampling-bundle",
        "words-bundle",
        "broken",
        "steady-bundle",
    ]
    assert by_name["growth-bundle"]["verdict"] == "verified"
    assert by_name["words-bundle"]["verdict"] == "verified"
    assert by_name["steady-bundle"]["verdict"] == "verified"
    # unseeded random draws: different, and the cause is named
    sampling = by_name["sampling-bundle"]
    assert sampling["verdict"] == "different"
    assert any("unseeded randomness" in cause for cause in sampling["causes"])
    assert results["summary"] == {
        "bundles": 5,
        "verified": 3,
        "different": 1,
        "unusable": 1,
        "cannot rebuild": 0,
    }
    # two locks, each built once: of each pair exactly one bundle built, the other reused
    for pair in (("growth-bundle", "words-bundle"), ("sampling-bundle", "steady-bundle")):
        first, second = (by_name[n]["environment"] for n in pair)
        assert first["key"] == second["key"]
        assert sorted([first["reused"], second["reused"]]) == [False, True]
        reused = by_name[pair[0]] if first["reused"] else by_name[pair[1]]
        built = by_name[pair[1]] if first["reused"] else by_name[pair[0]]
        assert reused["seconds"]["build"] < 1.0 <= built["seconds"]["build"]
    assert by_name["growth-bundle"]["environment"]["key"] != sampling["environment"]["key"]
    cache = Path(os.environ["NBREPRO_CACHE_DIR"]) / "envs"
    keys = {by_name[n]["environment"]["key"] for n in ("growth-bundle", "sampling-bundle")}
    assert keys <= {p.name for p in cache.iterdir() if p.is_dir()}
    for key in keys:  # one build each: the build log of one build
        log = (cache / key / "build.log").read_text()
        assert log.count("-m venv") == 1


def test_the_broken_bundle_is_reported_without_stopping_the_others(batch):
    broken = batch["results"]["bundles"][3]
    assert broken["verdict"] == "unusable" and broken["exit_status"] == 2
    assert "not an nbrepro bundle manifest" in broken["message"]
    # the bundle after it still ran
    assert batch["results"]["bundles"][4]["summary"]["same"] == 3


def test_results_json_validates_against_its_schema(batch):
    schema = json.loads((REPO / "schema" / "results.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(batch["results"], schema)
    for part in batch["results"]["bundles"]:
        saved = json.loads((batch["report"] / "bundles" / part["slug"] / "result.json").read_text())
        assert saved == part


def test_the_report_page_links_each_bundle_and_its_record(batch):
    index = (batch["report"] / "index.html").read_text()
    for part in batch["results"]["bundles"]:
        assert 'href="%s"' % part["page"] in index
        assert (batch["report"] / part["page"]).is_file()
        if part["verdict"] != "unusable":
            assert part["attestation"] and (batch["report"] / part["attestation"]).is_file()
    growth = batch["report"] / "bundles" / "01-growth-bundle"
    assert (growth / "cell-4-recorded-1.png").read_bytes().startswith(b"\x89PNG")
    assert (growth / "cell-4-rerun-1.png").is_file()
    assert "<script" not in index


def test_a_bundle_whose_lock_is_in_the_cache_starts_in_seconds(made, batch, tmp_path):
    done = verify(made, ["words"], tmp_path / "again")
    assert done.returncode == 0, done.stderr
    part = json.loads((tmp_path / "again" / "results.json").read_text())["bundles"][0]
    assert part["environment"]["reused"] is True
    assert part["seconds"]["build"] < 1.0


def normalised(results):
    """What the direct command and the workflow must agree on: all but times and
    whether an environment was there already."""
    results = json.loads(json.dumps(results))
    results.pop("created_at")
    for part in results["bundles"]:
        part.pop("seconds")
        if part["environment"]:
            part["environment"].pop("reused")
        part.pop("attestation")
        for cell in part["cells"]:  # unseeded draws differ from run to run
            if cell["difference"]:
                cell["difference"] = cell["difference"]["where"]
    return results


@pytest.mark.skipif(shutil.which("snakemake", path=str(BIN)) is None, reason="no snakemake")
def test_snakemake_runs_the_workflow_and_gives_the_same_results(made, tmp_path):
    names = ["growth", "sampling", "broken"]
    direct = verify(made, names, tmp_path / "direct", "--jobs", "2")
    assert direct.returncode == 2, direct.stderr
    workflow = tmp_path / "workflow"
    argv = [BIN / "nbrepro", "verify"] + [made["bundles"][n] for n in names]
    written = maker.run(argv + ["--workflow", "snakemake", "-o", workflow], env=made["env"])
    assert written.returncode == 0, written.stderr
    ran = maker.run([BIN / "snakemake", "--cores", "2"], cwd=workflow, env=made["env"])
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    by_workflow = json.loads((workflow / "report" / "results.json").read_text())
    by_command = json.loads((tmp_path / "direct" / "results.json").read_text())
    assert normalised(by_workflow) == normalised(by_command)
    assert (workflow / "report" / "index.html").is_file()

    shutil.rmtree(workflow / "report")
    dry = maker.run(
        [BIN / "snakemake", "--executor", "slurm", "--jobs", "3", "--dry-run"],
        cwd=workflow,
        env=made["env"],
    )
    assert dry.returncode == 0, dry.stdout[-3000:] + dry.stderr[-3000:]
    for rule in ("verify_01_growth_bundle", "verify_02_sampling_bundle", "verify_03_broken"):
        assert rule in dry.stdout
    assert "report" in dry.stdout and "total" in dry.stdout


def test_many_bundles_without_a_report_folder_is_a_usage_error(made):
    argv = [BIN / "nbrepro", "verify", made["bundles"]["growth"], made["bundles"]["words"]]
    done = maker.run(argv)
    assert done.returncode == 2
    assert "several bundles need --report DIR" in done.stderr
