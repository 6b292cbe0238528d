"""run.sh, run for real with bash against bundles built here, and the Dockerfile,
read with dockerfile-parse.

There is no conda here: conda bundles run against a `micromamba` stand-in that
records its arguments and lays out a prefix whose python logs `-m pip` calls
and runs anything else with this Python. pip bundles build a real venv from a
wheel folder (PIP_NO_INDEX, PIP_FIND_LINKS: the user's pip settings reach pip).
"""

import hashlib
import io
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from capture import builders
from capture.conftest import PY_MM
from harness import shellcheck, uses

from nbrepro.export import recipes

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    try:
        import tinypkg
        version = tinypkg.VERSION
    except ImportError:
        version = None
    keys = [k for k in os.environ if k.startswith("NBT_")] + ["PYTHONHASHSEED"]
    print("RESULT " + json.dumps({
        "version": version, "argv": sys.argv[1:], "prefix": sys.prefix,
        "cwd": os.getcwd(), "env": dict((k, os.environ.get(k)) for k in keys),
    }))
    if "--exit" in sys.argv:
        sys.exit(int(sys.argv[sys.argv.index("--exit") + 1]))
    """
)
HOSTILE = "a b'c\"$(touch PWNED1);`touch PWNED2`;touch PWNED3 \\ $HOME *"
HOST_LINUX_64 = sys.platform.startswith("linux") and platform.machine() == "x86_64"


def plan(**changes):
    base = {
        "kind": "pip",
        "script": "analysis.py",
        "notebook": "analysis.ipynb",
        "python": PY_MM,
        "platform": None,
        "lock": None,
        "env": {"PYTHONHASHSEED": "0"},
    }
    base.update(changes)
    return base


def write_bundle(folder, the_plan, requirements="tinypkg==1.0\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / the_plan["script"]).parent.mkdir(parents=True, exist_ok=True)
    (folder / the_plan["script"]).write_text(SCRIPT)
    (folder / the_plan["notebook"]).write_text("{}")
    (folder / "requirements.txt").write_text("# pip part\n" + requirements)
    if the_plan["kind"] == "pip":
        (folder / "runtime.txt").write_text("python-%s\n" % the_plan["python"])
    else:
        (folder / "environment.yml").write_text("name: x\ndependencies:\n  - python\n")
        if the_plan["lock"]:
            (folder / the_plan["lock"]).write_text("@EXPLICIT\n")
    run_sh = folder / "run.sh"
    run_sh.write_text(recipes.run_sh(the_plan))
    run_sh.chmod(0o755)
    check = recipes.check_packages_sh(the_plan)
    if check:
        (folder / recipes.CHECK_SCRIPT).write_text(check)
    return folder


def stub(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    """A wheel index, a stub micromamba and a stub nbrepro."""
    root = tmp_path_factory.mktemp("tools")
    builders.wheel(root / "index", "tinypkg", "1.0")
    log = root / "calls.log"
    # The prefix's python: pip calls are logged (nothing to install here), the rest runs.
    env_python = (
        'if [ "$1" = -m ] && [ "$2" = pip ]; then echo "pip $*" >> %s; exit 0; fi\n'
        'exec %s "$@"\n' % (shlex.quote(str(log)), shlex.quote(sys.executable))
    )
    conda_stub = "\n".join(
        [
            'printf \'%%s\\n\' "$(basename "$0") $*" >> %s' % shlex.quote(str(log)),
            'while [ "$#" -gt 0 ]; do',
            '  if [ "$1" = -p ]; then prefix=$2; fi',
            "  shift",
            "done",
            'mkdir -p "$prefix/bin" "$prefix/conda-meta"',
            "cat > \"$prefix/bin/python\" <<'EOF'",
            "#!/bin/sh",
            env_python + "EOF",
            'chmod +x "$prefix/bin/python"',
            "",
        ]
    )
    stub(root / "bin", "micromamba", conda_stub)
    stub(root / "other", "conda", conda_stub)
    record = 'for a in "$@"; do echo "$a"; done > %s\n' % shlex.quote(str(root / "verify.args"))
    stub(root / "bin", "nbrepro", record)
    return {
        "root": root,
        "index": root / "index",
        "bin": root / "bin",
        "log": log,
        "conda": root / "other" / "conda",
    }


def environ(tools, with_stubs=True, **extra):
    path = [str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    if with_stubs:
        path.insert(0, str(tools["bin"]))
    env = dict(os.environ, PATH=os.pathsep.join(path), PIP_NO_INDEX="1")
    env.update(PIP_FIND_LINKS=str(tools["index"]), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("NBREPRO_CONDA", None)
    env.pop("NBREPRO_PYTHON", None)
    # These tests are about building .env; the shared cache has tests of its own.
    env["NBREPRO_CACHE"] = "off"
    env.update(extra)
    return env


def run(bundle, *args, env, cwd):
    result = subprocess.run(
        [str(bundle / "run.sh"), *args],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result.data = None
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            result.data = json.loads(line[len("RESULT ") :])
    return result


@pytest.fixture(scope="module")
@uses("venv")  # run.sh builds a venv
def pip_bundle(tools, tmp_path_factory):
    """A pip bundle whose venv is built once, with --no-run."""
    bundle = write_bundle(tmp_path_factory.mktemp("pip") / "my bundle", plan())
    elsewhere = tmp_path_factory.mktemp("cwd")
    result = run(bundle, "--no-run", env=environ(tools), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.data is None  # built, not run
    return bundle


@pytest.mark.venv
def test_pip_bundle_builds_a_venv_runs_and_reuses_it(tools, tmp_path):
    bundle = write_bundle(tmp_path / "bundle", plan(env={"PYTHONHASHSEED": "0", "NBT_X": "1 2"}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = run(bundle, "--", "--alpha", "3", env=environ(tools), cwd=elsewhere)
    assert first.returncode == 0, first.stderr
    # the notebook's pythonX.Y when there is one, as nbrepro verify picks it
    assert "run.sh: building %s/.env with python%s -m venv" % (bundle.resolve(), PY_MM) in (
        first.stderr
    )
    assert first.data["version"] == "1.0"  # the wheel came from PIP_FIND_LINKS
    assert first.data["argv"] == ["--alpha", "3"]
    assert first.data["env"] == {"NBT_X": "1 2", "PYTHONHASHSEED": "0"}
    assert first.data["prefix"] == str((bundle / ".env").resolve())
    assert first.data["cwd"] == str(bundle.resolve())
    assert (bundle / ".env" / ".nbrepro-stamp").read_text().startswith("method pip\n")

    second = run(bundle, env=environ(tools), cwd=elsewhere)
    assert second.returncode == 0, second.stderr
    assert "reusing the environment" in second.stderr and "building" not in second.stderr
    assert second.data["argv"] == []

    with open(bundle / "requirements.txt", "a") as handle:
        handle.write("# changed\n")
    third = run(bundle, "--no-run", env=environ(tools), cwd=elsewhere)
    assert "removing the old environment" in third.stderr and "building" in third.stderr
    assert third.returncode == 0 and third.data is None


def test_failures_propagate_with_clear_messages(tools, pip_bundle, tmp_path):
    env = environ(tools)
    failed = run(pip_bundle, "--", "--exit", "7", env=env, cwd=tmp_path)
    assert failed.returncode == 7 and failed.data["argv"] == ["--exit", "7"]
    unknown = run(pip_bundle, "--alpha", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert "run.sh: unknown option: --alpha (script arguments go after --" in unknown.stderr
    helped = run(pip_bundle, "--help", env=env, cwd=tmp_path)
    assert (
        helped.returncode == 0 and "Usage: ./run.sh [--verify [--allow-modified]]" in helped.stdout
    )
    no_python = run(
        pip_bundle,
        "--rebuild",
        "--env",
        "fresh",
        env=dict(env, NBREPRO_PYTHON="python0.0"),
        cwd=tmp_path,
    )
    assert no_python.returncode == 1
    assert (
        "run.sh: no python0.0 on PATH; install Python %s or set NBREPRO_PYTHON" % PY_MM
        in no_python.stderr
    )


def test_verify_calls_nbrepro_with_the_bundle_and_env_python(tools, pip_bundle, tmp_path):
    result = run(pip_bundle, "--verify", env=environ(tools), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.data["version"] == "1.0"
    args = (tools["root"] / "verify.args").read_text().splitlines()
    real = pip_bundle.resolve()
    assert args == ["verify", str(real), "--python", str(real / ".env" / "bin" / "python")]


def test_verify_without_nbrepro_says_how_to_install_it(tools, pip_bundle, tmp_path):
    env = environ(tools, with_stubs=False)
    env["PATH"] = "/usr/bin:/bin"  # no nbrepro, and a python3 without it, if any
    probe = subprocess.run(
        ["sh", "-c", "python3 -c 'import nbrepro'"], env=env, capture_output=True
    )
    if probe.returncode == 0:
        pytest.skip("the system python3 has nbrepro installed")
    result = run(pip_bundle, "--verify", "--no-run", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert (
        "run.sh: --verify needs nbrepro: install it with: python3 -m pip install 'nbrepro[images]'"
        in result.stderr
    )


def test_env_folder_is_relative_to_the_caller_and_never_clobbered(tools, pip_bundle, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("precious")
    refused = run(pip_bundle, "--env", "mine", env=environ(tools), cwd=tmp_path)
    assert refused.returncode == 1
    assert (
        "mine exists and was not built by run.sh; remove it yourself or pick another --env"
        in refused.stderr
    )
    assert (mine / "keep.txt").read_text() == "precious"
    built_there = run(pip_bundle, "--env=venv here", "--", "x", env=environ(tools), cwd=tmp_path)
    assert built_there.returncode == 0, built_there.stderr
    assert built_there.data["prefix"] == str((tmp_path / "venv here").resolve())


@pytest.mark.venv
def test_python_version_mismatch_warns_and_goes_on(tools, tmp_path):
    bundle = write_bundle(tmp_path / "b", plan(python="3.1"), requirements="")
    result = run(bundle, env=environ(tools), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "run.sh: WARNING: the notebook ran on Python 3.1, python3 is Python %s;" % PY_MM
        in result.stderr
    )


@pytest.mark.skipif(not HOST_LINUX_64, reason="the lock test expects a linux-64 host")
def test_conda_bundle_uses_the_lock_on_its_platform(tools, tmp_path):
    the_plan = plan(kind="conda", platform="linux-64", lock="conda-linux-64.lock")
    bundle = write_bundle(tmp_path / "b", the_plan)
    tools["log"].write_text("")
    result = run(bundle, "--", "--beta", env=environ(tools), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    env_dir = bundle.resolve() / ".env"
    python = env_dir / "bin" / "python"
    assert tools["log"].read_text().splitlines() == [
        "micromamba create --yes -p %s --file conda-linux-64.lock" % env_dir,
        "pip -m pip install -r requirements.txt",  # the lock holds no pip packages
    ]
    assert result.data["argv"] == ["--beta"] and python.exists()
    again = run(bundle, env=environ(tools), cwd=tmp_path)
    assert "reusing" in again.stderr and len(tools["log"].read_text().splitlines()) == 2


def test_the_script_runs_from_the_notebooks_folder_and_missing_inputs_are_named_first(
    tools, tmp_path
):
    """Issue 21: the bundle keeps the project's layout, so the script runs where the
    notebook ran (its ../../data/x.csv resolves); what the bundle could not carry is
    named before anything is built."""
    data = b"a,b\n1,2\n"
    the_plan = plan(
        kind="conda",
        platform="linux-64",
        lock="conda-linux-64.lock",
        script="notebooks/topic/analysis.py",
        notebook="notebooks/topic/analysis.ipynb",
        expected=[
            ("../../../shared/t.csv", hashlib.sha256(b"t").hexdigest(), "outside the project"),
            ("../../data/big.bin", "", "not carried: over the data limit"),
            ("../../data/x.csv", hashlib.sha256(data).hexdigest(), "outside the project"),
        ],
    )
    bundle = write_bundle(tmp_path / "place" / "b", the_plan)
    (bundle / "data").mkdir()
    (bundle / "data" / "x.csv").write_bytes(data + b"changed")
    tools["log"].write_text("")
    result = run(bundle, env=environ(tools), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.data["cwd"] == str(bundle.resolve() / "notebooks" / "topic")
    lines = result.stderr.splitlines()
    folder = bundle.resolve() / "notebooks" / "topic"
    assert lines[:4] == [
        "run.sh: MISSING: ../../../shared/t.csv (from the notebook's folder, %s): outside the "
        "project" % folder,
        "run.sh: MISSING: ../../data/big.bin (from the notebook's folder, %s): not carried: "
        "over the data limit" % folder,
        "run.sh: WARNING: ../../data/x.csv is not the file the notebook read (its sha256 differs)",
        "run.sh: WARNING: 2 file(s) the notebook needs are missing (above): put them at those "
        "paths, or the cells that use them will fail",
    ]
    assert lines[4].startswith("run.sh: building")


def test_conda_bundle_falls_back_to_environment_yml(tools, tmp_path):
    the_plan = plan(kind="conda", platform="osx-arm64", lock="conda-osx-arm64.lock")
    bundle = write_bundle(tmp_path / "b", the_plan, requirements="")
    tools["log"].write_text("")
    env = environ(tools, NBREPRO_CONDA=str(tools["conda"]))  # conda, not micromamba
    result = run(bundle, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the lock is for osx-arm64, this machine is" in result.stderr
    env_dir = bundle.resolve() / ".env"
    assert tools["log"].read_text().splitlines() == [
        "conda env create -p %s --file environment.yml" % env_dir
    ]
    missing = run(bundle, "--rebuild", env=environ(tools, with_stubs=False), cwd=tmp_path)
    assert missing.returncode == 1
    assert (
        "run.sh: this environment needs conda, mamba or micromamba, and none is on PATH"
        in missing.stderr
    )


def test_hostile_names_and_values_are_data_not_code(tools, tmp_path):
    values = {
        "NBT_A": "$(touch PWNED4)",
        "NBT_B": "`touch PWNED5`; touch PWNED6",
        "NBT_C": 'it\'s "x"',
    }
    the_plan = plan(
        kind="conda",
        platform="osx-arm64",
        script=HOSTILE + ".py",
        notebook="-n " + HOSTILE + ".ipynb",
        lock="-x" + HOSTILE + ".lock",
        env=values,
    )
    bundle = write_bundle(tmp_path / ("dir " + HOSTILE.replace("\\", "")), the_plan)
    text = recipes.run_sh(the_plan)
    status, findings = shellcheck(text)
    assert status == 0, findings
    result = run(bundle, "--", "$(touch PWNED7)", env=environ(tools), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.data["env"] == dict(values, PYTHONHASHSEED=None)
    assert result.data["argv"] == ["$(touch PWNED7)"]
    for folder in (tmp_path, bundle, Path.cwd()):
        assert not list(folder.glob("PWNED*")), folder


LOCAL = plan(
    carried=[("wheels/mylib-0.1.0-py3-none-any.whl", "0" * 64)],
    needed=[("big_lib 2.0", "Big.Lib 2.0 " + HOSTILE, "supply it: " + HOSTILE, "1" * 64)],
    wheels=True,
    vcs_tools=["git", "nbrepro-test-no-such-vcs"],
)


@pytest.mark.venv
def test_pre_check_names_what_is_missing_and_checks_carried_hashes(tools, tmp_path):
    """run.sh stops before building (exit 5) and names each missing package; a
    hostile name stays data; a changed carried wheel is named; once supplied
    (in a PIP_FIND_LINKS folder, or wheels/), the check passes."""
    bundle = write_bundle(tmp_path / "b", LOCAL)
    (bundle / "wheels").mkdir()
    carried = bundle / "wheels" / "mylib-0.1.0-py3-none-any.whl"
    carried.write_bytes(b"not the installed file")
    result = run(bundle, "--no-run", env=environ(tools), cwd=tmp_path)
    assert result.returncode == 5, result.stderr
    assert "MISSING: Big.Lib 2.0 " + HOSTILE + ", which no index has: supply it: " in (
        result.stderr
    )
    assert "CHANGED: wheels/mylib-0.1.0-py3-none-any.whl is not the file" in result.stderr
    assert "MISSING: nbrepro-test-no-such-vcs, which pip needs to fetch a package" in result.stderr
    assert "MISSING: git" not in result.stderr
    assert "not building: 3 package(s) no index has are missing or changed" in result.stderr
    assert not (bundle / ".env").exists()
    assert not list(tmp_path.glob("PWNED*")) and not list(bundle.glob("PWNED*"))

    fixed = dict(LOCAL, carried=[(LOCAL["carried"][0][0], sha256_of(carried))], vcs_tools=[])
    (bundle / "run.sh").write_text(recipes.run_sh(fixed))
    (bundle / recipes.CHECK_SCRIPT).write_text(recipes.check_packages_sh(fixed))
    supplied = tmp_path / "supplied"
    supplied.mkdir()
    (supplied / "Big_Lib-2.0-py3-none-any.whl").write_bytes(b"x")
    env = environ(tools)
    env["PIP_FIND_LINKS"] = "%s %s" % (env["PIP_FIND_LINKS"], supplied)
    result = run(bundle, "--no-run", env=env, cwd=tmp_path)
    # found; its sha256 is not the recorded one, which is a warning only;
    # then pip goes on and fails on the fake wheel, past the check
    assert "MISSING" not in result.stderr and "CHANGED" not in result.stderr
    assert "is not the file the notebook's environment was installed from" in result.stderr


def sha256_of(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_sh_is_shellcheck_clean():
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed")
    for the_plan in (
        plan(),
        plan(env={}),
        plan(kind="conda", platform="linux-64", lock="conda-linux-64.lock"),
        plan(kind="conda", platform="osx-arm64", lock=None),
        LOCAL,
    ):
        texts = [recipes.run_sh(the_plan), recipes.check_packages_sh(the_plan)]
        for text in filter(None, texts):
            status, findings = shellcheck(text)
            assert status == 0, findings


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": "pixi"}, "kind must be"),
        ({"python": "3.11.7"}, "major.minor"),
        ({"python": "3.11; rm -rf /"}, "major.minor"),
        ({"script": "/etc/passwd"}, "inside the bundle"),
        ({"notebook": "../up.ipynb"}, "inside the bundle"),
        ({"env": {"A-B": "1"}}, "identifiers"),
        ({"env": {"$(x)": "1"}}, "identifiers"),
        ({"kind": "conda", "lock": "x.lock", "platform": None}, "platform"),
    ],
)
def test_plans_that_cannot_be_written_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        recipes.run_sh(plan(**changes))
    with pytest.raises(ValueError, match=message):
        recipes.dockerfile(plan(**changes))


# ---------------------------------------------------------------- Dockerfile


def parse(text):
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(fileobj=io.BytesIO())
    parser.content = text
    return parser


def instructions(parser):
    return [
        (i["instruction"], i["value"]) for i in parser.structure if i["instruction"] != "COMMENT"
    ]


def copied(value):
    """The files of a `COPY --chown=... ["a", "b", "./"]` instruction."""
    chown, _, array = value.partition(" ")
    assert chown == "--chown=$MAMBA_USER:$MAMBA_USER"
    *sources, target = json.loads(array)
    assert target == "./"
    return sources


def test_dockerfile_for_a_conda_lock_caches_the_environment_layer():
    the_plan = plan(
        kind="conda",
        platform="linux-64",
        lock="conda-linux-64.lock",
        env={"PYTHONHASHSEED": "0", "NBT": 'a "b" c'},
    )
    parser = parse(recipes.dockerfile(the_plan))
    steps = instructions(parser)
    assert steps[0] == ("FROM", "--platform=linux/amd64 mambaorg/micromamba:2.9.0")
    assert parser.baseimage == "mambaorg/micromamba:2.9.0"
    kinds = [kind for kind, _ in steps]
    assert kinds == [
        "FROM",
        "USER",
        "RUN",
        "USER",
        "WORKDIR",
        "COPY",
        "RUN",
        "ARG",
        "RUN",
        "ENV",
        "ENV",
        "COPY",
        "CMD",
    ]
    assert steps[3] == ("USER", "$MAMBA_USER")  # non-root from here on
    assert "USER" not in kinds[4:]
    assert copied(steps[5][1]) == ["conda-linux-64.lock", "requirements.txt"]
    assert steps[6][1].startswith("micromamba install --yes --name base --file conda-linux-64.lock")
    assert steps[6][1].endswith("micromamba clean --all --yes")
    assert "pip install --no-cache-dir -r requirements.txt" in steps[8][1]
    assert parser.envs["NBT"] == 'a "b" c' and parser.envs["PYTHONHASHSEED"] == "0"
    # The notebook and script come last: editing them reuses the environment layers.
    assert copied(steps[11][1]) == ["analysis.ipynb", "analysis.py"]
    assert json.loads(steps[12][1]) == ["python", "analysis.py"]


def test_dockerfile_for_pip_and_for_a_foreign_lock():
    pip_steps = instructions(parse(recipes.dockerfile(plan())))
    assert pip_steps[0] == ("FROM", "mambaorg/micromamba:2.9.0")
    assert copied(pip_steps[5][1]) == ["requirements.txt"]
    assert pip_steps[6][1].startswith(
        "micromamba install --yes --name base --channel conda-forge python=%s pip" % PY_MM
    )
    assert pip_steps[8] == ("RUN", "python -m pip install --no-cache-dir -r requirements.txt")
    no_pip = plan(kind="conda", platform="linux-64", lock="l.lock", requirements=False)
    no_pip_steps = instructions(parse(recipes.dockerfile(no_pip)))
    assert copied(no_pip_steps[5][1]) == ["l.lock"]
    assert [kind for kind, _ in no_pip_steps[6:]] == ["RUN", "ENV", "COPY", "CMD"]
    assert "requirements.txt" not in no_pip_steps[6][1]
    foreign = recipes.dockerfile(
        plan(kind="conda", platform="osx-arm64", lock="conda-osx-arm64.lock")
    )
    steps = instructions(parse(foreign))
    assert "conda-osx-arm64.lock" not in foreign
    assert copied(steps[5][1]) == ["environment.yml"]
    assert steps[6][1].startswith("micromamba install --yes --name base --file environment.yml")


def test_dockerfile_quotes_names_and_refuses_what_it_cannot_quote():
    name = "a b'c\";`x` & y"
    text = recipes.dockerfile(
        plan(script=name + ".py", notebook=name + ".ipynb", env={"V": '$HOME \\ "q"'})
    )
    steps = instructions(parse(text))
    assert copied(steps[-2][1]) == [name + ".ipynb", name + ".py"]
    assert json.loads(steps[-1][1]) == ["python", name + ".py"]
    # Docker expands $ in ENV unless escaped; \ and " are escaped for its double quotes.
    assert 'ENV V="\\$HOME \\\\ \\"q\\""' in text.splitlines()
    for bad in ("$(touch x)", "a*b", "new\nline", "back\\slash"):
        with pytest.raises(ValueError, match="rename it"):
            recipes.dockerfile(plan(script=bad + ".py"))
    with pytest.raises(ValueError, match="line break"):
        recipes.dockerfile(plan(env={"V": "a\nRUN touch x"}))


NVIDIA_SMI = """if [ "$1" = -L ]; then
  %s
  exit 0
