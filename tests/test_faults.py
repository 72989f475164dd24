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
