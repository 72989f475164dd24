"""Faults probes (issue 25): nothing stale, nothing tampered, nothing half-broken.

Each test reproduces a fault found by trying the project as a new user and as an attacker would: a hand-edited
MNIST result, a one-brace placeholder typo, a cache copied to another folder, a corrupt mkdocs-jupyter cache entry,
NaN in widget data, a figure overwritten with garbage, includes of files outside the published folders, training
options that make no sense, and a build that fetches MNIST without saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_glossary.site import placeholders as ph
from cnn_glossary.site.pipeline import Pipeline

from .conftest import ROOT

# -- item 2: a placeholder with unbalanced braces fails, naming the line ------------------------------------------


@pytest.mark.parametrize(
    "typo",
    [
        "{ value convolution/output_size:mnist_first_layer }}",
        "{ value convolution/output_size:mnist_first_layer }",
        "value convolution/output_size:mnist_first_layer }}",
        "{{ value convolution/output_size:mnist_first_layer }}}",
        "{ table convolution/output_size:sizes }}",
        "{ figure convolution/output_size:slide }}",
        "{ snippet convolution/output_size:lesson }}",
        "{ data widgets/conv_explorer:config }}",
        "{ value a:x }}",
        "{value a/b:c | .2% }}",
    ],
)
def test_a_placeholder_with_unbalanced_braces_fails_on_its_line(typo):
    text = f"# T\n\nFine {{{{ value a/b:c }}}}.\n\nThe first layer gives {typo} outputs.\n"
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find(text)
    assert info.value.line == 5
    assert "brace" in str(info.value) and typo.strip("{} ")[:20] in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "Inline `{ value a/b:c }}` is code.\n",
        "```\n{ value a/b:c }}\n```\n",
        "Math: $\\text{the value y}$ and $\\{ x \\}$ and $\\frac{a}{b_{i}}$.\n",
        "A set {a, b} and the value of x}.\n",
        "Python's format string \"{value}\" and {key: value} pairs.\n",
    ],
    ids=["inline-code", "fence", "math", "prose-braces", "prose-format"],
)
def test_braces_that_are_not_a_placeholder_typo_are_left_alone(text):
    assert ph.find(text) == []


def test_a_one_brace_typo_fails_the_build_naming_page_and_line(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 26)\n')
    site.page("# T\n\nFine {{ value a:x }}.\n\nTypo { value a:x }} here.\n")
    build = site.build("--strict")
    assert build.returncode != 0, build.log
    assert "docs/index.md:5:" in build.log and "brace" in build.log, build.log


# -- item 3: cache entries name their inputs relative to the project, so a copied or moved cache checks its own files


def _snippet(root: Path, sid: str, text: str) -> Path:
    path = root / "snippets" / f"{sid}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


READER = 'from cnn_glossary import publish\npublish.value("n", int(open("data.txt").read()) + {extra})\n'


@pytest.mark.parametrize("edit", ["data-file", "snippet"])
def test_a_cache_copied_with_its_project_checks_the_files_of_the_copy(tmp_path, edit):
    first = tmp_path / "checkout-a"
    (first / "data.txt").parent.mkdir()
    (first / "data.txt").write_text("41")
    _snippet(first, "a", READER.format(extra=1))
    assert Pipeline(first, log=lambda m: None).run("a").values["n"]["value"] == 42
    second = tmp_path / "checkout-b"
    shutil.copytree(first, second)  # the cache goes along, modification times included
    if edit == "data-file":
        (second / "data.txt").write_text("99")
    else:
        _snippet(second, "a", READER.format(extra=2))
    lines: list[str] = []
    copy = Pipeline(second, log=lines.append)
    assert copy.cached("a") is None, "the copy's cache still checks the first checkout's files"
    result = copy.ensure(["a"])["a"]
    assert result.ran and result.values["n"]["value"] == (100 if edit == "data-file" else 43)
    assert any("ran snippets/a.py" in line for line in lines), lines
    manifest = json.loads(copy._manifest_path("a").read_text())
    assert {d["path"] for d in manifest["deps"]} >= {"snippets/a.py", "data.txt"}
    assert not any(str(first) in d["path"] or str(second) in d["path"] for d in manifest["deps"])
    # and the first checkout's entry still serves the first checkout
    assert Pipeline(first, log=lambda m: None).cached("a").values["n"]["value"] == 42


def test_a_moved_project_keeps_its_cache(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "data.txt").write_text("41")
    _snippet(old, "a", READER.format(extra=1))
    Pipeline(old, log=lambda m: None).run("a")
    new = tmp_path / "new"
    old.rename(new)
    hit = Pipeline(new, log=lambda m: None).cached("a")
    assert hit is not None and hit.values["n"]["value"] == 42
    assert hit.path == new / "snippets" / "a.py"


# -- item 6: a cached figure is checked by its hash, not only its size --------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
FIGURE = ("from cnn_glossary import publish\n"
          f'publish.figure("f", {SVG!r}, alt="A tiny empty picture.", caption="Empty.")\n')


def test_a_figure_overwritten_with_garbage_of_the_same_size_is_made_again(tmp_path):
    _snippet(tmp_path, "a", FIGURE)
    pipe = Pipeline(tmp_path, log=lambda m: None)
    figure = pipe.run("a").figure_path("f")
    assert figure.read_bytes() == SVG
    figure.write_bytes(b"<" * len(SVG))  # same size, other bytes
    assert pipe.cached("a") is None, "a cached figure with other bytes of the same size is trusted"
    again = pipe.ensure(["a"])["a"]
    assert again.ran and again.figure_path("f").read_bytes() == SVG
    assert pipe.cached("a") is not None
