"""The bundle's environment files, read back by the tools that consume them:
PyYAML and rattler's MatchSpec for environment.yml, rattler's explicit-file
reader for the lock, pip's own parser and resolver for requirements.txt, and
repo2docker's buildpacks for the folder conventions."""

import re
import subprocess
import sys

import pytest
import rattler
import yaml
from capture import builders
from capture import conftest as capture_env
from capture.conftest import PY_MM
from harness import uses
from packaging.requirements import Requirement
from rattler.explicit_environment import ExplicitEnvironmentSpec

from nbrepro.capture import capture
from nbrepro.record import envfiles

# The real prefix py-rattler and pip build for the capture tests (session fixtures).
built = capture_env.built
conda_prefix = capture_env.conda_prefix

# What no generated file may hold as itself: control characters and bidi overrides.
UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e]")


def snapshot(prefix):
    options = {"prefix": str(prefix), "gpu": False, "config_channels": ["defaults"]}
    return capture(options=options)["environment"]


def _run(*argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
@uses("venv")
def venv(tmp_path_factory):
    """A real venv: a wheel from an index, a wheel installed from its file, and an
    editable project; and the wheel folders that stand in for an index."""
    root = tmp_path_factory.mktemp("venv")
    index = root / "index"
    builders.wheel(index, "plainpkg", "1.0")
    archive = builders.wheel(index, "archpkg", "2.0")
    editable = builders.project(root / "editpkg", "editpkg", "0.1")
    prefix = root / "env"
    _run(sys.executable, "-m", "venv", "--without-pip", str(prefix), check=True)
    pip = [sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python"), "install"]
    pip += ["-q", "--no-index", "--find-links", str(index)]
    _run(*pip, "plainpkg", str(archive), check=True)
    _run(*pip, "-e", str(editable), check=True)
    return {"prefix": prefix, "index": index, "environment": snapshot(prefix)}


def requirement_lines(text):
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def pip_parse(path):
    """requirements.txt through pip's own parser: [(requirement, hashes)]."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    parsed = parse_requirements(str(path), session=PipSession())
    return [(p.requirement, (p.options or {}).get("hashes")) for p in parsed]


def pip_dry_run(requirements, index):
    return _run(
        sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
        "--disable-pip-version-check", "--find-links", str(index), "-r", str(requirements),
    )  # fmt: skip


def test_portable_environment_yml_from_a_rattler_prefix(conda_prefix, built, tmp_path, monkeypatch):
    environment = snapshot(conda_prefix)
    text = envfiles.portable_environment_yml(
        environment,
        "repro",
        extra_conda=["numpy>=1.20", "python=3.99", "conda-forge::scipy"],
        extra_pip=["requests>=2", "PlainPkg>=3", "-e ."],
        conda_channels=["bioconda"],
    )
    data = yaml.safe_load(text)
    assert list(data) == ["name", "channels", "dependencies"]  # no prefix: it is portable
    assert data["name"] == "repro"
    assert data["channels"] == [built["channel"].as_uri(), "defaults", "bioconda"]
    *conda, pip = data["dependencies"]
    # clobberme's files were overwritten by pip, so pip pins it; orphanpy is conda's
    # even though conda reads its dist-info as pip's.
    assert conda == [
        "libdata=2.0",
        "nbtool=0.3",
        "orphanpy=0.5",
        "python=%s" % environment["python"]["version"],
        "numpy>=1.20",
        "conda-forge::scipy",
        "pip",
    ]
    # Local folders (editable, legacy develop, a local git checkout) cannot be
    # installed elsewhere; the extra already pinned and the non-requirement are dropped.
    assert pip == {"pip": ["clobberme==2.0", "plainpkg==1.0", "requests>=2"]}
    # Each pin selects the very record installed, as conda's solver would read it.
    installed = dict(
        (record.name.normalized, record)
        for record in map(
            rattler.PrefixRecord.from_path, (conda_prefix / "conda-meta").glob("*.json")
        )
    )
    for spec in conda:
        match = rattler.MatchSpec(spec)
        if match.name.normalized in installed:
            assert match.matches(installed[match.name.normalized]), spec
    assert rattler.MatchSpec("conda-forge::scipy").channel.name == "conda-forge"
    for line in pip["pip"]:
        Requirement(line)

    (tmp_path / "environment.yml").write_text(text)
    monkeypatch.chdir(tmp_path)
    from repo2docker.buildpacks import CondaBuildPack

    pack = CondaBuildPack("buildpack-deps:jammy")
    assert pack.detect()
    assert pack.python_version == PY_MM


def test_portable_environment_yml_keeps_hostile_strings_as_data(conda_prefix):
    environment = snapshot(conda_prefix)
    hostile = "x: y\n- evil: [1]\n# ' \" $(touch pwned) `id` ; ../../etc"
    text = envfiles.portable_environment_yml(environment, hostile, conda_channels=[hostile])
    data = yaml.safe_load(text)
    assert data["name"] == hostile
    assert data["channels"][-1] == hostile
    assert "prefix" not in data


def test_portable_environment_yml_refuses_a_venv(venv):
    with pytest.raises(ValueError, match="requirements.txt and runtime.txt"):
        envfiles.portable_environment_yml(venv["environment"], "x")


def test_explicit_lock_reads_with_rattler(conda_prefix, tmp_path):
    environment = snapshot(conda_prefix)
    text = envfiles.explicit(environment, "md5")
    path = tmp_path / "conda-linux-64.lock"
    path.write_text(text)
    spec = ExplicitEnvironmentSpec.from_path(path)
    assert str(spec.platform) == "linux-64"
    records = envfiles.packages(environment["conda"])
    assert all(len(r["md5"]) == 32 for r in records)
    assert [p.url for p in spec.packages] == [r["url"] + "#" + r["md5"] for r in records]


@pytest.mark.venv
def test_requirements_of_a_venv_install_with_pip(venv, tmp_path):
    text = envfiles.requirements_txt(venv["environment"], extra=["-e .", "plainpkg", "six"])
    assert requirement_lines(text) == ["archpkg==2.0", "plainpkg==1.0", "six"]
    assert "# left out: editpkg 0.1, an editable install of a local folder" in text
    assert "# %pip install in the notebook, not read here: -e ." in text
    # archpkg's hash is known, plainpkg's and six's are not: no hash-checking mode.
    assert "--hash" not in text and "# sha256 of archpkg==2.0: " in text
    for line in requirement_lines(text):
        Requirement(line)
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    parsed = pip_parse(path)
    assert [str(r) for r, _ in parsed] == ["archpkg==2.0", "plainpkg==1.0", "six"]
    path.write_text(text.replace("six\n", ""))  # six is not in the test index
    result = pip_dry_run(path, venv["index"])
    assert result.returncode == 0, result.stderr
    assert "Would install archpkg-2.0 plainpkg-1.0" in result.stdout


@pytest.mark.venv
def test_requirements_use_hashes_only_when_every_line_has_one(venv, tmp_path):
    environment = dict(venv["environment"])
    pip = dict(environment["pip"])
    pip["distributions"] = [d for d in pip["distributions"] if d["name"] == "archpkg"]
    environment["pip"] = pip
    text = envfiles.requirements_txt(environment)
    [line] = requirement_lines(text)
    digest = pip["distributions"][0]["source"]["archive_info"]["hashes"]["sha256"]
    assert line == "archpkg==2.0 --hash=sha256:%s" % digest
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    [(requirement, hashes)] = pip_parse(path)
    assert str(requirement) == "archpkg==2.0" and hashes == {"sha256": [digest]}
    result = pip_dry_run(path, venv["index"])
    assert result.returncode == 0, result.stderr
    # pip really checks it: a wrong hash fails the install.
    path.write_text(text.replace(digest, "0" * 64))
    result = pip_dry_run(path, venv["index"])
    assert result.returncode != 0 and "HASHES" in result.stderr.upper()


def test_requirements_of_a_conda_env_hold_only_what_pip_installed(conda_prefix):
    text = envfiles.requirements_txt(snapshot(conda_prefix))
    assert requirement_lines(text) == ["clobberme==2.0", "plainpkg==1.0"]
    assert "# left out: editpkg 0.1, an editable install of a local folder" in text
    assert "# left out: vcspkg 0.2, installed from a local git checkout" in text
    assert "# left out: legacy 0.9, a legacy editable install" in text
    assert "nbtool" not in text and "orphanpy" not in text


def test_requirements_cannot_be_injected():
    environment = {
        "conda": None,
        "pip": {
            "site_dirs": [],
            "main_site": 0,
            "distributions": [
                {"name": "evil\n--index-url https://evil.example", "version": "1.0"},
                {"name": "ok", "version": "1.0\n-r /etc/passwd"},
                {"name": "weird", "version": "1.0-custom"},
                {
                    "name": "remote",
                    "version": "3",
                    "source": {"url": "https://user:secret@example.org/remote-3.tar.gz"},
                },
            ],
        },
    }
    text = envfiles.requirements_txt(environment, extra=["x\n--extra-index-url https://e"])
    assert not any(line.startswith("-") for line in text.splitlines())
    assert requirement_lines(text) == [
        "remote @ https://example.org/remote-3.tar.gz",
        "weird===1.0-custom",
    ]
    assert "secret" not in text


def _recorded(*distributions):
    return {
        "conda": None,
        "python": {"version": "3.11.7"},
        "pip": {"site_dirs": [], "main_site": 0, "distributions": list(distributions)},
    }


def test_a_variable_in_a_recorded_url_is_not_the_reviewers(tmp_path, monkeypatch):
    """Issue 20, defect 13: pip fills ``${NAME}`` in a requirements file (and in
    environment.yml's pip section, which conda hands to pip) from the installing
    user's environment, so a recorded URL could send a reviewer's secret to the
    server it names. In a URL the ``$`` is percent-encoded (the same URL); a
    version has no such escape and is left out. pip's own parser reads the file
    with the variable set."""
    environment = _recorded(
        {"name": "remote", "version": "3", "source": {"url": "https://h.example/${TOKEN}/r-3.whl"}},
        {"name": "pinned", "version": "${TOKEN}"},
        {"name": "plain", "version": "1.0"},
    )
    text = envfiles.requirements_txt(environment, extra=["x @ https://e.example/${TOKEN}.whl"])
    (tmp_path / "requirements.txt").write_text(text)
    monkeypatch.setenv("TOKEN", "reviewers-secret")
    parsed = [str(requirement) for requirement, _ in pip_parse(tmp_path / "requirements.txt")]
    assert sorted(parsed) == [
        "plain==1.0",
        "remote @ https://h.example/%24{TOKEN}/r-3.whl",
        "x@ https://e.example/%24{TOKEN}.whl",
    ]
    assert "# left out: pinned ${TOKEN}, not a requirement to write as recorded" in text
    pip_section = yaml.safe_load(envfiles.bundle_environment_yml(environment, "nb"))
    pip_lines = pip_section["dependencies"][-1]["pip"]
    assert "remote @ https://h.example/%24{TOKEN}/r-3.whl" in pip_lines
    assert not any("${" in line for line in pip_lines)


def test_control_characters_from_package_metadata_stay_out_of_requirements():
    """Issue 20, defect 13: packaging reads ``name===1\x1b[2J`` as a requirement, so
    a terminal escape in a recorded version reached requirements.txt as itself."""
    environment = _recorded(
        {"name": "esc", "version": "1\x1b[2J"},
        {"name": "csi", "version": "1\x9b2J"},
        {"name": "url", "version": "1", "source": {"url": "https://h.example/\u202ex.whl"}},
        {"name": "plain", "version": "1.0"},
    )
    text = envfiles.requirements_txt(environment)
    assert UNSHOWN.search(text.replace("\n", "")) is None
    assert requirement_lines(text) == ["plain==1.0"]
    assert "# left out: esc 1?[2J, not a requirement to write as recorded" in text


def test_runtime_txt_for_repo2docker(venv, conda_prefix, tmp_path, monkeypatch):
    text = envfiles.runtime_txt(venv["environment"])
    assert text == "python-%s\n" % PY_MM
    assert envfiles.runtime_txt(snapshot(conda_prefix)) is None
    (tmp_path / "runtime.txt").write_text(text)
    (tmp_path / "requirements.txt").write_text(envfiles.requirements_txt(venv["environment"]))
    monkeypatch.chdir(tmp_path)
    from repo2docker.buildpacks import CondaBuildPack, PythonBuildPack

    pack = PythonBuildPack("buildpack-deps:jammy")
    assert pack.detect()
    assert pack.python_version == PY_MM
    assert not CondaBuildPack("buildpack-deps:jammy").detect()
    with pytest.raises(ValueError, match="no Python version"):
        envfiles.runtime_txt({"conda": None, "python": {"version": None}})


def test_a_venv_bundle_has_an_environment_yml_repo2docker_reads_as_before(
    venv, tmp_path, monkeypatch
):
    environment = venv["environment"]
    text = envfiles.bundle_environment_yml(environment, "step", extra_pip=["six"])
    data = yaml.safe_load(text)
    assert data["name"] == "step" and data["channels"] == ["conda-forge", "nodefaults"]
    python, pip, section = data["dependencies"]
    assert (python, pip) == ("python=%s" % PY_MM, "pip")
    # the pip section is requirements.txt's requirements, nothing more or less
    requirements = envfiles.requirements_txt(environment, extra=["six"])
    assert (
        section
        == {"pip": requirement_lines(requirements)}
        == {"pip": ["archpkg==2.0", "plainpkg==1.0", "six"]}
    )
    assert rattler.MatchSpec(python).name.normalized == "python"
    assert str(rattler.MatchSpec(python).version) == "%s.*" % PY_MM

    # repo2docker's own choice of buildpack over the files a venv bundle holds:
    # its Dockerfile first, as before; without it, conda reads the same Python.
    from repo2docker.app import Repo2Docker

    def picked():
        for pack in Repo2Docker().buildpacks:
            built_pack = pack(base_image="buildpack-deps:jammy")
            if built_pack.detect():
                return built_pack
        return None

    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "runtime.txt").write_text(envfiles.runtime_txt(environment))
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    monkeypatch.chdir(tmp_path)
    before = type(picked()).__name__
    (tmp_path / "environment.yml").write_text(text)
    assert type(picked()).__name__ == before == "DockerBuildPack"
    (tmp_path / "Dockerfile").unlink()
    pack = picked()
    assert type(pack).__name__ == "CondaBuildPack" and pack.python_version == PY_MM
    with pytest.raises(ValueError, match="no Python version was recorded"):
        envfiles.bundle_environment_yml({"conda": None, "python": {}}, "x")


def test_environment_yml_pins_channels_as_a_secure_image_does(conda_prefix):
    environment = snapshot(conda_prefix)
    local = environment["conda"]["channels"][0]
    # as recorded: every package from the first channel, defaults configured
    data = yaml.safe_load(envfiles.portable_environment_yml(environment, "x"))
    assert not any("::" in str(d) for d in data["dependencies"])
    assert "nodefaults" not in data["channels"]
    # another channel first: the local channel's packages are qualified, and with
    # no defaults channel recorded anywhere, nodefaults closes the door on it
    environment["conda"]["channels"] = ["conda-forge", local]
    data = yaml.safe_load(envfiles.portable_environment_yml(environment, "x"))
    assert data["channels"] == ["conda-forge", local, "nodefaults"]
    qualified = [d for d in data["dependencies"] if isinstance(d, str) and "::" in d]
    assert qualified and all(d.startswith(local + "::") for d in qualified)
    for spec in qualified:
        match = rattler.MatchSpec(spec)
        assert match.channel is not None and match.name.normalized in spec
