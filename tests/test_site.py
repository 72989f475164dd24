"""The real site: the strict build passes, every nav page exists, no placeholder text leaks."""

from __future__ import annotations

import re

import pytest
import yaml

from cnn_glossary.site import glossary

from .conftest import ROOT


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!ENV", lambda loader, node: None)

# the topic pages: the terms marked `topic: true` in the glossary file (the one place they are listed)
TOPICS = glossary.load(ROOT / "docs" / "glossary.yml").topics


def nav_pages() -> list[str]:
    """Every page in the nav, sections flattened, in order."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)

    def walk(entries):
        for entry in entries:
            target = next(iter(entry.values())) if isinstance(entry, dict) else entry
            if isinstance(target, list):
                yield from walk(target)
            else:
                yield target

    return list(walk(config["nav"]))


def test_nav_lists_home_and_every_topic():
    pages = nav_pages()
    assert pages[0] == "index.md"
    assert set(TOPICS) <= set(pages)
    for page in pages:
        assert (ROOT / "docs" / page).exists(), page


def test_strict_build_renders_every_page(built_site):
    for page in [p for p in nav_pages() if p.endswith(".md")]:
        # the offline plugin turns directory URLs off: page.md -> page.html, so the site opens from disk
        html_path = built_site / page.replace(".md", ".html")
        html = html_path.read_text()
        article = re.search(r"<article.*?</article>", html, re.S)
        assert article, page
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", article.group(0), flags=re.S))
        assert "{{" not in text and "}}" not in text, page
        assert not re.search(r"\bTODO\b|\bTBD\b|lorem ipsum", text, re.I), page
        assert "<h1" in html, page


def test_site_works_from_disk(built_site):
    """Links point at files (not folders) and no page needs a server for its scripts or search."""
    index = (built_site / "index.html").read_text()
    assert 'href="convolution.html"' in index
    assert (built_site / "search" / "search_index.js").is_file()
    assert "assets/vendor/iframe-worker-shim.js" in index
    assert "unpkg" not in index and "googleapis" not in index


@pytest.mark.guards("index.md", "Every figure on this site is drawn by a small Python snippet")
@pytest.mark.guards("readme-map.md", "Every figure here is drawn by the site's own code")
def test_every_figure_is_drawn_by_a_snippet(built_site):
    """Every image in every page's text is a figure a snippet published (assets/generated/), none fetched or typed."""
    drawn = {p.name for p in (built_site / "assets" / "generated").rglob("*") if p.is_file()}
    images = 0
    for path in built_site.rglob("*.html"):
        article = re.search(r"<article.*?</article>", path.read_text(), re.S)
        for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', article.group(0) if article else ""):
            images += 1
            assert "assets/generated/" in src and src.rsplit("/", 1)[-1] in drawn, f"{path.name}: {src}"
    assert images > 30


@pytest.mark.guards("index.md", "every topic page shows the key lines of its snippets")
@pytest.mark.guards("values.md", "every topic page shows the key lines of its snippets")
@pytest.mark.guards("index.md", "on most pages, gives a formula")
def test_every_topic_page_shows_snippet_lines_and_most_give_a_formula():
    """Each topic page (and MNIST) embeds at least one snippet's lesson lines; more than half show display math."""
    pages = glossary.load(ROOT / "docs" / "glossary.yml").topics + ["mnist.md"]
    assert len(pages) > 10
    with_formula = 0
    for page in pages:
        text = (ROOT / "docs" / page).read_text()
        assert re.search(r"\{\{ snippet [\w/]+:\w+ \}\}", text), f"{page} shows no snippet's lines"
        with_formula += "$$" in text
    assert with_formula > len(pages) / 2, (with_formula, len(pages))
