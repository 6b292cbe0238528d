"""The report pages write what bundles say as text, never as markup: a bundle's name,
its notebook's outputs and the messages about it are untrusted."""

import json
import re

import nbformat

from nbrepro.verify import batch, report

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>\x1b[31mred\x1b[0m "q" \u202e'


class Opened(object):
    def __init__(self, notebook):
        self.notebook = notebook


def part(slug, verdict="different"):
    return {
        "name": HOSTILE,
        "slug": slug,
        "source": "~/" + HOSTILE,
        "notebook": HOSTILE + ".ipynb",
        "verdict": verdict,
        "exit_status": 1,
        "message": HOSTILE,
        "preflight": {
            "verdict": "yes",
            "checks": [{"check": "gpu", "verdict": "yes", "reason": HOSTILE}],
        },
        "environment": {
            "key": "k" * 32,
            "method": "pip",
            "python": "3.11",
            "platform": "linux-64",
            "reused": True,
        },
        "seconds": {"build": 0.0, "run": 1.0, "total": 1.5},
        "summary": {"same": 0, "different": 1, "error": 0, "not recorded": 0, "not run": 0},
        "cells": [
            {
                "cell": 2,
                "status": "different",
                "difference": {"where": HOSTILE, "recorded": HOSTILE, "now": "x"},
                "causes": [HOSTILE],
                "notes": [HOSTILE],
            }
        ],
        "causes": [HOSTILE],
        "warnings": [HOSTILE],
        "machine": None,
        "tolerance": None,
        "page": "bundles/%s/index.html" % slug,
        "rerun": None,
        "attestation": None,
    }


def test_hostile_names_outputs_and_messages_are_written_as_text(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# x"),
        nbformat.v4.new_code_cell(
            "x",
            execution_count=1,
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text=HOSTILE),
                nbformat.v4.new_output(
                    "display_data", data={"text/html": HOSTILE, "text/plain": HOSTILE}
                ),
            ],
        ),
    ]
    notebook = tmp_path / "n.ipynb"
    nbformat.write(nb, str(notebook))
    slug = batch.slugs([HOSTILE])[0]
    assert re.match(r"^01-[A-Za-z0-9._-]+$", slug)
    folder = tmp_path / "bundles" / slug
    folder.mkdir(parents=True)
    the_part = part(slug)
    report.write_bundle_page(the_part, folder, Opened(notebook))
    report.write_index(batch.results_of([the_part]), tmp_path)
    for page in (tmp_path / "index.html", folder / "index.html"):
        text = page.read_text()
        assert "<script>" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "\x1b" not in text and "\\x1b[31mred" in text
        assert "\u202e" not in text and "\\u202e" in text
        assert "Content-Security-Policy" in text and "default-src 'none'" in text
        assert "<script" not in text.lower()


def test_slugs_are_unique_safe_and_in_order():
    names = batch.slugs(["a/b", "a/b/", "x.zip", "../..", "we ird/na me", "é"])
    assert names == ["01-b", "02-b", "03-x", "04-bundle", "05-na-me", "06-bundle"]
    assert len(set(names)) == len(names)


def test_the_summary_counts_and_exit_status():
    results = batch.results_of([part("01-a", "verified"), part("02-b", "different")])
    assert results["exit_status"] == 1 and results["summary"]["different"] == 1
    results = batch.results_of([part("01-a", "verified"), part("02-b", "cannot rebuild")])
    assert results["exit_status"] == 2
    json.dumps(results)  # plain JSON
