"""Where a rebuild gets each pip package (export.wheels.classify), pip's index
settings as this machine has them, the carry plan, and run.sh's file matching
against the Python side's."""

import hashlib
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from capture.builders import wheel

from nbrepro.export import fill, wheels
from nbrepro.record import envfiles

GIT = "https://github.com/example/tool"
COMMIT = "0123456789abcdef0123456789abcdef01234567"

# What no generated file may hold as itself: control characters and bidi overrides.
UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e]")


def dist(name="mylib", version="0.1.0", source=None, **extra):
    record = {"name": name, "normalized_name": name, "version": version, "location": "prefix"}
    if source is not None:
        record["source"] = source
    record.update(extra)
    return record


def archive(url, sha256=None):
    info = {"hashes": {"sha256": sha256}, "hash": "sha256=" + sha256} if sha256 else {}
    return {"url": url, "archive_info": info}


@pytest.mark.parametrize(
    "record, expected",
    [
        (dist("numpy", "2.0.0"), ("index", None)),
        (
            dist(source={"url": GIT, "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
            ("vcs", "git+%s@%s" % (GIT, COMMIT)),
        ),
        (
            dist(source={"url": "file:///src/tool", "vcs_info": {"vcs": "git"}}),
            ("local-folder", "/src/tool"),
        ),
        (
            dist(source=archive("https://example.org/mylib-0.1.0-py3-none-any.whl", "a" * 64)),
            ("url", "https://example.org/mylib-0.1.0-py3-none-any.whl"),
        ),
        (
            dist(source=archive("file:///data/dist/mylib-0.1.0-py3-none-any.whl", "a" * 64)),
            ("local-file", "/data/dist/mylib-0.1.0-py3-none-any.whl"),
        ),
        (
            dist(source=archive("file:///data/my%20dist/mylib-0.1.0.tar.gz")),
            ("local-file", "/data/my dist/mylib-0.1.0.tar.gz"),
        ),
        (
            dist(source={"url": "file:///src/mylib", "dir_info": {"editable": True}}),
            ("editable", "/src/mylib"),
        ),
        (
            dist(
                kind="egg-link", source={"url": "file:///src/old", "dir_info": {"editable": True}}
            ),
            ("editable", "/src/old"),
        ),
        (
            dist(source={"url": "file:///src/mylib", "dir_info": {"editable": False}}),
            ("local-folder", "/src/mylib"),
        ),
        # pypi.org never accepts a local version label: another index had it
        (dist("torch", "2.3.0+cu118"), ("private-index", None)),
    ],
    ids=[
        "index",
        "vcs",
        "local-checkout",
        "direct-url",
        "local-wheel",
        "local-sdist-quoted",
        "editable",
        "egg-link",
        "local-folder",
        "local-label",
    ],
)
def test_classify_names_where_a_rebuild_gets_each_package(record, expected):
    assert wheels.classify(record) == expected


def test_a_home_relative_file_url_is_read_as_this_users_home():
    record = dist(source=archive("file://~/dist/mylib-0.1.0-py3-none-any.whl", "a" * 64))
    source, path = wheels.classify(record)
    assert source == "local-file"
    assert path == os.path.join(os.path.expanduser("~"), "dist", "mylib-0.1.0-py3-none-any.whl")


def test_a_private_index_comes_from_pip_settings_without_its_credentials(tmp_path):
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\nindex-url = https://alice:s3cret@pypi.corp.example/simple\n"
        "extra-index-url = https://pypi.org/simple https://token@extra.example/simple\n"
    )
    index = wheels.index_config(environ={"PIP_CONFIG_FILE": str(config)})
    assert index == {
        "index_url": "https://pypi.corp.example/simple",
        "extra_index_urls": ["https://extra.example/simple"],
    }
    assert wheels.classify(dist("numpy", "2.0.0"), index) == (
        "private-index",
        "https://pypi.corp.example/simple",
    )
    # PIP_INDEX_URL wins over the file, as in pip; pypi.org is no private index
    public = wheels.index_config(
        environ={"PIP_CONFIG_FILE": str(config), "PIP_INDEX_URL": "https://pypi.org/simple"}
    )
    assert public["index_url"] is None
    assert wheels.classify(dist("numpy", "2.0.0"), public) == ("index", None)
    # os.devnull: no configuration at all, as pip reads it
    assert wheels.index_config(environ={"PIP_CONFIG_FILE": os.devnull}) == {
        "index_url": None,
        "extra_index_urls": [],
    }


def test_a_private_index_is_one_finding_naming_its_packages_and_no_secret(tmp_path):
    index = wheels.index_config(
        environ={"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "https://u:pw@corp.example/s"}
    )
    plan = wheels.plan([dist("numpy", "2.0.0"), dist("scipy", "1.14.0")], index=index)
    [finding] = plan.findings
    assert finding["kind"] == wheels.KIND and finding["source"] == "private-index"
    assert "numpy 2.0.0, scipy 1.14.0" in finding["message"]
    assert "https://corp.example/s" in finding["message"] and "pw" not in finding["message"]
    assert "PIP_INDEX_URL" in finding["message"]
    assert plan.carried == [] and not plan.needs_folder


def test_vcs_and_direct_urls_are_fetched_not_flagged():
    plan = wheels.plan(
        [
            dist("tool", source={"url": GIT, "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
            dist(source=archive("https://example.org/mylib-0.1.0-py3-none-any.whl", "a" * 64)),
        ]
    )
    assert plan.findings == [] and not plan.needs_folder
    assert [row["action"] for row in plan.sources] == ["fetched", "fetched"]
    assert plan.vcs_tools() == ["git"]  # run.sh checks git is there before building


def installed_from(path):
    data = Path(path).read_bytes()
    return dist(source=archive(path.as_uri(), hashlib.sha256(data).hexdigest()))


def test_a_local_wheel_is_carried_when_its_hash_matches_and_it_fits(tmp_path):
    built = wheel(tmp_path, "mylib", "0.1.0")
    record = installed_from(built)
    plan = wheels.plan([record], limit=10 * wheels.MB)
    assert plan.findings == []
    [carried] = plan.carried
    sha256 = hashlib.sha256(built.read_bytes()).hexdigest()
    assert carried["file"] == "wheels/mylib-0.1.0-py3-none-any.whl"
    assert carried["sha256"] == sha256 and carried["how"] == "copied"
    assert plan.files["wheels/mylib-0.1.0-py3-none-any.whl"] == built.read_bytes()
    text = envfiles.requirements_txt({"pip": {"distributions": [record]}}, carry=plan)
    assert "--find-links ./wheels" in text.splitlines()
    assert "./wheels/mylib-0.1.0-py3-none-any.whl --hash=sha256:%s" % sha256 in text.splitlines()
    assert "mylib==0.1.0" not in text


@pytest.mark.parametrize(
    "change, reason",
    [
        ("limit", "over the"),
        ("edit", "sha256 differs"),
        ("delete", "no longer there"),
    ],
)
def test_a_local_wheel_that_cannot_be_carried_is_flagged(tmp_path, change, reason):
    built = wheel(tmp_path, "mylib", "0.1.0")
    record = installed_from(built)
    limit = 10 * wheels.MB
    if change == "limit":
        limit = built.stat().st_size - 1
    elif change == "edit":
        built.write_bytes(built.read_bytes() + b"\0")
    else:
        built.unlink()
    plan = wheels.plan([record], limit=limit)
    assert plan.carried == [] and plan.files == {}
    [finding] = plan.findings
    assert finding["kind"] == "not-fetchable" and finding["source"] == "local-file"
    assert finding["message"].startswith("mylib 0.1.0: installed from a local file")
    assert reason in finding["message"]
    assert "wheels/" in finding["message"] and "PIP_FIND_LINKS" in finding["message"]
    text = envfiles.requirements_txt({"pip": {"distributions": [record]}}, carry=plan)
    assert "mylib==0.1.0" in text.splitlines() and "--find-links ./wheels" in text


@pytest.mark.venv
def test_an_editable_outside_the_project_is_flagged_and_one_inside_is_built(tmp_path):
    from capture.builders import project

    inside = project(tmp_path / "proj" / "pkg", "projpkg", "1.0")
    outside = project(tmp_path / "elsewhere", "otherpkg", "2.0")
    records = [
        dist("projpkg", "1.0", {"url": inside.as_uri(), "dir_info": {"editable": True}}),
        dist("otherpkg", "2.0", {"url": outside.as_uri(), "dir_info": {"editable": True}}),
    ]
    plan = wheels.plan(records, project=tmp_path / "proj")
    assert [(c["name"], c["how"], c["file"]) for c in plan.carried] == [
        ("projpkg", "built", "wheels/projpkg-1.0-py3-none-any.whl")
    ]
    [finding] = plan.findings
    assert finding["message"].startswith("otherpkg 2.0: an editable install of a local folder")
    assert "outside the notebook's project" in finding["message"]
    # the export dialog's check builds nothing and reports nothing to build
    checked = wheels.plan(records, project=tmp_path / "proj", check=True)
    assert checked.carried == [] and len(checked.findings) == 1
    # --no-build: what would be built is reported instead
    unbuilt = wheels.plan(records, project=tmp_path / "proj", build=False)
    assert "--no-build" in unbuilt.findings[0]["message"]


@pytest.mark.venv
def test_a_folder_that_does_not_build_offline_is_flagged_with_pips_reason(tmp_path):
    folder = tmp_path / "proj" / "broken"
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["no-such-backend-xyz"]\nbuild-backend = "nope"\n'
    )
    record = dist("broken", "0.1", {"url": folder.as_uri(), "dir_info": {"editable": True}})
    plan = wheels.plan([record], project=tmp_path / "proj")
    [finding] = plan.findings
    assert "pip wheel --no-build-isolation failed without network" in finding["message"]


FILES = [
    ("mylib-0.1.0-py3-none-any.whl", "mylib", "0.1.0"),
    ("Zope.Interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", "zope.interface", "6.0"),
    ("zope_interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", "zope-interface", "6.0"),
    ("my_lib-0.1.0.tar.gz", "my-lib", "0.1.0"),
    ("my-lib-0.1.0.tar.gz", "My_Lib", "0.1.0"),
    ("torch-2.3.0+cu118-cp311-cp311-linux_x86_64.whl", "torch", "2.3.0+cu118"),
    ("pkg-1.0rc1.zip", "pkg", "1.0RC1"),
]


def test_run_sh_reads_file_names_as_the_python_side_names_packages():
    """run.sh's dist_key (bash) and wheels.dist_key (Python) must agree, or
    run.sh would call a supplied file missing."""
    template = fill.text("check-packages.sh.in")
    function = re.search(r"^dist_key\(\) \{$.*?^\}$", template, re.M | re.S).group(0)
    script = (
        function
        + "\n"
        + "\n".join(
            'dist_key %s || echo "(none)"' % name for name, _, _ in FILES + [("notes.txt", 0, 0)]
        )
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    expected = [wheels.dist_key(name, version) for _, name, version in FILES] + ["(none)"]
    assert result.stdout.splitlines() == expected


def test_the_readme_names_an_extra_index_whose_packages_cannot_be_told(tmp_path):
    from nbrepro.export import readme

    index = wheels.index_config(
        environ={
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_EXTRA_INDEX_URL": "https://pypi.org/simple https://tok@download.example/whl",
        }
    )
    built = wheel(tmp_path, "mylib", "0.1.0")
    plan = wheels.plan([dist("numpy", "2.0.0"), installed_from(built)], index=index)
    assert plan.findings == []  # numpy may be from either index: nothing to flag
    text = readme.packages_section(plan)
    assert "also set to read `https://download.example/whl`" in text and "tok" not in text
    assert "| mylib 0.1.0 | a local file | `wheels/mylib-0.1.0-py3-none-any.whl` (copied" in text
    assert readme.packages_section(wheels.plan([dist("numpy", "2.0.0")])) == ""


def test_only_a_recorded_python_builds_a_wheel():
    """The interpreter comes from notebook metadata: `/bin/sh -m pip` would run
    a file named pip, so anything not named like a Python falls back to nbrepro's."""
    import sys

    from nbrepro.export import bundle

    assert bundle._recorded_python(sys.executable) == sys.executable
    assert bundle._recorded_python("/bin/sh") is None
    assert bundle._recorded_python("/no/such/python3") is None
    assert bundle._recorded_python(None) is None


@pytest.mark.venv
def test_a_build_that_hangs_is_stopped_and_reported(tmp_path, monkeypatch):
    # a temporary folder of its own: other tests (and xdist workers) build beside it
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "slow_backend"\nbackend-path = ["."]\n'
    )
    (folder / "slow_backend.py").write_text(
        "import time\n"
        "def get_requires_for_build_wheel(config_settings=None):\n    return []\n"
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    time.sleep(600)\n"
    )
    before = set(os.listdir(tempfile.gettempdir()))
    path, why = wheels.build_wheel(folder, timeout=5)
    assert path is None and why == "pip wheel took longer than 5 s"
    left = set(os.listdir(tempfile.gettempdir())) - before
    assert not [name for name in left if name.startswith("nbrepro-wheel-")]


def test_a_local_version_label_says_why_it_needs_another_index():
    index = {"index_url": None, "extra_index_urls": ["https://corp.example/extra"]}
    plan = wheels.plan([dist("torch", "2.3.0+cu118")], index=index)
    [finding] = plan.findings
    assert finding["source"] == "private-index"
    assert (
        "from an index other than pypi.org (their versions carry a local label, which "
        "pypi.org never has); pip on this machine also reads https://corp.example/extra"
    ) in finding["message"]


def test_control_characters_from_package_metadata_reach_no_generated_file(tmp_path):
    """Issue 20, defect 13: a forged recording's name and version (``\\x1b[2J`` clears
    the terminal, ``\\u202e`` reverses what follows) were written as themselves into
    check-packages.sh (whose ``say`` prints them), wheels/README.txt and README.md."""
    from nbrepro.export import readme, recipes

    name, version = "evil\x1b[2Jlib", "1.0\u202e\x9b"
    gone = dist(name, version, archive("file:///no/such/evil-1.0.whl", "a" * 64))
    plan = wheels.plan([gone])
    [flagged] = plan.flagged
    script = recipes.check_packages_sh(
        {
            "kind": "pip",
            "python": "3.11",
            "script": "nb.py",
            "notebook": "nb.ipynb",
            "needed": [(flagged["key"], "%s %s" % (name, version), flagged["supply"], None)],
        }
    )
    texts = {
        "check-packages.sh": script,
        "wheels/README.txt": wheels.folder_readme(plan),
        "README.md": readme.packages_section(plan),
    }
    for file, text in texts.items():
        assert UNSHOWN.search(text.replace("\n", "")) is None, file
    checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


def _running(cmdline):
    """Pids of running processes (not zombies) whose command line is ``cmdline``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as handle:
                if handle.read() != cmdline:
                    continue
            with open("/proc/%s/stat" % name, "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        if stat[stat.rfind(b")") + 2 :].split()[0] != b"Z":
            found.append(int(name))
    return found


ESCAPING_SETUP = """
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        # No marker variable, another session, and pip's output pipe held open.
        os.execve("/bin/sleep", ["sleep", {seconds!r}], {{}})
    os._exit(0)
from setuptools import setup
setup(name="escaper", version="1.0", py_modules=[])
"""


@pytest.mark.venv
@pytest.mark.parametrize("bound", [None, "reaper"], ids=["first-that-works", "reaper"])
def test_a_build_child_that_leaves_the_session_and_clears_its_environment_is_ended(tmp_path, bound):
    """Issue 20, defect 4: a package's setup.py whose child called setsid and
    cleared its environment outlived the build's bound (the process group and
    the marker variable). The build now runs in a PID namespace where unshare
    can make one, else under the subreaper: either way the child is gone when
    the build is. (It holds pip's pipe, so the build runs to its time limit.)
    The child is found by its command line, a sleep of a length no other has."""
    import random
    import time

    if not os.path.isdir("/proc"):
        pytest.skip("needs Linux /proc")
    seconds = "600.%06d" % random.randrange(10**6)
    cmdline = b"sleep\0" + seconds.encode() + b"\0"
    folder = tmp_path / "proj" / "escaper"
    folder.mkdir(parents=True)
    (folder / "setup.py").write_text(ESCAPING_SETUP.format(seconds=seconds))
    started = time.monotonic()
    path, why = wheels.build_wheel(folder, timeout=10, **({"bound": bound} if bound else {}))
    assert time.monotonic() - started < 60
    assert path is None and why == "pip wheel took longer than 10 s"
    try:
        deadline = time.monotonic() + 10
        while _running(cmdline) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(cmdline), "the build's child outlived the build"
    finally:
        for pid in _running(cmdline):  # only the sleep this test's build started
            os.kill(pid, 9)
    from nbrepro.export import contained

    print("\nbound: %s" % (bound or contained.prefix(10)[1]))


def test_no_local_path_of_a_package_is_absolute_in_what_the_bundle_says(tmp_path):
    """Issue 20, defect 14: the manifest carried the absolute path of an editable package
    outside the project, home folder and user name included."""
    from capture.builders import project

    inside = project(tmp_path / "proj" / "pkg", "projpkg", "1.0")
    outside = project(tmp_path / "home" / "alice" / "src" / "myproj", "myproj", "2.0")
    gone = tmp_path / "home" / "alice" / "dist" / "gone-1.0-py3-none-any.whl"
    records = [
        dist("projpkg", "1.0", {"url": inside.as_uri(), "dir_info": {"editable": True}}),
        dist("myproj", "2.0", {"url": outside.as_uri(), "dir_info": {"editable": True}}),
        dist("gone", "1.0", archive(gone.as_uri(), "0" * 64)),
        dist("away", "3.0", {"url": (tmp_path / "nowhere").as_uri(), "dir_info": {}}),
    ]
    plan = wheels.plan(records, project=tmp_path / "proj", check=True)
    details = {row["name"]: row["detail"] for row in plan.sources}
    assert details == {
        "projpkg": "pkg",
        "myproj": ".../myproj",
        "gone": ".../gone-1.0-py3-none-any.whl",
        "away": ".../nowhere",
    }
    said = json.dumps([plan.sources, plan.flagged, plan.findings])
    assert str(tmp_path) not in said and "alice" not in said