fi
echo '+-----------------------------------------------------------------------------------------+'
echo '| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: %s     |'
echo '+-----------------------------------------------------------------------------------------+'
"""


@pytest.mark.parametrize(
    "smi, args, status, message",
    [
        (None, (), 4, "the notebook ran on an NVIDIA GPU with CUDA 12.1, and this machine has "
         "no nvidia-smi (no NVIDIA driver installed); pass --no-gpu-check"),
        (("echo 'GPU 0: NVIDIA H100 (UUID: GPU-1)'", "11.8"), (), 4,
         "this driver supports CUDA 11.8 only: update the NVIDIA driver to one for CUDA 12.1"),
        (("true", "12.4"), (), 4, "nvidia-smi lists no GPU here"),
        (("echo 'GPU 0: NVIDIA H100 (UUID: GPU-1)'", "12.4"), (), 0,
         "GPU check: 1 GPU(s), driver for CUDA 12.4 (the notebook used 12.1)"),
        (None, ("--no-gpu-check",), 0, "skipping the GPU check (--no-gpu-check)"),
    ],
)  # fmt: skip
def test_gpu_bundle_checks_the_gpu_and_driver_before_running(
    tools, pip_bundle, tmp_path, smi, args, status, message
):
    bundle = write_bundle(tmp_path / "gpu", plan(gpu=True, cuda="12.1"))
    env = environ(tools)
    if smi is not None:
        stub(tmp_path / "smi", "nvidia-smi", NVIDIA_SMI % smi)
        env["PATH"] = str(tmp_path / "smi") + os.pathsep + env["PATH"]
    # the environment pip_bundle built fits (same requirements): no rebuild
    result = run(bundle, *args, "--env", pip_bundle / ".env", env=env, cwd=tmp_path)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert (result.data is not None) == (status == 0)  # the script ran only after the check


def test_gpu_run_sh_is_shellcheck_clean_and_cpu_bundles_check_nothing():
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed")
    for the_plan in (plan(gpu=True, cuda="12.1"), plan(gpu=True), plan(cuda="11.8")):
        text = recipes.run_sh(the_plan)
        assert "gpu_needed=1" in text
        status, findings = shellcheck(text)
        assert status == 0, findings
    assert "gpu_needed=0" in recipes.run_sh(plan())
    with pytest.raises(ValueError, match="cuda must be a version"):
        recipes.run_sh(plan(cuda="12.1; rm -rf /"))


def test_verify_runs_even_when_the_script_fails_and_both_outcomes_are_told(
    tools, pip_bundle, tmp_path
):
    # Issue 14 (7): `set -e` used to stop run.sh at the failed script, before verify.
    args = tools["root"] / "verify.args"
    if args.exists():
        args.unlink()
    result = run(pip_bundle, "--verify", "--", "--exit", "7", env=environ(tools), cwd=tmp_path)
    assert result.returncode == 7
    assert args.read_text().splitlines()[0] == "verify"
    assert (
        "run.sh: the script failed with exit status 7; nbrepro verify: the notebook verifies"
        in result.stderr
    )
    # The manifest check before building passes; the re-run fails.
    stub(tools["bin"], "nbrepro", 'case "$*" in *--check-only*) exit 0 ;; esac\nexit 1\n')
    try:
        result = run(pip_bundle, "--verify", "--no-run", env=environ(tools), cwd=tmp_path)
    finally:
        stub(
            tools["bin"],
            "nbrepro",
            'for a in "$@"; do echo "$a"; done > %s\n' % shlex.quote(str(args)),
        )
    assert result.returncode == 1
    assert (
        "run.sh: the script was not run (--no-run); nbrepro verify: failed with exit status 1"
        in result.stderr
    )


def _shipped_stamp(bundle, method, files):
    """What run.sh's stamp() prints for ``bundle``: a stamp a bundle's author can
    compute and ship in .env/ (before issue 20 it was all run.sh compared)."""
    lines = ["method %s" % method]
    for name in files:
        digest = hashlib.sha256((bundle / name).read_bytes()).hexdigest()
        lines.append("%s  %s" % (digest, name))
    return "\n".join(lines) + "\n"


def test_an_environment_that_came_with_the_bundle_is_never_run(tools, tmp_path):
    """Issue 20, defect 6: a bundle holding .env/bin/python and the stamp run.sh
    would write for it was reused, and its python ran. run.sh's stamp now ends
    with the folder it built, by inode and real path, which the author cannot
    know; nbrepro verify reads the same line (bundles.stamp_line)."""
    from nbrepro.verify import bundle as bundles

    bundle = write_bundle(tmp_path / "b", plan(kind="conda"))
    marker = tmp_path / "ran"
    stub(bundle / ".env" / "bin", "python", "touch %s\nexit 9\n" % shlex.quote(str(marker)))
    (bundle / ".env" / ".nbrepro-stamp").write_text(
        _shipped_stamp(bundle, "environment.yml", ["environment.yml", "requirements.txt"])
    )
    result = run(bundle, env=environ(tools), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert "removing the old environment" in result.stderr and "building" in result.stderr
    assert result.data["argv"] == []  # the script ran, in what run.sh built
    env = bundle / ".env"
    last = (env / ".nbrepro-stamp").read_text().splitlines()[-1]
    assert last == bundles.stamp_line(os.stat(env).st_ino, os.path.realpath(env))
    assert bundles.built_here(env)
    again = run(bundle, "--no-run", env=environ(tools), cwd=tmp_path)
    assert "reusing the environment" in again.stderr


@pytest.mark.parametrize("cache", ["off", "on"])
def test_verify_checks_the_manifest_before_anything_is_built(tools, tmp_path, cache):
    """Issue 20, defect 6: ./run.sh --verify ran pip install (a package's setup
    code) before any manifest check. The check comes first, before preflight
    and before a build in .env or in the environment cache."""
    bundle = write_bundle(tmp_path / "b", plan(kind="conda"))
    calls = tmp_path / "calls"
    stub(
        tmp_path / "bin",
        "nbrepro",
        'echo "$*" >> %s\n' % shlex.quote(str(calls))
        + 'case "$*" in *--allow-modified*) exit 0 ;;\n'
        + '  *--check-only*) echo "changed after export" >&2; exit 2 ;; esac\nexit 0\n',
    )
    env = environ(tools, NBREPRO_CACHE=cache, NBREPRO_CACHE_DIR=str(tmp_path / "cache"))
    env["PATH"] = "%s%s%s" % (tmp_path / "bin", os.pathsep, env["PATH"])
    result = run(bundle, "--verify", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "changed after export" in result.stderr
    assert calls.read_text().splitlines() == ["verify %s --check-only" % bundle.resolve()]
    assert not (bundle / ".env").exists()
    assert not (tmp_path / "cache" / "envs").exists() or not any(
        p.is_dir() for p in (tmp_path / "cache" / "envs").iterdir()
    )
    # Told to go on, it checks with --allow-modified, then preflight, then builds.
    allowed = run(bundle, "--verify", "--allow-modified", "--no-run", env=env, cwd=tmp_path)
    said = calls.read_text().splitlines()[1:]
    assert said[0] == "verify %s --check-only --allow-modified" % bundle.resolve()
    assert said[1].startswith("preflight ") and said[-1].endswith("--allow-modified")
    assert allowed.returncode == 0, allowed.stderr


# ------------------------------------------- check-packages.sh, as Docker runs it


def docker_check(bundle, cwd):
    """check-packages.sh the way the Dockerfile's RUN step calls it: bash, no
    PIP_FIND_LINKS (a docker build sees only the bundle)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return subprocess.run(
        ["bash", str(bundle / recipes.CHECK_SCRIPT)],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_script_alone_stops_on_a_missing_or_changed_package(tmp_path):
    """The file the Dockerfile runs before installing: present packages pass,
    a missing flagged package, a missing carried wheel or a changed one stop
    it with exit status 5 and the message run.sh gives."""
    wheel = "wheels/mylib-0.1.0-py3-none-any.whl"
    the_plan = plan(
        carried=[(wheel, "0" * 64)],
        needed=[("big_lib 2.0", "Big.Lib 2.0 " + HOSTILE, "supply it: " + HOSTILE, None)],
        wheels=True,
    )
    bundle = tmp_path / "b"
    (bundle / "wheels").mkdir(parents=True)
    (bundle / wheel).write_bytes(b"the installed wheel")
    the_plan["carried"] = [(wheel, sha256_of(bundle / wheel))]
    write_bundle(bundle, the_plan)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    missing = docker_check(bundle, elsewhere)
    assert missing.returncode == 5, missing.stderr
    assert "check-packages.sh: MISSING: Big.Lib 2.0 " + HOSTILE + ", which no index has: " in (
        missing.stderr
    )
    assert "not building: 1 package(s) no index has are missing or changed" in missing.stderr

    (bundle / "wheels" / "Big_Lib-2.0-py3-none-any.whl").write_bytes(b"x")
    present = docker_check(bundle, bundle)
    assert present.returncode == 0, present.stderr
    assert "MISSING" not in present.stderr and "CHANGED" not in present.stderr

    (bundle / wheel).write_bytes(b"another build of it")
    changed = docker_check(bundle, bundle)
    assert changed.returncode == 5
    assert "CHANGED: %s is not the file that was installed" % wheel in changed.stderr

    (bundle / wheel).unlink()
    gone = docker_check(bundle, bundle)
    assert gone.returncode == 5
    assert "MISSING: %s, which the bundle carried" % wheel in gone.stderr
    assert not list(tmp_path.glob("**/PWNED*"))

    # run.sh runs the same file: the same words, before anything is built
    result = subprocess.run(
        [str(bundle / "run.sh"), "--no-run"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 5
    assert "MISSING: %s, which the bundle carried" % wheel in result.stderr
    assert not (bundle / ".env").exists()
    (bundle / recipes.CHECK_SCRIPT).unlink()
    result = subprocess.run(
        [str(bundle / "run.sh"), "--no-run"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 5
    assert "check-packages.sh is missing: copy the bundle again" in result.stderr


def test_no_check_script_without_packages_no_index_has():
    assert recipes.check_packages_sh(plan()) is None
    assert recipes.CHECK_SCRIPT not in recipes.dockerfile(plan())
    assert recipes.CHECK_SCRIPT not in recipes.run_sh(plan())


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"kind": "conda", "platform": "linux-64", "lock": "conda-linux-64.lock"},
        {"kind": "conda", "platform": "osx-arm64", "lock": "conda-osx-arm64.lock"},
    ],
)
def test_dockerfile_checks_packages_before_installing_and_copies_inputs(changes):
    inputs = ["helpers.py", "data/a b.csv", "data/x.csv", "pkg/sub/__init__.py", "odd$name.py"]
    text = recipes.dockerfile(dict(LOCAL, inputs=inputs, **changes))
    steps = instructions(parse(text))
    runs = [i for i, (kind, _) in enumerate(steps) if kind == "RUN"]
    check = steps.index(("RUN", "bash ./" + recipes.CHECK_SCRIPT))
    installs = [i for i in runs if "install" in steps[i][1]]
    assert installs and check < min(installs)
    copies = [i for i, (kind, _) in enumerate(steps) if kind == "COPY"]
    wheels_copy = [i for i in copies if '["wheels", "./wheels/"]' in steps[i][1]]
    script_copy = [i for i in copies if recipes.CHECK_SCRIPT in steps[i][1]]
    assert wheels_copy[0] < check and script_copy[0] < check
    assert copied(steps[script_copy[0]][1]) == [recipes.CHECK_SCRIPT]
    # the carried modules and data files, each in its folder, before CMD
    targets = {}
    for i in copies:
        *sources, target = json.loads(steps[i][1].partition(" ")[2])
        for source in sources:
            targets[source] = target
        if set(sources) & set(inputs):
            assert i > max(installs)
    assert targets["helpers.py"] == "./"
    assert targets["data/a b.csv"] == targets["data/x.csv"] == "./data/"
    assert targets["pkg/sub/__init__.py"] == "./pkg/sub/"
    assert "odd$name.py" not in text
    assert "1 carried file(s) have names a Dockerfile cannot spell" in text
    assert steps[-1][0] == "CMD" and steps[-2][0] == "COPY"


# -- the environment cache shared by run.sh and nbrepro verify -------------------------


def cached(tools, root, **extra):
    env = environ(tools, NBREPRO_CACHE="on", NBREPRO_CACHE_DIR=str(root), **extra)
    env.pop("NBREPRO_CACHE")
    return env


def python_key(bundle):
    from nbrepro.verify import envcache

    manifest = {"environment": {"kind": "pip", "python": PY_MM}}
    return envcache.plan_for(bundle, manifest).key()


@pytest.mark.venv
@pytest.mark.skipif(shutil.which("flock") is None, reason="no flock(1)")
def test_run_sh_builds_into_the_cache_with_nbrepros_key_and_a_second_bundle_reuses_it(
    tools, tmp_path
):
    from nbrepro.verify import envcache

    root = tmp_path / "cache"
    # comments, trailing blanks and CRLF mean nothing to pip: the same key
    first = write_bundle(tmp_path / "first", plan(), requirements="tinypkg==1.0  \r\n# x\n\n")
    second = write_bundle(tmp_path / "second", plan(), requirements="# other\ntinypkg==1.0\n")
    key = python_key(first)
    assert python_key(second) == key
    built = run(first, env=cached(tools, root), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    prefix = root / "envs" / key / "env"
    assert "run.sh: building %s with python%s -m venv" % (prefix, PY_MM) in built.stderr
    assert (first / ".env").is_symlink() and (first / ".env").resolve() == prefix.resolve()
    assert built.data["prefix"] == str(prefix)
    # what run.sh wrote, nbrepro reads: complete, and nothing installed since
    entry = envcache.Entry(root, key)
    assert entry.usable() == str(prefix / "bin" / "python")
    assert entry.info()["built_by"] == "run.sh"
    # verify runs the environment .env leads to (issue 20: one that came with a bundle never)
    from nbrepro.verify import bundle as bundles

    assert bundles.cached_here(first / ".env", root)
    reused = run(second, env=cached(tools, root), cwd=tmp_path)
    assert reused.returncode == 0, reused.stderr
    assert "reusing the environment %s from the cache" % key in reused.stderr
    assert "building" not in reused.stderr
    with envcache.obtain(envcache.plan_for(second, {"environment": {"kind": "pip"}}), root) as env:
        assert not env.built and env.python == str(prefix / "bin" / "python")

    # installing into it by hand: it is no longer what its key says, and is built again
    shutil.copytree(str(tools["index"]), str(tmp_path / "more"))
    builders.wheel(tmp_path / "more", "extra", "2.0")
    done = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "install", "-q", "extra==2.0"],
        env=dict(cached(tools, root), PIP_FIND_LINKS=str(tmp_path / "more")),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert entry.usable() is None
    again = run(second, "--no-run", env=cached(tools, root), cwd=tmp_path)
    assert "removing the cached environment %s" % key in again.stderr
    assert "building %s" % prefix in again.stderr and entry.usable()


@pytest.mark.venv
@pytest.mark.skipif(shutil.which("flock") is None, reason="no flock(1)")
def test_two_builds_of_one_lock_wait_for_each_other(tools, tmp_path):
    root = tmp_path / "cache"
    bundles = [write_bundle(tmp_path / name, plan()) for name in ("a", "b", "c")]
    processes = [
        subprocess.Popen(
            [str(bundle / "run.sh"), "--no-run"],
            cwd=str(tmp_path),
            env=cached(tools, root),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for bundle in bundles
    ]
    said = [p.communicate(timeout=600)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], said
    assert sum("run.sh: building" in text for text in said) == 1, said
    assert sum("built meanwhile" in text or "reusing" in text for text in said) == 2, said
    assert len([p for p in (root / "envs").iterdir() if p.is_dir()]) == 1


@pytest.mark.venv
def test_nbrepro_builds_once_for_threads_that_ask_together_and_evicts_what_is_unused(
    tools, tmp_path
):
    import threading

    from nbrepro.verify import envcache

    root = tmp_path / "cache"
    env = environ(tools)
    old = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("PIP_")})
    try:
        one = write_bundle(tmp_path / "one", plan())
        two = write_bundle(tmp_path / "two", plan(), requirements="")
        manifest = {"environment": {"kind": "pip", "python": PY_MM}}
        outcomes = []

        def use(bundle):
            with envcache.obtain(envcache.plan_for(bundle, manifest), root) as got:
                outcomes.append((got.key, got.built))

        threads = [threading.Thread(target=use, args=(one,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(built for _, built in outcomes) == [False, False, True]
        use(two)
        keys = {key for key, _ in outcomes}
        assert len(keys) == 2
        # one in use (a shared lock held) is kept; the least recently used goes first
        plan_two = envcache.plan_for(two, manifest)
        with envcache.obtain(plan_two, root):
            removed = envcache.evict(root, 0)
        assert removed == [envcache.plan_for(one, manifest).key()]
        listing = subprocess.run(
            [str(Path(sys.executable).parent / "nbrepro"), "cache", "list", "--json"],
            env=dict(os.environ, NBREPRO_CACHE_DIR=str(root)),
            capture_output=True,
            text=True,
        )
        rows = json.loads(listing.stdout)["environments"]
        assert [row["key"] for row in rows] == [plan_two.key()] and rows[0]["complete"]
        pruned = subprocess.run(
            [str(Path(sys.executable).parent / "nbrepro"), "cache", "prune", "--all"],
            env=dict(os.environ, NBREPRO_CACHE_DIR=str(root)),
            capture_output=True,
            text=True,
        )
        assert pruned.returncode == 0 and "removed 1 environment(s)" in pruned.stdout
        assert envcache.entries(root) == []
    finally:
        os.environ.clear()
        os.environ.update(old)
