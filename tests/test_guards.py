"""Sentences about results are guarded: a test declares the words it guards, the build keeps them honest."""

from __future__ import annotations

import textwrap

import pytest

from cnn_glossary.site import checks

from .conftest import ROOT

GUARDED_TEST = """\
import pytest
from cnn_glossary import publish

@pytest.mark.checks("demo/answer")
@pytest.mark.guards("index.md", "more than forty")
def test_answer():
    assert publish.collect("snippets/demo/answer.py").values["answer"]["value"] > 40
"""


def _tiny(site, page: str):
    config = (site.root / "mkdocs.yml").read_text()
    (site.root / "mkdocs.yml").write_text(config.replace("require_checks: false", "require_checks: true"))
    site.snippet("demo/answer", 'from cnn_glossary import publish\n\npublish.value("answer", 42)\n')
    site.page(page)
    site.page("# Values\n\n{{ values_index }}\n", name="values.md")
    (site.root / "tests").mkdir()
    (site.root / "tests" / "test_demo.py").write_text(textwrap.dedent(GUARDED_TEST))


def test_a_guarded_claim_is_listed_with_its_test(site):
    _tiny(site, "# Demo\n\nThe answer is {{ value demo/answer:answer }}, more than forty.\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    values = site.html("values.html")
    assert "more than forty" in values and "<code>test_answer</code>" in values


def test_a_sentence_changed_without_its_guard_fails_the_strict_build(site):
    _tiny(site, "# Demo\n\nThe answer is {{ value demo/answer:answer }}, the largest of all.\n")
    build = site.build("--strict")
    assert build.returncode != 0
    assert "tests/test_demo.py" in build.log and "more than forty" in build.log


@pytest.mark.parametrize("marker", [
    '@pytest.mark.guards("index.md")',
    '@pytest.mark.guards("index", "a long enough piece")',
    '@pytest.mark.guards("index.md", "short")',
    '@pytest.mark.guards("index.md", TEXT)',
])
def test_malformed_guards_are_errors(marker):
    source = f"import pytest\nTEXT = 'x' * 20\n\n{marker}\ndef test_x():\n    pass\n"
    with pytest.raises(checks.DeclarationError):
        checks.guards_in(source, "tests/test_x.py")


def test_every_guard_in_this_project_names_a_page_that_exists():
    for page, found in checks.guards(ROOT).items():
        assert (ROOT / "docs" / page).is_file(), f"{found[0].test_file}:{found[0].line} guards a missing page {page}"
