"""Hardening probes (issue 11): typos in placeholders, cache faults, orphans, messages.

Each test reproduces a failure the old code had; see the issue for the probes.
"""

from __future__ import annotations

import pytest

from cnn_glossary.site import placeholders as ph

# -- item 3: every "{{" outside code parses or fails, naming the line --------------------------


@pytest.mark.parametrize(
    "text, line",
    [
        ("# T\n\nWe have {{ value epochs/steps:n_all } steps.\n\nLater {{ value a/b:c }} is fine.\n", 3),
        ("# T\n\nok {{ value a/b:c }}\n\nand at the end {{ value a/b:d\n", 5),
        ("# T\n\n{{ value a/b:c\n}}\n", 3),
        ("# T\n\n{{{ value a/b:c }}}\n", 3),
    ],
    ids=["one-closing-brace", "open-at-end", "split-over-lines", "triple-brace"],
)
def test_an_unclosed_placeholder_is_an_error_on_its_own_line(text, line):
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find(text)
    assert info.value.line == line
    message = str(info.value)
    assert "does not close" in message
    assert "Later" not in message and "is fine" not in message  # nothing swallowed up to a later "}}"


def test_the_error_quotes_the_typo_not_the_text_after_it():
    text = "{{ value a/b:c } " + "words " * 40 + "{{ value a/b:d }}\n"
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find(text)
    assert str(info.value).startswith("'{{ value a/b:c } words")
    assert "a/b:d" not in str(info.value)


def test_braces_in_code_are_left_alone():
    text = (
        "# T\n\n"
        "Prose {{ value a/b:c }}.\n\n"
        "    {{ an indented code block\n"
        "    still code }}\n\n"
        "```\n{{ fenced\n```\n\n"
        "Inline `{{ code` too.\n\n"
        "- a list item\n\n"
        "    {{ value a/b:in_list }} is list content, not code\n\n"
        "!!! note \"Box\"\n\n"
        "    {{ value a/b:in_box }} is admonition content\n\n"
        "        {{ but this is code inside the box\n"
    )
    found = ph.find(text)
    assert [(p.name, p.line) for p in found] == [("c", 3), ("in_list", 16), ("in_box", 20)]


def test_indented_text_that_continues_a_paragraph_is_not_code():
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find("A paragraph\n    {{ value a/b:c }\n")
    assert info.value.line == 2


def test_a_typo_fails_the_build_naming_page_and_line(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.page("# T\n\nFine {{ value a:x }}.\n\nTypo {{ value a:x } here.\n\nMore {{ value a:x }}.\n")
    build = site.build()  # not even --strict: a typo is never a warning
    assert build.returncode != 0
    assert "docs/index.md:5:" in build.log and "does not close" in build.log, build.log
