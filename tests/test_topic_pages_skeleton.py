"""The Convolution, Filters, Feature Maps and 1x1 pages follow the topic-page skeleton (read from the sources)."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT

PAGES = ["convolution.md", "filters.md", "feature-maps.md", "conv-1x1.md"]
ORDER = ["## A worked example", "## The picture", "## The formula", "## Going deeper", "## Common confusions",
         "## See also"]


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
    deeper = text[positions[3]:positions[4]]
    assert re.search(r'^\?\?\? info "', deeper, re.M), f"{page}: Going deeper holds collapsed blocks"
