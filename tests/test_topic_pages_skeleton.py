"""The Convolution, Filters, Feature Maps and 1x1 pages follow the topic-page skeleton (read from the sources);
every topic page ends its lesson with a "Check yourself" section of computed questions."""

from __future__ import annotations

import re

import pytest

from cnn_glossary.site import glossary
from cnn_glossary.site import placeholders as ph

from .conftest import ROOT

PAGES = ["convolution.md", "filters.md", "feature-maps.md", "conv-1x1.md"]
ORDER = ["## A worked example", "## The picture", "## The formula", "## Going deeper", "## Check yourself",
         "## Common confusions", "## See also"]


@pytest.mark.parametrize("page", PAGES)
def test_skeleton_order(page):
    text = (ROOT / "docs" / page).read_text()
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    assert blocks[0].startswith("# "), page
    definition = blocks[1]
    assert not definition.startswith(("!!!", "$$", "{{", "#")), f"{page}: a plain definition comes first"
    assert len(definition.split()) <= 60, f"{page}: the definition has {len(definition.split())} words (max 60)"
    assert not re.search(r"[$`=\\]|\{\{", definition), f"{page}: the definition uses symbols"
    assert blocks[2].startswith('!!! quote "The README said'), f"{page}: the README admonition comes third"
    positions = [text.find("\n" + h + "\n") for h in ORDER]
    assert all(p > 0 for p in positions), f"{page}: missing one of {ORDER}"
    assert positions == sorted(positions), f"{page}: sections out of order"
    # In code: lesson sections only, collapsed; the formula comes after the worked example and the picture
    snippets = re.findall(r"\{\{ snippet ([^ }]+) \}\}", text)
    assert snippets and all(":" in s for s in snippets), f"{page}: use {{{{ snippet id:lesson }}}} only"
    assert text.find("$$") > positions[1], f"{page}: no formula before the picture"
    deeper = text[positions[3]:positions[4]]  # up to Check yourself
    assert re.search(r'^\?\?\? info "', deeper, re.M), f"{page}: Going deeper holds collapsed blocks"


# --- Check yourself, on every topic page ---------------------------------------------------------------------------

TOPIC_PAGES = sorted(t.page for t in glossary.load(ROOT / "docs" / "glossary.yml").terms
                     if t.topic and t.page != "mnist.md")  # the MNIST page is the running example, not a lesson
QUESTION = re.compile(r'^\?\?\?(\+?) question "(\d+)\. ([^"\n]+)"\n((?:    .*\n|\n)+)', re.M)
MAX_TITLE_WORDS = 24  # a title is always visible (it counts against the page's word budget): a short question


def check_yourself(page: str, text: str) -> str:
    """The page's Check yourself section, from its heading to the next one."""
    start = text.find("\n## Check yourself\n")
    assert start >= 0, f"docs/{page}: no '## Check yourself' section (3 to 5 '??? question' blocks)"
    assert text.count("\n## Check yourself\n") == 1, f"docs/{page}: two '## Check yourself' sections"
    end = text.find("\n## ", start + 1)
    assert end > 0 and text.startswith("\n## Common confusions\n", end), \
        f"docs/{page}: '## Check yourself' must come right before '## Common confusions'"
    return text[start + len("\n## Check yourself\n"):end + 1]


def test_every_topic_page_is_covered():
    assert len(TOPIC_PAGES) >= 13 and "convolution.md" in TOPIC_PAGES and "softmax.md" in TOPIC_PAGES


@pytest.mark.parametrize("page", TOPIC_PAGES)
def test_check_yourself_asks_three_to_five_computed_questions(page):
    text = (ROOT / "docs" / page).read_text()
    section = check_yourself(page, text)
    questions = list(QUESTION.finditer(section))
    assert 3 <= len(questions) <= 5, f"{page}: Check yourself holds {len(questions)} questions (3 to 5)"
    leftover = QUESTION.sub("", section).strip()
    assert not leftover, f"{page}: Check yourself holds only question blocks, found {leftover[:80]!r}"
    quiz = page.removesuffix(".md").replace("-", "_") + "/quiz"
    given = 0
    for k, q in enumerate(questions, start=1):
        opened, number, title, body = q.groups()
        assert not opened, f"{page}: question {number} is open; '???' keeps its answer folded"
        assert int(number) == k, f"{page}: questions are numbered 1, 2, 3 ...; found {number} at place {k}"
        words = len(ph.PLACEHOLDER.sub("N", title).split())
        assert words <= MAX_TITLE_WORDS, f"{page}: question {number}'s title has {words} words (max {MAX_TITLE_WORDS})"
        ids = {m.group("sid") for m in map(ph.FORM.match, ph.PLACEHOLDER.findall(title + body))}
        assert ids == {quiz}, f"{page}: question {number} embeds {sorted(ids)}; its numbers come from {quiz}"
        given += len(ph.PLACEHOLDER.findall(title))
        answer = ph.PLACEHOLDER.sub("", body)
        assert "**" in body and ph.PLACEHOLDER.search(body.split("**")[1]), \
            f"{page}: question {number}'s answer starts in bold with a computed value"
        assert not re.search(r"\d", answer), \
            f"{page}: question {number}'s answer types a number by hand: {answer.strip()!r}"
    assert given >= len(questions), f"{page}: the questions embed only {given} given numbers from {quiz}"
